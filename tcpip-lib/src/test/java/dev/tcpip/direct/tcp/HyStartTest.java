package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.direct.TcpConfig;
import org.junit.jupiter.api.Test;

/**
 * HyStart++ (RFC 9406) in the first slow start, for both algorithms: rounds of ACKs with RTT samples drive it. A
 * round's smallest RTT rising by the threshold (here 20 ms → 24 ms: an eighth of 20 is below the 4 ms floor) moves
 * slow start to CSS (a quarter of the growth), five rounds of CSS end it with ssthresh = cwnd, and an RTT falling
 * back below CSS's baseline resumes standard slow start.
 */
class HyStartTest {
    private static final int MSS = 1000;
    private static final long MS = 1_000_000;

    /** A sender's view: SND.NXT, SND.UNA, and the window. */
    private static final class Flow {
        final CongestionControl cc;
        int una = 0, nxt = 0;

        Flow(TcpConfig.CongestionControlKind kind) {
            cc = CongestionControl.of(kind, MSS, 10);
        }

        /**
         * One round: the window sent before it is acknowledged one segment at a time, each ACK with an RTT sample
         * of {@code rtt}; the sender keeps the window full as ACKs arrive. Returns how much cwnd grew.
         */
        int round(long rtt) {
            if (nxt == una) {
                nxt = una + cc.cwnd();
            }
            int end = nxt;
            int before = cc.cwnd();
            while (una < end) {
                una += MSS;
                cc.onAckForRound(una, nxt);
                cc.onRttSample(rtt);
                cc.onAck(0, MSS, rtt);
                nxt = Math.max(nxt, una + cc.cwnd());
            }
            return cc.cwnd() - before;
        }
    }

    @Test
    void aRisingRttMovesSlowStartToCssAndFiveRoundsOfCssEndIt() {
        for (TcpConfig.CongestionControlKind kind : TcpConfig.CongestionControlKind.values()) {
            Flow f = new Flow(kind);
            assertEquals(10 * MSS, f.round(20 * MS), kind + ": standard slow start doubles");
            assertEquals(20 * MSS, f.round(20 * MS), kind.toString());
            assertFalse(f.cc.inConservativeSlowStart());
            // HyStart++'s round starts at the ACK that ends the one before, so the first 24 ms round still holds a
            // 20 ms sample; the second is all 24 ms, and from its 8th sample on it is CSS.
            f.round(24 * MS);
            assertFalse(f.cc.inConservativeSlowStart(), kind.toString());
            int cwnd = f.cc.cwnd();
            int grown = f.round(24 * MS);
            assertTrue(f.cc.inConservativeSlowStart(), kind.toString());
            assertTrue(grown >= cwnd / 4 && grown <= cwnd / 2, kind + ": CSS slows the growth: " + grown + " of " + cwnd);
            int rounds = 0;
            while (f.cc.ssthresh() == Integer.MAX_VALUE && rounds < 10) {
                int w = f.cc.cwnd();
                int g = f.round(24 * MS);
                if (f.cc.ssthresh() == Integer.MAX_VALUE) {
                    assertEquals(w / 4, g, MSS, kind + ": a quarter of slow start's growth");
                }
                rounds++;
            }
            // The round CSS began in counts as its first (RFC 9406 §4.2 counts rounds in CSS): four more.
            assertEquals(CongestionControl.CSS_ROUNDS - 1, rounds, kind + ": congestion avoidance after CSS");
            // ssthresh = cwnd when CSS ended (RFC 9406 §4.2); the rest of that round grew it by congestion avoidance.
            int cwnd2 = f.cc.cwnd(), ssthresh = f.cc.ssthresh();
            assertTrue(ssthresh <= cwnd2 && cwnd2 - ssthresh <= MSS, kind + ": " + ssthresh + ", " + cwnd2);
        }
    }

    @Test
    void anRttFallingBackBelowTheBaselineResumesSlowStart() {
        Flow f = new Flow(TcpConfig.CongestionControlKind.CUBIC);
        f.round(20 * MS);
        f.round(20 * MS);
        f.round(26 * MS);
        f.round(26 * MS);
        assertTrue(f.cc.inConservativeSlowStart());
        f.round(21 * MS);                                       // below the 26 ms baseline: jitter, not a queue
        assertFalse(f.cc.inConservativeSlowStart());
        int w = f.cc.cwnd();
        assertEquals(w, f.round(21 * MS), "standard slow start doubles again");
        assertEquals(Integer.MAX_VALUE, f.cc.ssthresh());
    }

    @Test
    void aSmallRiseOrTooFewSamplesLeaveSlowStartAlone() {
        Flow f = new Flow(TcpConfig.CongestionControlKind.CUBIC);
        f.round(20 * MS);
        f.round(23 * MS);                                       // +3 ms: below the 4 ms floor
        assertFalse(f.cc.inConservativeSlowStart());
        Flow g = new Flow(TcpConfig.CongestionControlKind.CUBIC);
        // Without timestamps a round brings one sample: HyStart++ needs 8 and does nothing.
        for (long rtt : new long[] {20 * MS, 60 * MS, 60 * MS}) {
            g.nxt = g.una + g.cc.cwnd();
            g.una = g.nxt;
            g.cc.onAckForRound(g.una, g.nxt + MSS);
            g.cc.onRttSample(rtt);
            g.cc.onAck(0, MSS, rtt);
        }
        assertFalse(g.cc.inConservativeSlowStart());
    }

    @Test
    void afterTheFirstSlowStartHyStartStaysOff() {
        Flow f = new Flow(TcpConfig.CongestionControlKind.NEW_RENO);
        f.round(20 * MS);
        f.cc.onLoss(0, f.cc.cwnd());                            // slow start ends by a loss
        f.cc.onTimeout(0, f.cc.cwnd());                         // then slow start again from one segment
        f.round(20 * MS);
        f.round(20 * MS);
        f.round(40 * MS);
        assertFalse(f.cc.inConservativeSlowStart(), "RFC 9406 §4.2: standard slow start after the first");
    }
}
