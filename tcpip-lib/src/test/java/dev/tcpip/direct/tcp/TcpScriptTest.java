package dev.tcpip.direct.tcp;

import static dev.tcpip.direct.tcp.Expect.segment;
import static dev.tcpip.wire.TcpHeader.ACK;
import static dev.tcpip.wire.TcpHeader.FIN;
import static dev.tcpip.wire.TcpHeader.PSH;
import static dev.tcpip.wire.TcpHeader.RST;
import static dev.tcpip.wire.TcpHeader.SYN;
import static dev.tcpip.wire.TcpOptions.SACK_PERMITTED;
import static dev.tcpip.wire.TcpOptions.TIMESTAMPS;
import static dev.tcpip.wire.TcpOptions.WINDOW_SCALE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.ClosedException;
import dev.tcpip.Keepalive;
import dev.tcpip.ReadResult;
import dev.tcpip.RefusedException;
import dev.tcpip.ResetException;
import dev.tcpip.TimedOutException;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.wire.TcpOptions;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Scripted-segment tests: crafted segments in, the exact segments out, at exact virtual times. */
class TcpScriptTest extends ScriptFixture {

    @Test
    void synAckCarriesTheNegotiatedOptions() throws Exception {
        p = new ScriptedPeer(TcpConfig.DEFAULTS);
        p.tcp.listen(PORT, f -> { });
        p.inject(PEER_PORT, PORT, PEER_ISS, 0, SYN, 65535, ScriptedPeer.synOptions(1400, 7, true, true, 777),
                new byte[0]);
        p.expect(segment().flags(SYN, ACK).ack(PEER_ISS + 1).len(0)
                .option(TcpOptions.MSS, 1460)               // MSS from the MTU: 1500 - 20 - 20
                .option(WINDOW_SCALE, 7)                    // enough shift for the 4 MiB close buffer
                .option(SACK_PERMITTED)
                .tsEcr(777)                                 // TSecr echoes the SYN's TSval
                .window(65535));                            // a SYN's window is not scaled
    }

    @Test
    void optionsSwitchedOffAreNotOffered() throws Exception {
        p = new ScriptedPeer(PLAIN);
        p.advance(0);
        LoopFuture<Void> c = app("c", () -> p.tcp.connect(new InetSocketAddress(ScriptedPeer.PEER.toInetAddress(), 9)));
        p.expect(segment().flags(SYN).option(TcpOptions.MSS, 1460).noOption(WINDOW_SCALE).noOption(SACK_PERMITTED)
                .noOption(TIMESTAMPS));
        assertFalse(c.isDone());
    }

    @Test
    void synRetransmitsWithExponentialBackoffThenConnectTimesOut() {
        p = new ScriptedPeer(PLAIN);
        p.advance(0);
        LoopFuture<Void> c = app("c", () -> p.tcp.connect(new InetSocketAddress(ScriptedPeer.PEER.toInetAddress(), 9)));
        int synSeq = p.expect(segment().flags(SYN)).seg().seq();
        long[] expectedAt = {1, 3, 7, 15, 31, 63};
        for (long at : expectedAt) {
            p.advance(at * 1000 - p.sim.now() / MS);
            p.expect(segment(SYN, synSeq, 0).at(at * 1000 * MS));      // the SYN retry time
        }
        p.advance(123_000 - p.sim.now() / MS - 1);    // the last wait is capped by the 60 s maximum RTO
        assertFalse(c.isDone());
        p.advance(1);
        assertTrue(c.isFailed());
        assertInstanceOf(TimedOutException.class, c.failure());
        p.expectNothing();
        assertEquals(0, p.tcp.connectionCount());
    }

    @Test
    void connectAnsweredByResetIsRefused() {
        p = new ScriptedPeer(PLAIN);
        p.advance(0);
        LoopFuture<Void> c = app("c", () -> p.tcp.connect(new InetSocketAddress(ScriptedPeer.PEER.toInetAddress(), 9)));
        ScriptedPeer.Sent syn = p.expect(segment().flags(SYN));
        p.inject(9, syn.seg().srcPort(), 0, syn.seg().seq() + 1, RST | ACK, 0);
        assertInstanceOf(RefusedException.class, c.failure());
        assertEquals(0, p.tcp.connectionCount());
    }

