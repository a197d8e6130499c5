package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The retransmission timeout of RFC 6298: the first sample, the smoothed updates with alpha = 1/8 and
 * beta = 1/4, the clock granularity, the bounds, and the back-off. (Karn's rule is the caller's: the class
 * takes every sample it is given.)
 */
class RtoEstimatorTest {
    private static final long MS = 1_000_000;
    private static final long SECOND = 1000 * MS;

    @Test
    void beforeAnySampleTheInitialRtoHolds() {
        RtoEstimator e = new RtoEstimator(SECOND, 200 * MS, 60 * SECOND);   // RFC 6298 §2.1
        assertFalse(e.measured());
        assertEquals(SECOND, e.rto());
        assertEquals(0, e.backoffs());
    }

    @Test
    void theFirstSampleSetsSrttToRAndRttvarToHalfOfIt() {
        RtoEstimator e = new RtoEstimator(SECOND, 200 * MS, 60 * SECOND);
        e.sample(100 * MS);                                    // RFC 6298 §2.2
        assertTrue(e.measured());
        assertEquals(100 * MS, e.srtt());
        assertEquals(50 * MS, e.rttvar());
        assertEquals(100 * MS + 4 * 50 * MS, e.rto());        // SRTT + max(G, K*RTTVAR)
    }

    @Test
    void laterSamplesUpdateRttvarFromTheOldSrttThenSrtt() {
        RtoEstimator e = new RtoEstimator(SECOND, 200 * MS, 60 * SECOND);
        e.sample(100 * MS);
        e.sample(180 * MS);                                    // RFC 6298 §2.3
        // RTTVAR = 3/4 * 50 + 1/4 * |100 - 180| = 57.5 ms; SRTT = 7/8 * 100 + 1/8 * 180 = 110 ms
        assertEquals(57_500_000, e.rttvar());
        assertEquals(110 * MS, e.srtt());
        assertEquals(110 * MS + 4 * 57_500_000, e.rto());
        e.sample(30 * MS);
        // RTTVAR = 3/4 * 57.5 + 1/4 * |110 - 30| = 63.125 ms; SRTT = 7/8 * 110 + 1/8 * 30 = 100 ms
        assertEquals(63_125_000, e.rttvar());
        assertEquals(100 * MS, e.srtt());
        assertEquals(100 * MS + 4 * 63_125_000, e.rto());
    }

    @Test
    void theClockGranularityKeepsTheRtoAboveSrttWhenRttvarVanishes() {
        RtoEstimator e = new RtoEstimator(SECOND, 1, 60 * SECOND);
        for (int i = 0; i < 200; i++) {
            e.sample(100 * MS);
        }
        assertEquals(100 * MS, e.srtt());
        assertEquals(0, e.rttvar());
        assertEquals(100 * MS + MS, e.rto());                 // G = 1 ms
    }

    @Test
    void theRtoIsClampedToTheMinimumAndTheMaximum() {
        RtoEstimator low = new RtoEstimator(SECOND, SECOND, 60 * SECOND);
        low.sample(10 * MS);                                   // 10 + 4*5 = 30 ms, below 1 s (RFC 6298 §2.4)
        assertEquals(SECOND, low.rto());
        assertEquals(10 * MS, low.srtt());                     // the estimate itself is not clamped

        RtoEstimator high = new RtoEstimator(SECOND, SECOND, 60 * SECOND);
        high.sample(100 * SECOND);                             // 300 s, above the maximum (RFC 6298 §2.5)
        assertEquals(60 * SECOND, high.rto());
    }

    @Test
    void aZeroSampleCountsAsOneNanosecond() {
        RtoEstimator e = new RtoEstimator(SECOND, 1, 60 * SECOND);
        e.sample(0);
        assertTrue(e.measured());
        assertEquals(1, e.srtt());
        assertEquals(1 + MS, e.rto());
    }

    @Test
    void eachBackOffDoublesTheRtoUpToTheMaximum() {
        RtoEstimator e = new RtoEstimator(SECOND, 200 * MS, 60 * SECOND);
        e.sample(100 * MS);                                    // RTO 300 ms
        long expected = 300 * MS;
        for (int i = 1; i <= 7; i++) {                         // RFC 6298 §5.5: RTO <- RTO * 2
            e.backOff();
            expected *= 2;
            assertEquals(i, e.backoffs());
            assertEquals(Math.min(expected, 60 * SECOND), e.rto(), "after " + i + " back-offs");
        }
        e.backOff();                                           // 38.4 s doubled is 76.8 s: capped
        assertEquals(60 * SECOND, e.rto());
        for (int i = 0; i < 10_000; i++) {                     // no overflow however long the outage
            e.backOff();
        }
        assertEquals(60 * SECOND, e.rto());
        assertEquals(100 * MS, e.srtt(), "backing off leaves the estimate alone");
    }

    @Test
    void theInitialRtoBacksOffToo() {
        RtoEstimator e = new RtoEstimator(SECOND, 200 * MS, 60 * SECOND);
        e.backOff();
        e.backOff();
        assertEquals(4 * SECOND, e.rto());
        assertFalse(e.measured());
    }

    @Test
    void aNewSampleAfterBackOffRecomputesTheRtoFromTheEstimate() {
        RtoEstimator e = new RtoEstimator(SECOND, 200 * MS, 60 * SECOND);
        e.sample(100 * MS);
        e.backOff();
        e.backOff();
        assertEquals(1200 * MS, e.rto());
        e.sample(100 * MS);       // RFC 6298 §5, after (5.7): a new measurement may "collapse" the RTO
        assertEquals(0, e.backoffs());
        // RTTVAR = 3/4 * 50 + 0 = 37.5 ms; SRTT stays 100 ms
        assertEquals(100 * MS + 4 * 37_500_000, e.rto());
    }
}
