package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Loss recovery without SACK: limited transmit (RFC 3042) and NewReno's partial ACKs (RFC 6582). */
class TcpScriptRecoveryTest extends ScriptFixture {

    @Test
    void limitedTransmitSendsOneNewSegmentOnEachOfTheFirstTwoDuplicates() throws Exception {
        DirectTcpFlow f = tenInFlight(PLAIN_RENO, 12);
        ack(ours(0));                                   // s0 lost: first duplicate ACK
        expectSegment(10);                              // RFC 3042 §2: one new segment beyond cwnd
        p.expectNothing();
        assertEquals(10 * MSS, f.stats().cwnd(), "RFC 3042 §2: cwnd itself is not changed");
        ack(ours(0));
        expectSegment(11);                              // the second duplicate: one more
        p.expectNothing();
        ack(ours(0));                                   // the third: fast retransmit (RFC 5681 §3.2 step 2)
        expectSegment(0);
        p.expectNothing();
        // RFC 5681 §3.2 eq. 4 and step 3: ssthresh = FlightSize / 2 = 12 x 1460 / 2, cwnd = ssthresh + 3 SMSS;
        // the segments sent by limited transmit count in FlightSize (RFC 3042 §2).
        assertEquals(6 * MSS, f.stats().ssthresh());
        assertEquals(9 * MSS, f.stats().cwnd());
    }

    @Test
    void limitedTransmitRespectsTheReceiversWindow() throws Exception {
        peerWindow = 10 * MSS;                          // exactly the initial window
        DirectTcpFlow f = tenInFlight(PLAIN_RENO, 12);
        ack(ours(0));
        ack(ours(0));
        p.expectNothing();                              // RFC 3042 §2: only "if the receiver's window allows"
        ack(ours(0));
        expectSegment(0);
        p.expectNothing();
        assertEquals(5 * MSS, f.stats().ssthresh());
    }

    @Test
    void partialAckRetransmitsTheNextHoleAtOnceAndStaysInRecovery() throws Exception {
        DirectTcpFlow f = tenInFlight(PLAIN_RENO, 10);
        // s0 and s4 are lost; s1..s3 give three duplicates.
        ack(ours(0));
        ack(ours(0));
        ack(ours(0));
        expectSegment(0);                               // RFC 6582 §3.2 step 2: recover = HighData = s10
        assertEquals(5 * MSS, f.stats().ssthresh());
        assertEquals(8 * MSS, f.stats().cwnd());        // ssthresh + 3 SMSS
        for (int i = 5; i < 10; i++) {
            ack(ours(0));                               // s5..s9: each inflates cwnd by one SMSS (step 3)
        }
        p.expectNothing();                              // no new data to send
        assertEquals(13 * MSS, f.stats().cwnd());
        // The retransmitted s0 arrives: a partial ACK up to s4 (below recover).
        ack(seg(4));
        // RFC 6582 §3.2 step 4: retransmit the first unacknowledged segment at once; deflate cwnd by the
        // amount acknowledged and add back one SMSS: 13 - 4 + 1.
        expectSegment(4);
        p.expectNothing();
        assertEquals(10 * MSS, f.stats().cwnd());
        assertEquals(1, f.stats().fastRetransmits(), "still the same recovery");
        ack(seg(4));                                    // a further duplicate: inflates, retransmits nothing
        p.expectNothing();
        assertEquals(11 * MSS, f.stats().cwnd());
        ack(seg(10));                                   // full ACK: recovery ends (step 3 of §3.2, option 1)
        assertEquals(2 * MSS, f.stats().cwnd());
        assertEquals(2, f.stats().segmentsRetransmitted());
        p.advance(60_000);
        p.expectNothing();
        assertEquals(0, f.stats().timeouts());
    }
}
