package dev.tcpip.direct.tcp;

import static dev.tcpip.wire.TcpHeader.ACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.wire.TcpOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SACK, both sides: loss recovery from SACK blocks (RFC 6675) and the blocks a receiver reports
 * (RFC 2018 §4). Ten full segments s0..s9 fill the initial window (RFC 6928: 10 x 1460).
 */
class TcpScriptSackTest extends ScriptFixture {

    @Test
    void oneHoleIsRetransmittedOnceAndRecoveryEndsPastTheRecoveryPoint() throws Exception {
        DirectTcpFlow f = tenInFlight(SACK_RENO, 10);
        ack(seg(2));                                    // s0, s1 arrived; s2 is lost
        assertEquals(11 * MSS, f.stats().cwnd(), "slow start: one SMSS for the ACK");
        ack(seg(2), sack(seg(3), seg(4)));
        ack(seg(2), sack(seg(3), seg(5)));
        p.expectNothing();                              // two duplicates and 2 SMSS SACKed: not lost yet
        ack(seg(2), sack(seg(3), seg(6)));
        // RFC 6675 §5 step 4: third duplicate ACK: RecoveryPoint = HighData, ssthresh = cwnd = FlightSize / 2
        // (RFC 5681 §3.2 eq. 4: 8 x 1460 / 2), and the first unSACKed segment is retransmitted.
        expectSegment(2);
        p.expectNothing();                              // pipe (RFC 6675 §4): s2 (rexmit) + s6..s9 = 5 SMSS > cwnd
        assertEquals(4 * MSS, f.stats().cwnd());
        assertEquals(4 * MSS, f.stats().ssthresh());
        assertEquals(1, f.stats().fastRetransmits());
        // More SACKs shrink pipe but no other hole is lost and there is no new data: nothing is sent,
        // and the hole already retransmitted is never sent again (RFC 6675 §4 NextSeg: above HighRxt).
        ack(seg(2), sack(seg(3), seg(7)));
        ack(seg(2), sack(seg(3), seg(8)));
        ack(seg(2), sack(seg(3), seg(9)));
        ack(seg(2), sack(seg(3), seg(10)));
        p.expectNothing();
        // RFC 6675 §5 (A): a cumulative ACK beyond RecoveryPoint ends recovery; RFC 6582 §3.2 step 3 option 1:
        // cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS) = 2 SMSS with nothing in flight.
        ack(seg(10));
        assertEquals(2 * MSS, f.stats().cwnd());
        assertEquals(1, f.stats().segmentsRetransmitted());
        p.advance(60_000);
        p.expectNothing();                               // no timeout: everything was acknowledged
        assertEquals(0, f.stats().timeouts());
    }

    @Test
    void twoHolesAreEachRetransmittedOnceWhenTheyCountAsLost() throws Exception {
        DirectTcpFlow f = tenInFlight(SACK_RENO, 10);
        ack(seg(2));                                    // s2 and s5 are lost
        ack(seg(2), sack(seg(3), seg(4)));
        ack(seg(2), sack(seg(3), seg(5)));
        ack(seg(2), sack(seg(6), seg(7), seg(3), seg(5)));
        expectSegment(2);                               // third duplicate: s2 lost (RFC 6675 §4 IsLost)
        p.expectNothing();
        ack(seg(2), sack(seg(6), seg(8), seg(3), seg(5)));
        p.expectNothing();                              // above s5: only 2 SMSS SACKed, one range: not lost
        ack(seg(2), sack(seg(6), seg(9), seg(3), seg(5)));
        // Now 3 SMSS are SACKed above s5 (IsLost), and pipe = s9 + s2 (rexmit) = 2 SMSS < cwnd = 4 SMSS.
        expectSegment(5);
        p.expectNothing();                              // pipe 3 SMSS; no lost hole left, no new data
        ack(seg(5), sack(seg(6), seg(9)));              // partial ACK: s2 arrived; still in recovery
        p.expectNothing();
        ack(seg(5), sack(seg(6), seg(10)));
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
        // s0 is lost. The blocks arrive lowest first (RFC 2018 puts the newest first, but the sender must
        // not depend on the order), and an older ACK with fewer blocks arrives after a newer one.
        ack(ours(0), sack(seg(1), seg(2)));
        ack(ours(0), sack(seg(1), seg(2), seg(3), seg(4)));
        ack(ours(0), sack(seg(1), seg(2), seg(3), seg(4), seg(5), seg(6), seg(7), seg(8)));
        // Three duplicates, and three SACKed ranges above s0: lost. FlightSize 10 SMSS: cwnd = 5 SMSS.
        expectSegment(0);
        // RFC 6675 §4: s2 is lost too (three ranges above it), so pipe = s0 (rexmit) + s4 + s6 + s8 + s9
        // = 5 SMSS = cwnd: no room.
        p.expectNothing();
        ack(ours(0), sack(seg(1), seg(2), seg(3), seg(4)));   // old, reordered: adds nothing
        p.expectNothing();
        // s9 SACKed, the blocks in yet another order: s4 is lost now; pipe = s0 + s6 + s8 = 3 SMSS, room for
        // two: the lost holes after HighRxt, lowest first (NextSeg rule 1).
        ack(ours(0), sack(seg(9), seg(10), seg(7), seg(8), seg(5), seg(6)));
        expectSegment(2);
        expectSegment(4);
        p.expectNothing();
        ack(ours(0), sack(seg(1), seg(2), seg(3), seg(4)));   // reordered again: nothing sent twice
        p.expectNothing();
        // s8 SACKed and merged: s6 is lost; pipe = s0 + s2 + s4 (all retransmitted) = 3 SMSS: s6 goes, and
        // then no lost hole is left above HighRxt.
        ack(ours(0), sack(seg(7), seg(10), seg(5), seg(6), seg(3), seg(4)));
        expectSegment(6);
        p.expectNothing();
        ack(seg(3), sack(seg(7), seg(10), seg(5), seg(6), seg(3), seg(4)));  // partial ACK: s0..s2 arrived
        p.expectNothing();
        ack(seg(10));
        assertEquals(4, f.stats().segmentsRetransmitted());
        assertEquals(1, f.stats().fastRetransmits());
        p.advance(60_000);
        p.expectNothing();
    }