    @Test
    void segmentsToAClosedPortGetResets() {
        p = new ScriptedPeer(PLAIN);
        p.inject(PEER_PORT, 81, 5000, 0, SYN, 1000);
        p.expect(RST | ACK, 0, 5001);                // RFC 9293 §3.10.7.1: no ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN>
        p.inject(PEER_PORT, 81, 5000, 777, ACK, 1000);
        p.expect(RST, 777, 0);                       // with ACK: <SEQ=SEG.ACK><CTL=RST>
        p.inject(PEER_PORT, 81, 5000, 777, RST, 1000);
        p.expectNothing();                           // never a RST for a RST
    }

    @Test
    void simultaneousOpenCompletesTheConnect() {
        p = new ScriptedPeer(PLAIN);
        p.advance(0);
        LoopFuture<Void> c = app("c", () -> p.tcp.connect(new InetSocketAddress(ScriptedPeer.PEER.toInetAddress(), 9)));
        ScriptedPeer.Sent syn = p.expect(segment().flags(SYN));
        int port = syn.seg().srcPort();
        int myIss = syn.seg().seq();
        p.inject(9, port, 5000, 0, SYN, 8000);       // the peer's own SYN crosses ours
        p.expect(SYN | ACK, myIss, 5001);
        p.inject(9, port, 5001, myIss + 1, ACK, 8000);
        assertTrue(c.isDone() && !c.isFailed(), "connect returned");
    }

