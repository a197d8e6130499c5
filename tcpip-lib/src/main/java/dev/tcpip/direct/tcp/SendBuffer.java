package dev.tcpip.direct.tcp;

import java.nio.ByteBuffer;

/**
 * The bytes from SND.UNA onward (RFC 9293 §3.3.1): sent but unacknowledged, then not yet sent. The first
 * byte is always the one at SND.UNA (the SYN's sequence number is never stored), so a sequence number maps
 * to {@code seq - sndUna} here. Bounded by the configured send buffer size; loop-only (writers hand their
 * bytes over through {@link WriteQueue}, whose budget keeps them within that bound).
 */
final class SendBuffer {
    private final ByteRing ring;

    SendBuffer(int capacity) {
        ring = new ByteRing(capacity);
    }

    int length() {
        return ring.size();
    }

    /** Appends {@code data}, for which room was set aside: it fits. */
    void append(byte[] data) {
        ring.append(data, 0, data.length);
    }

    /** Appends up to {@code max} bytes of {@code src}; returns how many. */
    int append(ByteBuffer src, int max) {
        int n = Math.min(src.remaining(), max);
        if (n <= 0) {
            return 0;
        }
        ByteBuffer part = src.slice(src.position(), n);
        int added = ring.append(part);
        src.position(src.position() + added);
        return added;
    }

    /** Copies {@code n} bytes that start {@code offset} bytes past SND.UNA. */
    void copy(int offset, byte[] dst, int dstOff, int n) {
        ring.copyOut(offset, dst, dstOff, n);
    }

    /** SND.UNA advanced by {@code n} data bytes. */
    void acknowledge(int n) {
        ring.consume(n);
    }
}
