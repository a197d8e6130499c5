package dev.tcpip.socks;

import dev.tcpip.TestServers;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tcpip.Datagram;
import dev.tcpip.Direction;
import dev.tcpip.IpFamily;
import dev.tcpip.Payloads;
import dev.tcpip.RefusedException;
import dev.tcpip.TcpFlow;
import dev.tcpip.UdpSendOptions;
import dev.tcpip.UnreachableException;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.MemoryNetwork;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.forward.DnsForwarder;
import dev.tcpip.forward.Forwarder;
import dev.tcpip.forward.ForwarderConfig;
import dev.tcpip.socket.SocketStack;
import dev.tcpip.socket.SocketStackConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The relay through a proxy, in memory and on loopback: a guest direct stack and a forwarding direct stack on a
 * memory network (real time), the forwarder's upstream a {@link Socks5Stack} over the socket stack, reaching the
 * tests' SOCKS5 server on 127.0.0.1, which reaches servers on 127.0.0.1. The gateway's address maps to the loopback.
 */
@Timeout(60)
class ForwarderOverSocks5Test {
    static final InetAddress GATEWAY = InetAddress.ofLiteral("10.0.2.2");
    static final InetAddress LOOPBACK = InetAddress.ofLiteral("127.0.0.1");
    static final InetAddress DNS = InetAddress.ofLiteral("10.0.2.3");

    MemoryNetwork net;
    DirectStack guest;
    DirectStack gateway;
    SocketStack host;
    TestSocks5Server proxy;
    Socks5Stack socks;
    Forwarder forwarder;

    @BeforeEach
    void setUp() throws Exception {
        net = MemoryNetwork.realTime(16);
        guest = DirectStack.create(DirectStackConfig.ipv4("10.0.2.100/24").withGateway("10.0.2.2"),
                net.connect("guest", LinkConfig.DEFAULTS).device());
        gateway = DirectStack.create(DirectStackConfig.ipv4("10.0.2.2/24").withIpv4Alias("10.0.2.3"),
                net.connect("gateway", LinkConfig.DEFAULTS).device());
        host = SocketStack.create(SocketStackConfig.of(IpFamily.IPV4).withConnectTimeout(Duration.ofSeconds(10)));
        proxy = TestSocks5Server.open();
        socks = Socks5Stack.over(host, Socks5Config.of(proxy.address()));
        forwarder = new Forwarder(gateway, socks, ForwarderConfig.DEFAULTS
                .withDestinations(ForwarderConfig.hostTo(GATEWAY, LOOPBACK)));
        forwarder.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        forwarder.close();
        guest.disconnect();
        gateway.disconnect();
        socks.disconnect();
        proxy.close();
        host.disconnect();
        net.close();
    }

    @Test
    void tcpHalfCloseEchoIsByteExactThroughTheProxy() throws Exception {
        int port = TestServers.halfCloseEcho(host);
        byte[] sent = Payloads.random(16, 2 << 20);
        TcpFlow f = guest.tcp().connect(new InetSocketAddress(GATEWAY, port));
        f.write(ByteBuffer.wrap(sent.clone()));
        f.shutdown(Direction.WRITE);
        assertArrayEquals(sent, Payloads.readToEof(f, 4 << 20));
        f.close();
        assertEquals(new InetSocketAddress(LOOPBACK, port), proxy.requests.getFirst().address(),
                "the proxy was asked for the mapped destination");
        assertEquals(true, forwarder.awaitTcpFlows(0, Duration.ofSeconds(10)));
        assertEquals(1, socks.stats().connects());
    }

    @Test
    void aPortRefusedBehindTheProxyIsRefusedAtTheGuest() throws Exception {
        int closed = TestServers.closedLoopbackPort();
        assertThrows(RefusedException.class, () -> guest.tcp().connect(new InetSocketAddress(GATEWAY, closed)));
        assertEquals(1, forwarder.stats().upstreamRefused());
        assertEquals(1, socks.stats().failureReplies(5));
    }

