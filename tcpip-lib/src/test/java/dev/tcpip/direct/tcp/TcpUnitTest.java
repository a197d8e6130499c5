package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.wire.Ipv4Address;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Unit tests of TCP's small parts against their RFCs' equations: CUBIC, ISN and ephemeral ports. */
class TcpUnitTest {
    private static final int SMSS = 1000;
    private static final long S = 1_000_000_000L;
    private static final long RTT = 100_000_000L; // 100 ms
    // RFC 9438 §4.6, §5: beta_cubic = 0.7, C = 0.4; §4.3: alpha_cubic = 3 (1 - beta) / (1 + beta)
    private static final double C = 0.4;
    private static final double BETA = 0.7;
    private static final double ALPHA = 3 * (1 - BETA) / (1 + BETA);

    /** RFC 9438 §4.2 equation 1: W_cubic(t) = C (t - K)^3 + W_max, with K from equation 2. */
    private static double wCubic(double t, double wMax, double cwndEpoch) {
        double k = Math.cbrt((wMax - cwndEpoch) / C);
        return C * Math.pow(t - k, 3) + wMax;
    }

    /** A CUBIC window of {@code segments} that has just seen a loss. */
    private static Cubic afterLossAt(int segments) {
        Cubic c = new Cubic(SMSS, 10);
        c.cwnd = segments * SMSS;
        c.onLoss(0, c.cwnd);
        return c;
    }

    @Test
    void cubicMultiplicativeDecreaseIsBetaTimesCwnd() {
        Cubic c = afterLossAt(100);
        assertEquals(70_000, c.cwnd(), "RFC 9438 §4.6: cwnd = ssthresh = 0.7 cwnd");
        assertEquals(70_000, c.ssthresh());
        Cubic small = afterLossAt(2);
        assertEquals(2 * SMSS, small.ssthresh(), "never below 2 SMSS");
        Cubic t = new Cubic(SMSS, 10);
        t.cwnd = 100 * SMSS;
        t.onTimeout(0, t.cwnd);
        assertEquals(SMSS, t.cwnd(), "RFC 9438 §4.8 / RFC 5681 §3.1: the loss window is one segment");
        assertEquals(70_000, t.ssthresh());
    }

    @Test
    void cubicFollowsTheWindowFunction() {
        Cubic c = afterLossAt(100);                    // W_max = 100, cwnd_epoch = 70
        long t0 = 10 * S;
        c.onAck(t0, SMSS, RTT);                        // the epoch starts; at t = 0 W_cubic = cwnd: Reno-friendly
        double wEst = 70 + ALPHA / 70;                 // RFC 9438 §4.3 equation 4
        assertEquals((int) (wEst * SMSS), c.cwnd());
        double seg = (double) c.cwnd() / SMSS;
        // one second later W_cubic(1) = 86.68 > W_est: concave region (RFC 9438 §4.4); the target is
        // W_cubic(t + RTT) and cwnd grows by (target - cwnd) / cwnd per acknowledged segment.
        c.onAck(t0 + S, SMSS, RTT);
        double target = wCubic(1.1, 100, 70);
        assertEquals(87.8846, target, 1e-4);
        assertEquals((int) ((seg + (target - seg) / seg) * SMSS), c.cwnd());
        // at t + RTT = K the target is W_max itself: K = cbrt(100 x 0.3 / 0.4) = cbrt(75) = 4.2172 s
        double k = Math.cbrt(75);
        assertEquals(4.21716, k, 1e-5);
        seg = (double) c.cwnd() / SMSS;
        c.onAck(t0 + (long) ((k - 0.1) * S), SMSS, RTT);
        assertEquals((int) ((seg + (100 - seg) / seg) * SMSS), c.cwnd(), 1);
        // far in the convex region the target is capped at 1.5 cwnd (RFC 9438 §4.2)
        seg = (double) c.cwnd() / SMSS;
        c.onAck(t0 + 30 * S, SMSS, RTT);
        assertTrue(wCubic(30.1, 100, 70) > 1.5 * seg);
        assertEquals((int) ((seg + 0.5 * seg / seg) * SMSS), c.cwnd(), 1);
    }

    @Test
    void cubicFastConvergenceLowersWmax() {
        Cubic c = afterLossAt(100);                    // W_max = 100, cwnd = 70
        c.onLoss(0, c.cwnd());                         // lost again below W_max: RFC 9438 §4.7
        assertEquals(49_000, c.cwnd());
        double wMax = 70 * (1 + BETA) / 2;             // 59.5 instead of 70
        long t0 = 10 * S;
        c.onAck(t0, SMSS, RTT);
        double seg = (double) c.cwnd() / SMSS;
        c.onAck(t0 + S, SMSS, RTT);
        double target = wCubic(1.1, wMax, 49);
        assertEquals((int) ((seg + (target - seg) / seg) * SMSS), c.cwnd());
        assertNotEquals((int) ((seg + (wCubic(1.1, 70, 49) - seg) / seg) * SMSS), c.cwnd());
    }

