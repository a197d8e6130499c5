package dev.tcpip.wire;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * An IPv4 header (RFC 791) to emit. {@code fragmentOffset} is in bytes (a multiple of 8);
 * {@code options} are raw option bytes, a multiple of 4 long, at most 40 (copied);
 * {@code payloadLength} is the number of bytes after the header. The checksum is computed on emit.
 */
public record Ipv4Header(int dscp, int ecn, int identification, boolean dontFragment, boolean moreFragments,
        int fragmentOffset, int ttl, int protocol, Ipv4Address src, Ipv4Address dst, byte[] options,
        int payloadLength) {

    private static final byte[] NO_OPTIONS = new byte[0];

    public Ipv4Header {
        check("dscp", dscp, 63);
        check("ecn", ecn, 3);
        check("identification", identification, 0xffff);
        check("fragmentOffset", fragmentOffset, 8 * 0x1fff);
        if (fragmentOffset % 8 != 0) {
            throw new IllegalArgumentException("fragmentOffset must be a multiple of 8: " + fragmentOffset);
        }
        check("ttl", ttl, 255);
        check("protocol", protocol, 255);
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(dst, "dst");
        options = options == null || options.length == 0 ? NO_OPTIONS : options.clone();
        if (options.length % 4 != 0 || options.length > 40) {
            throw new IllegalArgumentException("options must be a multiple of 4 bytes up to 40: " + options.length);
        }
        if (payloadLength < 0 || 20 + options.length + payloadLength > 0xffff) {
            throw new IllegalArgumentException("total length out of range: payload " + payloadLength);
        }
    }

    /** A plain header: no options, not fragmented, DF set, DSCP and ECN zero. */
    public static Ipv4Header of(Ipv4Address src, Ipv4Address dst, int protocol, int ttl, int identification,
            int payloadLength) {
        return new Ipv4Header(0, 0, identification, true, false, 0, ttl, protocol, src, dst, NO_OPTIONS,
                payloadLength);
    }

    static void check(String name, int value, int max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(name + " must be within 0.." + max + ": " + value);
        }
    }

    @Override
    public byte[] options() {
        return options.clone();
    }

    public int length() {
        return Ipv4View.MIN_HEADER_LENGTH + options.length;
    }

    public int totalLength() {
        return length() + payloadLength;
    }

    /** The same header with another payload length (e.g. for each fragment). */
    public Ipv4Header withPayloadLength(int newPayloadLength) {
        return new Ipv4Header(dscp, ecn, identification, dontFragment, moreFragments, fragmentOffset, ttl, protocol,
                src, dst, options, newPayloadLength);
    }

    /** The pseudo-header partial sum for an upper-layer checksum over this datagram's payload. */
    public long pseudoHeaderSum() {
        return Checksum.pseudoIpv4(src.bits(), dst.bits(), protocol, payloadLength);
    }

    /** Writes the header with its checksum at {@code off}; returns the offset after it (the payload's). */
    public int emit(byte[] buf, int off) {
        return emit(buf, off, dscp, ecn, identification, dontFragment, moreFragments, fragmentOffset, ttl, protocol, src,
                dst, options, payloadLength);
    }

    /**
     * Writes what {@code new Ipv4Header(0, ecn, identification, false, false, 0, ttl, protocol, src, dst, null,
     * payloadLength).emit(buf, off)} writes (no options, not fragmented, DF clear, DSCP zero), with the same checks,
     * without making the record: the per-datagram send path. Returns the offset after it.
     */
    public static int emitPlain(byte[] buf, int off, int ecn, int identification, int ttl, int protocol,
                                Ipv4Address src, Ipv4Address dst, int payloadLength) {
        check("ecn", ecn, 3);
        check("identification", identification, 0xffff);
        check("ttl", ttl, 255);
        check("protocol", protocol, 255);
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(dst, "dst");
        check("payload length", payloadLength, 0xffff - Ipv4View.MIN_HEADER_LENGTH);
        return emit(buf, off, 0, ecn, identification, false, false, 0, ttl, protocol, src, dst, NO_OPTIONS,
                payloadLength);
    }

    private static int emit(byte[] buf, int off, int dscp, int ecn, int identification, boolean dontFragment,
                            boolean moreFragments, int fragmentOffset, int ttl, int protocol, Ipv4Address src,
                            Ipv4Address dst, byte[] options, int payloadLength) {
        int hl = Ipv4View.MIN_HEADER_LENGTH + options.length;
        Bytes.checkRegion(buf, off, hl);
        Bytes.put8(buf, off, 0x40 | hl / 4);
        Bytes.put8(buf, off + 1, dscp << 2 | ecn);
        Bytes.put16(buf, off + 2, hl + payloadLength);
        Bytes.put16(buf, off + 4, identification);
        int flags = (dontFragment ? 2 : 0) | (moreFragments ? 1 : 0);
        Bytes.put16(buf, off + 6, flags << 13 | fragmentOffset / 8);
        Bytes.put8(buf, off + 8, ttl);
        Bytes.put8(buf, off + 9, protocol);
        Bytes.put16(buf, off + 10, 0);
        src.write(buf, off + 12);
        dst.write(buf, off + 16);
        System.arraycopy(options, 0, buf, off + 20, options.length);
        Bytes.put16(buf, off + 10, Checksum.compute(buf, off, hl));
        return off + hl;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ipv4Header h && dscp == h.dscp && ecn == h.ecn && identification == h.identification
                && dontFragment == h.dontFragment && moreFragments == h.moreFragments
                && fragmentOffset == h.fragmentOffset && ttl == h.ttl && protocol == h.protocol
                && src.equals(h.src) && dst.equals(h.dst) && Arrays.equals(options, h.options)
                && payloadLength == h.payloadLength;
    }

    @Override
    public int hashCode() {
        return Objects.hash(identification, fragmentOffset, ttl, protocol, src, dst, Arrays.hashCode(options),
                payloadLength, dscp, ecn, dontFragment, moreFragments);
    }

    @Override
    public String toString() {
        return "Ipv4Header[" + src + " > " + dst + " proto " + protocol + " ttl " + ttl + " id " + identification
                + (dontFragment ? " DF" : "") + (moreFragments ? " MF" : "") + " off " + fragmentOffset
                + " dscp " + dscp + " ecn " + ecn + " options " + HexFormat.of().formatHex(options)
                + " payload " + payloadLength + "]";
    }
}
