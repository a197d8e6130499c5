package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.direct.TcpConfig;
import dev.tcpip.direct.ip.IpSender;
import dev.tcpip.time.SimulatedLoop;
import dev.tcpip.time.Simulation;
import dev.tcpip.wire.IpAddress;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.ParseException;
import dev.tcpip.wire.TcpHeader;
import dev.tcpip.wire.TcpOptions;
import dev.tcpip.wire.TcpView;
import java.util.ArrayDeque;
import java.util.List;

/**
 * A packetdrill-style kit: one {@link DirectTcp} on a simulated loop whose IP layer records every segment
 * it sends, and a scripted peer that injects crafted segments at chosen virtual times.
 */
final class ScriptedPeer implements IpSender, AutoCloseable {
    static final Ipv4Address LOCAL = Ipv4Address.parse("192.0.2.1");
    static final Ipv4Address PEER = Ipv4Address.parse("192.0.2.2");
    static final long MS = 1_000_000;

    /** A segment the stack sent, and when. */
    record Sent(long at, TcpView seg) {
        int flags() {
            return seg.flags();
        }
    }

    final Simulation sim;
    final SimulatedLoop loop;
    final DirectTcp tcp;
    final ArrayDeque<Sent> sent = new ArrayDeque<>();
    int mtu = 1500;

    ScriptedPeer(TcpConfig config) {
        this(config, 1);
    }

    ScriptedPeer(TcpConfig config, long seed) {
        sim = Simulation.withSeed(seed);
        loop = sim.newLoop("stack");
        tcp = new DirectTcp(loop, this, config, sim.random("tcp"));
    }

    @Override
    public IpAddress sourceFor(IpAddress dst) {
        return LOCAL;
    }

    @Override
    public int maxPayload(IpAddress dst) {
        return mtu - 20;
    }

    @Override
    public void send(IpAddress src, IpAddress dst, int protocol, byte[] payload, int off, int len) {
        assertEquals(LOCAL, src);
        try {
            sent.add(new Sent(loop.now(), TcpView.parseIpv4(payload, off, len, LOCAL.bits(), ((Ipv4Address) dst).bits())));
        } catch (ParseException e) {
            throw new AssertionError("the stack sent a malformed segment", e);
        }
    }

    /** Injects a segment from the peer now (on the loop). */
    void inject(int srcPort, int dstPort, int seq, int ack, int flags, int window, TcpOptions options, byte[] data) {
        TcpHeader h = new TcpHeader(srcPort, dstPort, seq, ack, flags, window, 0, options, data.length);
        byte[] b = new byte[h.length() + data.length];
        System.arraycopy(data, 0, b, h.length(), data.length);
        h.emitIpv4(b, 0, PEER, LOCAL);
        loop.execute(() -> tcp.input(loop.now(), PEER, LOCAL, b, 0, b.length));
        sim.runFor(java.time.Duration.ZERO);
    }

    void inject(int srcPort, int dstPort, int seq, int ack, int flags, int window) {
        inject(srcPort, dstPort, seq, ack, flags, window, TcpOptions.NONE, new byte[0]);
    }

    /** Advances virtual time by {@code millis}. */
    void advance(long millis) {
        sim.runFor(java.time.Duration.ofMillis(millis));
    }

    void advanceMicros(long micros) {
        sim.runFor(java.time.Duration.ofNanos(micros * 1000));
    }

    /** Takes the next sent segment, asserting there is one. */
    Sent next() {
        assertTrue(!sent.isEmpty(), "expected a segment, none was sent");
        return sent.poll();
    }

    /** Asserts the next sent segment's flags, seq and ack. */
    Sent expect(int flags, int seq, int ack) {
        Sent s = next();
        assertEquals(flagNames(flags), flagNames(s.flags()), "flags");
        assertEquals(seq, s.seg().seq(), "seq");
        if ((flags & TcpHeader.ACK) != 0) {
            assertEquals(ack, s.seg().ack(), "ack");
        }
        return s;
    }

    void expectNothing() {
        assertTrue(sent.isEmpty(), () -> "expected silence, got " + describe(sent.peek()));
    }

    static String describe(Sent s) {
        return s == null ? "nothing" : flagNames(s.flags()) + " seq=" + s.seg().seq() + " ack=" + s.seg().ack()
                + " len=" + s.seg().payloadLength() + " at=" + s.at();
    }

    static String flagNames(int f) {
        StringBuilder sb = new StringBuilder();
        String[] names = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
        for (int i = 0; i < 8; i++) {
            if ((f & 1 << i) != 0) {
                sb.append(sb.isEmpty() ? "" : "|").append(names[i]);
            }
        }
        return sb.isEmpty() ? "none" : sb.toString();
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
