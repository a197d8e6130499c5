package dev.tcpip.direct.tcp;

import java.nio.ByteBuffer;

/**
 * A FIFO of bytes in a ring that grows by doubling up to {@code limit}, so an idle flow costs little and a
 * busy one copies each byte in once and out once. Used by {@link SendBuffer} and {@link ReceiveBuffer}.
 * No array is allocated until the first byte arrives: an idle connection holds none (its two rings would
 * otherwise be 8 KiB of its about 12 KiB of heap).
 */
final class ByteRing {
    private static final int INITIAL = 4096;
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
        // the first array: INITIAL, or the least power of two >= limit when that is smaller (no shift of a
        // limit above 2^30, which would overflow to a capacity of 0 that never doubles)
        int first = limit > INITIAL ? INITIAL : Integer.highestOneBit(Math.max(1, limit - 1)) << 1;
        int cap = Math.max(buf.length, first);
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
