package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.UnreachableException;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.direct.ip.IpSender;
import dev.tcpip.time.SimulatedLoop;
import dev.tcpip.time.Simulation;
import dev.tcpip.wire.Ecn;
import dev.tcpip.wire.IpAddress;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.ParseException;
import dev.tcpip.wire.TcpHeader;
import dev.tcpip.wire.TcpOptions;
import dev.tcpip.wire.TcpView;
import java.util.ArrayDeque;
import java.util.List;

/**
 * A packetdrill-style kit: one {@link DirectTcp} on a simulated loop whose IP layer records every segment
 * it sends, and a scripted peer that injects crafted segments at chosen virtual times.
 *
 * <p>The peer stands in for the whole IP layer below the TCP: it is the {@link IpSender}, so there is no link
 * layer and no address resolution (ARP, Neighbor Discovery) between the two. Over IPv4 or IPv6 the segments
 * carry the checksum over that family's pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1) both ways: the peer
 * parses what the stack sends with it, and the stack drops what it injects if it is wrong.
 */
final class ScriptedPeer implements IpSender, AutoCloseable {
    static final Ipv4Address LOCAL = Ipv4Address.parse("192.0.2.1");
    static final Ipv4Address PEER = Ipv4Address.parse("192.0.2.2");
    static final Ipv6Address LOCAL6 = Ipv6Address.parse("2001:db8::1");
    static final Ipv6Address PEER6 = Ipv6Address.parse("2001:db8::2");
    static final long MS = 1_000_000;

    /** A segment the stack sent, and when. */
    record Sent(long at, TcpView seg, int ecn) {
        Sent(long at, TcpView seg) {
            this(at, seg, Ecn.NOT_ECT);
        }

        @Override
        public String toString() {
            return Expect.describe(this);
        }
    }

    final Simulation sim;
    final SimulatedLoop loop;
    final DirectTcp tcp;
    final ArrayDeque<Sent> sent = new ArrayDeque<>();
    /** The stack's address and the peer's: both IPv4 or both IPv6. */
    final IpAddress local;
    final IpAddress peer;
    int mtu = 1500;
    /** Whether the stack may send to addresses other than {@link #peer} (those {@link #injectFrom} spoofed). */
    boolean spoofing;
    /** The ISNs relative matchers count from; null until {@link #isns} is called. */
    Expect.Isns isns;

    ScriptedPeer(TcpConfig config) {
        this(config, 1);
    }

    ScriptedPeer(TcpConfig config, long seed) {
        this(config, seed, LOCAL, PEER);
    }

    private ScriptedPeer(TcpConfig config, long seed, IpAddress local, IpAddress peer) {
        this.local = local;
        this.peer = peer;
        sim = Simulation.withSeed(seed);
        loop = sim.newLoop("stack");
        tcp = new DirectTcp(loop, this, config, sim.random("tcp"));
    }

    /** A peer over IPv6: the stack is {@link #LOCAL6}, the peer {@link #PEER6}. */
    static ScriptedPeer ipv6(TcpConfig config) {
        return new ScriptedPeer(config, 1, LOCAL6, PEER6);
    }

    @Override
    public IpAddress sourceFor(long now, IpAddress dst) throws UnreachableException {
        if (dst.getClass() != local.getClass()) {
            throw new UnreachableException("no route to " + dst + ": only " + local + " is configured");
        }
        return local;
    }

    @Override
    public int maxPayload(IpAddress dst) {
        return mtu - (local instanceof Ipv4Address ? 20 : 40);     // the fixed IPv4 / IPv6 header
    }

    @Override
    public void send(long now, IpAddress src, IpAddress dst, int protocol, int ecn, byte[] payload, int off,
                     int len) {
        assertEquals(local, src);
        if (spoofing) {
            assertEquals(peer.getClass(), dst.getClass());
        } else {
            assertEquals(peer, dst);
        }
        assertEquals(IpProtocol.TCP, protocol);
        try {
            TcpView seg = switch (src) {
                case Ipv4Address s -> TcpView.parseIpv4(payload, off, len, s.bits(), ((Ipv4Address) dst).bits());
                case Ipv6Address s -> TcpView.parseIpv6(payload, off, len, s, (Ipv6Address) dst);
            };
            sent.add(new Sent(loop.now(), seg, ecn));
        } catch (ParseException e) {
            throw new AssertionError("the stack sent a malformed segment", e);
        }
    }

