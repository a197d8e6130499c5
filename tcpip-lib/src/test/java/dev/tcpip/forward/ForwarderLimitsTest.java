package dev.tcpip.forward;

import static dev.tcpip.forward.GatewayPath.SERVER;
import static dev.tcpip.forward.GatewayPath.at;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.Datagram;
import dev.tcpip.Payloads;
import dev.tcpip.ReadResult;
import dev.tcpip.RefusedException;
import dev.tcpip.TcpFlow;
import dev.tcpip.UdpSendOptions;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.direct.ip.IcmpError;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/** UDP forwarding, the flow limit and close(), over {@link GatewayPath} in virtual time. */
class ForwarderLimitsTest {
    static final LinkConfig LINK = LinkConfig.DEFAULTS.withLatency(Duration.ofMillis(1));

    /** The server echoes UDP on port 53 back to whoever sent it. */
    static void udpEcho(GatewayPath p) throws Exception {
        p.call("udp-echo", () -> p.server.udp().listen(53, d ->
                p.server.udp().send(d.src(), d.payload(), UdpSendOptions.fromPort(53))));
    }

    /** The guest listens on {@code port} and keeps what arrives. */
    static ConcurrentLinkedQueue<Datagram> guestInbox(GatewayPath p, int port) throws Exception {
        ConcurrentLinkedQueue<Datagram> inbox = new ConcurrentLinkedQueue<>();
        p.call("guest-listen", () -> p.guest.udp().listen(port, inbox::add));
        return inbox;
    }

    static void sendFromGuest(GatewayPath p, int fromPort, InetSocketAddress to, String text) throws Exception {
        p.call("guest-send", () -> {
            p.guest.udp().send(to, ByteBuffer.wrap(text.getBytes()), UdpSendOptions.fromPort(fromPort));
            return null;
        });
    }

    static String text(Datagram d) {
        byte[] b = new byte[d.payload().remaining()];
        d.payload().duplicate().get(b);
        return new String(b);
    }

    @Test
    void udpEchoComesBackFromTheFarAddressAndTheSessionExpiresWhenIdle() throws Exception {
        ForwarderConfig c = ForwarderConfig.DEFAULTS.withUdpIdleTimeout(Duration.ofSeconds(30));
        try (GatewayPath p = new GatewayPath(21, c, LINK)) {
            udpEcho(p);
            ConcurrentLinkedQueue<Datagram> inbox = guestInbox(p, 5000);
            sendFromGuest(p, 5000, at(SERVER, 53), "hello");
            p.sim.runUntil(() -> !inbox.isEmpty(), Duration.ofSeconds(5));
            Datagram d = inbox.poll();
            assertEquals("hello", text(d));
            assertEquals(at(SERVER, 53), d.src(), "the reply comes from the far address and port");
            assertEquals(1, p.call("stats", p.forwarder::stats).udpFlows());
            // A second datagram of the same 4-tuple uses the same session.
            sendFromGuest(p, 5000, at(SERVER, 53), "again");
            p.sim.runUntil(() -> !inbox.isEmpty(), Duration.ofSeconds(5));
            assertEquals("again", text(inbox.poll()));
            ForwarderStats s = p.call("stats", p.forwarder::stats);
            assertEquals(1, s.udpOpened(), s.toString());
            // Idle for less than the timeout: still there; past it: gone, its slot free.
            p.sim.runFor(Duration.ofSeconds(29));
            assertEquals(1, p.call("stats", p.forwarder::stats).udpFlows());
            p.sim.runFor(Duration.ofSeconds(2));
            assertEquals(0, p.call("stats", p.forwarder::stats).udpFlows());
            // A datagram after expiry opens a new session.
            sendFromGuest(p, 5000, at(SERVER, 53), "later");
            p.sim.runUntil(() -> !inbox.isEmpty(), Duration.ofSeconds(5));
            assertEquals("later", text(inbox.poll()));
            assertEquals(2, p.call("stats", p.forwarder::stats).udpOpened());
        }
    }

    @Test
    void portUnreachableUpstreamReachesTheGuestAsPortUnreachable() throws Exception {
        try (GatewayPath p = new GatewayPath(24, ForwarderConfig.DEFAULTS, LINK)) {
            guestInbox(p, 5003);
            sendFromGuest(p, 5003, at(SERVER, 54), "nobody here");   // the server answers ICMP port unreachable
            p.sim.runFor(Duration.ofMillis(100));
            List<IcmpError> errors = p.call("errors", p.guest::udpErrors);
            assertEquals(1, errors.size(), errors.toString());
            assertEquals(IcmpError.Kind.PORT_UNREACHABLE, errors.getFirst().kind());
            assertEquals(54, errors.getFirst().dstPort());
            assertEquals(5003, errors.getFirst().srcPort());
            assertEquals(1, p.call("stats", p.forwarder::stats).udpPortUnreachable());
        }
    }

