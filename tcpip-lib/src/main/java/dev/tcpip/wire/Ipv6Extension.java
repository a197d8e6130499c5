package dev.tcpip.wire;

import java.util.Objects;

/**
 * An IPv6 extension header (RFC 8200 §4) to emit, in chain order after the fixed header. Each
 * knows its protocol number and length; the next-header fields are filled in by
 * {@link Ipv6Header#emit}.
 */
public sealed interface Ipv6Extension {

    /** The protocol number that names this header in the previous header's next-header field. */
    int protocol();

    /** Bytes on the wire, a multiple of 8. */
    int length();

    /** Writes the header (after the next-header octet, which the caller writes) at {@code off}. */
    void emitBody(byte[] buf, int off);

    /**
     * Hop-by-hop options (RFC 8200 §4.3): {@code options} is the TLV-encoded option area, whose length
     * plus 2 is a multiple of 8 (e.g. 6 bytes: a router alert and padding).
     */
    record HopByHop(Octets options) implements Ipv6Extension {
        public HopByHop {
            checkOptionArea(options);
        }

        public int protocol() {
            return IpProtocol.HOP_BY_HOP;
        }

        public int length() {
            return 2 + options.length();
        }

        public void emitBody(byte[] buf, int off) {
            emitOptionArea(buf, off, options);
        }
    }

    /** Destination options (RFC 8200 §4.6), laid out as {@link HopByHop}. */
    record DestinationOptions(Octets options) implements Ipv6Extension {
        public DestinationOptions {
            checkOptionArea(options);
        }

        public int protocol() {
            return IpProtocol.DESTINATION_OPTIONS;
        }

        public int length() {
            return 2 + options.length();
        }

        public void emitBody(byte[] buf, int off) {
            emitOptionArea(buf, off, options);
        }
    }

    /** Routing header (RFC 8200 §4.4): type, segments left, and type-specific data (4 + 8k bytes). */
    record Routing(int routingType, int segmentsLeft, Octets data) implements Ipv6Extension {
        public Routing {
            Ipv4Header.check("routingType", routingType, 255);
            Ipv4Header.check("segmentsLeft", segmentsLeft, 255);
            Objects.requireNonNull(data, "data");
            if ((data.length() + 4) % 8 != 0 || data.length() + 4 > 8 * 256) {
                throw new IllegalArgumentException("routing data must be 4 + 8k bytes: " + data.length());
            }
        }

        public int protocol() {
            return IpProtocol.ROUTING;
        }

        public int length() {
            return 4 + data.length();
        }

        public void emitBody(byte[] buf, int off) {
            Bytes.put8(buf, off + 1, length() / 8 - 1);
            Bytes.put8(buf, off + 2, routingType);
            Bytes.put8(buf, off + 3, segmentsLeft);
            data.copyTo(buf, off + 4);
        }
    }

    /** Fragment header (RFC 8200 §4.5): offset in bytes (a multiple of 8), more-fragments, identification. */
    record Fragment(int fragmentOffset, boolean moreFragments, int identification) implements Ipv6Extension {
        public Fragment {
            Ipv4Header.check("fragmentOffset", fragmentOffset, 8 * 0x1fff);
            if (fragmentOffset % 8 != 0) {
                throw new IllegalArgumentException("fragmentOffset must be a multiple of 8: " + fragmentOffset);
            }
        }

        public int protocol() {
            return IpProtocol.FRAGMENT;
        }

        public int length() {
            return 8;
        }

        public void emitBody(byte[] buf, int off) {
            Bytes.put8(buf, off + 1, 0);
            Bytes.put16(buf, off + 2, fragmentOffset | (moreFragments ? 1 : 0));
            Bytes.put32(buf, off + 4, identification);
        }
    }

    private static void emitOptionArea(byte[] buf, int off, Octets options) {
        Bytes.put8(buf, off + 1, (2 + options.length()) / 8 - 1);
        options.copyTo(buf, off + 2);
    }

    private static void checkOptionArea(Octets options) {
        Objects.requireNonNull(options, "options");
        if ((options.length() + 2) % 8 != 0 || options.length() + 2 > 8 * 256) {
            throw new IllegalArgumentException("option area must be 6 + 8k bytes: " + options.length());
        }
    }
}