    // --- the receiver's blocks (RFC 2018 §4) ---

    /** Peer data at byte offsets: a 100-byte segment at each 200-byte step, leaving holes. */
    private List<Integer> outOfOrder(int at) {
        data(at, 100, TcpOptions.NONE);
        ScriptedPeer.Sent a = p.expect(ACK, ours(0), theirs(0));   // RFC 5681 §4.2: a duplicate at once
        return sackEdges(a);
    }

    @Test
    void receiverReportsTheNewestBlockFirstAndUpToFourWithoutTimestamps() throws Exception {
        established(TcpConfig.DEFAULTS.withOptions(false, false, true), null);
        assertEquals(List.of(theirs(100), theirs(200)), outOfOrder(100));
        assertEquals(List.of(theirs(300), theirs(400), theirs(100), theirs(200)), outOfOrder(300));
        assertEquals(List.of(theirs(500), theirs(600), theirs(300), theirs(400), theirs(100), theirs(200)),
                outOfOrder(500));
        assertEquals(List.of(theirs(700), theirs(800), theirs(500), theirs(600), theirs(300), theirs(400),
                theirs(100), theirs(200)), outOfOrder(700));
        // a fifth block: only four fit (RFC 2018 §3: 4 blocks in 40 option bytes), the oldest drops out
        assertEquals(List.of(theirs(900), theirs(1000), theirs(700), theirs(800), theirs(500), theirs(600),
                theirs(300), theirs(400)), outOfOrder(900));
        // RFC 2018 §4: the first block holds the segment that triggered the ACK, here joining two blocks
        assertEquals(List.of(theirs(100), theirs(400), theirs(900), theirs(1000), theirs(700), theirs(800),
                theirs(500), theirs(600)), outOfOrder(200));
        // the hole at 0 fills: ACK up to 400, the blocks below the cumulative ACK are gone
        data(0, 100, TcpOptions.NONE);
        ScriptedPeer.Sent filled = p.expect(ACK, ours(0), theirs(400));
        assertEquals(List.of(theirs(900), theirs(1000), theirs(700), theirs(800), theirs(500), theirs(600)),
                sackEdges(filled));
    }

    @Test
    void receiverReportsThreeBlocksBesideTimestamps() throws Exception {
        established(TcpConfig.DEFAULTS.withOptions(false, true, true), null,
                ScriptedPeer.synOptions(MSS, -1, true, true, 100));
        int[] edges = new int[0];
        for (int k = 0; k < 4; k++) {
            int at = 100 + 200 * k;
            p.inject(PEER_PORT, PORT, theirs(at), ours(0), ACK, peerWindow, ScriptedPeer.ts(200 + k, 0),
                    new byte[100]);
            ScriptedPeer.Sent a = p.expect(ACK, ours(0), theirs(0));
            assertTrue(a.seg().hasTimestamps());
            edges = sackEdges(a).stream().mapToInt(Integer::intValue).toArray();
        }
        // RFC 2018 §3: with the 10-byte timestamp option only three blocks fit; the newest three
        assertEquals(List.of(theirs(700), theirs(800), theirs(500), theirs(600), theirs(300), theirs(400)),
                java.util.Arrays.stream(edges).boxed().toList());
    }
}