    @Test
    void atTheFlowLimitNewFlowsAreRefusedAndTheExistingOneGoesOn() throws Exception {
        ForwarderConfig c = ForwarderConfig.DEFAULTS.withMaxFlows(1);
        try (GatewayPath p = new GatewayPath(22, c, LINK)) {
            p.call("listen", () -> p.server.tcp().listen(7, GatewayPath::echo));
            udpEcho(p);
            TcpFlow first = p.call("first", () -> p.guest.tcp().connect(at(SERVER, 7)));
            // TCP beyond the limit: RST, so the guest's connect is refused.
            assertThrows(RefusedException.class, () -> p.call("second", () -> p.guest.tcp().connect(at(SERVER, 7))));
            // UDP beyond the limit: ICMP administratively prohibited (type 3 code 13) to the guest.
            guestInbox(p, 5001);
            sendFromGuest(p, 5001, at(SERVER, 53), "no room");
            p.sim.runFor(Duration.ofMillis(100));
            List<IcmpError> errors = p.call("errors", p.guest::udpErrors);
            assertEquals(1, errors.size(), errors.toString());
            assertEquals(IcmpError.Kind.ADMINISTRATIVELY_PROHIBITED, errors.getFirst().kind());
            assertEquals(53, errors.getFirst().dstPort());
            ForwarderStats s = p.call("stats", p.forwarder::stats);
            assertEquals(2, s.refusedAtLimit(), s.toString());
            // The existing flow goes on.
            byte[] sent = Payloads.random(22, 10_000);
            byte[] back = p.call("echo", () -> {
                first.write(ByteBuffer.wrap(sent.clone()));
                return Payloads.readExactly(first, sent.length);
            });
            assertArrayEquals(sent, back);
            // Once both sides of it are closed, its slot serves a new flow.
            p.call("close", () -> {
                first.shutdown(dev.tcpip.Direction.WRITE);
                assertInstanceOf(ReadResult.Eof.class, first.read());
                first.close();
                return null;
            });
            p.sim.runUntil(() -> p.forwarder.relayCount() == 0, Duration.ofSeconds(10));
            TcpFlow third = p.call("third", () -> p.guest.tcp().connect(at(SERVER, 7)));
            p.call("close-third", () -> {
                third.abort();
                return null;
            });
        }
    }

    @Test
    void atThePendingConnectLimitANewSynGetsARst() throws Exception {
        ForwarderConfig c = ForwarderConfig.DEFAULTS.withMaxPendingConnects(1).withConnectTimeout(Duration.ofSeconds(5));
        try (GatewayPath p = new GatewayPath(25, c, LINK)) {
            p.call("listen", () -> p.server.tcp().listen(7, GatewayPath::echo));
            // The first connect waits for a silent host upstream: one pending connect.
            var pending = p.spawn("pending", () -> {
                try {
                    p.guest.tcp().connect(at(GatewayPath.SILENT, 80));
                } catch (dev.tcpip.UnreachableException expected) {
                    // the connect timeout: ICMP host unreachable
                }
            });
            p.sim.runFor(Duration.ofMillis(100));
            assertThrows(RefusedException.class, () -> p.call("second", () -> p.guest.tcp().connect(at(SERVER, 7))));
            assertEquals(1, p.call("stats", p.forwarder::stats).pendingAtLimit());
            p.sim.runUntil(pending::isDone, Duration.ofSeconds(10));
            pending.getNow();
            // The guest heard host unreachable, but the upstream connect goes on until the upstream gives up (the
            // Tcp API cannot cancel it) and still counts: a new SYN still gets RST.
            assertThrows(RefusedException.class, () -> p.call("third", () -> p.guest.tcp().connect(at(SERVER, 7))));
            assertEquals(2, p.call("stats", p.forwarder::stats).pendingAtLimit());
            // The upstream's SYN retries (6, 127 s) end; then connects go through again.
            p.sim.runFor(Duration.ofMinutes(3));
            TcpFlow f = p.call("fourth", () -> p.guest.tcp().connect(at(SERVER, 7)));
            p.call("abort", () -> {
                f.abort();
                return null;
            });
        }
    }

    @Test
    void closeResetsEveryGuestFlowAndEndsUdpSessions() throws Exception {
        try (GatewayPath p = new GatewayPath(23, ForwarderConfig.DEFAULTS, LINK)) {
            p.call("listen", () -> p.server.tcp().listen(7, GatewayPath::echo));
            udpEcho(p);
            TcpFlow a = p.call("a", () -> p.guest.tcp().connect(at(SERVER, 7)));
            TcpFlow b = p.call("b", () -> p.guest.tcp().connect(at(SERVER, 7)));
            ConcurrentLinkedQueue<Datagram> inbox = guestInbox(p, 5002);
            sendFromGuest(p, 5002, at(SERVER, 53), "x");
            p.sim.runUntil(() -> !inbox.isEmpty(), Duration.ofSeconds(5));
            ForwarderStats before = p.call("stats", p.forwarder::stats);
            assertEquals(2, before.tcpFlows(), before.toString());
            assertEquals(1, before.udpFlows(), before.toString());
            p.call("close", () -> {
                p.forwarder.close();
                return null;
            });
            boolean[] reset = p.call("read", () -> new boolean[] {
                    a.read() instanceof ReadResult.Eof && a.resetByPeer(),
                    b.read() instanceof ReadResult.Eof && b.resetByPeer()});
            assertTrue(reset[0] && reset[1], "both guest flows were reset");
            p.sim.runUntil(() -> p.forwarder.relayCount() == 0, Duration.ofSeconds(10));
            ForwarderStats after = p.call("stats", p.forwarder::stats);
            assertEquals(0, after.tcpFlows(), after.toString());
            assertEquals(0, after.udpFlows(), after.toString());
            // Nothing forwards any more: a new connection to a far address finds no one (the SYN is dropped).
            p.sim.runFor(Duration.ofSeconds(5));
            assertEquals(0, p.call("conns", () -> p.gateway.tcp().connectionCount() == 0 ? 0 : 1),
                    "the gateway holds no connection after close (TIME-WAIT aside)");
        }
    }
}