    /** Injects a segment from the peer now (on the loop). */
    void inject(int srcPort, int dstPort, int seq, int ack, int flags, int window, TcpOptions options, byte[] data) {
        injectFrom(peer, srcPort, dstPort, seq, ack, flags, window, options, data);
    }

    /**
     * Injects a segment from {@code src} (of the peer's family), now. With another address than the peer's,
     * set {@link #spoofing} first: the stack's answers go there, and {@link #send} accepts them.
     */
    void injectFrom(IpAddress src, int srcPort, int dstPort, int seq, int ack, int flags, int window,
            TcpOptions options, byte[] data) {
        injectFrom(src, srcPort, dstPort, seq, ack, flags, window, options, data, Ecn.NOT_ECT);
    }

    /** {@link #inject} in a datagram whose ECN field is {@code ecn} (RFC 3168 §5). */
    void injectEcn(int srcPort, int dstPort, int seq, int ack, int flags, int window, TcpOptions options,
                   byte[] data, int ecn) {
        injectFrom(peer, srcPort, dstPort, seq, ack, flags, window, options, data, ecn);
    }

    private void injectFrom(IpAddress src, int srcPort, int dstPort, int seq, int ack, int flags, int window,
            TcpOptions options, byte[] data, int ecn) {
        TcpHeader h = new TcpHeader(srcPort, dstPort, seq, ack, flags, window, 0, options, data.length);
        byte[] b = new byte[h.length() + data.length];
        System.arraycopy(data, 0, b, h.length(), data.length);
        switch (src) {
            case Ipv4Address p -> h.emitIpv4(b, 0, p, (Ipv4Address) local);
            case Ipv6Address p -> h.emitIpv6(b, 0, p, (Ipv6Address) local);
        }
        IpAddress from = src;
        loop.execute(() -> tcp.input(loop.now(), from, local, ecn, b, 0, b.length));
        sim.runFor(java.time.Duration.ZERO);
    }

    void inject(int srcPort, int dstPort, int seq, int ack, int flags, int window) {
        inject(srcPort, dstPort, seq, ack, flags, window, TcpOptions.NONE, new byte[0]);
    }

    /** Injects the bytes of a whole segment, checksum and all, as they are, from the peer now. */
    void injectRaw(byte[] segment) {
        loop.execute(() -> tcp.input(loop.now(), peer, local, segment, 0, segment.length));
        sim.runFor(java.time.Duration.ZERO);
    }

    /** Advances virtual time by {@code millis}. */
    void advance(long millis) {
        sim.runFor(java.time.Duration.ofMillis(millis));
    }

    void advanceMicros(long micros) {
        sim.runFor(java.time.Duration.ofNanos(micros * 1000));
    }

    /** Sets the ISNs relative matchers count from: the stack's and the peer's. */
    void isns(int localIsn, int peerIsn) {
        isns = new Expect.Isns(localIsn, peerIsn);
    }

    /** Takes the next sent segment, asserting there is one. */
    Sent next() {
        assertTrue(!sent.isEmpty(), "expected a segment, none was sent");
        return sent.poll();
    }

    /** Takes the next sent segment and asserts that it matches {@code m}. */
    Sent expect(Expect m) {
        assertTrue(!sent.isEmpty(), () -> "expected " + m + ", none was sent");
        return m.check(sent.poll(), isns);
    }

    /** Asserts the next sent segment's flags, seq and ack ({@link Expect#segment(int, int, int)}). */
    Sent expect(int flags, int seq, int ack) {
        return expect(Expect.segment(flags, seq, ack));
    }

    void expectNothing() {
        assertTrue(sent.isEmpty(), () -> "expected silence, got " + sent.peek());
    }

    static TcpOptions synOptions(int mss, int ws, boolean sack, boolean ts, int tsVal) {
        return new TcpOptions(mss, ws, sack, ts, ts ? tsVal : 0, 0, List.of());
    }

    static TcpOptions ts(int val, int ecr) {
        return new TcpOptions(TcpOptions.ABSENT, TcpOptions.ABSENT, false, true, val, ecr, List.of());
    }

    @Override
    public void close() {
        sim.close();
    }
}
