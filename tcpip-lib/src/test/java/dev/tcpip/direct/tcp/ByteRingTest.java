package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The byte FIFO under the send and receive buffers: bounded by its limit, correct across the ring's
 * wrap-around and while it grows.
 */
class ByteRingTest {

    private static byte[] seq(int from, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    private static byte[] copy(ByteRing r, int from, int n) {
        byte[] out = new byte[n];
        r.copyOut(from, out, 0, n);
        return out;
    }

    @Test
    void anEmptyRingHasItsWholeLimitFree() {
        ByteRing r = new ByteRing(8);
        assertEquals(0, r.size());
        assertEquals(8, r.limit());
        assertEquals(8, r.free());
        r.consume(0);
        assertArrayEquals(new byte[0], copy(r, 0, 0));
        assertEquals(0, r.append(ByteBuffer.allocate(0)));
    }

    @Test
    void appendTakesNoMoreThanIsFree() {
        ByteRing r = new ByteRing(8);
        ByteBuffer src = ByteBuffer.wrap(seq(0, 12));
        assertEquals(8, r.append(src));
        assertEquals(8, src.position(), "the rest stays in the source");
        assertEquals(8, r.size());
        assertEquals(0, r.free());
        assertEquals(0, r.append(src));
        assertArrayEquals(seq(0, 8), copy(r, 0, 8));
    }

    @Test
    void readsAndWritesCrossTheEndOfTheRing() {
        ByteRing r = new ByteRing(8);                  // 8 bytes of ring: the wrap comes early
        r.append(seq(0, 6), 0, 6);
        r.consume(4);                                  // head at 4, two bytes held
        r.append(seq(6, 5), 0, 5);                     // 2 bytes to the end, 3 from the start
        assertEquals(7, r.size());
        assertEquals(1, r.free());
        assertArrayEquals(seq(4, 7), copy(r, 0, 7));
        assertArrayEquals(seq(7, 3), copy(r, 3, 3), "a copy starting past the head");
        assertEquals(1, r.append(ByteBuffer.wrap(seq(11, 4))));
        assertArrayEquals(seq(4, 8), copy(r, 0, 8));
        r.consume(5);                                  // the head wraps
        assertArrayEquals(seq(9, 3), copy(r, 0, 3));
        r.append(ByteBuffer.wrap(seq(12, 5)));
        assertArrayEquals(seq(9, 8), copy(r, 0, 8));
    }

    @Test
    void growingWhileWrappedKeepsTheOrder() {
        ByteRing r = new ByteRing(8);
        r.append(seq(0, 8), 0, 8);
        r.consume(5);
        r.append(seq(8, 5), 0, 5);                     // wrapped: [5..7] at the end, [8..12] at the start
        r.limit(64);
        assertEquals(56, r.free());
        r.append(seq(13, 40), 0, 40);                  // grows past 8
        assertEquals(48, r.size());
        assertArrayEquals(seq(5, 48), copy(r, 0, 48));
    }

    @Test
    void aLimitThatIsNotAPowerOfTwoHoldsExactlyThatMuch() {
        ByteRing r = new ByteRing(5000);
        assertEquals(5000, r.append(ByteBuffer.wrap(seq(0, 6000))));
        assertEquals(0, r.free());
        assertArrayEquals(seq(0, 5000), copy(r, 0, 5000));
        r.consume(4999);
        r.append(seq(5000, 4999), 0, 4999);
        assertArrayEquals(seq(4999, 5000), copy(r, 0, 5000));
    }

    @Test
    void theLimitNeverDropsBelowWhatIsHeld() {
        ByteRing r = new ByteRing(8);
        r.append(seq(0, 5), 0, 5);
        r.limit(2);
        assertEquals(5, r.limit());
        assertEquals(0, r.free());
        r.limit(100);
        assertEquals(100, r.limit());
        assertEquals(95, r.free());
    }

    @Test
    void clearEmptiesTheRing() {
        ByteRing r = new ByteRing(8);
        r.append(seq(0, 7), 0, 7);
        r.consume(3);
        r.clear();
        assertEquals(0, r.size());
        assertEquals(8, r.free());
        r.append(seq(20, 8), 0, 8);
        assertArrayEquals(seq(20, 8), copy(r, 0, 8));
    }

    @Test
    void theFirstArrayFitsTheFirstBytesNotAFixedSize() {
        ByteRing r = new ByteRing(256 * 1024);
        assertEquals(0, r.capacity(), "nothing before the first byte");
        r.append(seq(0, 1), 0, 1);
        assertEquals(ByteRing.MIN_FIRST, r.capacity(), "one byte: the smallest first array, not 4 KiB");
        r.append(seq(1, 100), 0, 100);
        assertEquals(128, r.capacity(), "grows to the least power of two that holds 101 bytes");
        assertArrayEquals(seq(0, 101), copy(r, 0, 101));
        ByteRing bulk = new ByteRing(256 * 1024);
        bulk.append(ByteBuffer.wrap(seq(0, 1448)));
        assertEquals(2048, bulk.capacity(), "a full segment first: one array that holds it");
        ByteRing small = new ByteRing(20);
        small.append(seq(0, 1), 0, 1);
        assertEquals(32, small.capacity(), "never more than the least power of two that holds the limit");
    }

    @Test
    void aLimitAboveOneGibibyteStillStoresItsFirstBytes() {
        ByteRing r = new ByteRing((1 << 30) + 2);      // a receive buffer grown for close, holding nothing yet
        r.append(seq(0, 10), 0, 10);
        assertEquals(10, r.size());
        assertArrayEquals(seq(0, 10), copy(r, 0, 10));
    }

    @Test
    void randomOperationsMatchAQueue() {
        SplittableRandom rnd = new SplittableRandom(4096);
        for (int run = 0; run < 100; run++) {
            int limit = rnd.nextInt(1, 3000);
            ByteRing r = new ByteRing(limit);
            ArrayDeque<Byte> model = new ArrayDeque<>();
            int next = 0;
            for (int step = 0; step < 400; step++) {
                String at = "run " + run + " step " + step;
                switch (rnd.nextInt(5)) {
                    case 0 -> {
                        int n = rnd.nextInt(0, limit + 100);
                        int took = r.append(ByteBuffer.wrap(seq(next, n)));
                        assertEquals(Math.min(n, limit - model.size()), took, at);
                        for (int i = 0; i < took; i++) {
                            model.add((byte) (next + i));
                        }
                        next += took;
                    }
                    case 1 -> {
                        int n = rnd.nextInt(0, r.free() + 1);
                        r.append(seq(next, n), 0, n);
                        for (int i = 0; i < n; i++) {
                            model.add((byte) (next + i));
                        }
                        next += n;
                    }
                    case 2, 3 -> {
                        int n = rnd.nextInt(0, model.size() + 1);
                        int from = rnd.nextInt(0, model.size() - n + 1);
                        byte[] want = new byte[n];
                        int i = 0;
                        for (byte b : model.stream().skip(from).limit(n).toList()) {
                            want[i++] = b;
                        }
                        assertArrayEquals(want, copy(r, from, n), at);
                        int drop = rnd.nextInt(0, model.size() + 1);
                        r.consume(drop);
                        for (int k = 0; k < drop; k++) {
                            model.poll();
                        }
                    }
                    default -> {
                        if (rnd.nextInt(10) == 0) {
                            limit += rnd.nextInt(1, 2000);
                            r.limit(limit);
                        }
                    }
                }
                assertEquals(model.size(), r.size(), at);
                assertEquals(limit - model.size(), r.free(), at);
            }
        }
    }
}
