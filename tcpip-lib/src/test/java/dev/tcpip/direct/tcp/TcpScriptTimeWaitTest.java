package dev.tcpip.direct.tcp;

import static dev.tcpip.direct.tcp.Expect.segment;
import static dev.tcpip.wire.TcpHeader.ACK;
import static dev.tcpip.wire.TcpHeader.FIN;
import static dev.tcpip.wire.TcpHeader.RST;
import static dev.tcpip.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.tcpip.direct.TcpConfig;
import dev.tcpip.wire.TcpOptions;
import org.junit.jupiter.api.Test;

/** TIME-WAIT (RFC 9293 §3.10.7.4; RFC 1337; RFC 6191): 2 x MSL = 60 s with the default MSL of 30 s. */
class TcpScriptTimeWaitTest extends ScriptFixture {
    private static final long TWO_MSL = 60_000;

    /** Active close to TIME-WAIT; {@code ts}: the peer's segments carry timestamps with TSval 100, 101... */
    private DirectTcpFlow timeWait(TcpConfig cfg, boolean ts) throws Exception {
        DirectTcpFlow f = established(cfg, null, ScriptedPeer.synOptions(MSS, -1, false, ts, 100));
        app("close", f::close);
        ScriptedPeer.Sent fin = p.expect(FIN | ACK, ours(0), theirs(0));
        TcpOptions o = ts ? ScriptedPeer.ts(101, fin.seg().tsVal()) : TcpOptions.NONE;
        p.inject(PEER_PORT, PORT, theirs(0), ours(1), FIN | ACK, 65535, o, new byte[0]);
        p.expect(ACK, ours(1), theirs(1));
        assertEquals(TcpState.TIME_WAIT, f.stats().state());
        return f;
    }

    @Test
    void retransmittedFinIsAckedAndRestartsTheTwoMslTimer() throws Exception {
        timeWait(PLAIN, false);
        p.advance(30_000);
        p.inject(PEER_PORT, PORT, theirs(0), ours(1), FIN | ACK, 65535);   // our ACK of its FIN was lost
        p.expect(ACK, ours(1), theirs(1));
        p.advance(TWO_MSL - 1);                         // RFC 9293 §3.10.7.4: "restart the 2 MSL timeout"
        assertEquals(1, p.tcp.connectionCount());
        p.advance(1);
        assertEquals(0, p.tcp.connectionCount());
    }

    @Test
    void resetInTimeWaitIsIgnored() throws Exception {
        timeWait(PLAIN, false);
        p.inject(PEER_PORT, PORT, theirs(1), 0, RST, 0);  // exactly RCV.NXT
        p.expectNothing();
        assertEquals(1, p.tcp.connectionCount(), "RFC 1337: no TIME-WAIT assassination");
        p.advance(TWO_MSL);
        assertEquals(0, p.tcp.connectionCount());
    }

    @Test
    void synWithoutTimestampsInTimeWaitGetsAChallengeAck() throws Exception {
        timeWait(PLAIN, false);
        p.inject(PEER_PORT, PORT, theirs(100_000), 0, SYN, 65535);
        p.expect(ACK, ours(1), theirs(1));              // RFC 9293 §3.10.7.4 fourth, RFC 5961 §4.2
        assertEquals(1, p.tcp.connectionCount());
        p.advance(TWO_MSL);
        assertEquals(0, p.tcp.connectionCount());
    }

    @Test
    void synWithANewerTimestampReopensFromTimeWait() throws Exception {
        timeWait(TcpConfig.DEFAULTS.withOptions(false, true, false), true);
        int oldIss = iss;
        p.advance(1_000);
        p.inject(PEER_PORT, PORT, theirs(5_000), 0, SYN, 65535, ScriptedPeer.synOptions(MSS, -1, false, true, 1_200),
                new byte[0]);
        // RFC 9293 §3.10.7.4 fourth and RFC 6191 §2: the TSval is newer than TS.Recent (101): a new incarnation.
        ScriptedPeer.Sent synAck = p.expect(segment().flags(SYN, ACK).ack(theirs(5_000) + 1).tsEcr(1_200));
        assertNotEquals(oldIss, synAck.seg().seq());
        assertEquals(1, p.tcp.connectionCount());
        assertEquals(0, p.tcp.timeWaitCount());
        p.inject(PEER_PORT, PORT, theirs(5_001), synAck.seg().seq() + 1, ACK, 65535,
                ScriptedPeer.ts(1_201, synAck.seg().tsVal()), new byte[0]);
        p.advance(0);
        assertEquals(TcpState.ESTABLISHED, accepted.get().stats().state());
    }

    @Test
    void synWithAnOlderTimestampInTimeWaitIsNotAccepted() throws Exception {
        timeWait(TcpConfig.DEFAULTS.withOptions(false, true, false), true);
        p.inject(PEER_PORT, PORT, theirs(5_000), 0, SYN, 65535, ScriptedPeer.synOptions(MSS, -1, false, true, 50),
                new byte[0]);
        p.expect(segment().flags(ACK).seq(ours(1)));     // PAWS (RFC 7323 §5.3): an ACK, no new connection
        assertEquals(1, p.tcp.timeWaitCount());
    }

    @Test
    void eachTimeWaitEntryEndsAtItsOwnDeadlineARestartedOneLast() throws Exception {
        p = new ScriptedPeer(PLAIN);
        p.tcp.listen(PORT, fl -> fl.close());
        int a = intoTimeWait(PEER_PORT);                // A at 0
        p.advance(10_000);
        intoTimeWait(PEER_PORT + 1);                    // B at 10 s
        p.advance(20_000);
        // A's peer retransmits its FIN at 30 s: A now ends at 90 s, after B (70 s), though it entered first.
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, a + 2, ACK | FIN, 65535);
        p.expect(segment(ACK, a + 2, PEER_ISS + 2));
        assertEquals(2, p.tcp.timeWaitCount());
        p.advance(TWO_MSL - 20_000 - 1);                // 70 s less 1 ms: both still wait
        assertEquals(2, p.tcp.timeWaitCount());
        p.advance(1);                                   // 70 s: B's 2 x MSL is over, A's is not
        assertEquals(1, p.tcp.timeWaitCount());
        p.advance(20_000 - 1);
        assertEquals(1, p.tcp.connectionCount());
        p.advance(1);                                   // 90 s: A's restarted 2 x MSL is over
        assertEquals(0, p.tcp.connectionCount());
        assertEquals(0, p.tcp.timeWaitCount());
    }

    @Test
    void entriesThatEnterTogetherEndTogetherAndTheNextOnesLater() throws Exception {
        p = new ScriptedPeer(PLAIN);
        p.tcp.listen(PORT, fl -> fl.close());
        for (int i = 0; i < 5; i++) {
            intoTimeWait(PEER_PORT + i);                // five at 0 s
        }
        p.advance(1_000);
        intoTimeWait(PEER_PORT + 5);                    // one at 1 s
        p.advance(TWO_MSL - 1_000 - 1);
        assertEquals(6, p.tcp.timeWaitCount());
        p.advance(1);                                   // 60 s: the first five end in one turn
        assertEquals(1, p.tcp.timeWaitCount());
        p.advance(1_000);
        assertEquals(0, p.tcp.timeWaitCount());
        assertEquals(0, p.tcp.connectionCount());
    }
}
