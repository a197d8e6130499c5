package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The chunked FIFO under the send and receive buffers: the same bytes out as in, in order, whatever mix of kept
 * buffers, copied pieces, partial consumes and copies from any offset; kept buffers are not copied; a read's buffer
 * is never touched by the queue again.
 */
class ChunkQueueTest {

    private static byte[] seq(int from, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    private static byte[] copy(ChunkQueue q, int from, int n) {
        byte[] out = new byte[n];
        q.copyOut(from, out, 0, n);
        return out;
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Test
    void anEmptyQueueHoldsNothingAndHasItsWholeLimitFree() {
        ChunkQueue q = new ChunkQueue(8, ChunkQueue.KEEP_FROM);
        assertEquals(0, q.size());
        assertEquals(8, q.free());
        assertEquals(0, q.chunks());
        q.consume(0);
        assertArrayEquals(new byte[0], copy(q, 0, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> copy(q, 0, 1));
    }

    @Test
    void aKeptBufferIsNotCopied() {
        ChunkQueue q = new ChunkQueue(1 << 20, ChunkQueue.KEEP_FROM);
        byte[] caller = seq(0, 4096);
        q.keep(ByteBuffer.wrap(caller));
        caller[100] = 42;                               // against the contract, to show the queue reads the original
        assertEquals(42, copy(q, 100, 1)[0]);
        assertEquals(1, q.chunks());
    }

    @Test
    void smallPiecesShareOneChunkOfTheQueuesOwn() {
        ChunkQueue q = new ChunkQueue(1 << 20, ChunkQueue.KEEP_FROM);
        byte[] caller = seq(0, 100);
        for (int i = 0; i < 30; i++) {
            q.keep(ByteBuffer.wrap(caller, i, 1));
        }
        q.append(seq(30, 10), 0, 10);
        assertEquals(1, q.chunks(), "40 one-byte and ten-byte pieces in one chunk");
        caller[0] = 99;                                 // small pieces were copied
        assertArrayEquals(seq(0, 40), copy(q, 0, 40));
    }

    @Test
    void aLargePayloadIsHandedOverInTheArrayItWasCopiedInto() {
        ChunkQueue q = new ChunkQueue(1 << 20, ChunkQueue.KEEP_FROM);
        byte[] frame = seq(0, 70_000);
        q.append(frame, 20, 60_000);
        ByteBuffer r = q.take(65_536);
        assertEquals(60_000, r.remaining());
        assertEquals(60_000, r.array().length, "the payload's own array, not a copy of part of a larger one");
        assertArrayEquals(seq(20, 60_000), bytes(r));
        assertEquals(0, q.size());
        assertEquals(0, q.chunks(), "the queue keeps no reference to it");
    }

    @Test
    void aReadsBufferIsNeverTouchedAgain() {
        ChunkQueue q = new ChunkQueue(1 << 20, ChunkQueue.KEEP_FROM);
        q.append(seq(0, 20_000), 0, 20_000);
        q.append(seq(20_000, 500), 0, 500);              // a small piece: into a chunk of the queue's own
        ByteBuffer first = q.take(10_000);               // part of the large chunk
        byte[] firstBytes = bytes(first);
        Arrays.fill(first.array(), (byte) 7);            // the reader scribbles over its whole array
        ByteBuffer second = q.take(65_536);              // the rest of the large chunk (at least HAND_ALONE)
        assertArrayEquals(seq(10_000, 10_000), bytes(second));
        ByteBuffer third = q.take(65_536);               // the open chunk: copied out
        assertArrayEquals(seq(20_000, 500), bytes(third));
        q.append(seq(30_000, 300), 0, 300);              // further small pieces never land in a buffer handed out
        q.append(seq(30_300, 3000), 0, 3000);
        assertArrayEquals(seq(20_000, 500), bytes(third));
        assertArrayEquals(seq(30_000, 3300), bytes(q.take(65_536)));
        assertNotSame(first.array(), third.array());
        assertEquals(10_000, firstBytes.length);
    }

    @Test
    void manySmallChunksAreGatheredIntoOneRead() {
        ChunkQueue q = new ChunkQueue(1 << 20, ChunkQueue.KEEP_FROM);
        for (int i = 0; i < 40; i++) {
            q.append(seq(i * 1448, 1448), 0, 1448);
        }
        ByteBuffer r = q.take(32_768);
        assertEquals(32_768, r.remaining());
        assertArrayEquals(seq(0, 32_768), bytes(r));
        assertEquals(40 * 1448 - 32_768, q.size());
    }

    @Test
    void theReceiveSideCopiesSegmentsBelowEightKibibytesIntoOneReusedArray() {
        ChunkQueue q = new ChunkQueue(1 << 20, ChunkQueue.HAND_ALONE);
        for (int i = 0; i < 2; i++) {
            q.append(seq(i * 1448, 1448), 0, 1448);
        }
        assertEquals(1, q.chunks(), "two MTU-1500 payloads in one chunk of the queue's own");
        ByteBuffer r1 = q.take(65_536);                  // copied out: the chunk is still the queue's
        assertArrayEquals(seq(0, 2896), bytes(r1));
        q.append(seq(2896, 1448), 0, 1448);              // into the emptied array again
        assertArrayEquals(seq(0, 2896), bytes(r1), "the read's copy is not that array");
        assertArrayEquals(seq(2896, 1448), bytes(q.take(65_536)));
        q.append(seq(0, 9000), 0, 9000);                 // a payload of 8 KiB or more: an array of its own
        assertEquals(9000, q.take(65_536).array().length);
    }

    @Test
    void aQueueThatCarriedAFewBytesHoldsNoArrayOnceEmptyButABusyOneReusesItsChunk() {
        ChunkQueue q = new ChunkQueue(1 << 20, ChunkQueue.HAND_ALONE);
        q.append(seq(0, 1), 0, 1);
        assertArrayEquals(seq(0, 1), bytes(q.take(65_536)));
        assertEquals(0, q.chunks());
        assertEquals(0, q.spareBytes(), "one byte each way, then idle: nothing held");
        for (int i = 0; i < 10; i++) {                   // a busier flow: the second chunk is larger, and kept
            q.append(seq(i * 1000, 1000), 0, 1000);
        }
        q.consume(q.size());
        assertTrue(q.spareBytes() > 4096, "kept for reuse: " + q.spareBytes());
    }

    @Test
    void aTinyFirstPieceGetsATinyChunkABulkOneFourKibibytes() {
        ChunkQueue q = new ChunkQueue(1 << 20, ChunkQueue.HAND_ALONE);
        q.append(seq(0, 1), 0, 1);
        assertEquals(64, q.openCapacity(), "one byte: 64 bytes, not 4 KiB (a churn connection's cost)");
        q.append(seq(1, 100), 0, 100);
        assertEquals(128, q.openCapacity(), "the next doubles");
        ChunkQueue r = new ChunkQueue(1 << 20, ChunkQueue.HAND_ALONE);
        r.append(seq(0, 1448), 0, 1448);
        assertEquals(4096, r.openCapacity(), "a first piece of bulk size: 4 KiB");
    }

    @Test
    void copiesFromAnyOffsetAfterPartialConsumes() {
        ChunkQueue q = new ChunkQueue(1 << 20, ChunkQueue.KEEP_FROM);
        int next = 0;
        for (int n : new int[] {3000, 10, 5000, 1, 1, 2000, 70_000}) {
            q.keep(ByteBuffer.wrap(seq(next, n)));
            next += n;
        }
        assertArrayEquals(seq(4000, 5000), copy(q, 4000, 5000));
        assertArrayEquals(seq(100, 10), copy(q, 100, 10), "backwards: a retransmission");
        q.consume(2999);
        assertArrayEquals(seq(2999, 3000), copy(q, 0, 3000));
        assertArrayEquals(seq(8000, 70_000), copy(q, 8000 - 2999, 70_000));
        q.consume(8000);
        assertArrayEquals(seq(10_999, 100), copy(q, 0, 100));
        assertEquals(next - 10_999, q.size());
    }

    @Test
    void theLimitNeverDropsBelowWhatIsHeld() {
        ChunkQueue q = new ChunkQueue(8, ChunkQueue.KEEP_FROM);
        q.append(seq(0, 5), 0, 5);
        q.limit(2);
        assertEquals(5, q.limit());
        assertEquals(0, q.free());
        q.limit(100);
        assertEquals(95, q.free());
    }

    @Test
    void clearDropsEverything() {
        ChunkQueue q = new ChunkQueue(1 << 16, ChunkQueue.KEEP_FROM);
        q.keep(ByteBuffer.wrap(seq(0, 5000)));
        q.append(seq(0, 7), 0, 7);
        q.consume(3);
        q.clear();
        assertEquals(0, q.size());
        assertEquals(0, q.chunks());
        q.append(seq(20, 8), 0, 8);
        assertArrayEquals(seq(20, 8), copy(q, 0, 8));
    }

    @Test
    void randomOperationsMatchAQueue() {
        SplittableRandom rnd = new SplittableRandom(4096);
        for (int run = 0; run < 100; run++) {
            ChunkQueue q = new ChunkQueue(1 << 30, run % 2 == 0 ? ChunkQueue.KEEP_FROM : ChunkQueue.HAND_ALONE);
            ArrayDeque<Byte> model = new ArrayDeque<>();
            List<ByteBuffer> taken = new ArrayList<>();
            List<byte[]> takenBytes = new ArrayList<>();
            int next = 0;
            for (int step = 0; step < 300; step++) {
                String at = "run " + run + " step " + step;
                int n = rnd.nextBoolean() ? rnd.nextInt(0, 40) : rnd.nextInt(0, 20_000);
                switch (rnd.nextInt(6)) {
                    case 0 -> {                                           // a kept write, heap or direct, at an offset
                        ByteBuffer b = (rnd.nextBoolean() ? ByteBuffer.allocate(n + 8) : ByteBuffer.allocateDirect(n + 8));
                        b.position(3).put(seq(next, n)).flip().position(3);
                        q.keep(rnd.nextBoolean() ? b : b.asReadOnlyBuffer());
                        add(model, next, n);
                        next += n;
                    }
                    case 1 -> {                                           // a copied payload
                        q.append(seq(next - 5, n + 10), 5, n);
                        add(model, next, n);
                        next += n;
                    }
                    case 2 -> {                                           // a copied part of a buffer
                        ByteBuffer src = ByteBuffer.wrap(seq(next, n + 4));
                        q.append(src, n);
                        assertEquals(n, src.position(), at);
                        add(model, next, n);
                        next += n;
                    }
                    case 3 -> {                                           // copy from anywhere, then consume
                        int k = rnd.nextInt(0, Math.min(model.size(), 30_000) + 1);
                        int from = rnd.nextInt(0, model.size() - k + 1);
                        assertArrayEquals(expect(model, from, k), copy(q, from, k), at);
                        int drop = rnd.nextInt(0, model.size() + 1);
                        q.consume(drop);
                        for (int i = 0; i < drop; i++) {
                            model.poll();
                        }
                    }
                    case 4 -> {                                           // a read
                        if (model.isEmpty()) {
                            break;
                        }
                        int max = rnd.nextInt(1, 70_000);
                        ByteBuffer r = q.take(max);
                        assertTrue(r.remaining() >= 1 && r.remaining() <= max, at);
                        byte[] want = expect(model, 0, r.remaining());
                        assertArrayEquals(want, bytes(r), at);
                        for (int i = 0; i < want.length; i++) {
                            model.poll();
                        }
                        taken.add(r);
                        takenBytes.add(want);
                    }
                    default -> {
                        if (rnd.nextInt(4) == 0) {
                            q.clear();
                            model.clear();
                        }
                    }
                }
                assertEquals(model.size(), q.size(), at);
            }
            for (int i = 0; i < taken.size(); i++) {
                assertArrayEquals(takenBytes.get(i), bytes(taken.get(i)), "run " + run + ": read " + i + " unchanged");
            }
        }
    }

    private static void add(ArrayDeque<Byte> model, int from, int n) {
        for (int i = 0; i < n; i++) {
            model.add((byte) (from + i));
        }
    }

    private static byte[] expect(ArrayDeque<Byte> model, int from, int n) {
        byte[] want = new byte[n];
        int i = 0;
        for (byte b : model.stream().skip(from).limit(n).toList()) {
            want[i++] = b;
        }
        return want;
    }

    @Test
    void theSameBufferKeptTwiceIsReadTwice() {
        ChunkQueue q = new ChunkQueue(1 << 20, ChunkQueue.KEEP_FROM);
        ByteBuffer b = ByteBuffer.wrap(seq(0, 2000));
        q.keep(b.duplicate());
        q.keep(b.duplicate());
        assertArrayEquals(seq(0, 2000), copy(q, 2000, 2000));
        ByteBuffer r = q.take(2000);
        assertSame(b.array(), r.array(), "handed over as it was kept: no copy");
        assertArrayEquals(seq(0, 2000), bytes(r));
        assertArrayEquals(seq(0, 1000), bytes(q.take(1000)), "part of a chunk: copied");
    }
}
