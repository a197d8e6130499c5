package dev.tcpip.forward;

import dev.tcpip.TestServers;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tcpip.Datagram;
import dev.tcpip.DatagramHandler;
import dev.tcpip.Direction;
import dev.tcpip.IpFamily;
import dev.tcpip.Payloads;
import dev.tcpip.RefusedException;
import dev.tcpip.TcpFlow;
import dev.tcpip.TcpipException;
import dev.tcpip.UdpSendOptions;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.MemoryNetwork;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
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
 * The gateway's production shape in real time: a guest direct stack and the gateway direct stack on a memory
 * network, the gateway's upstream the socket stack, servers on 127.0.0.1. As the CLI does, the gateway's own address
 * maps to the host's loopback (10.0.2.2:P → 127.0.0.1:P).
 */
@Timeout(60)
class ForwarderSocketUpstreamTest {
    static final InetAddress GATEWAY = InetAddress.ofLiteral("10.0.2.2");
    static final InetAddress LOOPBACK = InetAddress.ofLiteral("127.0.0.1");

    MemoryNetwork net;
    DirectStack guest;
    DirectStack gateway;
    SocketStack host;
    Forwarder forwarder;

    @BeforeEach
    void setUp() throws Exception {
        net = MemoryNetwork.realTime(31);
        guest = DirectStack.create(DirectStackConfig.ipv4("10.0.2.100/24").withGateway("10.0.2.2"),
                net.connect("guest", LinkConfig.DEFAULTS).device());
        gateway = DirectStack.create(DirectStackConfig.ipv4("10.0.2.2/24"),
                net.connect("gateway", LinkConfig.DEFAULTS).device());
        host = SocketStack.create(SocketStackConfig.of(IpFamily.IPV4).withConnectTimeout(Duration.ofSeconds(10)));
        forwarder = new Forwarder(gateway, host, ForwarderConfig.DEFAULTS
                .withDestinations(ForwarderConfig.hostTo(GATEWAY, LOOPBACK)));
        forwarder.start();
    }

    @AfterEach
    void tearDown() {
        forwarder.close();
        guest.disconnect();
        gateway.disconnect();
        host.disconnect();
        net.close();
    }

    @Test
    void halfCloseEchoThroughTheSocketStackToALoopbackServer() throws Exception {
        int port = TestServers.halfCloseEcho(host);
        byte[] sent = Payloads.random(31, 1 << 20);
        TcpFlow f = guest.tcp().connect(new InetSocketAddress(GATEWAY, port));
        f.write(ByteBuffer.wrap(sent.clone()));
        f.shutdown(Direction.WRITE);
        assertArrayEquals(sent, Payloads.readToEof(f, 2 << 20));
        f.close();
        assertEquals(true, forwarder.awaitTcpFlows(0, Duration.ofSeconds(10)),
                "the relay freed its slot once both sides closed");
    }

    @Test
    void aRefusedLoopbackPortIsRefusedAtTheGuest() throws Exception {
        int port = TestServers.closedLoopbackPort();
        long start = System.nanoTime();
        assertThrows(RefusedException.class, () -> guest.tcp().connect(new InetSocketAddress(GATEWAY, port)));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(true, ms < 1000, "refused after " + ms + " ms, within the guest's first SYN timeout");
        assertEquals(1, forwarder.stats().upstreamRefused());
    }

    @Test
    void udpEchoThroughTheSocketStack() throws Exception {
        int port = TestServers.udpEcho(host);
        BlockingQueue<Datagram> inbox = new ArrayBlockingQueue<>(4);
        guest.udp().listen(6000, inbox::add);
        guest.udp().send(new InetSocketAddress(GATEWAY, port), ByteBuffer.wrap("ping".getBytes()),
                UdpSendOptions.fromPort(6000));
        Datagram d = inbox.poll(10, TimeUnit.SECONDS);
        assertEquals("ping", new String(d.payload().array(), d.payload().arrayOffset() + d.payload().position(),
                d.payload().remaining()));
        assertEquals(new InetSocketAddress(GATEWAY, port), d.src(), "from the address the guest wrote to");
    }

    @Test
    void aClosedLoopbackUdpPortIsPortUnreachableAtTheGuest() throws Exception {
        int closed = host.udp().listen(0, d -> { });
        host.udp().unlisten(closed);                          // nobody listens there now: the kernel answers ICMP
        java.util.concurrent.CompletableFuture<TcpipException> heard = new java.util.concurrent.CompletableFuture<>();
        InetSocketAddress far = new InetSocketAddress(GATEWAY, closed);
        int port = guest.udp().listen(0, far, new DatagramHandler() {
            @Override
            public void handle(Datagram d) {
            }

            @Override
            public void unreachable(InetSocketAddress dst, TcpipException error) {
                heard.complete(error);
            }
        });
        guest.udp().send(far, ByteBuffer.wrap(new byte[] {1}), UdpSendOptions.fromPort(port));
        assertInstanceOf(RefusedException.class, heard.get(10, TimeUnit.SECONDS));
        assertEquals(1, forwarder.stats().udpPortUnreachable());
    }
}
