package dev.tcpip.direct.tcp;

import java.nio.ByteBuffer;

/**
 * In-order received bytes the application has not read yet. Its free space is the receive window
 * (RFC 9293 §3.8.6: RCV.WND reflects the buffer space). Bounded; the limit rises while close waits.
 */
final class ReceiveBuffer {
    private final ByteRing ring;

    ReceiveBuffer(int capacity) {
        ring = new ByteRing(capacity);
    }

    int length() {
        return ring.size();
    }

    int free() {
        return ring.free();
    }

    int capacity() {
        return ring.limit();
    }

    void grow(int limit) {
        if (limit > ring.limit()) {
            ring.limit(limit);
        }
    }

    void append(byte[] src, int off, int n) {
        ring.append(src, off, n);
    }

    /** Takes up to {@code max} bytes into a fresh buffer the caller owns. */
    ByteBuffer take(int max) {
        int n = Math.min(max, ring.size());
        byte[] out = new byte[n];
        ring.copyOut(0, out, 0, n);
        ring.consume(n);
        return ByteBuffer.wrap(out);
    }

    void clear() {
        ring.clear();
    }
}