    @Test
    void cubicRenoFriendlyRegionGrowsLikeReno() {
        Cubic c = afterLossAt(100);
        long t0 = 10 * S;
        double wEst = 70;
        // All ACKs at t = 0 of the epoch: W_cubic(0) = cwnd_epoch < W_est, so cwnd = W_est (RFC 9438 §4.3).
        for (int i = 0; i < 70; i++) {
            double seg = (double) c.cwnd() / SMSS;
            wEst += ALPHA * 1 / seg;                   // equation 4, one segment acknowledged
            c.onAck(t0, SMSS, RTT);
            assertEquals((int) (wEst * SMSS), c.cwnd(), "ack " + i);
        }
        // about alpha = 0.53 segments per window of ACKs: Reno's AIMD with beta 0.7 (§4.3)
        assertEquals(70 + ALPHA, (double) c.cwnd() / SMSS, 0.01);
    }

    /**
     * RFC 9438 §4.3: once W_est reaches cwnd_prior (the window before the last reduction) alpha SHOULD be 1, so
     * the Reno-friendly window then grows a segment per window of ACKs, as Reno does; before, 0.53. Measured as
     * the ACKs (one segment each, all at t = 0 of the epoch: the Reno-friendly region) from 10 to 11 segments
     * after a loss at 10, with the switch on and off.
     */
    @Test
    void cubicRenoFriendlyAlphaBecomesOneOnceTheEstimateReachesThePriorWindow() {
        boolean saved = Cubic.renoAlpha;
        try {
            for (boolean on : new boolean[] {false, true}) {
                Cubic.renoAlpha = on;
                Cubic c = afterLossAt(10);                 // cwnd 7, cwnd_prior 10
                int acks = 0;
                while (c.cwnd() < 10 * SMSS && acks < 1_000) {
                    c.onAck(10 * S, SMSS, RTT);
                    acks++;
                }
                assertEquals(10 * SMSS, c.cwnd(), 20, "from 7 to 10 segments at alpha 0.53: " + acks + " ACKs");
                int more = 0;
                while (c.cwnd() < 11 * SMSS && more < 1_000) {
                    c.onAck(10 * S, SMSS, RTT);
                    more++;
                }
                if (on) {
                    assertTrue(more >= 10 && more <= 11, "alpha 1: about one window of ACKs, was " + more);
                } else {
                    assertTrue(more >= 19 && more <= 20, "alpha 0.53: about 1.9 windows of ACKs, was " + more);
                }
            }
        } finally {
            Cubic.renoAlpha = saved;
        }
    }

    // --- RFC 6528 ---

    private static final FourTuple A = new FourTuple(Ipv4Address.parse("10.0.0.1"), 50_000,
            Ipv4Address.parse("10.0.0.2"), 80);
    private static final FourTuple B = new FourTuple(Ipv4Address.parse("10.0.0.1"), 50_001,
            Ipv4Address.parse("10.0.0.2"), 80);

    @Test
    void isnIsAKeyedHashOfTheTuplePlusAFourMicrosecondClock() {
        IsnGenerator g = new IsnGenerator(new SplittableRandom(7));
        IsnGenerator same = new IsnGenerator(new SplittableRandom(7));
        IsnGenerator otherKey = new IsnGenerator(new SplittableRandom(8));
        long now = 123_456_789_000L;
        assertEquals(g.isn(A, now), same.isn(A, now), "same key, tuple and time: same ISN");
        assertNotEquals(g.isn(A, now), g.isn(B, now), "another tuple: another ISN");
        assertNotEquals(g.isn(A, now), otherKey.isn(A, now), "another key: another ISN");
        long base = now - now % 4_000;
        assertEquals(g.isn(A, base), g.isn(A, base + 3_999), "M ticks every 4 µs");
        assertEquals(g.isn(A, base) + 1, g.isn(A, base + 4_000));
        assertEquals(g.isn(A, base) + 250_000, g.isn(A, base + S), "250 000 ticks a second");
        long h = g.hash(A);                              // one hash per connection gives both (DirectTcp.initialize)
        assertEquals(g.isn(A, now), IsnGenerator.isn(h, now));
        assertEquals(g.tsOffset(A), IsnGenerator.tsOffset(h));
        assertNotEquals(g.tsOffset(A), g.tsOffset(B), "another tuple: another TSval offset");
    }

    // --- RFC 6056 ---

    @Test
    void ephemeralPortsStayInRangeAndNeverCollide() {
        PortAllocator a = new PortAllocator(new SplittableRandom(3), 50_000, 50_009);
        Set<Integer> used = new HashSet<>(Set.of(50_003, 50_004, 50_005));   // existing flows to this peer
        for (int i = 0; i < 7; i++) {
            int port = a.allocate(A, used::contains);
            assertTrue(port >= 50_000 && port <= 50_009, "in range: " + port);
            assertTrue(used.add(port), "no collision: " + port);
        }
        assertEquals(-1, a.allocate(A, used::contains), "all taken");
    }

    @Test
    void ephemeralPortsSpreadAcrossDestinations() {
        PortAllocator a = new PortAllocator(new SplittableRandom(3), 49_152, 65_535);
        Set<Integer> first = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            FourTuple dst = new FourTuple(Ipv4Address.parse("10.0.0.1"), 0, Ipv4Address.parse("10.0.1." + (i % 250)),
                    1000 + i);
            int port = a.allocate(dst, p -> false);
            assertTrue(port >= 49_152 && port <= 65_535);
            first.add(port);
        }
        assertTrue(first.size() >= 190, "RFC 6056 §3.3.3: hash-spread, not sequential: " + first.size());
        assertFalse(first.containsAll(Set.of(49_152, 49_153, 49_154)));
    }
}
