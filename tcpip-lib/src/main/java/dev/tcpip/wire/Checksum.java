package dev.tcpip.wire;

/**
 * The Internet checksum: RFC 1071 one's-complement sum, the IPv4 and IPv6 pseudo-headers and the
 * RFC 1624 incremental update.
 *
 * <p>Partial sums are {@code long}s that callers chain: {@code ones(buf, off, len, pseudoIpv4(...))}.
 * A partial sum may be carried into the next region only at an even byte count, as on the wire.
 * {@link #fold} reduces a partial sum to 16 bits and {@link #finish} gives the value to store in a
 * checksum field. A region whose stored checksum is right sums (with its pseudo-header) to 0xffff.
 */
public final class Checksum {

    private Checksum() {
    }

    /**
     * Adds the bytes {@code b[off..off+len)} as big-endian 16-bit words (an odd last byte padded with a
     * zero byte, RFC 1071 §1) to the partial sum {@code initial}, which must be below 2^62.
     * Returns a partial sum below 2^62 (unfolded).
     */
    public static long ones(byte[] b, int off, int len, long initial) {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        // RFC 1071 §2(C): the sum is independent of word width; add 32-bit halves of each 64-bit load
        // into 64-bit accumulators, which cannot overflow for any int-sized length (2^28 loads * 2^33).
        long s0 = 0;
        long s1 = 0;
        long s2 = 0;
        long s3 = 0;
        int i = off;
        int end = off + len;
        for (; i <= end - 32; i += 32) {
            long w0 = Bytes.i64(b, i);
            long w1 = Bytes.i64(b, i + 8);
            long w2 = Bytes.i64(b, i + 16);
            long w3 = Bytes.i64(b, i + 24);
            s0 += (w0 >>> 32) + (w0 & 0xffff_ffffL);
            s1 += (w1 >>> 32) + (w1 & 0xffff_ffffL);
            s2 += (w2 >>> 32) + (w2 & 0xffff_ffffL);
            s3 += (w3 >>> 32) + (w3 & 0xffff_ffffL);
        }
        for (; i <= end - 8; i += 8) {
            long w = Bytes.i64(b, i);
            s0 += (w >>> 32) + (w & 0xffff_ffffL);
        }
        if (i <= end - 4) {
            s1 += Bytes.u32(b, i);
            i += 4;
        }
        if (i <= end - 2) {
            s2 += Bytes.u16(b, i);
            i += 2;
        }
        if (i < end) {
            s3 += (b[i] & 0xff) << 8;
        }
        // Each accumulator is below 2^61; fold the 32-bit halves once so the total stays below 2^62.
        long sum = fold32(s0) + fold32(s1) + fold32(s2) + fold32(s3);
        return fold32(initial) + sum;
    }

    private static long fold32(long s) {
        return (s & 0xffff_ffffL) + (s >>> 32);
    }

    /** The checksum to store for the region: {@code finish(ones(b, off, len, 0))}. */
    public static int compute(byte[] b, int off, int len) {
        return finish(ones(b, off, len, 0));
    }

    /** Folds a partial sum to its 16-bit one's-complement sum (end-around carries, RFC 1071 §2(B)). */
    public static int fold(long sum) {
        sum = (sum & 0xffff_ffffL) + (sum >>> 32);
        sum = (sum & 0xffff_ffffL) + (sum >>> 32);
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        return (int) sum;
    }

    /** The checksum field value for a partial sum: the one's complement of its fold (RFC 1071 §1). */
    public static int finish(long sum) {
        return ~fold(sum) & 0xffff;
    }

    /** True if a region including its checksum field (and pseudo-header) sums to all ones. */
    public static boolean verifies(long sum) {
        return fold(sum) == 0xffff;
    }

    /** The IPv4 pseudo-header's partial sum: source, destination, zero, protocol, length (RFC 768, RFC 9293 §3.1). */
    public static long pseudoIpv4(int src, int dst, int protocol, int length) {
        return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
    }

    /** The IPv6 pseudo-header's partial sum: source, destination, 32-bit length, next header (RFC 8200 §8.1). */
    public static long pseudoIpv6(Ipv6Address src, Ipv6Address dst, int nextHeader, long length) {
        return fold32(src.hi()) + fold32(src.lo()) + fold32(dst.hi()) + fold32(dst.lo())
                + (length >>> 16) + (length & 0xffff) + nextHeader;
    }

    /**
     * RFC 1624 §3 eqn. 3 incremental update: the new checksum field after a 16-bit word of the covered
     * data changes from {@code oldWord} to {@code newWord}: HC' = ~(~HC + ~m + m').
     */
    public static int update(int oldChecksum, int oldWord, int newWord) {
        long sum = (~oldChecksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
        return finish(sum);
    }

    /** As {@link #update(int, int, int)} for a 32-bit field (e.g. an IPv4 address) that changed. */
    public static int update32(int oldChecksum, int oldValue, int newValue) {
        long sum = (~oldChecksum & 0xffff) + (~oldValue >>> 16) + (~oldValue & 0xffff)
                + (newValue >>> 16) + (newValue & 0xffff);
        return finish(sum);
    }
}
