package dev.tcpip.forward;

import static dev.tcpip.forward.GatewayPath.NOBODY;
import static dev.tcpip.forward.GatewayPath.NO_ROUTE;
import static dev.tcpip.forward.GatewayPath.SERVER;
import static dev.tcpip.forward.GatewayPath.SILENT;
import static dev.tcpip.forward.GatewayPath.at;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.Direction;
import dev.tcpip.FlowHandler;
import dev.tcpip.Keepalive;
import dev.tcpip.Payloads;
import dev.tcpip.ReadResult;
import dev.tcpip.RefusedException;
import dev.tcpip.Stack;
import dev.tcpip.Tcp;
import dev.tcpip.TcpFlow;
import dev.tcpip.Udp;
import dev.tcpip.UnreachableException;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.direct.tcp.Patterns;
import dev.tcpip.time.LoopFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The forwarding path guest ↔ gateway ↔ server over memory networks in virtual time ({@link GatewayPath}). */
class ForwarderSimulationTest {
    static final LinkConfig LINK = LinkConfig.DEFAULTS.withLatency(Duration.ofMillis(1));

    /** Sends {@code up} bytes guest → server and {@code down} server → guest at once; both checked byte for byte. */
    static void bulk(GatewayPath p, long up, long down, Duration limit) throws Exception {
        AtomicLong serverGot = new AtomicLong(-1);
        p.call("listen", () -> p.server.tcp().listen(9, flow -> {
            LoopFuture<Void> w = p.server.loop().spawn("server-writer",
                    () -> Patterns.write(flow, 2, down, 50_000));
            serverGot.set(Patterns.readAndVerify(flow, 1));
            w.await();
            flow.close();
        }));
        AtomicLong guestGot = new AtomicLong(-1);
        LoopFuture<Void> client = p.spawn("client", () -> {
            TcpFlow f = p.guest.tcp().connect(at(SERVER, 9));
            LoopFuture<Void> w = p.guest.loop().spawn("client-writer", () -> Patterns.write(f, 1, up, 65_536));
            guestGot.set(Patterns.readAndVerify(f, 2));
            w.await();
            f.close();
        });
        p.sim.runUntil(() -> client.isDone() && serverGot.get() >= 0, limit);
        client.getNow();
        assertEquals(up, serverGot.get(), "bytes guest → server");
        assertEquals(down, guestGot.get(), "bytes server → guest");
        awaitNoFlows(p);
    }

    /** The relay frees its slot once both sides are closed. */
    static void awaitNoFlows(GatewayPath p) throws Exception {
        p.sim.runUntil(() -> p.forwarder.relayCount() == 0, Duration.ofMinutes(5));
        ForwarderStats s = p.call("stats", p.forwarder::stats);
        assertEquals(0, s.tcpFlows(), "flows left open: " + s);
    }

    @Test
    void twoMebibytesEachWayByteExact() throws Exception {
        try (GatewayPath p = new GatewayPath(1, ForwarderConfig.DEFAULTS, LINK)) {
            bulk(p, 2 << 20, 2 << 20, Duration.ofMinutes(10));
            ForwarderStats s = p.call("stats", p.forwarder::stats);
            assertEquals(1, s.tcpOpened(), s.toString());
        }
    }

    /**
     * The guest sends {@code n} bytes to an echo server at {@code dst} (port 7, listening), shuts its write side, and
     * reads the whole echo back, byte-exact: the server sees Eof only through the relay's half-close.
     */
    static void halfCloseEcho(GatewayPath p, InetSocketAddress dst, long seed, int n, Duration limit) throws Exception {
        byte[] sent = Payloads.random(seed, n);
        byte[] back = p.call("echo", limit, () -> {
            TcpFlow f = p.guest.tcp().connect(dst);
            f.write(ByteBuffer.wrap(sent.clone()));
            f.shutdown(Direction.WRITE);
            byte[] got = Payloads.readToEof(f, 2 * n + 1);
            f.close();
            return got;
        });
        assertArrayEquals(sent, back);
        awaitNoFlows(p);
    }

    @Test
    void halfCloseEchoReturnsEverything() throws Exception {
        try (GatewayPath p = new GatewayPath(2, ForwarderConfig.DEFAULTS, LINK)) {
            p.call("listen", () -> p.server.tcp().listen(7, GatewayPath::echo));
            halfCloseEcho(p, at(SERVER, 7), 2, 300_000, Duration.ofMinutes(5));
        }
    }

    @Test
    void aResetFromTheServerReachesTheGuestAsAReset() throws Exception {
        try (GatewayPath p = new GatewayPath(3, ForwarderConfig.DEFAULTS, LINK)) {
            p.call("listen", () -> p.server.tcp().listen(10, flow -> {
                Payloads.readExactly(flow, 1);
                flow.abort();
            }));
            boolean reset = p.call("client", () -> {
                TcpFlow f = p.guest.tcp().connect(at(SERVER, 10));
                f.write(ByteBuffer.wrap(new byte[] {1}));
                assertInstanceOf(ReadResult.Eof.class, f.read());
                return f.resetByPeer();
            });
            assertTrue(reset, "the guest's flow was reset");
            awaitNoFlows(p);
        }
    }

