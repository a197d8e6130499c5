package dev.tcpip.direct.tcp;

import static dev.tcpip.direct.tcp.Expect.segment;
import static dev.tcpip.wire.TcpHeader.ACK;
import static dev.tcpip.wire.TcpHeader.FIN;
import static dev.tcpip.wire.TcpHeader.PSH;
import static dev.tcpip.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.Keepalive;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.direct.ip.IcmpError;
import dev.tcpip.time.AppTask;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.TcpOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;

/**
 * The shared set-up of the scripted-segment tests: a {@link ScriptedPeer}, a passive open completed by
 * crafted segments, and short ways to inject the peer's ACKs and data and to match our segments.
 */
abstract class ScriptFixture {
    static final long MS = 1_000_000;
    static final int PEER_PORT = 40_000;
    static final int PORT = 80;
    static final int PEER_ISS = 1000;
    static final int MSS = 1460;
    static final TcpConfig PLAIN = TcpConfig.DEFAULTS.withOptions(false, false, false);
    static final TcpConfig PLAIN_RENO = PLAIN.withCongestionControl(TcpConfig.CongestionControlKind.NEW_RENO);
    /** SACK without timestamps, NewReno's window arithmetic (RFC 6675 §5 with RFC 5681 ssthresh). */
    static final TcpConfig SACK_RENO = TcpConfig.DEFAULTS.withOptions(false, false, true)
            .withCongestionControl(TcpConfig.CongestionControlKind.NEW_RENO);

    ScriptedPeer p;
    /** The local ISS of the scripted connection. */
    int iss;
    /** The peer's advertised window (unscaled field) used by {@link #ack}. */
    int peerWindow = 65535;
    final AtomicReference<DirectTcpFlow> accepted = new AtomicReference<>();

    @AfterEach
    void closePeer() {
        if (p != null) {
            p.close();
        }
    }

    /** Passive open on PORT, handshake done; returns the server flow. */
    DirectTcpFlow established(TcpConfig cfg, Keepalive k) throws IOException {
        return established(cfg, k, ScriptedPeer.synOptions(MSS, -1, cfg.sack(), false, 0));
    }

