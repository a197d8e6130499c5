package dev.tcpip.direct.tcp;

import static dev.tcpip.direct.tcp.Expect.segment;
import static dev.tcpip.wire.TcpHeader.ACK;
import static dev.tcpip.wire.TcpHeader.CWR;
import static dev.tcpip.wire.TcpHeader.ECE;
import static dev.tcpip.wire.TcpHeader.PSH;
import static dev.tcpip.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.TcpInfo;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.direct.TcpConfig.EcnMode;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.wire.Ecn;
import dev.tcpip.wire.TcpOptions;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * ECN in TCP segment by segment (RFC 3168 §6.1, RFC 8311) against a scripted peer: the handshake in each
 * {@link EcnMode}, which segments travel ECT(0), the receiver's ECE until CWR, the sender's reduction once per
 * window with CWR and without retransmitting.
 */
class TcpScriptEcnTest extends ScriptFixture {
    private static final TcpConfig RENO = PLAIN_RENO;

    /** A passive open whose peer SYN is an ECN-setup SYN ({@code setup}); returns the server flow. */
    private DirectTcpFlow passive(TcpConfig cfg, boolean setup, int synAckFlags) throws Exception {
        p = newPeer(cfg);
        p.tcp.listen(PORT, null, f -> accepted.set((DirectTcpFlow) f));
        p.inject(PEER_PORT, PORT, PEER_ISS, 0, SYN | (setup ? ECE | CWR : 0), peerWindow,
                ScriptedPeer.synOptions(MSS, -1, false, false, 0), new byte[0]);
        ScriptedPeer.Sent synAck = p.expect(segment().flags(SYN, ACK, synAckFlags).ack(PEER_ISS + 1));
        assertEquals(Ecn.NOT_ECT, synAck.ecn(), "RFC 3168 §6.1.1: a SYN-ACK is never ECT");
        iss = synAck.seg().seq();
        p.isns(iss, PEER_ISS);
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, iss + 1, ACK, peerWindow);
        p.advance(0);
        return accepted.get();
    }

    /** The peer's data at its byte {@code at} in a datagram marked {@code ecn}, with {@code flags} besides ACK. */
    private void peerData(int at, int len, int flags, int ecn) {
        p.injectEcn(PEER_PORT, PORT, theirs(at), ours(0), ACK | flags, peerWindow, TcpOptions.NONE, new byte[len],
                ecn);
    }

    /** An ACK from the peer with ECE. */
    private void ece(int ackNo) {
        p.inject(PEER_PORT, PORT, theirs(0), ackNo, ACK | ECE, peerWindow);
    }

    @Test
    void anAcceptingListenerAgreesToAnEcnSetupSynAndSendsNewDataEct0() throws Exception {
        DirectTcpFlow f = passive(TcpConfig.DEFAULTS.withOptions(false, false, false), true, ECE);
        assertTrue(f.stats().ecn());
        write(f, 2 * MSS);
        for (int i = 0; i < 2; i++) {
            assertEquals(Ecn.ECT_0, p.expect(segment(ACK | PSH, seg(i), theirs(0)).len(MSS)).ecn());
        }
        peerData(0, 100, 0, Ecn.ECT_0);
        p.advance(200);
        assertEquals(Ecn.NOT_ECT, p.expect(segment(ACK, ours(2 * MSS), theirs(100))).ecn(),
                "RFC 3168 §6.1.4: a pure ACK is Not-ECT");
    }

    @Test
    void aListenerWithEcnOffOrAPlainSynGetsNoEcn() throws Exception {
        for (boolean off : new boolean[] {true, false}) {
            TcpConfig cfg = TcpConfig.DEFAULTS.withOptions(false, false, false).withEcn(off ? EcnMode.OFF : EcnMode.ON);
            DirectTcpFlow f = passive(cfg, off, 0);
            assertFalse(f.stats().ecn());
            write(f, MSS);
            assertEquals(Ecn.NOT_ECT, p.expect(segment(ACK | PSH, seg(0), theirs(0)).len(MSS)).ecn());
            p.close();
        }
    }

    @Test
    void aCeMarkIsEchoedWithEceOnEveryAckUntilCwrArrives() throws Exception {
        passive(RENO, true, ECE);
        peerData(0, 100, 0, Ecn.CE);
        p.expect(segment(ACK | ECE, ours(0), theirs(100)).at(p.sim.now()));   // the first CE is answered at once
        peerData(100, 100, 0, Ecn.ECT_0);
        peerData(200, 100, 0, Ecn.ECT_0);
        p.advance(200);                                                        // the delayed ACK
        p.expect(segment(ACK | ECE, ours(0), theirs(300)));                   // still echoing, though not CE
        peerData(300, 100, CWR, Ecn.ECT_0);
        p.advance(200);
        p.expect(segment(ACK, ours(0), theirs(400)));                          // CWR ended the echo
        peerData(400, 100, CWR, Ecn.CE);                                     // CE on a CWR segment: echo again
        p.expect(segment(ACK | ECE, ours(0), theirs(500)));
        assertEquals(2, accepted.get().stats().ceReceived());
    }

    @Test
    void eceReducesTheWindowOncePerWindowWithCwrAndNoRetransmission() throws Exception {
        DirectTcpFlow f = passive(RENO, true, ECE);
        write(f, 30 * MSS);
        for (int i = 0; i < 10; i++) {
            assertEquals(Ecn.ECT_0, expectSegment(i).ecn());
        }
        ece(seg(1));
        int reduced = 9 * MSS / 2;                                  // RFC 5681 eq. 4 on the 9 segments in flight
        assertEquals(reduced, f.stats().ssthresh());
        assertEquals(reduced, f.stats().cwnd(), "the ACK with ECE did not grow the window first");
        assertEquals(TcpInfo.CongestionState.CWR, f.info().congestionState());
        p.expectNothing();                                          // 9 in flight, over the window
        ece(seg(8));                                                // the same window: no second reduction
        assertEquals(reduced, f.stats().ssthresh());
        ScriptedPeer.Sent first = p.expect(segment(ACK | PSH | CWR, seg(10), theirs(0)).len(MSS));
        assertEquals(Ecn.ECT_0, first.ecn());
        ScriptedPeer.Sent second = p.expect(segment(ACK | PSH, seg(11), theirs(0)).len(MSS));
        assertEquals(Ecn.ECT_0, second.ecn(), "CWR once only");
        ece(seg(11));                                               // beyond the reduced window: new congestion
        assertEquals(2 * MSS, f.stats().ssthresh());
        assertEquals(2, f.stats().ecnReductions());
        assertEquals(0, f.stats().segmentsRetransmitted());
        assertEquals(3, f.stats().eceReceived());
        p.sent.clear();
        p.advance(2_000);                                           // no ACKs: the timeout retransmits
        ScriptedPeer.Sent again = p.expect(segment(ACK | PSH, seg(11), theirs(0)).len(MSS));
        assertEquals(Ecn.NOT_ECT, again.ecn(), "RFC 3168 §6.1.5: a retransmission is Not-ECT");
    }

    @Test
    void aLossInTheWindowEceReducedIsRepairedWithoutASecondReduction() throws Exception {
        DirectTcpFlow f = passive(PLAIN, true, ECE);                // CUBIC: a reduction is x 0.7 of cwnd
        write(f, 30 * MSS);
        for (int i = 0; i < 10; i++) {
            expectSegment(i);
        }
        ece(seg(1));
        int reduced = (int) (10 * MSS * 0.7);
        assertEquals(reduced, f.stats().ssthresh());
        for (int i = 0; i < 3; i++) {
            ack(seg(1));                                            // segment 1 lost: three duplicate ACKs
        }
        assertEquals(Ecn.NOT_ECT, expectSegment(1).ecn(), "fast retransmit, Not-ECT");
        assertEquals(reduced, f.stats().ssthresh(), "RFC 3168 §6.1.2: once per window");
        assertEquals(1, f.stats().fastRetransmits());
        assertEquals(1, f.stats().ecnReductions());
    }

    @Test
    void anActiveOpenAsksOnlyWhenOnAndFallsBackOnASynRetransmission() throws Exception {
        for (EcnMode mode : EcnMode.values()) {
            p = newPeer(RENO.withEcn(mode));
            AtomicReference<DirectTcpFlow> flow = new AtomicReference<>();
            LoopFuture<Void> c = app("c", () -> flow.set((DirectTcpFlow) p.tcp.connect(
                    new InetSocketAddress(ScriptedPeer.PEER.toInetAddress(), 9))));
            int asks = mode == EcnMode.ON ? ECE | CWR : 0;
            ScriptedPeer.Sent syn = p.expect(segment().flags(SYN, asks));
            assertEquals(Ecn.NOT_ECT, syn.ecn());
            int port = syn.seg().srcPort();
            p.inject(9, port, PEER_ISS, syn.seg().seq() + 1, SYN | ACK | ECE, 65535,
                    ScriptedPeer.synOptions(MSS, -1, false, false, 0), new byte[0]);
            p.expect(segment().flags(ACK));
            assertTrue(c.isDone() && !c.isFailed());
            assertEquals(mode == EcnMode.ON, flow.get().stats().ecn(), mode.name());
            p.close();
        }
        p = newPeer(RENO.withEcn(EcnMode.ON));
        AtomicReference<DirectTcpFlow> flow = new AtomicReference<>();
        app("c", () -> flow.set((DirectTcpFlow) p.tcp.connect(
                new InetSocketAddress(ScriptedPeer.PEER.toInetAddress(), 9))));
        ScriptedPeer.Sent syn = p.expect(segment().flags(SYN, ECE, CWR));
        p.advance(1_000);
        p.expect(segment().flags(SYN));                             // RFC 3168 §6.1.1.1: the retry does not ask
        p.inject(9, syn.seg().srcPort(), PEER_ISS, syn.seg().seq() + 1, SYN | ACK | ECE, 65535,
                ScriptedPeer.synOptions(MSS, -1, false, false, 0), new byte[0]);
        p.expect(segment().flags(ACK));
        assertFalse(flow.get().stats().ecn(), "a host that sent a non-ECN-setup SYN uses no ECN (§6.1.1)");
    }
}
