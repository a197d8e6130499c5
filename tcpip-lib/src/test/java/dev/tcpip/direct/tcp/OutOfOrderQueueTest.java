package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.wire.TcpOptions.SackBlock;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Segments held beyond RCV.NXT (RFC 9293 §3.10.7.4): only bytes not held yet are kept, what becomes
 * contiguous with RCV.NXT drains in order, the runs and the memory held are bounded, and the SACK blocks report the most
 * recently changed runs first (RFC 2018 §4). Sequence numbers start just before the 2^32 wrap.
 */
class OutOfOrderQueueTest {
    private static final int BASE = -150;           // 2^32 - 150: the wrap falls inside the tests' ranges

    /** The stream's byte at sequence number {@code seq}, so any copy of a range carries the same bytes. */
    private static byte at(int seq) {
        return (byte) (seq * 31 + 7);
    }

    private static byte[] stream(int seq, int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = at(seq + i);
        }
        return b;
    }

    private static boolean insert(OutOfOrderQueue q, int seq, int len) {
        return q.insert(seq, stream(seq, len), 0, len);
    }

    private static byte[] taken(ReceiveBuffer rb) {
        ByteBuffer b = rb.take(Integer.MAX_VALUE);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @Test
    void holdsSegmentsUntilTheGapBeforeThemFills() {
        OutOfOrderQueue q = new OutOfOrderQueue(16, 1 << 20);
        ReceiveBuffer rb = new ReceiveBuffer(1 << 16);
        assertTrue(insert(q, BASE + 100, 100));
        assertTrue(insert(q, BASE + 300, 100));
        assertEquals(BASE, q.drain(BASE, rb), "nothing is contiguous with RCV.NXT yet");
        assertEquals(0, rb.length());
        assertEquals(2, q.pieces());
        assertEquals(200, q.bytes());

        rb.append(stream(BASE, 100), 0, 100);         // the gap's segment arrives in order
        assertEquals(BASE + 200, q.drain(BASE + 100, rb));
        assertArrayEquals(stream(BASE, 200), taken(rb));
        assertEquals(1, q.pieces());
        assertEquals(100, q.bytes());
        assertFalse(q.isEmpty());
    }

    @Test
    void keepsOnlyTheBytesNotHeldYetAndTheFirstCopyWins() {
        OutOfOrderQueue q = new OutOfOrderQueue(16, 1 << 20);
        assertTrue(insert(q, 10, 10));                 // [10, 20)
        byte[] other = new byte[20];                   // [15, 35) with different bytes where it overlaps
        java.util.Arrays.fill(other, (byte) 0x55);
        assertTrue(q.insert(15, other, 0, 20));
        assertEquals(25, q.bytes());                   // [10, 35): only [20, 35) was new
        assertEquals(2, q.pieces());
        assertTrue(insert(q, 0, 50));                  // covers both: adds [0, 10) and [35, 50)
        assertEquals(50, q.bytes());
        assertEquals(4, q.pieces());
        assertEquals(1, q.runs());

        ReceiveBuffer rb = new ReceiveBuffer(1 << 16);
        assertEquals(50, q.drain(0, rb));
        byte[] expected = stream(0, 50);
        java.util.Arrays.fill(expected, 20, 35, (byte) 0x55);
        assertArrayEquals(expected, taken(rb));
        assertTrue(q.isEmpty());
        assertEquals(0, q.bytes());
    }

    @Test
    void aDuplicateAddsNothing() {
        OutOfOrderQueue q = new OutOfOrderQueue(16, 1 << 20);
        assertTrue(insert(q, BASE + 10, 300));
        assertTrue(insert(q, BASE + 10, 300));
        assertTrue(insert(q, BASE + 50, 20));          // inside what is held
        assertEquals(1, q.pieces());
        assertEquals(300, q.bytes());
    }

    @Test
    void insertReadsTheGivenSliceOfTheArray() {
        OutOfOrderQueue q = new OutOfOrderQueue(16, 1 << 20);
        byte[] framed = new byte[40];
        System.arraycopy(stream(BASE + 10, 20), 0, framed, 13, 20);
        assertTrue(q.insert(BASE + 10, framed, 13, 20));
        ReceiveBuffer rb = new ReceiveBuffer(1 << 16);
        rb.append(stream(BASE, 10), 0, 10);
        assertEquals(BASE + 30, q.drain(BASE + 10, rb));
        assertArrayEquals(stream(BASE, 30), taken(rb));
    }

    @Test
    void drainSkipsWhatRcvNxtHasAlreadyPassed() {
        OutOfOrderQueue q = new OutOfOrderQueue(16, 1 << 20);
        ReceiveBuffer rb = new ReceiveBuffer(1 << 16);
        insert(q, BASE + 10, 10);                      // [10, 20): wholly delivered already
        insert(q, BASE + 30, 20);                      // [30, 50): its first 10 bytes delivered already
        insert(q, BASE + 60, 10);                      // beyond a gap
        assertEquals(BASE + 50, q.drain(BASE + 40, rb));
        assertArrayEquals(stream(BASE + 40, 10), taken(rb));
        assertEquals(1, q.pieces());
        assertEquals(10, q.bytes());
    }

    @Test
    void theRunCountIsBoundedAndAFullQueueSaysSo() {
        OutOfOrderQueue q = new OutOfOrderQueue(3, 1 << 20);
        assertTrue(insert(q, 10, 10));
        assertTrue(insert(q, 30, 10));
        assertTrue(insert(q, 50, 10));
        assertFalse(insert(q, 70, 10));                // a fourth hole does not fit
        assertEquals(3, q.runs());
        assertEquals(30, q.bytes());
        assertTrue(insert(q, 30, 10), "what is held already needs no room");
        assertTrue(insert(q, 12, 5));
        assertTrue(insert(q, 60, 5), "data that extends a run opens no hole");
        assertTrue(insert(q, 5, 5), "nor data that runs into one from the left");
        assertEquals(3, q.runs());
        assertEquals(40, q.bytes());

        OutOfOrderQueue partial = new OutOfOrderQueue(2, 1 << 20);
        insert(partial, 10, 10);
        insert(partial, 30, 10);
        assertTrue(insert(partial, 0, 50), "[0,10) [20,30) [40,50) only join and extend the two runs");
        assertEquals(1, partial.runs());
        assertEquals(50, partial.bytes());
        ReceiveBuffer rb = new ReceiveBuffer(1 << 16);
        assertEquals(50, partial.drain(0, rb));
        assertArrayEquals(stream(0, 50), taken(rb));
    }

    @Test
    void aRunOfThousandsOfSegmentsAfterOneHoleIsKept() {
        // A full 2 MiB window after one lost segment: every segment after the hole is held and drains in order.
        int mss = 1448, segments = 1400;
        OutOfOrderQueue q = new OutOfOrderQueue(256, 2 * (2 << 20));
        for (int k = 1; k <= segments; k++) {
            assertTrue(insert(q, BASE + k * mss, mss), "segment " + k);
        }
        assertEquals(1, q.runs());
        assertEquals(segments, q.pieces());
        assertEquals(List.of(block(mss, (segments + 1) * mss)), q.sackBlocks(4));
        ReceiveBuffer rb = new ReceiveBuffer(4 << 20);
        rb.append(stream(BASE, mss), 0, mss);
        assertEquals(BASE + (segments + 1) * mss, q.drain(BASE + mss, rb));
        assertArrayEquals(stream(BASE, (segments + 1) * mss), taken(rb));
        assertTrue(q.isEmpty());
        assertEquals(0, q.pieces());
    }

    @Test
    void theMemoryChargeBoundsTinySegments() {
        // 1-byte segments cost far more than their byte: the charge (bytes + overhead per chunk) bounds them.
        int charge = 100 * (1 + OutOfOrderQueue.CHUNK_OVERHEAD);
        OutOfOrderQueue q = new OutOfOrderQueue(1_000, charge);
        int kept = 0;
        for (int k = 0; k < 1_000 && insert(q, 10 + k, 1); k++) {
            kept++;
        }
        assertEquals(100, kept);
        assertEquals(100, q.bytes());
        assertFalse(insert(q, 5_000, 1), "a full charge refuses new data");
        ReceiveBuffer rb = new ReceiveBuffer(1 << 16);
        rb.append(stream(0, 10), 0, 10);
        assertEquals(110, q.drain(10, rb));
        assertTrue(insert(q, 5_000, 1), "draining frees the charge");
    }

    @Test
    void sackBlocksAreRunsWithTheMostRecentlyChangedFirst() {
        OutOfOrderQueue q = new OutOfOrderQueue(16, 1 << 20);
        assertEquals(List.of(), q.sackBlocks(4));
        insert(q, BASE + 100, 100);
        insert(q, BASE + 300, 100);
        insert(q, BASE + 500, 100);
        assertEquals(3, q.runs());
        assertEquals(List.of(block(500, 600), block(300, 400), block(100, 200)), q.sackBlocks(4));
        assertEquals(List.of(block(500, 600), block(300, 400)), q.sackBlocks(2));

        insert(q, BASE + 200, 50);                    // joins [100, 200): one run, now the latest
        assertEquals(3, q.runs());
        assertEquals(List.of(block(100, 250), block(500, 600), block(300, 400)), q.sackBlocks(4));

        insert(q, BASE + 300, 100);                   // a duplicate is the segment that triggers the ACK too
        assertEquals(List.of(block(300, 400), block(100, 250), block(500, 600)), q.sackBlocks(3));

        insert(q, BASE + 250, 50);                    // fills the hole: [100, 400) is one run
        assertEquals(2, q.runs());
        assertEquals(List.of(block(100, 400), block(500, 600)), q.sackBlocks(4));

        q.clear();
        assertTrue(q.isEmpty());
        assertEquals(0, q.bytes());
        assertEquals(0, q.runs());
        assertEquals(List.of(), q.sackBlocks(4));
    }

    private static SackBlock block(int from, int to) {
        return new SackBlock(BASE + from, BASE + to);
    }

    @Test
    void randomSegmentsDeliverTheStreamInOrder() {
        SplittableRandom r = new SplittableRandom(2018);
        for (int run = 0; run < 50; run++) {
            int isn = r.nextInt();
            int rcvNxt = isn;
            OutOfOrderQueue q = new OutOfOrderQueue(10_000, 1 << 24);
            ReceiveBuffer rb = new ReceiveBuffer(1 << 20);
            BitSet held = new BitSet();               // offsets from isn held by the queue, the model
            for (int step = 0; step < 300; step++) {
                int next = Seq.diff(rcvNxt, isn);
                if (r.nextInt(4) == 0) {              // an in-order segment
                    int len = r.nextInt(1, 400);
                    rb.append(stream(rcvNxt, len), 0, len);
                    rcvNxt = q.drain(rcvNxt + len, rb);
                    held.clear(0, next + len);
                    int expected = held.nextClearBit(next + len);
                    held.clear(0, expected);
                    assertEquals(expected, Seq.diff(rcvNxt, isn), "run " + run + " step " + step);
                } else {                              // an out-of-order one, within a 4000-byte window
                    int from = next + r.nextInt(1, 4000);
                    int len = r.nextInt(1, 600);
                    assertTrue(insert(q, isn + from, len));
                    held.set(from, from + len);
                }
                assertEquals(held.cardinality(), q.bytes(), "run " + run + " step " + step);
                assertEquals(held.isEmpty(), q.isEmpty());
                assertEquals(runs(held), q.runs(), "run " + run + " step " + step);
            }
            int delivered = Seq.diff(rcvNxt, isn);
            assertEquals(delivered, rb.length());
            assertArrayEquals(stream(isn, delivered), taken(rb), "run " + run);
        }
    }

    private static int runs(BitSet b) {
        int runs = 0;
        for (int i = b.nextSetBit(0); i >= 0; i = b.nextSetBit(b.nextClearBit(i))) {
            runs++;
        }
        return runs;
    }
}