    /**
     * Passive open with the peer's SYN carrying {@code synOptions}; the final ACK carries no options. The
     * ISNs are given to the peer for relative matchers.
     */
    DirectTcpFlow established(TcpConfig cfg, Keepalive k, TcpOptions synOptions) throws IOException {
        p = newPeer(cfg);
        p.tcp.listen(PORT, k, f -> accepted.set((DirectTcpFlow) f));
        p.inject(PEER_PORT, PORT, PEER_ISS, 0, SYN, peerWindow, synOptions, new byte[0]);
        iss = p.expect(segment().flags(SYN, ACK).ack(PEER_ISS + 1)).seg().seq();
        p.isns(iss, PEER_ISS);
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, iss + 1, ACK, peerWindow);
        p.advance(0);
        assertTrue(accepted.get() != null, "the handler got the flow");
        return accepted.get();
    }

    /**
     * A connection from {@code peerPort} to a listener on PORT whose handler closes at once: the handshake,
     * our FIN, the peer's FIN+ACK and our last ACK, which leaves our side in TIME-WAIT. Returns our ISS.
     */
    int intoTimeWait(int peerPort) {
        p.inject(peerPort, PORT, PEER_ISS, 0, SYN, 65535);
        int s = p.expect(segment().flags(SYN, ACK).ack(PEER_ISS + 1)).seg().seq();
        p.inject(peerPort, PORT, PEER_ISS + 1, s + 1, ACK, 65535);
        p.advance(0);
        p.expect(segment(ACK | FIN, s + 1, PEER_ISS + 1));
        p.inject(peerPort, PORT, PEER_ISS + 1, s + 2, ACK | FIN, 65535);
        p.expect(segment(ACK, s + 2, PEER_ISS + 2));
        return s;
    }

    /** The scripted peer {@link #established} uses: IPv4 here. */
    ScriptedPeer newPeer(TcpConfig cfg) {
        return new ScriptedPeer(cfg);
    }

    /** Connects, writes {@code segments} full segments and checks that the initial window's 10 went out. */
    DirectTcpFlow tenInFlight(TcpConfig cfg, int segments) throws IOException {
        DirectTcpFlow f = established(cfg, null);
        write(f, segments * MSS);
        for (int i = 0; i < 10; i++) {
            expectSegment(i);                           // RFC 6928: an initial window of 10 segments
        }
        p.expectNothing();
        return f;
    }

    /** Runs {@code body} on an application thread; what it throws is kept in the returned future. */
    LoopFuture<Void> app(String name, AppTask body) {
        LoopFuture<Void> f = p.loop.newFuture();
        p.sim.spawn(name, () -> {
            try {
                body.run();
                f.complete(null);
            } catch (Throwable t) {
                f.fail(t);
            }
        });
        p.advance(0);
        return f;
    }

    /** The application writes {@code n} zero bytes with a plain write. */
    LoopFuture<Void> write(DirectTcpFlow f, int n) {
        return app("write", () -> f.write(ByteBuffer.wrap(new byte[n])));
    }

    /** Our data byte {@code i} (0 = the first byte after the SYN). */
    int ours(int i) {
        return iss + 1 + i;
    }

    /** Our segment {@code i} of full size: its first sequence number. */
    int seg(int i) {
        return ours(i * MSS);
    }

    /** The peer's byte {@code i}. */
    static int theirs(int i) {
        return PEER_ISS + 1 + i;
    }

    /** A bare ACK from the peer. */
    void ack(int ackNo) {
        ack(ackNo, TcpOptions.NONE);
    }

    void ack(int ackNo, TcpOptions options) {
        p.inject(PEER_PORT, PORT, theirs(0), ackNo, ACK, peerWindow, options, new byte[0]);
    }

    /** Peer data at its byte offset {@code at}. */
    void data(int at, int len, TcpOptions options) {
        p.inject(PEER_PORT, PORT, theirs(at), ours(0), ACK, peerWindow, options, new byte[len]);
    }

    /** SACK blocks as pairs of sequence numbers: left, right, left, right, ... in the order given. */
    static TcpOptions sack(int... edges) {
        List<TcpOptions.SackBlock> blocks = new ArrayList<>();
        for (int i = 0; i + 1 < edges.length; i += 2) {
            blocks.add(new TcpOptions.SackBlock(edges[i], edges[i + 1]));
        }
        return new TcpOptions(TcpOptions.ABSENT, TcpOptions.ABSENT, false, false, 0, 0, blocks);
    }

    /** Our data: {@code len} bytes from our byte {@code at}, acknowledging all the peer sent so far (none). */
    Expect ourData(int at, int len) {
        return segment(ACK | PSH, ours(at), theirs(0)).len(len);
    }

    /** Our full data segment {@code i} (new or retransmitted). */
    Expect full(int i) {
        return ourData(i * MSS, MSS);
    }

    /**
     * An ICMP error from the peer about a segment we sent from {@code localPort} to {@code remotePort}
     * quoting {@code seq}; {@code mtu} for the too-big kinds, else 0.
     */
    void icmp(IcmpError.Kind kind, int localPort, int remotePort, int seq, int mtu) {
        byte[] quoted = {(byte) (localPort >> 8), (byte) localPort, (byte) (remotePort >> 8), (byte) remotePort,
            (byte) (seq >> 24), (byte) (seq >> 16), (byte) (seq >> 8), (byte) seq};
        IcmpError e = new IcmpError(kind, p.peer, p.local, p.peer, IpProtocol.TCP, quoted, mtu);
        p.loop.execute(() -> p.tcp.icmpError(p.loop.now(), e));
        p.advance(0);
    }

    /** Expects a full data segment {@code i} (new or retransmitted). */
    ScriptedPeer.Sent expectSegment(int i) {
        return p.expect(full(i));
    }

    /** The configuration with the knobs no wither covers. */
    static TcpConfig tuned(TcpConfig c, boolean nagle, int challengeAckLimit, int initialWindow) {
        return new TcpConfig(c.sendBufferSize(), c.receiveBufferSize(), c.closeBufferLimit(), c.initialRto(),
                c.minRto(), c.maxRto(), c.synRetries(), c.dataRetries(), c.msl(), c.timeWaitLimit(), c.delayedAck(),
                c.outOfOrderLimit(), c.backlog(), initialWindow, c.windowScaling(), c.timestamps(), c.sack(), nagle,
                c.congestionControl(), challengeAckLimit, c.ephemeralLow(), c.ephemeralHigh(), c.defaultMss(),
                c.maxConnections(), c.synCookies(), c.ecn(), c.sendBufferMax(),
                c.receiveBufferMax());
    }
}
