package dev.tcpip.direct.tcp;

import java.nio.ByteBuffer;

/**
 * A FIFO of bytes in a ring that grows by doubling up to {@code limit}, so an idle flow costs little and a
 * busy one copies each byte in once and out once. Used by {@link SendBuffer} and {@link ReceiveBuffer}.
 * No array is allocated until the first byte arrives: an idle connection holds none (its two rings would
 * otherwise be 8 KiB of its about 12 KiB of heap). The first array is the least power of two that holds
 * the first bytes (at least {@link #MIN_FIRST}), not a fixed 4 KiB: a short connection that carries a few
 * bytes each way allocated and zeroed 16 KiB of rings (four, two per side), the largest allocation and
 * about a seventh of the CPU samples of {@code tcpip bench churn}.
 */
final class ByteRing {
    /** The smallest first array: a few short writes fit without growing. */
    static final int MIN_FIRST = 64;
    private static final byte[] EMPTY = new byte[0];

    private byte[] buf;
    private int head;   // index of the first byte
    private int size;
    private int limit;

    ByteRing(int limit) {
        this.limit = limit;
        this.buf = EMPTY;
    }

    int size() {
        return size;
    }

    int limit() {
        return limit;
    }

    /** The length of the array now (0 before the first byte); for tests. */
    int capacity() {
        return buf.length;
    }

    /** Raises the limit (never lowers it below what is stored). */
    void limit(int newLimit) {
        limit = Math.max(newLimit, size);
    }

    int free() {
        return limit - size;
    }

    private void ensure(int needed) {
        if (needed <= buf.length) {
            return;
        }
        // the first array: the least power of two >= max(needed, MIN_FIRST), or >= limit when that is
        // smaller (needed <= limit); then doubling. No shift of a value above 2^30, which would overflow to a
        // capacity of 0 that never doubles: from MIN_FIRST the doubling below reaches needed instead.
        int first = Math.min(Math.max(needed, MIN_FIRST), Math.max(1, limit));
        int cap = first > 1 << 30 ? MIN_FIRST : Integer.highestOneBit(Math.max(1, first - 1)) << 1;
        cap = Math.max(buf.length, cap);
        while (cap < needed) {
            cap <<= 1;
        }
        byte[] n = new byte[cap];
        copyOut(0, n, 0, size);
        buf = n;
        head = 0;
    }

    /** Appends up to {@link #free()} bytes of {@code src}; returns how many. */
    int append(ByteBuffer src) {
        int n = Math.min(src.remaining(), free());
        ensure(size + n);
        int tail = (head + size) & (buf.length - 1);
        int first = Math.min(n, buf.length - tail);
        src.get(buf, tail, first);
        src.get(buf, 0, n - first);
        size += n;
        return n;
    }

    /** Appends {@code src[off, off+n)}; the caller has checked {@link #free()}. */
    void append(byte[] src, int off, int n) {
        ensure(size + n);
        int tail = (head + size) & (buf.length - 1);
        int first = Math.min(n, buf.length - tail);
        System.arraycopy(src, off, buf, tail, first);
        System.arraycopy(src, off + first, buf, 0, n - first);
        size += n;
    }

    /** Copies {@code n} bytes starting {@code from} bytes past the head into {@code dst}. */
    void copyOut(int from, byte[] dst, int dstOff, int n) {
        int start = (head + from) & (buf.length - 1);
        int first = Math.min(n, buf.length - start);
        System.arraycopy(buf, start, dst, dstOff, first);
        System.arraycopy(buf, 0, dst, dstOff + first, n - first);
    }

    /** Drops {@code n} bytes from the head. */
    void consume(int n) {
        head = (head + n) & (buf.length - 1);
        size -= n;
        if (size == 0) {
            head = 0;
        }
    }

    /** Drops everything. */
    void clear() {
        head = 0;
        size = 0;
    }
}
