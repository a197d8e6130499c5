package dev.tcpip.wire;

import java.util.List;
import java.util.Objects;

/**
 * An ICMPv6 message (RFC 4443) or Neighbor Discovery message (RFC 4861) to emit. {@link #length()}
 * counts the message header and, for NDP, its options. Any payload (echo data, the invoking packet of
 * an error) must already be in place after it; emit checksums everything with the IPv6 pseudo-header.
 */
public sealed interface Icmpv6Message {

    int DESTINATION_UNREACHABLE = 1;
    int PACKET_TOO_BIG = 2;
    int TIME_EXCEEDED = 3;
    int PARAMETER_PROBLEM = 4;
    int ECHO_REQUEST = 128;
    int ECHO_REPLY = 129;
    int ROUTER_SOLICITATION = 133;
    int ROUTER_ADVERTISEMENT = 134;
    int NEIGHBOR_SOLICITATION = 135;
    int NEIGHBOR_ADVERTISEMENT = 136;
    int REDIRECT = 137;

    int type();

    int code();

    /** Header and NDP options, without any payload. */
    int length();

    /** Writes type, code and the body after the checksum field at {@code off} (the checksum comes later). */
    void emitBody(byte[] buf, int off);

    /** Echo request (128) or reply (129), RFC 4443 §4. */
    record Echo(boolean reply, int identifier, int sequence) implements Icmpv6Message {
        public Echo {
            Ipv4Header.check("identifier", identifier, 0xffff);
            Ipv4Header.check("sequence", sequence, 0xffff);
        }

        public int type() {
            return reply ? ECHO_REPLY : ECHO_REQUEST;
        }

        public int code() {
            return 0;
        }

        public int length() {
            return 8;
        }

        public void emitBody(byte[] buf, int off) {
            Bytes.put16(buf, off + 4, identifier);
            Bytes.put16(buf, off + 6, sequence);
        }
    }

    /**
     * The errors of RFC 4443 §3: destination unreachable (code 0..255 kept, 0..6 defined), packet too
     * big ({@code value} = MTU), time exceeded, parameter problem ({@code value} = pointer). {@code value}
     * is 0 for the other two.
     */
    record Error(int type, int code, int value) implements Icmpv6Message {
        public Error {
            if (type < DESTINATION_UNREACHABLE || type > PARAMETER_PROBLEM) {
                throw new IllegalArgumentException("not an ICMPv6 error type: " + type);
            }
            Ipv4Header.check("code", code, 255);
            if ((type == DESTINATION_UNREACHABLE || type == TIME_EXCEEDED) && value != 0) {
                throw new IllegalArgumentException("type " + type + " carries no value");
            }
        }

        public int length() {
            return 8;
        }

        public void emitBody(byte[] buf, int off) {
            Bytes.put32(buf, off + 4, value);
        }
    }

    /** Router solicitation (RFC 4861 §4.1). */
    record RouterSolicitation(List<NdpOption> options) implements Icmpv6Message {
        public RouterSolicitation {
            options = List.copyOf(options);
        }

        public int type() {
            return ROUTER_SOLICITATION;
        }

        public int code() {
            return 0;
        }

        public int length() {
            return 8 + optionsLength(options);
        }

        public void emitBody(byte[] buf, int off) {
            Bytes.put32(buf, off + 4, 0);
            emitOptions(options, buf, off + 8);
        }
    }

    /**
     * Router advertisement (RFC 4861 §4.2): reachable time and retrans timer in milliseconds (unsigned
     * 32-bit), router lifetime in seconds.
     */
    record RouterAdvertisement(int curHopLimit, boolean managed, boolean other, int routerLifetime,
            long reachableTime, long retransTimer, List<NdpOption> options) implements Icmpv6Message {
        public RouterAdvertisement {
            Ipv4Header.check("curHopLimit", curHopLimit, 255);
            Ipv4Header.check("routerLifetime", routerLifetime, 0xffff);
            if (reachableTime < 0 || reachableTime > 0xffff_ffffL || retransTimer < 0 || retransTimer > 0xffff_ffffL) {
                throw new IllegalArgumentException("timers must be unsigned 32-bit values");
            }
            options = List.copyOf(options);
        }

        public int type() {
            return ROUTER_ADVERTISEMENT;
        }

        public int code() {
            return 0;
        }

        public int length() {
            return 16 + optionsLength(options);
        }

        public void emitBody(byte[] buf, int off) {
            Bytes.put8(buf, off + 4, curHopLimit);
            Bytes.put8(buf, off + 5, (managed ? 0x80 : 0) | (other ? 0x40 : 0));
            Bytes.put16(buf, off + 6, routerLifetime);
            Bytes.put32(buf, off + 8, (int) reachableTime);
            Bytes.put32(buf, off + 12, (int) retransTimer);
            emitOptions(options, buf, off + 16);
        }
    }

