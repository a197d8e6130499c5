package dev.tcpip.direct.tcp;

import static dev.tcpip.direct.tcp.Expect.segment;
import static dev.tcpip.wire.TcpHeader.ACK;
import static dev.tcpip.wire.TcpOptions.TIMESTAMPS;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tcpip.direct.TcpConfig;
import dev.tcpip.wire.TcpOptions;
import org.junit.jupiter.api.Test;

/**
 * SACK, both sides: loss detection by RACK-TLP (RFC 8985) with recovery as RFC 6675 §5 sends, and the blocks
 * a receiver reports (RFC 2018 §4). Ten full segments s0..s9 fill the initial window (RFC 6928: 10 x 1460).
 */
class TcpScriptSackTest extends ScriptFixture {

    /** The scripted round trip: each ACK arrives this long after the segments it answers were sent. */
    private static final int RTT_US = 100;

    @Test
    void aHoleIsLostAfterAQuarterRttOrAtOnceWithThreeSegmentsSackedAndIsRetransmittedOnce() throws Exception {
        DirectTcpFlow f = tenInFlight(SACK_RENO, 10);
        p.advanceMicros(RTT_US);
        ack(seg(2));                                    // s0, s1 arrived; s2 is lost
        assertEquals(11 * MSS, f.stats().cwnd(), "slow start: one SMSS for the ACK");
        ack(seg(2), sack(seg(3), seg(4)));
        // RFC 8985 §6.2: s2 was sent before s3, which was delivered; it is lost once RACK.rtt plus the
        // reordering window (min_RTT / 4 = 25 us with one segment SACKed and no reordering seen) has passed.
        p.expectNothing();
        p.advanceMicros(RTT_US / 4 - 1);
        p.expectNothing();
        p.advanceMicros(1);
        // RFC 6675 §5 with RACK as the detector: RecoveryPoint = HighData, ssthresh = cwnd = FlightSize / 2
        // (RFC 5681 §3.2 eq. 4: 8 x 1460 / 2), and the lost segment is retransmitted.
        expectSegment(2);
        p.expectNothing();                              // pipe: s2 (rexmit) + s4..s9 = 7 SMSS > cwnd
        assertEquals(4 * MSS, f.stats().cwnd());
        assertEquals(4 * MSS, f.stats().ssthresh());
        assertEquals(1, f.stats().fastRetransmits());
        // More SACKs shrink pipe but nothing else is lost and there is no new data: nothing is sent, and the
        // retransmitted hole is not sent again (it went after every segment SACKed so far).
        for (int k = 5; k <= 10; k++) {
            ack(seg(2), sack(seg(3), seg(k)));
        }
        p.expectNothing();
        // RFC 6675 §5 (A): a cumulative ACK beyond RecoveryPoint ends recovery; RFC 6582 §3.2 step 3 option 1:
        // cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS) = 2 SMSS with nothing in flight.
        p.advanceMicros(RTT_US);
        ack(seg(10));
        assertEquals(2 * MSS, f.stats().cwnd());
        assertEquals(1, f.stats().segmentsRetransmitted());
        p.advance(60_000);
        p.expectNothing();                               // no timeout: everything was acknowledged
        assertEquals(0, f.stats().timeouts());
    }

    @Test
    void threeSegmentsSackedMakeEveryEarlierHoleLostAtOnce() throws Exception {
        DirectTcpFlow f = tenInFlight(SACK_RENO, 10);
        p.advanceMicros(RTT_US);
        ack(seg(2), sack(seg(3), seg(4)));              // s2 and s5 are lost
        ack(seg(2), sack(seg(3), seg(5)));
        p.expectNothing();                              // two SACKed: the reordering window still applies
        ack(seg(2), sack(seg(6), seg(7), seg(3), seg(5)));
        // RFC 8985 §6.2 step 4: with DupThresh segments SACKed and no reordering seen the window is 0, so
        // both holes sent before s6 are lost now; pipe = s7..s9 = 3 SMSS, cwnd 4: s2 goes at once, then pipe
        // (4 SMSS) leaves no room for s5.
        expectSegment(2);
        p.expectNothing();
        ack(seg(2), sack(seg(6), seg(8), seg(3), seg(5)));
        expectSegment(5);                               // s7 delivered: pipe 3 SMSS, room for the next loss
        p.expectNothing();
        p.advanceMicros(RTT_US);
        ack(seg(5), sack(seg(6), seg(10)));             // partial ACK: s2 arrived; still in recovery
        p.expectNothing();
        ack(seg(10));                                   // the retransmitted s5 arrived: recovery ends
        assertEquals(2, f.stats().segmentsRetransmitted());
        assertEquals(1, f.stats().fastRetransmits());
        write(f, MSS);
        expectSegment(10);                              // sending goes on normally after recovery
    }

