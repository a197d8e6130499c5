package dev.tcpip.forward;

import static dev.tcpip.forward.GatewayPath.NO_ROUTE;
import static dev.tcpip.forward.GatewayPath.SERVER;
import static dev.tcpip.forward.GatewayPath.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.ReadResult;
import dev.tcpip.UnreachableException;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.socks.Socks5Config;
import dev.tcpip.socks.Socks5Stack;
import dev.tcpip.socks.Socks5Stats;
import dev.tcpip.socks.StackSocks5Server;
import dev.tcpip.time.EventLoop;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The relay through a proxy in virtual time: {@link GatewayPath} with the forwarder's upstream a {@link Socks5Stack}
 * over the upstream direct stack, its threads and timers the upstream loop's, and a SOCKS5 server on a further direct
 * stack (192.0.2.30) on the server network, which reaches the servers.
 */
class ForwarderSocks5SimulationTest {
    static final InetAddress PROXY = InetAddress.ofLiteral("192.0.2.30");
    static final LinkConfig LINK = LinkConfig.DEFAULTS.withLatency(Duration.ofMillis(1));

    /** The path, the proxy's stack and the SOCKS5 stack the forwarder uses. */
    record Path(GatewayPath p, DirectStack proxy, Socks5Stack socks) implements AutoCloseable {
        @Override
        public void close() {
            p.close();
        }
    }

    /** SOCKS5 through {@code PROXY:proxyPort}; port 1080 serves SOCKS5, any other only accepts and never answers. */
    static Path path(long seed, int proxyPort, Duration connectTimeout) throws Exception {
        return path(seed, proxyPort, connectTimeout, LINK, false);
    }

    /** As {@link #path(long, int, Duration)}, the guest's link {@code guestLink}, point-to-point (a TUN) if asked. */
    static Path path(long seed, int proxyPort, Duration connectTimeout, LinkConfig guestLink, boolean pointToPoint)
            throws Exception {
        AtomicReference<Socks5Stack> socks = new AtomicReference<>();
        GatewayPath p = new GatewayPath(seed, ForwarderConfig.DEFAULTS, guestLink, up -> {
            EventLoop loop = ((DirectStack) up).loop();
            socks.set(Socks5Stack.over(up, Socks5Config.of(new InetSocketAddress(PROXY, proxyPort))
                    .withConnectTimeout(connectTimeout)
                    .withThreads(body -> loop.spawn("socks5", body::run), loopTimer(loop))));
            return socks.get();
        }, false, pointToPoint);
        DirectStack proxy = DirectStack.create(DirectStackConfig.ipv4("192.0.2.30/24"),
                p.serverNet.connect("proxy", LinkConfig.DEFAULTS).device(), p.sim.newLoop("proxy"));
        p.call("proxy", () -> StackSocks5Server.listen(proxy, 1080, body -> proxy.loop().spawn("proxy", body::run)));
        p.call("silent proxy", () -> proxy.tcp().listen(1081, flow -> {
            while (flow.read() instanceof ReadResult.Data) {    // reads the greeting, never answers
                continue;
            }
        }));
        return new Path(p, proxy, socks.get());
    }

    /** The SOCKS5 stack's time and timers on {@code loop}: virtual in a simulation; each expiry on an app thread. */
    static Socks5Config.Timer loopTimer(EventLoop loop) {
        return new Socks5Config.Timer() {
            @Override
            public long nanos() {
                return loop.now();
            }

            @Override
            public Runnable schedule(Duration delay, Runnable task) {
                dev.tcpip.time.Timer t = loop.scheduleAfter(delay.toNanos(),
                        () -> loop.spawn("socks5-timer", task::run));
                return t::cancel;
            }
        };
    }

    @Test
    void twoMebibytesEachWayByteExactThroughTheProxy() throws Exception {
        try (Path x = path(5, 1080, Duration.ofSeconds(10))) {
            ForwarderSimulationTest.bulk(x.p(), 2 << 20, 2 << 20, Duration.ofMinutes(10));
            Socks5Stats s = x.p().call("stats", x.socks()::stats);
            assertEquals(1, s.connects(), s.toString());
        }
    }

    @Test
    void aNetworkTheProxyCannotReachIsNetUnreachableAtTheGuest() throws Exception {
        try (Path x = path(6, 1080, Duration.ofSeconds(10))) {
            UnreachableException e = assertThrows(UnreachableException.class,
                    () -> x.p().call("client", () -> x.p().guest.tcp().connect(at(NO_ROUTE, 80))));
            assertEquals(UnreachableException.Scope.NETWORK, e.scope(), e.getMessage());
            assertEquals(1, x.socks().stats().failureReplies(3));
        }
    }

    @Test
    void aProxyThatNeverAnswersTimesOutInVirtualTime() throws Exception {
        try (Path x = path(7, 1081, Duration.ofSeconds(3))) {
            long start = x.p().sim.now();
            UnreachableException e = assertThrows(UnreachableException.class,
                    () -> x.p().call("client", () -> x.p().guest.tcp().connect(at(SERVER, 9))));
            long ms = (x.p().sim.now() - start) / 1_000_000;
            assertEquals(UnreachableException.Scope.HOST, e.scope(), "a timeout is ICMP host unreachable");
            assertTrue(ms >= 3000 && ms < 10_000, "the guest heard after " + ms + " ms of virtual time");
            assertEquals(1, x.socks().stats().timeouts());
            assertEquals(1, x.p().call("stats", x.p().forwarder::stats).upstreamTimeouts());
        }
    }
}
