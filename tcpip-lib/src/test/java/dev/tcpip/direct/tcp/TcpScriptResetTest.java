package dev.tcpip.direct.tcp;

import static dev.tcpip.direct.tcp.Expect.segment;
import static dev.tcpip.wire.TcpHeader.ACK;
import static dev.tcpip.wire.TcpHeader.FIN;
import static dev.tcpip.wire.TcpHeader.PSH;
import static dev.tcpip.wire.TcpHeader.RST;
import static dev.tcpip.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.RefusedException;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.wire.TcpOptions;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * RST and blind-injection defences: RST validation (RFC 9293 §3.10.7.3, §3.10.7.4; RFC 5961 §3), blind
 * data injection (RFC 5961 §5) and the challenge-ACK rate limit (RFC 5961 §7).
 */
class TcpScriptResetTest extends ScriptFixture {

    private void rst(int seq) {
        p.inject(PEER_PORT, PORT, seq, 0, RST, 0);
    }

    @Test
    void resetInSynSentCountsOnlyIfItAcknowledgesOurSyn() {
        p = new ScriptedPeer(PLAIN);
        LoopFuture<Void> c = app("c", () -> p.tcp.connect(new InetSocketAddress(ScriptedPeer.PEER.toInetAddress(), 9)));
        ScriptedPeer.Sent syn = p.expect(segment().flags(SYN));
        int port = syn.seg().srcPort();
        int synSeq = syn.seg().seq();
        p.inject(9, port, 0, 0, RST, 0);                       // no ACK: dropped (RFC 9293 §3.10.7.3 second)
        p.inject(9, port, 0, synSeq, RST | ACK, 0);            // ACKs nothing of ours (SEG.ACK =< ISS): dropped
        p.inject(9, port, 0, synSeq + 2, RST | ACK, 0);        // beyond SND.NXT: dropped, never a RST for a RST
        p.expectNothing();
        assertFalse(c.isDone());
        assertEquals(1, p.tcp.connectionCount());
        p.inject(9, port, 0, synSeq + 1, RST | ACK, 0);        // acknowledges the SYN: refused
        assertInstanceOf(RefusedException.class, c.failure());
        assertEquals(0, p.tcp.connectionCount());
    }

    @Test
    void resetExactlyAtRcvNxtClosesEvenAfterData() throws Exception {
        established(PLAIN, null);
        data(0, 300, TcpOptions.NONE);
        rst(theirs(0));                                        // the old RCV.NXT: out of window now, dropped
        p.expectNothing();                                     // RFC 9293 §3.10.7.4 first: no ACK for a RST
        rst(theirs(301));                                      // in window, not exact
        p.expect(ACK, ours(0), theirs(300));                   // RFC 5961 §3.2: a challenge ACK
        rst(theirs(300 + 65535 - 1));                          // the window's last byte: still a challenge
        p.expect(ACK, ours(0), theirs(300));
        assertEquals(1, p.tcp.connectionCount());
        rst(theirs(300));                                      // RFC 5961 §3.2: exactly RCV.NXT resets
        p.expectNothing();
        assertEquals(0, p.tcp.connectionCount());
    }

    @Test
    void resetInCloseWaitAtRcvNxtCloses() throws Exception {
        established(PLAIN, null);
        p.inject(PEER_PORT, PORT, theirs(0), ours(0), FIN | ACK, 65535);
        p.advance(40);                                         // into CLOSE-WAIT: the ACK after the delayed-ACK timer
        p.expect(ACK, ours(0), theirs(1));
        rst(theirs(0));                                        // before RCV.NXT: out of window, dropped
        p.expectNothing();
        assertEquals(1, p.tcp.connectionCount());
        rst(theirs(1));
        assertEquals(0, p.tcp.connectionCount());
    }

    @Test
    void challengeAcksAreLimitedPerSecond() throws Exception {
        established(tuned(PLAIN, true, 3, 10), null);
        for (int i = 0; i < 5; i++) {
            rst(theirs(10 + i));                              // in window, not exact: each wants a challenge
        }
        for (int i = 0; i < 3; i++) {
            p.expect(ACK, ours(0), theirs(0));
        }
        p.expectNothing();                                     // RFC 5961 §7: the limit's worth only
        p.advance(999);
        p.inject(PEER_PORT, PORT, theirs(5), 0, SYN, 1000);    // a SYN's challenge ACK counts against it too
        p.expectNothing();
        p.advance(1);                                          // a new second
        rst(theirs(10));
        p.expect(ACK, ours(0), theirs(0));
        assertEquals(1, p.tcp.connectionCount());
    }

    @Test
    void dataWithAnAckTooFarBelowSndUnaIsDroppedWithAChallengeAck() throws Exception {
        established(PLAIN, null);
        // RFC 5961 §5.2: acceptable iff SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT (MAX.SND.WND = 65535).
        p.inject(PEER_PORT, PORT, theirs(0), ours(0) - 65536, ACK | PSH, 65535, TcpOptions.NONE, new byte[10]);
        p.expect(ACK, ours(0), theirs(0));                     // challenge ACK, the data is not taken
        p.inject(PEER_PORT, PORT, theirs(0), ours(0) - 65535, ACK | PSH, 65535, TcpOptions.NONE, new byte[10]);
        p.advance(40);
        p.expect(ACK, ours(0), theirs(10));                    // at the edge: accepted, delayed ACK
        p.inject(PEER_PORT, PORT, theirs(10), ours(1), ACK | PSH, 65535, TcpOptions.NONE, new byte[10]);
        p.expect(ACK, ours(0), theirs(10));                    // above SND.NXT: challenge ACK, dropped
        p.expectNothing();
    }

    @Test
    void challengeAcksForBlindDataShareTheLimit() throws Exception {
        established(tuned(PLAIN, true, 2, 10), null);
        for (int i = 0; i < 4; i++) {
            p.inject(PEER_PORT, PORT, theirs(0), ours(0) + 5, ACK | PSH, 65535, TcpOptions.NONE, new byte[10]);
        }
        p.expect(ACK, ours(0), theirs(0));
        p.expect(ACK, ours(0), theirs(0));
        p.expectNothing();
        assertTrue(p.tcp.connectionCount() == 1);
    }
}
