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
        int end = off + len;
        int last = off + (len & ~7);
        // RFC 1071 §2(B): the one's-complement sum does not depend on byte order, so the 8-byte words
        // are loaded little-endian (no byte swap on x86 or ARM) and the folded sum swapped once below.
        // RFC 1071 §2(C): it does not depend on word width either; each load's two 32-bit halves go
        // into one 64-bit accumulator, which cannot overflow for any int-sized length (2^28 loads, each
        // adding under 2^33). One accumulator and no manual unrolling on purpose: C2 vectorises this
        // plain counted loop (SuperWord: 64-byte AVX-512 or 32-byte AVX2 lanes, unrolled, reduction
        // after the loop); the earlier four-accumulator, 32-bytes-per-turn loop stayed scalar.
        long le = 0;
        int i = off;
        for (; i < last; i += 8) {
            long w = Bytes.le64(b, i);
            le += (w >>> 32) + (w & 0xffff_ffffL);
        }
        int swapped = fold(le);
        long sum = ((swapped & 0xff) << 8) | (swapped >>> 8);
        if (i <= end - 4) {
            sum += Bytes.u32(b, i);
            i += 4;
        }
        if (i <= end - 2) {
            sum += Bytes.u16(b, i);
            i += 2;
        }
        if (i < end) {
            sum += (b[i] & 0xff) << 8;
        }
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