    @Test
    void sackBlocksInAnyOrderAndReorderedAcksRetransmitNothingTwice() throws Exception {
        DirectTcpFlow f = tenInFlight(SACK_RENO, 10);
        p.advanceMicros(RTT_US);
        // s0, s2, s4 and s6 are lost. The blocks arrive lowest first (RFC 2018 puts the newest first, but the
        // sender must not depend on the order), and an older ACK with fewer blocks arrives after a newer one.
        ack(ours(0), sack(seg(1), seg(2)));
        ack(ours(0), sack(seg(1), seg(2), seg(3), seg(4)));
        p.expectNothing();                              // two SACKed: within the reordering window
        ack(ours(0), sack(seg(1), seg(2), seg(3), seg(4), seg(5), seg(6), seg(7), seg(10)));
        // Six SACKed: every hole sent before s9 is lost. cwnd = FlightSize / 2 = 5 SMSS; pipe counts only the
        // retransmissions, so the four go out, lowest first (NextSeg rule 1).
        expectSegment(0);
        expectSegment(2);
        expectSegment(4);
        expectSegment(6);
        p.expectNothing();
        ack(ours(0), sack(seg(3), seg(4), seg(1), seg(2)));   // old, reordered: adds nothing
        ack(ours(0), sack(seg(7), seg(10), seg(5), seg(6), seg(1), seg(2), seg(3), seg(4)));
        p.expectNothing();
        p.advanceMicros(RTT_US);
        ack(seg(3), sack(seg(7), seg(10), seg(5), seg(6)));  // partial ACK: s0..s2 arrived
        p.expectNothing();
        ack(seg(10));
        assertEquals(4, f.stats().segmentsRetransmitted());
        assertEquals(1, f.stats().fastRetransmits());
        p.advance(60_000);
        p.expectNothing();
    }

    @Test
    void aLostRetransmissionIsFoundWithoutATimeout() throws Exception {
        DirectTcpFlow f = tenInFlight(SACK_RENO, 12);  // s10 and s11 wait for room
        p.advanceMicros(RTT_US);
        ack(seg(2), sack(seg(3), seg(6)));              // s2 lost; three SACKed: lost at once
        expectSegment(2);
        p.expectNothing();                              // pipe s2 + s6..s9 = 5 SMSS > cwnd 4
        p.advanceMicros(RTT_US);
        ack(seg(2), sack(seg(3), seg(10)));             // the retransmitted s2 was lost too
        // pipe = s2 (rexmit) = 1 SMSS: room for the new segments (NextSeg rule 2)
        expectSegment(10);
        expectSegment(11);
        p.expectNothing();
        p.advanceMicros(RTT_US);
        // RFC 8985: s10 and s11 went out after the retransmission of s2 and were delivered, so that
        // retransmission is lost as well; found from the ACK, not after a retransmission timeout.
        ack(seg(2), sack(seg(3), seg(12)));
        expectSegment(2);
        p.advanceMicros(RTT_US);
        ack(seg(12));
        assertEquals(2, f.stats().segmentsRetransmitted());
        assertEquals(0, f.stats().timeouts());
        assertEquals(1, f.stats().fastRetransmits());
    }

    @Test
    void aTailLossIsProbedAndRepairedBeforeTheRetransmissionTimeout() throws Exception {
        DirectTcpFlow f = tenInFlight(SACK_RENO, 10);
        p.advanceMicros(RTT_US);
        ack(seg(8));                                    // s8 and s9, the tail, are lost: no SACK will come
        p.expectNothing();
        // RFC 8985 §7.2: PTO = 2 * SRTT (200 us here), long before the 200 ms RTO; with no new
        // data, the probe retransmits the last segment.
        p.advanceMicros(2 * RTT_US);
        expectSegment(9);
        p.expectNothing();
        assertEquals(1, f.stats().lossProbes());
        p.advanceMicros(RTT_US);
        ack(seg(8), sack(seg(9), seg(10)));             // the probe SACKed: s8, sent before it, is lost
        p.advanceMicros(RTT_US / 4);
        expectSegment(8);
        p.advanceMicros(RTT_US);
        ack(seg(10));
        assertEquals(0, f.stats().timeouts());
        assertEquals(2, f.stats().segmentsRetransmitted());
        p.advance(60_000);
        p.expectNothing();
    }

