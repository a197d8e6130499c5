package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The loss-recovery levers of issue 14, each run with its switch on and off so that each test shows the
 * difference the lever makes: Proportional Rate Reduction (RFC 9937), the undo of a reduction that D-SACKs
 * prove spurious (RFC 3708, RFC 9438 §4.9), and RACK ignoring a segment whose copies make its time ambiguous.
 * Thirty full segments s0..s29 to send; ten fill the initial window (RFC 6928).
 */
class TcpScriptLossLeversTest extends ScriptFixture {
    private static final int RTT_US = 100;
    private final boolean prr = Recovery.prr, undo = Recovery.undo, ambiguous = SentSegments.skipAmbiguous;

    @AfterEach
    void restoreSwitches() {
        Recovery.prr = prr;
        Recovery.undo = undo;
        SentSegments.skipAmbiguous = ambiguous;
    }

    /**
     * s0 and s1 acknowledged (slow start: cwnd 11 SMSS, s10..s12 go), then s3..s5 SACKed: s2 is lost at once (RFC
     * 8985 §6.2, three segments SACKed) and its fast retransmit goes; 11 SMSS were in flight.
     */
    private DirectTcpFlow s2LostWithElevenInFlight() throws Exception {
        DirectTcpFlow f = tenInFlight(SACK_RENO, 30);
        p.advanceMicros(RTT_US);
        ack(seg(2));
        for (int i = 10; i <= 12; i++) {
            expectSegment(i);
        }
        assertEquals(11 * MSS, f.stats().cwnd());
        ack(seg(2), sack(seg(3), seg(6)));
        expectSegment(2);
        p.expectNothing();
        return f;
    }

    /**
     * s2 is lost with s3..s5 SACKed (three: RACK marks it at once). FlightSize 11 SMSS, so NewReno's ssthresh is
     * 5.5 SMSS (8030). RFC 6675 sets cwnd to it at once: pipe (8 SMSS, then 6) stays above it and nothing new goes
     * until pipe falls. PRR sends ssthresh/RecoverFS of what is delivered: 2 SMSS SACKed give 1 new segment. On
     * leaving recovery PRR sets cwnd = ssthresh, RFC 6675 (RFC 6582 option 1) FlightSize + SMSS.
     */
    @Test
    void prrSendsInProportionToDeliveriesWhereRfc6675WaitsForPipeToFall() throws Exception {
        for (boolean on : new boolean[] {false, true}) {
            Recovery.prr = on;
            DirectTcpFlow f = s2LostWithElevenInFlight();
            assertEquals(8030, f.stats().ssthresh());
            ack(seg(2), sack(seg(3), seg(8)));               // 2 SMSS more delivered
            if (on) {
                // DeliveredData 5 SMSS so far, RecoverFS 11: ceil(7300 * 8030 / 16060) - prr_out 1460 = 2190.
                expectSegment(13);
                assertEquals(6 * MSS + 2190, f.stats().cwnd(), "cwnd = pipe + SndCnt");
            }
            p.expectNothing();
            ack(seg(2), sack(seg(3), seg(10)));
            if (!on) {
                expectSegment(13);                           // RFC 6675: pipe 4 SMSS leaves room at last
            }
            p.expectNothing();                               // PRR-CRB: pipe 5 SMSS, half a segment to ssthresh
            p.advanceMicros(RTT_US);
            ack(seg(14));                                    // everything: recovery ends with nothing in flight
            if (on) {
                assertEquals(8030, f.stats().cwnd(), "RFC 9937: cwnd = ssthresh on leaving recovery");
                for (int i = 14; i <= 18; i++) {
                    expectSegment(i);
                }
            } else {
                assertEquals(2 * MSS, f.stats().cwnd(), "RFC 6582 option 1: max(FlightSize, SMSS) + SMSS");
                expectSegment(14);
                expectSegment(15);
            }
            p.expectNothing();
            p.close();
        }
    }

    /**
     * s2's retransmission was needless (the original was only late): the ACK that ends recovery carries a D-SACK
     * for s2, the episode's only retransmission (RFC 3708 §3), so the window and threshold go back to what they
     * were before the reduction (cwnd 11 SMSS in slow start, ssthresh unset). Without the undo the reduction stays.
     */
    @Test
    void aReductionWhoseEveryRetransmissionIsDsackedIsUndone() throws Exception {
        for (boolean on : new boolean[] {false, true}) {
            Recovery.undo = on;
            DirectTcpFlow f = s2LostWithElevenInFlight();
            assertEquals(8030, f.stats().cwnd());
            p.advanceMicros(RTT_US);
            ack(seg(13), sack(seg(2), seg(3)));              // D-SACK: s2 arrived twice (RFC 2883 §4)
            if (on) {
                assertEquals(11 * MSS, f.stats().cwnd(), "undone: the window before the reduction");
                assertEquals(Integer.MAX_VALUE, f.stats().ssthresh(), "undone: back in slow start");
            } else {
                assertEquals(2 * MSS, f.stats().cwnd());
                assertEquals(8030, f.stats().ssthresh());
            }
            p.close();
        }
    }

    /**
     * In recovery, s10..s12 go at 100 us; no ACK comes, so the probe resends SND.UNA (s2, its third copy) at
     * 300 us. At 420 us the ACK for s2's second copy arrives (a slow round trip): taken as the probe's, its RTT
     * would be 120 us and RACK would mark s10..s12, sent at 100 us and still on their way, lost: a second
     * recovery and a needless retransmission of s10. With the copies ambiguous, RACK takes no sample from s2 and
     * new data goes instead.
     */
    @Test
    void anAckForAnEarlierCopyOfAProbedSegmentMarksNothingLost() throws Exception {
        for (boolean on : new boolean[] {false, true}) {
            SentSegments.skipAmbiguous = on;
            DirectTcpFlow f = tenInFlight(SACK_RENO, 30);
            p.advanceMicros(RTT_US);
            ack(seg(2), sack(seg(3), seg(6)));               // s2 lost: recovery, cwnd = ssthresh = 4 SMSS
            expectSegment(2);
            p.expectNothing();
            ack(seg(2), sack(seg(3), seg(10)));              // pipe 1 SMSS: s10..s12 go
            for (int i = 10; i <= 12; i++) {
                expectSegment(i);
            }
            p.expectNothing();
            p.advanceMicros(2 * RTT_US);                     // the probe timeout in recovery: 2 * SRTT
            expectSegment(2);
            assertEquals(1, f.stats().lossProbes());
            p.advanceMicros(120);
            ack(seg(10));                                    // s2's second copy arrived; recovery ends
            if (on) {
                // cwnd min(ssthresh, FlightSize + SMSS) = 4 SMSS with s10..s12 in flight: one new segment; the
                // probe, sent in that recovery, reduces nothing more (RFC 8985 §7.4 is for a probe outside it).
                expectSegment(13);
                assertEquals(4 * MSS, f.stats().ssthresh());
            } else {
                expectSegment(10);                           // needless: s10 is on its way
            }
            assertEquals(on ? 1 : 2, f.stats().fastRetransmits());
            p.close();
        }
    }
}
