package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4): "before" and "after" hold across the wrap from
 * 2^32 - 1 to 0, for numbers less than 2^31 apart.
 */
class SeqTest {
    private static final int TOP = 0xffff_ffff;     // 2^32 - 1, the last number before the wrap

    @Test
    void comparesPlainNumbersAsIntegers() {
        assertTrue(Seq.lt(1, 2));
        assertFalse(Seq.lt(2, 2));
        assertTrue(Seq.le(2, 2));
        assertFalse(Seq.le(3, 2));
        assertTrue(Seq.gt(3, 2));
        assertFalse(Seq.gt(2, 2));
        assertTrue(Seq.ge(2, 2));
        assertFalse(Seq.ge(1, 2));
    }

    @Test
    void theNumberBeforeTheWrapIsBeforeZero() {
        assertTrue(Seq.lt(TOP, 0));
        assertTrue(Seq.le(TOP, 0));
        assertTrue(Seq.gt(0, TOP));
        assertTrue(Seq.ge(0, TOP));
        assertFalse(Seq.lt(0, TOP));
        assertFalse(Seq.gt(TOP, 0));
        // 2^31 - 1 bytes past 2^32 - 1000 is still "after", as an unsigned comparison would not say
        assertTrue(Seq.gt(-1000 + Integer.MAX_VALUE, -1000));
        assertTrue(Seq.lt(Integer.MAX_VALUE, Integer.MIN_VALUE));  // 2^31 - 1 is just before 2^31
    }

    @Test
    void diffIsTheSignedDistanceAcrossTheWrap() {
        assertEquals(1, Seq.diff(0, TOP));
        assertEquals(-1, Seq.diff(TOP, 0));
        assertEquals(1500, Seq.diff(TOP - 499 + 1500, TOP - 499));
        assertEquals(0, Seq.diff(12345, 12345));
        int near = TOP - 100;
        assertEquals(99, near + 200);                    // adding wraps modulo 2^32
        assertEquals(200, Seq.diff(near + 200, near));   // and the distance survives the wrap
    }

    @Test
    void maxAndMinFollowSequenceOrderNotIntegerOrder() {
        assertEquals(5, Seq.max(TOP, 5));
        assertEquals(TOP, Seq.min(TOP, 5));
        assertEquals(7, Seq.max(7, 7));
        assertEquals(7, Seq.min(7, 7));
        assertEquals(Integer.MIN_VALUE, Seq.max(Integer.MAX_VALUE, Integer.MIN_VALUE));
    }

    @Test
    void inWindowIsHalfOpenAndWraps() {
        int lo = TOP - 9, hi = lo + 20;              // [2^32 - 10, 10)
        assertTrue(Seq.inWindow(lo, lo, hi));
        assertTrue(Seq.inWindow(TOP, lo, hi));
        assertTrue(Seq.inWindow(0, lo, hi));
        assertTrue(Seq.inWindow(9, lo, hi));
        assertFalse(Seq.inWindow(10, lo, hi));      // hi itself is outside
        assertFalse(Seq.inWindow(lo - 1, lo, hi));
        assertFalse(Seq.inWindow(5, 5, 5));          // an empty window holds nothing
    }

    @Test
    void orderIsConsistentForNumbersLessThanHalfTheSpaceApart() {
        SplittableRandom r = new SplittableRandom(9293);
        for (int i = 0; i < 100_000; i++) {
            int a = r.nextInt();
            int d = r.nextInt(1, Integer.MAX_VALUE);   // 1 .. 2^31 - 1
            int b = a + d;
            String at = "a=" + Integer.toUnsignedString(a) + " d=" + d;
            assertTrue(Seq.lt(a, b), at);
            assertTrue(Seq.le(a, b), at);
            assertFalse(Seq.lt(b, a), at);
            assertFalse(Seq.ge(a, b), at);
            assertTrue(Seq.gt(b, a), at);
            assertEquals(d, Seq.diff(b, a), at);
            assertEquals(-d, Seq.diff(a, b), at);
            assertEquals(b, Seq.max(a, b), at);
            assertEquals(a, Seq.min(b, a), at);
            assertTrue(Seq.inWindow(a + d / 2, a, b), at);
        }
    }
}
