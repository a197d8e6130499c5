package dev.tcpip.direct.tcp;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes from SND.UNA onward (RFC 9293 §3.3.1): sent but unacknowledged, then not yet sent. The first
 * byte is always the one at SND.UNA (the SYN's sequence number is never stored), so a sequence number maps
 * to {@code seq - sndUna} here. Bounded by the configured send buffer size.
 */
final class SendBuffer {
    private final ByteRing ring;
    /**
     * Bytes neither held nor reserved: what a writer may still {@link #reserve} without the loop. Writers
     * take from it (any thread); the loop takes what it appends unreserved and gives back what is acknowledged.
     */
    private final AtomicLong room;

    SendBuffer(int capacity) {
        ring = new ByteRing(capacity);
        room = new AtomicLong(capacity);
    }

    /** From any thread: reserves room for {@code n} bytes that {@link #appendReserved} will add; false if short. */
    boolean reserve(long n) {
        for (int guard = 0; guard < 1 << 20; guard++) {
            long r = room.get();
            if (r < n) {
                return false;
            }
            if (room.compareAndSet(r, r - n)) {
                return true;
            }
        }
        return false;
    }

    /** Appends bytes {@link #reserve}d before: they fit. */
    void appendReserved(byte[] data) {
        ring.append(data, 0, data.length);
    }

    int length() {
        return ring.size();
    }

    /** Room for unreserved appends. */
    int free() {
        return (int) Math.max(0, room.get());
    }

    /** Appends what fits of {@code src} (unreserved room); returns how many bytes. */
    int append(ByteBuffer src) {
        int n = (int) Math.min(src.remaining(), Math.max(0, room.get()));
        if (n == 0) {
            return 0;
        }
        ByteBuffer part = src.slice(src.position(), n);
        int added = ring.append(part);
        src.position(src.position() + added);
        room.addAndGet(-added);
        return added;
    }

    /** Copies {@code n} bytes that start {@code offset} bytes past SND.UNA. */
    void copy(int offset, byte[] dst, int dstOff, int n) {
        ring.copyOut(offset, dst, dstOff, n);
    }

    /** SND.UNA advanced by {@code n} data bytes. */
    void acknowledge(int n) {
        ring.consume(n);
        room.addAndGet(n);
    }

    void clear() {
        ring.clear();
    }
}