    @Test
    void aProbeWhoseAckIsLostIsRepeatedWithNewDataAndBackoffBeforeTheRetransmissionTimeout() throws Exception {
        DirectTcpFlow f = tenInFlight(SACK_RENO, 22);
        p.advanceMicros(RTT_US);
        ack(seg(8));                                    // cwnd 11: s10..s18 go, s19..s21 wait for room
        for (int i = 10; i <= 18; i++) {
            expectSegment(i);
        }
        p.expectNothing();
        int cwnd = f.stats().cwnd();
        // Everything arrives, but no ACK comes back. The first probe after PTO = 2 * SRTT = 200 us (RFC 8985
        // §7.2) sends new data; its ACK is lost as well.
        p.advanceMicros(2 * RTT_US - 1);
        p.expectNothing();
        p.advanceMicros(1);
        expectSegment(19);
        p.expectNothing();
        // Departure from RFC 8985 §7.3 (one probe, then the RTO): the probe is repeated with new data after twice
        // the wait, then four times, three probes in all; the RTO (200 ms) follows the last.
        p.advanceMicros(4 * RTT_US - 1);
        p.expectNothing();
        p.advanceMicros(1);
        expectSegment(20);
        p.advanceMicros(8 * RTT_US - 1);
        p.expectNothing();
        p.advanceMicros(1);
        expectSegment(21);
        p.advance(100);
        p.expectNothing();                              // no fourth probe
        assertEquals(Recovery.MAX_PROBES, f.stats().lossProbes());
        ack(seg(22));                                   // nothing was lost: no reduction, no timeout
        assertEquals(0, f.stats().timeouts());
        assertEquals(cwnd + MSS, f.stats().cwnd());     // slow start goes on: one SMSS for the ACK
        assertEquals(0, f.stats().segmentsRetransmitted());
        p.advance(60_000);
        p.expectNothing();
    }

    /** {@code n} full segments written and the flow closed at once: the FIN rides on the last segment. */
    private DirectTcpFlow writtenAndClosed(int n) throws Exception {
        DirectTcpFlow f = established(SACK_RENO, null);
        app("write+close", () -> {
            f.write(java.nio.ByteBuffer.wrap(new byte[n * MSS]));
            f.close();
        });
        for (int i = 0; i < n - 1; i++) {
            expectSegment(i);
        }
        p.expect(segment(ACK | dev.tcpip.wire.TcpHeader.PSH | dev.tcpip.wire.TcpHeader.FIN, seg(n - 1), theirs(0))
                .len(MSS));
        return f;
    }

    @Test
    void aLastFullSegmentCarryingTheFinIsOneSegmentAndWaitsForTheDelayedAck() throws Exception {
        DirectTcpFlow f = writtenAndClosed(2);
        p.expectNothing();
        p.advanceMicros(RTT_US);
        ack(seg(1));                                    // s0 arrived; s1 with the FIN is all that is in flight
        // RFC 8985 §7.2: with one segment in flight PTO = 2 * SRTT + WCDelAckT (a receiver entering CLOSE-WAIT
        // holds its ACK back), which comes after the RTO: no probe while the peer may only be delaying its ACK.
        // The FIN's sequence number does not make the segment two (and any flight ending in a FIN waits so).
        p.advance(150);
        p.expectNothing();
        assertEquals(0, f.stats().lossProbes());
    }

    @Test
    void aFlightOfSeveralSegmentsEndingWithTheFinWaitsForTheDelayedAck() throws Exception {
        DirectTcpFlow f = writtenAndClosed(3);
        p.advanceMicros(RTT_US);
        ack(seg(1));                                    // s1 and s2 with the FIN in flight: a receiver in CLOSE-WAIT
        p.advance(150);                                 // may hold its ACK back for both (departure, see Recovery)
        p.expectNothing();
        assertEquals(0, f.stats().lossProbes());
    }

    @Test
    void withoutNewDataALostProbeAckIsLeftToTheRetransmissionTimeout() throws Exception {
        DirectTcpFlow f = tenInFlight(SACK_RENO, 10);
        p.advanceMicros(RTT_US);
        ack(seg(8));                                    // s8 and s9 arrived; their ACK is lost
        p.advanceMicros(2 * RTT_US);
        expectSegment(9);                               // the probe resends the last segment (RFC 8985 §7.3)
        // A repeated probe would send s9 a third time to a peer that may only be delaying its ACK: none goes.
        p.advance(100);
        p.expectNothing();
        assertEquals(1, f.stats().lossProbes());
        ack(seg(10), sack(seg(9), seg(10)));
        assertEquals(0, f.stats().timeouts());
    }