    @Test
    void aNetworkUnreachableReplyIsIcmpNetUnreachableAtTheGuest() throws Exception {
        proxy.forcedReply = 3;
        UnreachableException e = assertThrows(UnreachableException.class,
                () -> guest.tcp().connect(new InetSocketAddress(GATEWAY, 80)));
        assertEquals(UnreachableException.Scope.NETWORK, e.scope(), e.getMessage());
        assertEquals(1, forwarder.stats().upstreamUnreachable());
    }

    @Test
    void udpEchoIsCarriedThroughAnAssociation() throws Exception {
        int port = TestServers.udpEcho(host);
        BlockingQueue<Datagram> inbox = new ArrayBlockingQueue<>(8);
        guest.udp().listen(6000, inbox::add);
        byte[][] sent = {Payloads.random(1, 1200), Payloads.random(2, 30), Payloads.random(3, 8000)};
        for (byte[] s : sent) {
            guest.udp().send(new InetSocketAddress(GATEWAY, port), ByteBuffer.wrap(s.clone()),
                    UdpSendOptions.fromPort(6000));
        }
        for (byte[] s : sent) {
            Datagram d = inbox.poll(10, TimeUnit.SECONDS);
            assertNotNull(d, "an echo within 10 s");
            byte[] got = new byte[d.payload().remaining()];
            d.payload().get(got);
            assertArrayEquals(s, got);
            assertEquals(new InetSocketAddress(GATEWAY, port), d.src(), "from the address the guest wrote to");
        }
        assertEquals(1, socks.stats().associations(), "one association for the guest's flow");
        assertEquals(3, socks.stats().datagramsReceived());
    }

    @Test
    void theDnsForwarderReachesItsResolverThroughTheProxyOverUdpAndTcp() throws Exception {
        // An echo stands in for the resolver: the forwarder restores the guest's ID on the answer, so the guest
        // gets its own query back over UDP, and the same bytes over TCP (relayed byte for byte).
        InetSocketAddress resolver = new InetSocketAddress(LOOPBACK, TestServers.udpEcho(host));
        int tcpResolver = TestServers.tcpEcho(host);
        try (DnsForwarder udpDns = DnsForwarder.start(gateway, DNS, socks, DnsForwarder.Config.of(resolver), null)) {
            BlockingQueue<Datagram> inbox = new ArrayBlockingQueue<>(4);
            int port = guest.udp().listen(0, inbox::add);
            byte[] query = Payloads.random(53, 40);
            guest.udp().send(new InetSocketAddress(DNS, 53), ByteBuffer.wrap(query.clone()),
                    UdpSendOptions.fromPort(port));
            Datagram d = inbox.poll(10, TimeUnit.SECONDS);
            assertNotNull(d, "an answer within 10 s");
            byte[] got = new byte[d.payload().remaining()];
            d.payload().get(got);
            assertArrayEquals(query, got);
            assertEquals(1, udpDns.stats().udpAnswers());
        }
        try (DnsForwarder tcpDns = DnsForwarder.start(gateway, DNS, socks,
                DnsForwarder.Config.of(new InetSocketAddress(LOOPBACK, tcpResolver)), null)) {
            byte[] query = Payloads.random(54, 60);
            query[0] = 0;
            query[1] = 58;                                      // RFC 1035 §4.2.2: a 2-byte length first
            TcpFlow f = guest.tcp().connect(new InetSocketAddress(DNS, 53));
            f.write(ByteBuffer.wrap(query.clone()));
            assertArrayEquals(query, Payloads.readExactly(f, query.length));
            f.close();
            assertEquals(1, tcpDns.stats().tcpConnections());
        }
        assertEquals(1, socks.stats().associations(), "UDP through an association");
        assertEquals(1, socks.stats().connects(), "TCP through a CONNECT");
    }
}
