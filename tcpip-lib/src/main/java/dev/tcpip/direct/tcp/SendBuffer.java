package dev.tcpip.direct.tcp;

import java.nio.ByteBuffer;

/**
 * The bytes from SND.UNA onward (RFC 9293 §3.3.1): sent but unacknowledged, then not yet sent. The first
 * byte is always the one at SND.UNA (the SYN's sequence number is never stored), so a sequence number maps
 * to {@code seq - sndUna} here. Bounded by the configured send buffer size.
 */
final class SendBuffer {
    private final ByteRing ring;

    SendBuffer(int capacity) {
        ring = new ByteRing(capacity);
    }

    int length() {
        return ring.size();
    }

    int free() {
        return ring.free();
    }

    int append(ByteBuffer src) {
        return ring.append(src);
    }

    /** Copies {@code n} bytes that start {@code offset} bytes past SND.UNA. */
    void copy(int offset, byte[] dst, int dstOff, int n) {
        ring.copyOut(offset, dst, dstOff, n);
    }

    /** SND.UNA advanced by {@code n} data bytes. */
    void acknowledge(int n) {
        ring.consume(n);
    }

    void clear() {
        ring.clear();
    }
}
