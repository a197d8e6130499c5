package dev.tcpip.forward;

import static dev.tcpip.forward.GatewayPath.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.Datagram;
import dev.tcpip.RefusedException;
import dev.tcpip.UdpSendOptions;
import dev.tcpip.UnreachableException;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.direct.ip.IcmpError;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/** The forwarding path over IPv6: far destinations taken, SYN-ACK from them, ICMPv6 codes for the refusals. */
class ForwarderIpv6Test {
    static final InetAddress SERVER6 = InetAddress.ofLiteral("2001:db8:1::10");
    static final InetAddress NO_ROUTE6 = InetAddress.ofLiteral("2001:db8:99::7");
    static final LinkConfig LINK = LinkConfig.DEFAULTS.withLatency(Duration.ofMillis(1));

    static GatewayPath path(long seed, ForwarderConfig c) {
        return new GatewayPath(seed, c, LINK, s -> s, true);
    }

    @Test
    void halfCloseEchoOverIpv6() throws Exception {
        try (GatewayPath p = path(61, ForwarderConfig.DEFAULTS)) {
            p.call("listen", () -> p.server.tcp().listen(7, GatewayPath::echo));
            ForwarderSimulationTest.halfCloseEcho(p, at(SERVER6, 7), 61, 300_000, Duration.ofMinutes(5));
        }
    }

    @Test
    void refusedAndNoRouteOverIpv6() throws Exception {
        try (GatewayPath p = path(62, ForwarderConfig.DEFAULTS)) {
            assertThrows(RefusedException.class, () -> p.call("refused", () -> p.guest.tcp().connect(at(SERVER6, 81))));
            long start = p.sim.now();
            UnreachableException e = assertThrows(UnreachableException.class,
                    () -> p.call("no-route", () -> p.guest.tcp().connect(at(NO_ROUTE6, 80))));
            assertEquals(UnreachableException.Scope.NETWORK, e.scope(), "ICMPv6 code 0: " + e.getMessage());
            assertTrue(p.sim.now() - start < Duration.ofSeconds(1).toNanos());
        }
    }

    @Test
    void udpEchoAndAdministrativelyProhibitedOverIpv6() throws Exception {
        try (GatewayPath p = path(63, ForwarderConfig.DEFAULTS.withMaxFlows(1))) {
            p.call("udp-echo", () -> p.server.udp().listen(53, d ->
                    p.server.udp().send(d.src(), d.payload(), UdpSendOptions.fromPort(53))));
            ConcurrentLinkedQueue<Datagram> inbox = new ConcurrentLinkedQueue<>();
            p.call("listen", () -> p.guest.udp().listen(5000, inbox::add));
            p.call("send", () -> {
                p.guest.udp().send(at(SERVER6, 53), ByteBuffer.wrap("v6".getBytes()), UdpSendOptions.fromPort(5000));
                return null;
            });
            p.sim.runUntil(() -> !inbox.isEmpty(), Duration.ofSeconds(5));
            assertEquals(at(SERVER6, 53), inbox.poll().src());
            // A second flow is beyond maxFlows 1: ICMPv6 destination unreachable code 1.
            p.call("send2", () -> {
                p.guest.udp().send(at(SERVER6, 54), ByteBuffer.wrap("no".getBytes()), UdpSendOptions.fromPort(5000));
                return null;
            });
            p.sim.runFor(Duration.ofMillis(100));
            List<IcmpError> errors = p.call("errors", p.guest::udpErrors);
            assertEquals(1, errors.size(), errors.toString());
            assertEquals(IcmpError.Kind.ADMINISTRATIVELY_PROHIBITED, errors.getFirst().kind());
        }
    }
}
