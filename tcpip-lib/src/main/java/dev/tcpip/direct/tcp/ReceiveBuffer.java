package dev.tcpip.direct.tcp;

import java.nio.ByteBuffer;

/**
 * In-order received bytes the application has not read yet. Its free space is the receive window
 * (RFC 9293 §3.8.6: RCV.WND reflects the buffer space). Bounded; the limit rises while close waits.
 */
final class ReceiveBuffer {
    private final ChunkQueue ring;

    ReceiveBuffer(int capacity) {
        ring = new ChunkQueue(capacity, ChunkQueue.HAND_ALONE);
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

    /**
     * Keeps {@code src[off, off+n)} in place (at least {@link ChunkQueue#HAND_ALONE} bytes): {@code src} must be an
     * array nobody changes again; a read later hands it over as it is.
     */
    void keep(byte[] src, int off, int n) {
        ring.keep(ByteBuffer.wrap(src, off, n));
    }

    /**
     * Takes up to {@code max} bytes (at least one: the buffer is not empty) into a buffer the caller owns and the
     * stack never touches again: a received payload's own array when one holds enough, else a fresh copy
     * ({@link ChunkQueue#take}).
     */
    ByteBuffer take(int max) {
        return ring.take(max);
    }

    void clear() {
        ring.clear();
    }
}