    @Test
    void aResetFromTheGuestReachesTheServerAsAReset() throws Exception {
        try (GatewayPath p = new GatewayPath(4, ForwarderConfig.DEFAULTS, LINK)) {
            boolean[] serverSawReset = {false};
            p.call("listen", () -> p.server.tcp().listen(11, flow -> {
                assertInstanceOf(ReadResult.Data.class, flow.read());
                assertInstanceOf(ReadResult.Eof.class, flow.read());
                serverSawReset[0] = flow.resetByPeer();
            }));
            p.call("client", () -> {
                TcpFlow f = p.guest.tcp().connect(at(SERVER, 11));
                f.write(ByteBuffer.wrap(new byte[] {1}));
                f.abort();
                return null;
            });
            p.sim.runUntil(() -> serverSawReset[0], Duration.ofSeconds(10));
            awaitNoFlows(p);
        }
    }

    @Test
    void aRefusedPortIsRefusedQuickly() throws Exception {
        try (GatewayPath p = new GatewayPath(5, ForwarderConfig.DEFAULTS, LINK)) {
            long start = p.sim.now();
            assertThrows(RefusedException.class, () -> p.call("client", () -> p.guest.tcp().connect(at(SERVER, 81))));
            assertTrue(p.sim.now() - start < Duration.ofMillis(100).toNanos(), "refused after "
                    + (p.sim.now() - start) / 1_000_000 + " ms");
            assertEquals(1, p.call("stats", p.forwarder::stats).upstreamRefused());
        }
    }

    /** An upstream whose connects to {@link GatewayPath#NOBODY} fail as EHOSTUNREACH does on the socket stack. */
    static Stack hostUnreachableFor(Stack real) {
        Tcp tcp = new Tcp() {
            @Override
            public TcpFlow connect(InetSocketAddress dst) throws IOException {
                return connect(dst, null);
            }

            @Override
            public TcpFlow connect(InetSocketAddress dst, Keepalive keepalive) throws IOException {
                if (dst.getAddress().equals(NOBODY)) {
                    throw new UnreachableException("no route to host " + dst, UnreachableException.Scope.HOST, null);
                }
                return real.tcp().connect(dst, keepalive);
            }

            @Override
            public int listen(int port, Keepalive keepalive, FlowHandler handler) throws IOException {
                return real.tcp().listen(port, keepalive, handler);
            }

            @Override
            public void unlisten(int port) {
                real.tcp().unlisten(port);
            }
        };
        return new Stack() {
            @Override
            public Tcp tcp() {
                return tcp;
            }

            @Override
            public Udp udp() {
                return real.udp();
            }

            @Override
            public java.util.List<dev.tcpip.FlowInfo> flows() {
                return real.flows();
            }

            @Override
            public void disconnect() {
                real.disconnect();
            }
        };
    }

    @Test
    void anUnreachableHostReachesTheGuestAsIcmpHostUnreachable() throws Exception {
        try (GatewayPath p = new GatewayPath(6, ForwarderConfig.DEFAULTS, LINK,
                ForwarderSimulationTest::hostUnreachableFor)) {
            long start = p.sim.now();
            UnreachableException e = assertThrows(UnreachableException.class,
                    () -> p.call("client", () -> p.guest.tcp().connect(at(NOBODY, 80))));
            assertEquals(UnreachableException.Scope.HOST, e.scope(), e.getMessage());
            assertTrue(p.sim.now() - start < Duration.ofSeconds(1).toNanos(), "within the guest's first SYN timeout");
            ForwarderStats s = p.call("stats", p.forwarder::stats);
            assertEquals(1, s.upstreamUnreachable(), s.toString());
            assertEquals(0, s.tcpFlows(), s.toString());
        }
    }

    @Test
    void anUnreachableNetworkReachesTheGuestAsIcmpNetUnreachable() throws Exception {
        try (GatewayPath p = new GatewayPath(7, ForwarderConfig.DEFAULTS, LINK)) {
            long start = p.sim.now();
            UnreachableException e = assertThrows(UnreachableException.class,
                    () -> p.call("client", () -> p.guest.tcp().connect(at(NO_ROUTE, 80))));
            assertEquals(UnreachableException.Scope.NETWORK, e.scope(), e.getMessage());
            assertTrue(p.sim.now() - start < Duration.ofSeconds(1).toNanos(), "within the guest's first SYN timeout");
        }
    }

    @Test
    void aConnectTimeoutIsHostUnreachableAndRetransmittedSynsAreAbsorbed() throws Exception {
        ForwarderConfig c = ForwarderConfig.DEFAULTS.withConnectTimeout(Duration.ofMillis(2500));
        try (GatewayPath p = new GatewayPath(8, c, LINK)) {
            long start = p.sim.now();
            UnreachableException e = assertThrows(UnreachableException.class,
                    () -> p.call("client", () -> p.guest.tcp().connect(at(SILENT, 80))));
            long took = p.sim.now() - start;
            assertEquals(UnreachableException.Scope.HOST, e.scope(), e.getMessage());
            assertTrue(took >= Duration.ofMillis(2500).toNanos() && took < Duration.ofMillis(2600).toNanos(),
                    "answered after " + took / 1_000_000 + " ms");
            ForwarderStats s = p.call("stats", p.forwarder::stats);
            assertEquals(1, s.upstreamTimeouts(), s.toString());
            // The guest retransmitted its SYN at 1 s (and 2 s later would be 3 s): absorbed, one upstream connect.
            assertTrue(p.call("syns", p.gateway::forwardedSyns).absorbed() >= 1);
            // The upstream connect ends later on its own; its slot comes back.
            p.sim.runFor(Duration.ofSeconds(10));
            assertEquals(0, p.call("stats", p.forwarder::stats).tcpFlows());
        }
    }
}