    /** Neighbor solicitation (RFC 4861 §4.3). */
    record NeighborSolicitation(Ipv6Address target, List<NdpOption> options) implements Icmpv6Message {
        public NeighborSolicitation {
            Objects.requireNonNull(target, "target");
            options = List.copyOf(options);
        }

        public int type() {
            return NEIGHBOR_SOLICITATION;
        }

        public int code() {
            return 0;
        }

        public int length() {
            return 24 + optionsLength(options);
        }

        public void emitBody(byte[] buf, int off) {
            Bytes.put32(buf, off + 4, 0);
            target.write(buf, off + 8);
            emitOptions(options, buf, off + 24);
        }
    }

    /** Neighbor advertisement (RFC 4861 §4.4): router, solicited and override flags. */
    record NeighborAdvertisement(boolean router, boolean solicited, boolean override, Ipv6Address target,
            List<NdpOption> options) implements Icmpv6Message {
        public NeighborAdvertisement {
            Objects.requireNonNull(target, "target");
            options = List.copyOf(options);
        }

        public int type() {
            return NEIGHBOR_ADVERTISEMENT;
        }

        public int code() {
            return 0;
        }

        public int length() {
            return 24 + optionsLength(options);
        }

        public void emitBody(byte[] buf, int off) {
            Bytes.put32(buf, off + 4, (router ? 0x8000_0000 : 0) | (solicited ? 0x4000_0000 : 0)
                    | (override ? 0x2000_0000 : 0));
            target.write(buf, off + 8);
            emitOptions(options, buf, off + 24);
        }
    }

    /** Redirect (RFC 4861 §4.5). */
    record Redirect(Ipv6Address target, Ipv6Address destination, List<NdpOption> options) implements Icmpv6Message {
        public Redirect {
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(destination, "destination");
            options = List.copyOf(options);
        }

        public int type() {
            return REDIRECT;
        }

        public int code() {
            return 0;
        }

        public int length() {
            return 40 + optionsLength(options);
        }

        public void emitBody(byte[] buf, int off) {
            Bytes.put32(buf, off + 4, 0);
            target.write(buf, off + 8);
            destination.write(buf, off + 24);
            emitOptions(options, buf, off + 40);
        }
    }

    /** Any other type: its raw 32-bit field after the checksum. */
    record Other(int type, int code, int rest) implements Icmpv6Message {
        public Other {
            Ipv4Header.check("type", type, 255);
            Ipv4Header.check("code", code, 255);
        }

        public int length() {
            return 8;
        }

        public void emitBody(byte[] buf, int off) {
            Bytes.put32(buf, off + 4, rest);
        }
    }

    /**
     * Writes the message at {@code off}, with {@code payloadLength} bytes already in place after
     * {@link #length()}, and its checksum over the IPv6 pseudo-header (RFC 4443 §2.3). Returns the
     * payload's offset.
     */
    default int emit(byte[] buf, int off, int payloadLength, Ipv6Address src, Ipv6Address dst) {
        int total = length() + payloadLength;
        Bytes.checkRegion(buf, off, total);
        Bytes.put8(buf, off, type());
        Bytes.put8(buf, off + 1, code());
        Bytes.put16(buf, off + 2, 0);
        emitBody(buf, off);
        long pseudo = Checksum.pseudoIpv6(src, dst, IpProtocol.ICMPV6, total);
        Bytes.put16(buf, off + 2, Checksum.finish(Checksum.ones(buf, off, total, pseudo)));
        return off + length();
    }

    private static int optionsLength(List<NdpOption> options) {
        int n = 0;
        for (NdpOption o : options) {
            n += o.length();
        }
        return n;
    }

    private static void emitOptions(List<NdpOption> options, byte[] buf, int off) {
        for (NdpOption o : options) {
            o.emit(buf, off);
            off += o.length();
        }
    }
}
