package dev.tcpip.direct.tcp;

import static dev.tcpip.direct.tcp.Expect.segment;
import static dev.tcpip.wire.TcpHeader.ACK;
import static dev.tcpip.wire.TcpHeader.PSH;
import static dev.tcpip.wire.TcpHeader.SYN;
import static dev.tcpip.wire.TcpOptions.WINDOW_SCALE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tcpip.Keepalive;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Windows: scaling edges (RFC 7323 §2), zero windows and persist (RFC 9293 §3.8.6.1), keep-alive format. */
class TcpScriptWindowTest extends ScriptFixture {

    @Test
    void theSynAckWindowIsNotScaledButLaterWindowsAre() throws Exception {
        p = new ScriptedPeer(PLAIN_RENO.withOptions(true, false, false));
        java.util.concurrent.atomic.AtomicReference<DirectTcpFlow> flow = new java.util.concurrent.atomic.AtomicReference<>();
        app("c", () -> flow.set((DirectTcpFlow) p.tcp.connect(
                new InetSocketAddress(ScriptedPeer.PEER.toInetAddress(), 9))));
        ScriptedPeer.Sent syn = p.expect(segment().flags(SYN).option(WINDOW_SCALE));
        int port = syn.seg().srcPort();
        iss = syn.seg().seq();
        p.inject(9, port, PEER_ISS, iss + 1, SYN | ACK, 3000, ScriptedPeer.synOptions(MSS, 7, false, false, 0),
                new byte[0]);
        p.expect(ACK, iss + 1, PEER_ISS + 1);
        p.advance(0);
        DirectTcpFlow f = flow.get();
        assertEquals(3000, f.stats().sndWnd(), "RFC 7323 §2.2: a SYN's window is never scaled");
        write(f, 5000);
        p.expect(segment(ACK | PSH, iss + 1, PEER_ISS + 1).len(MSS));
        p.expect(segment(ACK | PSH, iss + 1 + MSS, PEER_ISS + 1).len(MSS));
        p.expectNothing();                              // 80 bytes of window: sender SWS avoidance waits
        p.inject(9, port, PEER_ISS + 1, iss + 1 + 2 * MSS, ACK, 100);
        assertEquals(100 << 7, f.stats().sndWnd(), "RFC 7323 §2.3: later windows are shifted");
        p.expect(ACK | PSH, iss + 1 + 2 * MSS, PEER_ISS + 1);
    }

    @Test
    void zeroWindowProbesBackOffAndTheOpeningAckResumesSending() throws Exception {
        DirectTcpFlow f = established(PLAIN, null);
        p.inject(PEER_PORT, PORT, theirs(0), ours(0), ACK, 0);       // the window closes
        write(f, 3000);
        p.expectNothing();
        long t = p.sim.now();
        long[] at = {200, 600, 1400, 3000, 6200};      // RTO 200 ms, doubling (RFC 9293 §3.8.6.1, RFC 6298 §5.5)
        for (long ms : at) {
            p.advance((t + ms * MS - p.sim.now()) / MS);
            p.expect(ourData(0, 1).at(t + ms * MS));   // one byte of new data probes
            p.inject(PEER_PORT, PORT, theirs(0), ours(0), ACK, 0);   // still shut, the byte not taken
            p.expectNothing();
        }
        assertEquals(0, f.stats().fastRetransmits(), "zero-window ACKs are not a loss signal");
        p.inject(PEER_PORT, PORT, theirs(0), ours(0), ACK, 65535);   // opened: everything goes from SND.UNA
        p.expect(ACK | PSH, ours(0), theirs(0));
        p.expect(ACK | PSH, ours(MSS), theirs(0));
        p.expectNothing();                              // the 80-byte rest: Nagle waits for the ACK
        ack(ours(2 * MSS));
        p.expect(ourData(2 * MSS, 3000 - 2 * MSS));
    }

    @Test
    void keepaliveProbeIsSndNxtMinusOneWithoutData() throws Exception {
        // RFC 9293 §3.8.4: SEG.SEQ = SND.NXT - 1, with or without one garbage octet. We send none: a
        // zero-length segment below RCV.NXT is unacceptable, so RFC 9293 §3.10.7.4 makes the peer ACK it.
        DirectTcpFlow f = established(PLAIN, new Keepalive(Duration.ofSeconds(10), Duration.ofSeconds(2), 3));
        write(f, 100);
        p.expect(ACK | PSH, ours(0), theirs(0));
        ack(ours(100));
        long t = p.sim.now();
        p.advance(10_000);
        p.expect(segment(ACK, ours(99), theirs(0)).len(0).at(t + 10_000 * MS).window(65535));
    }

    @Test
    void aShiftAbove14IsTreatedAs14() throws Exception {
        DirectTcpFlow f = established(PLAIN.withOptions(true, false, false), null,
                ScriptedPeer.synOptions(MSS, 15, false, false, 0));
        ack(ours(0));
        assertEquals(65535 << 14, f.stats().sndWnd(), "RFC 7323 §2.3: shift 15 is used as 14");
        p.inject(PEER_PORT, PORT, theirs(0), ours(0), ACK, 1);
        assertEquals(1 << 14, f.stats().sndWnd());
    }
}
