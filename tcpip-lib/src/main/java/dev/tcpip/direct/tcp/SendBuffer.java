package dev.tcpip.direct.tcp;

import java.nio.ByteBuffer;

/**
 * The bytes from SND.UNA onward (RFC 9293 §3.3.1): sent but unacknowledged, then not yet sent. The first
 * byte is always the one at SND.UNA (the SYN's sequence number is never stored), so a sequence number maps
 * to {@code seq - sndUna} here. Bounded by the configured send buffer size; loop-only (writers hand their
 * bytes over through {@link WriteQueue}, whose budget keeps them within that bound). A plain write's buffers are
 * kept as they are, not copied ({@link ChunkQueue#keep}): the application may not reuse a written buffer, and
 * segments (and retransmissions, until SND.UNA passes them) are copied from it.
 */
final class SendBuffer {
    private final ChunkQueue chunks;

    SendBuffer(int capacity) {
        chunks = new ChunkQueue(capacity, ChunkQueue.KEEP_FROM);
    }

    int length() {
        return chunks.size();
    }

    /** The bytes it may hold. */
    int limit() {
        return chunks.limit();
    }

    /** Raises the bytes it may hold to {@code limit} (never lowers it). */
    void grow(int limit) {
        chunks.limit(Math.max(limit, chunks.limit()));
    }

    /** Keeps a plain write's {@code data}, for which room was set aside: it fits. */
    void keep(ByteBuffer data) {
        chunks.keep(data);
    }

    /**
     * Takes up to {@code max} bytes of {@code src}, advancing its position; returns how many. With {@code copy} (a
     * writeNodelay, whose caller may reuse its buffer once it returns) they are copied, else kept.
     */
    int append(ByteBuffer src, int max, boolean copy) {
        int n = Math.min(src.remaining(), max);
        if (n <= 0) {
            return 0;
        }
        if (copy) {
            chunks.append(src, n);
        } else {
            chunks.keep(src.slice(src.position(), n));
            src.position(src.position() + n);
        }
        return n;
    }

    /** Copies {@code n} bytes that start {@code offset} bytes past SND.UNA. */
    void copy(int offset, byte[] dst, int dstOff, int n) {
        chunks.copyOut(offset, dst, dstOff, n);
    }

    /** SND.UNA advanced by {@code n} data bytes. */
    void acknowledge(int n) {
        chunks.consume(n);
    }
}
