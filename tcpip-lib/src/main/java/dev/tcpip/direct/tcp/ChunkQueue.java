package dev.tcpip.direct.tcp;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A FIFO of bytes held as a sequence of chunks (each a {@link ByteBuffer} whose bytes are its position to its limit),
 * used by {@link SendBuffer} and {@link ReceiveBuffer} so that bulk data is not copied in and out of a ring:
 * <ul>
 *   <li>the send side keeps the application's written buffers as they are ({@link #keep}: the seed's {@code write}
 *       says a written buffer must not be reused, so it is the stack's until acknowledged);</li>
 *   <li>the receive side copies each segment's payload once, into an array of exactly its size
 *       ({@link #append}; {@code Arrays.copyOfRange} is not zeroed first), and a read hands such a chunk over
 *       whole ({@link #take}), so the array becomes the reader's and the stack never touches it again.</li>
 * </ul>
 * Pieces below a threshold are copied into a chunk of the queue's own shared by consecutive small pieces (the
 * <em>open</em> chunk: 64 bytes or the least power of two above for a first piece of at most 256 bytes, else 4 KiB;
 * then doubling up to 64 KiB), so that many tiny writes or segments cost no object each; its array is reused once emptied, as a ring's
 * would be, unless it is 4 KiB or less, so that a connection that carried a few bytes holds no array once idle. {@link #size()} counts bytes, which {@code limit}
 * bounds (the callers check {@link #free()}).
 * Loop-only; not thread-safe.
 */
final class ChunkQueue {
    /** The send side: written buffers below this many bytes are copied into the open chunk. */
    static final int KEEP_FROM = 1024;
    /**
     * A read hands over the head chunk alone (no copy) once it holds at least this many bytes; the receive side
     * copies smaller payloads into the open chunk (reused, as a ring's array is: a read copies them out).
     */
    static final int HAND_ALONE = 8 * 1024;
    /**
     * The first chunk of our own for small pieces is the least power of two of at least this many bytes that holds
     * the first piece when that is small (at most {@link #SMALL_FIRST} bytes), else 4 KiB; later ones double up to
     * {@link #MAX_OWN_CHUNK}. A connection that carries one byte each way
     * (a churn of connects and closes) then allocates and zeroes 64 bytes per direction, not 4 KiB.
     */
    private static final int MIN_OWN_CHUNK = 64;
    /** A first piece above this many bytes starts at 4 KiB instead (bulk data: fewer, larger chunks). */
    private static final int SMALL_FIRST = 256;
    /** An emptied chunk of our own larger than this is kept for reuse; smaller ones are let go. */
    private static final int KEEP_ABOVE = 4096;
    private static final int MAX_OWN_CHUNK = 64 * 1024;
    private static final ByteBuffer[] NONE = new ByteBuffer[0];

    private ByteBuffer[] ring = NONE;   // a power-of-two length, or empty
    private int first;                  // the head chunk's index in ring
    private int count;                  // chunks held
    private int size;                   // bytes held
    private int limit;
    /** Pieces below this many bytes are copied into the open chunk. */
    private final int mergeBelow;
    /** The size of the next chunk of our own. */
    private int ownSize = MIN_OWN_CHUNK;
    /** An own chunk's array emptied while open (never handed out): the next own chunk, or null. */
    private byte[] spare;
    /** The last chunk when it is our own and takes further small pieces (room beyond its limit), else null. */
    private ByteBuffer open;
    /** Where the last {@link #copyOut} ended: that chunk's index from the head, and its first byte's offset. */
    private int cursor;
    private int cursorAt;

    /** A queue of at most {@code limit} bytes that copies pieces below {@code mergeBelow} into chunks of its own. */
    ChunkQueue(int limit, int mergeBelow) {
        this.limit = limit;
        this.mergeBelow = mergeBelow;
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

    /** Chunks held (for tests). */
    int chunks() {
        return count;
    }

    /** The capacity of the open chunk of our own, or 0 (for tests). */
    int openCapacity() {
        return open == null ? 0 : open.capacity();
    }

    /** Bytes of the array kept for reuse (for tests). */
    int spareBytes() {
        return spare == null ? 0 : spare.length;
    }

    private ByteBuffer chunk(int i) {
        return ring[(first + i) & (ring.length - 1)];
    }

    private void push(ByteBuffer c) {
        if (count == ring.length) {
            ByteBuffer[] n = new ByteBuffer[Math.max(8, ring.length * 2)];
            for (int i = 0; i < count; i++) {
                n[i] = chunk(i);
            }
            ring = n;
            first = 0;
        }
        ring[(first + count) & (ring.length - 1)] = c;
        count++;
        size += c.remaining();
    }

    /**
     * Takes {@code piece}'s remaining bytes as a chunk of its own without copying them: from now on the queue reads
     * them until they are consumed, and nobody may change them. A small piece is copied instead (see above).
     */
    void keep(ByteBuffer piece) {
        int n = piece.remaining();
        if (n < mergeBelow) {
            copySmall(piece, n);
            return;
        }
        open = null;
        push(piece);
    }

    /** Appends a copy of {@code src[off, off+n)}; the caller has checked {@link #free()}. */
    void append(byte[] src, int off, int n) {
        if (n <= 0) {
            return;
        }
        if (n < mergeBelow) {
            copySmall(ByteBuffer.wrap(src, off, n), n);
            return;
        }
        open = null;
        push(ByteBuffer.wrap(Arrays.copyOfRange(src, off, off + n)));
    }

    /** Appends a copy of the next {@code n} bytes of {@code src}, advancing its position. */
    void append(ByteBuffer src, int n) {
        if (n < mergeBelow) {
            copySmall(src.slice(src.position(), n), n);
        } else {
            byte[] a = new byte[n];
            src.get(src.position(), a, 0, n);
            open = null;
            push(ByteBuffer.wrap(a));
        }
        src.position(src.position() + n);
    }

    /** Copies the small piece {@code p} (n bytes from its position) into the open chunk, or a new one. */
    private void copySmall(ByteBuffer p, int n) {
        if (n <= 0) {
            return;
        }
        ByteBuffer o = open;
        if (o == null || o.capacity() - o.limit() < n) {
            byte[] a = spare;
            if (a != null && a.length >= n) {
                spare = null;
            } else {
                // the first chunk: 64 bytes or so for a tiny first piece (a 1-byte echo), else 4 KiB as for bulk
                int want = Math.max(n, ownSize == MIN_OWN_CHUNK && n > SMALL_FIRST ? KEEP_ABOVE : ownSize);
                a = new byte[want <= MAX_OWN_CHUNK ? Integer.highestOneBit(want - 1) << 1 : want];
                ownSize = Math.min(2 * a.length, MAX_OWN_CHUNK);
            }
            o = ByteBuffer.wrap(a).limit(0);
            push(o);
            open = o;
        }
        int at = o.limit();
        o.limit(at + n);
        o.put(at, p, p.position(), n);
        size += n;
    }

    /** Copies {@code n} bytes starting {@code from} bytes past the head into {@code dst}. */
    void copyOut(int from, byte[] dst, int dstOff, int n) {
        if (from < 0 || n < 0 || from + n > size) {
            throw new IndexOutOfBoundsException("bytes " + from + "+" + n + " of " + size);
        }
        if (n == 0) {
            return;
        }
        if (from < cursorAt) {
            cursor = 0;
            cursorAt = 0;
        }
        // at most count steps: the bytes from..from+n lie within the chunks held
        for (int r = chunk(cursor).remaining(); from >= cursorAt + r; r = chunk(cursor).remaining()) {
            cursorAt += r;
            cursor++;
        }
        int i = cursor;
        int at = from - cursorAt;
        while (n > 0) {
            ByteBuffer c = chunk(i);
            int k = Math.min(n, c.remaining() - at);
            c.get(c.position() + at, dst, dstOff, k);
            dstOff += k;
            n -= k;
            at = 0;
            i++;
        }
    }

    /** Drops {@code n} bytes from the head. */
    void consume(int n) {
        n = Math.min(n, size);
        size -= n;
        while (n > 0) {
            ByteBuffer c = chunk(0);
            int r = c.remaining();
            if (r > n) {
                c.position(c.position() + n);
                if (cursor > 0) {
                    cursorAt -= n;
                }
                return;
            }
            n -= r;
            dropHead(r);
        }
    }

    private void dropHead(int bytes) {
        ByteBuffer c = ring[first];
        ring[first] = null;
        first = (first + 1) & (ring.length - 1);
        count--;
        if (c == open) {
            open = null;
            // ours and never handed out (a read copies the open chunk's bytes out): reused by a flow that moved more
            // than the first chunk's worth; the first is let go, so a connection that carried a few bytes and went
            // idle holds no array (the relay's heap per idle connection)
            if (c.capacity() > KEEP_ABOVE) {
                spare = c.array();
            }
        }
        if (cursor > 0) {
            cursor--;
            cursorAt -= bytes;
        } else {
            cursorAt = 0;
        }
        if (count == 0) {
            first = 0;
        }
    }

    /**
     * Takes up to {@code max} bytes (at least one; the queue is not empty) into a buffer the caller owns, which the
     * queue never touches again: the whole head chunk when it fits in {@code max} and holds all that is asked or at
     * least {@link #HAND_ALONE} bytes, and is not the open chunk (which takes further pieces); else (several small
     * chunks, or only part of one) a fresh array the bytes are copied into.
     */
    ByteBuffer take(int max) {
        int n = Math.min(max, size);
        ByteBuffer h = chunk(0);
        int r = h.remaining();
        if (h != open && r <= n && (r == n || r >= HAND_ALONE)) {
            ByteBuffer out = h.slice(h.position(), r);
            consume(r);
            return out;
        }
        byte[] out = new byte[n];
        copyOut(0, out, 0, n);
        consume(n);
        return ByteBuffer.wrap(out);
    }

    /** Drops everything. */
    void clear() {
        Arrays.fill(ring, null);
        first = 0;
        count = 0;
        size = 0;
        open = null;
        cursor = 0;
        cursorAt = 0;
    }
}