    @Test
    void delayedAckFiresAfterFortyMillisecondsAndEverySecondFullSegmentAtOnce() throws Exception {
        established(PLAIN, null);
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, iss + 1, ACK | PSH, 65535, TcpOptions.NONE, new byte[100]);
        p.expectNothing();
        p.advance(39);
        p.expectNothing();
        p.advance(1);
        p.expect(segment(ACK, iss + 1, PEER_ISS + 101).at(40 * MS));
        int seq = PEER_ISS + 101;
        p.inject(PEER_PORT, PORT, seq, iss + 1, ACK, 65535, TcpOptions.NONE, new byte[1460]);
        p.expectNothing();
        p.inject(PEER_PORT, PORT, seq + 1460, iss + 1, ACK, 65535, TcpOptions.NONE, new byte[1460]);
        p.expect(ACK, iss + 1, seq + 2920);
    }

    @Test
    void outOfOrderDataIsAcknowledgedAtOnce() throws Exception {
        established(PLAIN, null);
        p.inject(PEER_PORT, PORT, PEER_ISS + 1 + 1000, iss + 1, ACK, 65535, TcpOptions.NONE, new byte[100]);
        p.expect(ACK, iss + 1, PEER_ISS + 1);
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, iss + 1, ACK, 65535, TcpOptions.NONE, new byte[1000]);
        p.expect(ACK, iss + 1, PEER_ISS + 1 + 1100);  // the hole filled: at once, covering both
    }

    @Test
    void retransmissionTimeoutBacksOffExponentially() throws Exception {
        DirectTcpFlow f = established(PLAIN, null);
        app("w", () -> f.write(ByteBuffer.wrap(new byte[100])));
        ScriptedPeer.Sent first = p.expect(ACK | PSH, iss + 1, PEER_ISS + 1);
        long t0 = first.at();
        long rto = f.stats().rto();
        assertEquals(200 * MS, rto, "handshake RTT ~0: the minimum RTO");
        long expected = t0;
        for (int i = 0; i < 5; i++) {
            expected += rto << i;
            p.advance((expected - p.sim.now()) / MS);
            p.expect(segment(ACK | PSH, iss + 1, PEER_ISS + 1).len(100).at(expected));     // retransmission i + 1
        }
        assertEquals(5, f.stats().timeouts());
    }

    @Test
    void threeDuplicateAcksTriggerFastRetransmit() throws Exception {
        DirectTcpFlow f = established(PLAIN.withCongestionControl(TcpConfig.CongestionControlKind.NEW_RENO), null);
        app("w", () -> f.write(ByteBuffer.wrap(new byte[1460 * 6])));
        for (int i = 0; i < 6; i++) {
            p.expect(ACK | PSH, iss + 1 + 1460 * i, PEER_ISS + 1);
        }
        int ackNo = iss + 1 + 1460;
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, ackNo, ACK, 65535);
        for (int i = 0; i < 2; i++) {
            p.inject(PEER_PORT, PORT, PEER_ISS + 1, ackNo, ACK, 65535);
            p.expectNothing();
        }
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, ackNo, ACK, 65535);
        p.expect(segment(ACK | PSH, ackNo, PEER_ISS + 1).len(1460));
        assertEquals(1, f.stats().fastRetransmits());
        assertEquals(3, f.stats().duplicateAcks());
    }

    @Test
    void zeroWindowIsProbedWithBackoff() throws Exception {
        DirectTcpFlow f = established(PLAIN, null);
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, iss + 1, ACK, 0);       // the window closes
        app("w", () -> f.write(ByteBuffer.wrap(new byte[10])));
        p.expectNothing();
        long rto = f.stats().rto();
        long t = p.sim.now();
        p.advance(rto / MS);
        p.expect(segment(ACK | PSH, iss + 1, PEER_ISS + 1).len(1).at(t + rto));  // one byte probes the zero window
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, iss + 1, ACK, 0);       // still shut: not accepted
        p.advance(2 * rto / MS);
        p.expect(segment(ACK | PSH, iss + 1, PEER_ISS + 1).at(t + 3 * rto));       // the probe interval doubles
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, iss + 1, ACK, 1000);    // opened
        ScriptedPeer.Sent rest = p.expect(segment().flags(ACK, PSH).ack(PEER_ISS + 1));
        assertEquals(10, rest.seg().payloadLength() + (rest.seg().seq() - iss - 1), "the rest, up to the tenth byte");
    }

    @Test
    void inWindowResetNotAtRcvNxtGetsAChallengeAckAndExactResetEndsTheFlow() throws Exception {
        DirectTcpFlow f = established(PLAIN, null);
        p.inject(PEER_PORT, PORT, PEER_ISS + 1 + 10, 0, RST, 0);
        p.expect(ACK, iss + 1, PEER_ISS + 1);                            // RFC 5961 §3.2
        assertEquals(1, p.tcp.connectionCount());
        p.inject(PEER_PORT, PORT, PEER_ISS + 1 + 1_000_000, 0, RST, 0);
        p.expectNothing();                                             // out of window: dropped
        LoopFuture<Void> r = app("r", () -> assertInstanceOf(ReadResult.Eof.class, f.read()));
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, 0, RST, 0);
        p.expectNothing();
        assertTrue(r.isDone() && !r.isFailed(), "a reset reads as Eof");
        LoopFuture<Void> w = app("w", () -> f.write(ByteBuffer.wrap(new byte[1])));
        assertInstanceOf(ResetException.class, w.failure());
        assertEquals(0, p.tcp.connectionCount());
    }

    @Test
    void synOnAnEstablishedConnectionGetsAChallengeAck() throws Exception {
        established(PLAIN, null);
        p.inject(PEER_PORT, PORT, 99_999, 0, SYN, 1000);
        p.expect(ACK, iss + 1, PEER_ISS + 1);                            // RFC 5961 §4.2
        assertEquals(1, p.tcp.connectionCount());
    }

    @Test
    void unacceptableAckGetsAnAckAndIsDropped() throws Exception {
        established(PLAIN, null);
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, iss + 1000, ACK, 1000, TcpOptions.NONE, new byte[5]);
        p.expect(ACK, iss + 1, PEER_ISS + 1);                            // RFC 5961 §5.2: data not taken
    }

    @Test
    void pawsDropsASegmentWithAnOldTimestamp() throws Exception {
        p = new ScriptedPeer(TcpConfig.DEFAULTS);
        p.tcp.listen(PORT, f -> accepted.set((DirectTcpFlow) f));
        p.inject(PEER_PORT, PORT, PEER_ISS, 0, SYN, 65535, ScriptedPeer.synOptions(1460, 0, false, true, 500), new byte[0]);
        ScriptedPeer.Sent synAck = p.expect(segment().flags(SYN, ACK).ack(PEER_ISS + 1).option(TIMESTAMPS));
        iss = synAck.seg().seq();
        int myTs = synAck.seg().tsVal();
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, iss + 1, ACK, 65535, ScriptedPeer.ts(600, myTs), new byte[0]);
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, iss + 1, ACK, 65535, ScriptedPeer.ts(550, myTs), new byte[10]);
        p.expect(segment(ACK, iss + 1, PEER_ISS + 1).tsEcr(600));        // RFC 7323 §5.3: dropped, ACKed
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, iss + 1, ACK | PSH, 65535, ScriptedPeer.ts(700, myTs), new byte[10]);
        p.advance(40);
        p.expect(segment(ACK, iss + 1, PEER_ISS + 11).tsEcr(700));
    }

    @Test
    void keepaliveProbesAtAfterAndIntervalThenGivesUp() throws Exception {
        DirectTcpFlow f = established(PLAIN, new Keepalive(Duration.ofSeconds(10), Duration.ofSeconds(2), 3));
        assertEquals(Duration.ofSeconds(10), f.keepalive().after());
        long t0 = p.sim.now();
        for (int i = 0; i < 3; i++) {
            p.advance(((t0 + 10_000 * MS + i * 2_000 * MS) - p.sim.now()) / MS);
            p.expect(segment(ACK, iss, PEER_ISS + 1).len(0)                // SEG.SEQ = SND.UNA - 1
                    .at(t0 + 10_000 * MS + i * 2_000 * MS));
        }
        p.advance(2_000);
        p.expect(RST | ACK, iss + 1, PEER_ISS + 1);
        LoopFuture<Void> r = app("r", () -> assertInstanceOf(ReadResult.Eof.class, f.read()));
        LoopFuture<Void> w = app("w", () -> f.write(ByteBuffer.wrap(new byte[1])));
        assertTrue(r.isDone() && !r.isFailed());
        assertInstanceOf(ClosedException.class, w.failure());
    }

    @Test
    void keepaliveAnsweredKeepsTheFlow() throws Exception {
        established(PLAIN, new Keepalive(Duration.ofSeconds(10), Duration.ofSeconds(2), 3));
        p.advance(10_000);
        p.expect(ACK, iss, PEER_ISS + 1);
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, iss + 1, ACK, 65535);
        p.advance(9_999);
        p.expectNothing();
        p.advance(1);
        p.expect(ACK, iss, PEER_ISS + 1);
    }

    @Test
    void activeCloseGoesThroughFinWait2AndTimeWait() throws Exception {
        DirectTcpFlow f = established(PLAIN, null);
        LoopFuture<Void> closing = app("close", f::close);
        p.expect(FIN | ACK, iss + 1, PEER_ISS + 1);
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, iss + 2, ACK, 65535);
        assertEquals(TcpState.FIN_WAIT_2, f.stats().state());
        assertFalse(closing.isDone(), "close waits for the peer's FIN");
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, iss + 2, FIN | ACK, 65535);
        p.expect(ACK, iss + 2, PEER_ISS + 2);
        assertTrue(closing.isDone());
        assertEquals(TcpState.TIME_WAIT, f.stats().state());
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, iss + 2, FIN | ACK, 65535);  // a retransmitted FIN
        p.expect(ACK, iss + 2, PEER_ISS + 2);
        p.advance(60_000 - 1);
        assertEquals(1, p.tcp.connectionCount());
        p.advance(1);
        assertEquals(0, p.tcp.connectionCount(), "2 x MSL later the connection is gone");
    }

    @Test
    void passiveCloseGoesThroughCloseWaitAndLastAck() throws Exception {
        DirectTcpFlow f = established(PLAIN, null);
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, iss + 1, FIN | ACK, 65535);
        long t = p.sim.now();
        p.advance(40);                                         // no close yet: the ACK after the delayed-ACK timer
        p.expect(segment(ACK, iss + 1, PEER_ISS + 2).at(t + 40_000_000L));
        assertEquals(TcpState.CLOSE_WAIT, f.stats().state());
        LoopFuture<Void> r = app("r", () -> assertInstanceOf(ReadResult.Eof.class, f.read()));
        assertTrue(r.isDone());
        LoopFuture<Void> w = app("w", () -> f.write(ByteBuffer.wrap(new byte[]{1, 2, 3}))); // half-close: still writes
        p.expect(ACK | PSH, iss + 1, PEER_ISS + 2);
        LoopFuture<Void> closing = app("close", f::close);
        assertTrue(w.isDone());
        assertTrue(closing.isDone(), "the peer closed already");
        p.expect(FIN | ACK, iss + 4, PEER_ISS + 2);
        assertEquals(TcpState.LAST_ACK, f.stats().state());
        p.inject(PEER_PORT, PORT, PEER_ISS + 2, iss + 5, ACK, 65535);
        assertEquals(0, p.tcp.connectionCount());
    }

    @Test
    void simultaneousCloseGoesThroughClosing() throws Exception {
        DirectTcpFlow f = established(PLAIN, null);
        app("close", f::close);
        p.expect(FIN | ACK, iss + 1, PEER_ISS + 1);
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, iss + 1, FIN | ACK, 65535);  // crosses ours, not acking it
        p.expect(ACK, iss + 2, PEER_ISS + 2);
        assertEquals(TcpState.CLOSING, f.stats().state());
        p.inject(PEER_PORT, PORT, PEER_ISS + 2, iss + 2, ACK, 65535);
        assertEquals(TcpState.TIME_WAIT, f.stats().state());
    }

    @Test
    void finIsRetransmittedUntilAcknowledged() throws Exception {
        DirectTcpFlow f = established(PLAIN, null);
        app("shutdown", () -> f.shutdown(dev.tcpip.Direction.WRITE));
        ScriptedPeer.Sent fin = p.expect(FIN | ACK, iss + 1, PEER_ISS + 1);
        p.advance(f.stats().rto() / MS);
        ScriptedPeer.Sent again = p.expect(FIN | ACK, iss + 1, PEER_ISS + 1);
        assertTrue(again.at() > fin.at());
    }

    @Test
    void listenBacklogAnswersSynsBeyondItWithCookies() throws Exception {
        p = new ScriptedPeer(PLAIN.withLimits(4096, 2, 256));
        p.tcp.listen(PORT, fl -> { });
        for (int i = 0; i < 3; i++) {
            p.inject(PEER_PORT + i, PORT, PEER_ISS, 0, SYN, 65535);
        }
        p.expect(segment().flags(SYN, ACK).ports(PORT, PEER_PORT));
        p.expect(segment().flags(SYN, ACK).ports(PORT, PEER_PORT + 1));
        p.expect(segment().flags(SYN, ACK).ports(PORT, PEER_PORT + 2)); // the third: a SYN cookie (RFC 4987)
        p.expectNothing();
        assertEquals(2, p.tcp.connectionCount(), "nothing kept for the cookie");
    }

    @Test
    void timeWaitTableIsBounded() throws Exception {
        p = new ScriptedPeer(PLAIN.withLimits(2, 128, 256));
        p.tcp.listen(PORT, fl -> fl.close());
        for (int i = 0; i < 4; i++) {
            intoTimeWait(PEER_PORT + i);
        }
        p.advance(0);
        assertEquals(2, p.tcp.timeWaitCount());
        assertEquals(2, p.tcp.connectionCount());
    }

    @Test
    void icmpPortUnreachableRefusesAConnectingFlow() {
        p = new ScriptedPeer(PLAIN);
        LoopFuture<Void> c = app("c", () -> p.tcp.connect(new InetSocketAddress(ScriptedPeer.PEER.toInetAddress(), 9)));
        ScriptedPeer.Sent syn = p.expect(segment().flags(SYN));
        icmp(dev.tcpip.direct.ip.IcmpError.Kind.PORT_UNREACHABLE, syn.seg().srcPort(), 9, syn.seg().seq() + 7, 0);
        assertFalse(c.isDone(), "a quoted sequence number outside the flight is ignored (RFC 5927)");
        icmp(dev.tcpip.direct.ip.IcmpError.Kind.PORT_UNREACHABLE, syn.seg().srcPort(), 9, syn.seg().seq(), 0);
        assertInstanceOf(RefusedException.class, c.failure());
        assertEquals(0, p.tcp.connectionCount());
    }

    @Test
    void fragmentationNeededLowersTheSegmentSize() throws Exception {
        DirectTcpFlow f = established(PLAIN, null);
        app("w", () -> f.write(ByteBuffer.wrap(new byte[3000])));
        p.expect(segment().len(1460));
        p.sent.clear();
        icmp(dev.tcpip.direct.ip.IcmpError.Kind.FRAGMENTATION_NEEDED, PORT, PEER_PORT, iss + 1, 1000);
        assertEquals(960, f.stats().mss(), "RFC 1191: 1000 - 20 - 20");
        p.expect(segment(ACK | PSH, iss + 1, PEER_ISS + 1).len(960));
    }
}