    @Test
    void inRecoveryASilentPeerIsProbedAtSndUnaBeforeTheRetransmissionTimeout() throws Exception {
        DirectTcpFlow f = tenInFlight(SACK_RENO, 10);
        p.advanceMicros(RTT_US);
        ack(seg(2), sack(seg(3), seg(6)));              // s2 lost: retransmitted at once
        expectSegment(2);
        p.expectNothing();
        // The retransmission is lost, and so are the ACKs for s6..s9: nothing comes back. RACK has nothing to
        // reason from; the probe (the departure from RFC 8985 that lets it run in recovery) resends SND.UNA's
        // segment after PTO = 2 * SRTT = 200 us, not after the 200 ms RTO.
        p.advanceMicros(2 * RTT_US - 1);
        p.expectNothing();
        p.advanceMicros(1);
        expectSegment(2);
        p.expectNothing();
        assertEquals(1, f.stats().lossProbes());
        p.advanceMicros(RTT_US);
        ack(seg(10));
        assertEquals(0, f.stats().timeouts());
        assertEquals(1, f.stats().fastRetransmits());
        p.advance(60_000);
        p.expectNothing();
    }

    // --- the receiver's blocks (RFC 2018 §4) ---

    /** Peer data, 100 bytes at byte offset {@code at}, leaving holes; expects the ACK with these SACK edges. */
    private void outOfOrder(int at, int... sackEdges) {
        data(at, 100, TcpOptions.NONE);
        p.expect(segment(ACK, ours(0), theirs(0)).sack(sackEdges));  // RFC 5681 §4.2: a duplicate at once
    }

    @Test
    void receiverReportsTheNewestBlockFirstAndUpToFourWithoutTimestamps() throws Exception {
        established(TcpConfig.DEFAULTS.withOptions(false, false, true), null);
        outOfOrder(100, theirs(100), theirs(200));
        outOfOrder(300, theirs(300), theirs(400), theirs(100), theirs(200));
        outOfOrder(500, theirs(500), theirs(600), theirs(300), theirs(400), theirs(100), theirs(200));
        outOfOrder(700, theirs(700), theirs(800), theirs(500), theirs(600), theirs(300), theirs(400),
                theirs(100), theirs(200));
        // a fifth block: only four fit (RFC 2018 §3: 4 blocks in 40 option bytes), the oldest drops out
        outOfOrder(900, theirs(900), theirs(1000), theirs(700), theirs(800), theirs(500), theirs(600),
                theirs(300), theirs(400));
        // RFC 2018 §4: the first block holds the segment that triggered the ACK, here joining two blocks
        outOfOrder(200, theirs(100), theirs(400), theirs(900), theirs(1000), theirs(700), theirs(800),
                theirs(500), theirs(600));
        // the hole at 0 fills: ACK up to 400, the blocks below the cumulative ACK are gone
        data(0, 100, TcpOptions.NONE);
        p.expect(segment(ACK, ours(0), theirs(400))
                .sack(theirs(900), theirs(1000), theirs(700), theirs(800), theirs(500), theirs(600)));
    }

    @Test
    void receiverReportsThreeBlocksBesideTimestamps() throws Exception {
        established(TcpConfig.DEFAULTS.withOptions(false, true, true), null,
                ScriptedPeer.synOptions(MSS, -1, true, true, 100));
        Expect dupAck = segment(ACK, ours(0), theirs(0)).option(TIMESTAMPS);
        // RFC 2018 §3: with the 10-byte timestamp option only three blocks fit; at the fourth, the newest three
        int[][] blocks = {{100, 200}, {300, 400, 100, 200}, {500, 600, 300, 400, 100, 200},
            {700, 800, 500, 600, 300, 400}};
        for (int k = 0; k < 4; k++) {
            int at = 100 + 200 * k;
            p.inject(PEER_PORT, PORT, theirs(at), ours(0), ACK, peerWindow, ScriptedPeer.ts(200 + k, 0),
                    new byte[100]);
            p.expect(dupAck.sack(java.util.Arrays.stream(blocks[k]).map(ScriptFixture::theirs).toArray()));
        }
    }
}
