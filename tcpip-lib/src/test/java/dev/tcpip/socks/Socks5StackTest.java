package dev.tcpip.socks;

import dev.tcpip.TestServers;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.Datagram;
import dev.tcpip.DatagramHandler;
import dev.tcpip.FlowInfo;
import dev.tcpip.Stack;
import dev.tcpip.Tcp;
import dev.tcpip.Udp;
import dev.tcpip.Direction;
import dev.tcpip.IpFamily;
import dev.tcpip.Payloads;
import dev.tcpip.ReadResult;
import dev.tcpip.RefusedException;
import dev.tcpip.TcpFlow;
import dev.tcpip.TimedOutException;
import dev.tcpip.UdpSendOptions;
import dev.tcpip.UnreachableException;
import dev.tcpip.socket.SocketStack;
import dev.tcpip.socket.SocketStackConfig;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The SOCKS5 stack over the socket stack against the tests' own SOCKS5 server on loopback. */
@Timeout(60)
class Socks5StackTest {
    static final InetAddress V4 = InetAddress.ofLiteral("127.0.0.1");

    SocketStack host;
    TestSocks5Server server;
    Socks5Stack socks;

    @BeforeEach
    void setUp() throws IOException {
        host = SocketStack.create(SocketStackConfig.of(IpFamily.DUAL).withConnectTimeout(Duration.ofSeconds(5)));
        server = TestSocks5Server.open();
        socks = Socks5Stack.over(host, Socks5Config.of(server.address()));
    }

    @AfterEach
    void tearDown() throws IOException {
        socks.disconnect();
        server.close();
        host.disconnect();
    }

    /** A TCP echo server on the host stack (every address); returns its port. */
    int echo() throws IOException {
        return TestServers.tcpEcho(host);
    }

    static byte[] echoThrough(TcpFlow f, byte[] sent) throws IOException {
        f.write(ByteBuffer.wrap(sent.clone()));
        f.shutdown(Direction.WRITE);
        byte[] back = Payloads.readToEof(f, sent.length + 64);
        f.close();
        return back;
    }

    static String text(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return new String(a, StandardCharsets.UTF_8);
    }

    /** Waits for {@code condition}, checked every 10 ms, for at most 5 s. */
    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within 5 s: " + what);
            Thread.sleep(10);
        }
    }

    @Test
    void connectOverIpv4CarriesBytesExactlyAndDstIsTheTarget() throws Exception {
        int port = echo();
        InetSocketAddress target = new InetSocketAddress(V4, port);
        TcpFlow f = socks.tcp().connect(target);
        assertEquals(target, f.dst(), "dst() is the target, not the proxy");
        byte[] sent = Payloads.random(1, 1 << 20);
        assertArrayEquals(sent, echoThrough(f, sent));
        assertEquals(new TestSocks5Server.Request(1, 1, target), server.requests.getFirst());
        assertEquals(1, socks.stats().connects());
    }

    @Test
    void flowsListsEachConnectWithItsTargetUntilItCloses() throws Exception {
        InetSocketAddress target = new InetSocketAddress(V4, echo());
        TcpFlow f = socks.tcp().connect(target);
        java.util.List<dev.tcpip.FlowInfo> rows = socks.flows();
        assertEquals(1, rows.size(), rows.toString());
        assertEquals(target, rows.getFirst().dst());
        assertEquals(f.src(), rows.getFirst().src());
        assertEquals(dev.tcpip.TcpInfo.State.ESTABLISHED, rows.getFirst().info().state());
        echoThrough(f, "x".getBytes());
        assertEquals(java.util.List.of(), socks.flows());
    }

    @Test
    void connectOverIpv6SendsAtyp4() throws Exception {
        InetAddress v6 = InetAddress.ofLiteral("::1");
        int port = echo();
        InetSocketAddress target = new InetSocketAddress(v6, port);
        TcpFlow f = socks.tcp().connect(target);
        assertArrayEquals("six".getBytes(), echoThrough(f, "six".getBytes()));
        assertEquals(new TestSocks5Server.Request(1, 4, target), server.requests.getFirst());
    }

    @Test
    void connectByHostNameSendsAtyp3AndTheProxyResolvesIt() throws Exception {
        int port = echo();
        TcpFlow f = socks.tcp().connect("localhost", port);
        assertTrue(f.dst().isUnresolved(), "dst() is the name asked for: " + f.dst());
        assertEquals("localhost", f.dst().getHostString());
        assertArrayEquals("named".getBytes(), echoThrough(f, "named".getBytes()));
        TestSocks5Server.Request r = server.requests.getFirst();
        assertEquals(3, r.atyp());
        assertEquals(InetSocketAddress.createUnresolved("localhost", port), r.address());
    }

    @Test
    void bytesSentWithTheReplyAreTheFlowsFirstBytes() throws Exception {
        int port = echo();
        server.afterReply = "server first\n".getBytes();
        TcpFlow f = socks.tcp().connect(new InetSocketAddress(V4, port));
        byte[] back = echoThrough(f, "then the echo".getBytes());
        assertEquals("server first\nthen the echo", new String(back));
    }

    @Test
    void userAndPasswordAreAccepted() throws Exception {
        server.close();
        server = new TestSocks5Server("alice", "sésame");
        socks = Socks5Stack.over(host, Socks5Config.of(server.address()).withCredentials("alice", "sésame"));
        int port = echo();
        TcpFlow f = socks.tcp().connect(new InetSocketAddress(V4, port));
        assertArrayEquals("authed".getBytes(), echoThrough(f, "authed".getBytes()));
    }

    @Test
    void aWrongPasswordIsAuthenticationFailed() throws Exception {
        server.close();
        server = new TestSocks5Server("alice", "sésame");
        socks = Socks5Stack.over(host, Socks5Config.of(server.address()).withCredentials("alice", "guess"));
        Socks5Exception e = assertThrows(Socks5Exception.class,
                () -> socks.tcp().connect(new InetSocketAddress(V4, 9)));
        assertEquals(Socks5Exception.Reason.AUTHENTICATION_FAILED, e.reason());
        assertEquals(1, socks.stats().protocolErrors());
        assertEquals(1, socks.stats().connectFailures());
    }

    @Test
    void noCredentialsForAServerThatWantsThemIsNoAcceptableMethod() throws Exception {
        server.close();
        server = new TestSocks5Server("alice", "sésame");
        socks = Socks5Stack.over(host, Socks5Config.of(server.address()));
        Socks5Exception e = assertThrows(Socks5Exception.class,
                () -> socks.tcp().connect(new InetSocketAddress(V4, 9)));
        assertEquals(Socks5Exception.Reason.NO_ACCEPTABLE_METHOD, e.reason());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 0xFF})
    void everyFailureReplyMapsAsDocumented(int rep) throws Exception {
        server.forcedReply = rep;
        IOException e = assertThrows(IOException.class, () -> socks.tcp().connect(new InetSocketAddress(V4, 9)));
        switch (rep) {
            case 3 -> assertEquals(UnreachableException.Scope.NETWORK, assertInstanceOf(UnreachableException.class, e).scope());
            case 4 -> assertEquals(UnreachableException.Scope.HOST, assertInstanceOf(UnreachableException.class, e).scope());
            case 5 -> assertInstanceOf(RefusedException.class, e);
            case 6 -> assertInstanceOf(TimedOutException.class, e);
            default -> {
                Socks5Exception s = assertInstanceOf(Socks5Exception.class, e);
                assertEquals(Socks5Exception.Reason.FAILURE_REPLY, s.reason());
                assertEquals(rep, s.reply());
            }
        }
        assertEquals(1, socks.stats().failureReplies(rep));
        assertEquals(1, socks.stats().connectFailures());
        assertEquals(0, socks.stats().protocolErrors());
    }

    @Test
    void aClosedPortBehindTheProxyIsRefused() throws Exception {
        int closed = TestServers.closedLoopbackPort();
        assertThrows(RefusedException.class, () -> socks.tcp().connect(new InetSocketAddress(V4, closed)));
        assertEquals(1, socks.stats().failureReplies(5));
    }

    @Test
    void listenIsUnsupported() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> socks.tcp().listen(0, flow -> { }));
        assertTrue(e.getMessage().contains("BIND"), e.getMessage());
    }

    @Test
    void disconnectEndsOpenFlowsButNotTheUnderlyingStack() throws Exception {
        int port = echo();
        TcpFlow f = socks.tcp().connect(new InetSocketAddress(V4, port));
        socks.disconnect();
        assertInstanceOf(ReadResult.Eof.class, f.read());
        assertThrows(dev.tcpip.ClosedException.class, () -> socks.tcp().connect(new InetSocketAddress(V4, port)));
        TcpFlow direct = host.tcp().connect(new InetSocketAddress(V4, port));
        assertArrayEquals("still".getBytes(), echoThrough(direct, "still".getBytes()));
    }

    // UDP ASSOCIATE

    int udpEcho() throws IOException {
        return TestServers.udpEcho(host);
    }

    /** A port of the SOCKS5 stack's UDP and what it receives, beside a UDP echo server on the host stack. */
    final class EchoClient {
        final InetSocketAddress echo = new InetSocketAddress(V4, udpEcho());
        final BlockingQueue<Datagram> inbox = new ArrayBlockingQueue<>(8);
        final int port = socks.udp().listen(0, inbox::add);

        EchoClient() throws IOException {
        }

        void send(String text) throws IOException {
            socks.udp().send(echo, ByteBuffer.wrap(text.getBytes()), UdpSendOptions.fromPort(port));
        }

        Datagram next() throws InterruptedException {
            Datagram d = inbox.poll(5, TimeUnit.SECONDS);
            assertNotNull(d, "no datagram within 5 s");
            return d;
        }

        String roundTrip(String text) throws Exception {
            send(text);
            return text(next().payload());
        }
    }

    @Test
    void udpAssociateRoundTrip() throws Exception {
        EchoClient c = new EchoClient();
        c.send("ping");
        Datagram d = c.next();
        assertEquals("ping", text(d.payload()));
        assertEquals(c.echo, d.src(), "the source is the header's, the echo server's");
        TestSocks5Server.Request r = server.requests.getFirst();
        assertEquals(3, r.command());
        assertEquals(c.port, r.address().getPort(), "the request names the port datagrams come from");
        Socks5Stats s = socks.stats();
        assertEquals(1, s.associations());
        assertEquals(1, s.associationsOpen());
        assertEquals(1, s.datagramsSent());
        assertEquals(1, s.datagramsReceived());
    }

    @Test
    void aDatagramSentWhileTheWaitingOnesAreFlushedQueuesBehindThem() throws Exception {
        // The first datagram waits for the association; the host stack below holds the association's first send
        // to the relay (the flush of what waited) until the test has sent a second datagram. That one must queue
        // behind the first, not overtake it (a CI run saw the second datagram echoed before the first).
        CountDownLatch flushing = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        AtomicInteger relaySends = new AtomicInteger();
        Udp held = new Udp() {
            @Override
            public void send(InetSocketAddress dst, ByteBuffer payload, UdpSendOptions options) throws IOException {
                if (relaySends.getAndIncrement() == 0) {
                    flushing.countDown();
                    try {
                        proceed.await(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                host.udp().send(dst, payload, options);
            }

            @Override
            public int listen(int port, DatagramHandler handler) throws IOException {
                return host.udp().listen(port, handler);
            }

            @Override
            public void unlisten(int port) {
                host.udp().unlisten(port);
            }
        };
        Stack below = new Stack() {
            @Override
            public Tcp tcp() {
                return host.tcp();
            }

            @Override
            public Udp udp() {
                return held;
            }

            @Override
            public List<FlowInfo> flows() {
                return host.flows();
            }

            @Override
            public void disconnect() {
            }
        };
        socks = Socks5Stack.over(below, Socks5Config.of(server.address()));
        InetSocketAddress echo = new InetSocketAddress(V4, udpEcho());
        BlockingQueue<Datagram> inbox = new ArrayBlockingQueue<>(4);
        int port = socks.udp().listen(0, inbox::add);
        socks.udp().send(echo, ByteBuffer.wrap("first".getBytes()), UdpSendOptions.fromPort(port));
        assertTrue(flushing.await(5, TimeUnit.SECONDS), "the association came up and began sending what waited");
        socks.udp().send(echo, ByteBuffer.wrap("second".getBytes()), UdpSendOptions.fromPort(port));
        proceed.countDown();
        Datagram one = inbox.poll(5, TimeUnit.SECONDS);
        Datagram two = inbox.poll(5, TimeUnit.SECONDS);
        assertNotNull(one, "an echo within 5 s");
        assertNotNull(two, "a second echo within 5 s");
        assertEquals("first", text(one.payload()));
        assertEquals("second", text(two.payload()));
        assertEquals(2, socks.stats().datagramsSent());
    }

    @Test
    void anUnspecifiedRelayAddressMeansTheProxys() throws Exception {
        server.unspecifiedRelayAddress = true;
        assertEquals("to 0.0.0.0", new EchoClient().roundTrip("to 0.0.0.0"));
    }

    @Test
    void aFragmentFromTheRelayIsDroppedAndCounted() throws Exception {
        EchoClient c = new EchoClient();
        assertEquals("one", c.roundTrip("one"));
        server.injectToClient(TestSocks5Server.frame(1, c.echo, "fragment".getBytes()));
        server.injectToClient(new byte[] {0, 0, 0, 9, 1});      // ATYP 9: malformed
        assertEquals("two", c.roundTrip("two"), "the fragment was not delivered");
        assertEquals(1, socks.stats().fragmentsDropped());
        assertEquals(1, socks.stats().malformedDropped());
        assertNull(c.inbox.poll());
    }

    @Test
    void theAssociationEndsWithItsControlConnectionAndTheNextSendMakesANewOne() throws Exception {
        EchoClient c = new EchoClient();
        assertEquals("first", c.roundTrip("first"));
        server.closeControls();
        await(() -> socks.stats().associationsOpen() == 0, "the association ended with its control connection");
        try (DatagramSocket stranger = new DatagramSocket(new InetSocketAddress(V4, 0))) {
            byte[] b = TestSocks5Server.frame(0, c.echo, "not from a relay".getBytes());
            stranger.send(new DatagramPacket(b, b.length, new InetSocketAddress(V4, c.port)));
        }
        assertEquals("second", c.roundTrip("second"));
        assertEquals(2, socks.stats().associations());
        assertEquals(1, socks.stats().strayDropped(), "the stranger's datagram");
        assertNull(c.inbox.poll());
    }

    @Test
    void anIdleAssociationIsClosedAndUnlistenClosesTheOther() throws Exception {
        // 2 s idle: the first round trip (control connection, UDP ASSOCIATE, echo) must finish within it, also on a
        // loaded machine (500 ms was too short in a CI run beside the fuzzers); await allows 5 s for the closing.
        socks = Socks5Stack.over(host, Socks5Config.of(server.address()).withUdpIdleTimeout(Duration.ofSeconds(2)));
        EchoClient c = new EchoClient();
        assertEquals("a", c.roundTrip("a"));
        await(() -> socks.stats().associationsOpen() == 0 && server.openControls() == 0, "idle association closed");
        assertEquals("b", c.roundTrip("b"), "a new association");
        socks.udp().unlisten(c.port);
        await(() -> socks.stats().associationsOpen() == 0 && server.openControls() == 0, "unlisten closed it");
        assertThrows(IllegalArgumentException.class,
                () -> c.send("c"));
    }

    @Test
    void datagramsBeyondTheQueueAreDroppedWhileTheProxyDoesNotAnswer() throws Exception {
        try (var silent = new java.net.ServerSocket(0, 10, V4)) {  // accepts (backlog) and never answers
            socks = Socks5Stack.over(host, Socks5Config.of(new InetSocketAddress(V4, silent.getLocalPort()))
                    .withConnectTimeout(Duration.ofSeconds(1)).withUdpLimits(4, 2, 1 << 20));
            int port = socks.udp().listen(0, d -> { });
            for (int i = 0; i < 5; i++) {
                socks.udp().send(new InetSocketAddress(V4, 9), ByteBuffer.wrap(new byte[] {(byte) i}),
                        UdpSendOptions.fromPort(port));
            }
            assertEquals(3, socks.stats().datagramsDropped(), "two wait, three are dropped at once");
            await(() -> socks.stats().datagramsDropped() == 5, "the two waiting dropped when the handshake timed out");
            assertEquals(1, socks.stats().timeouts());
            assertEquals(0, socks.stats().associations());
            for (int i = 1; i < 4; i++) {
                socks.udp().listen(0, d -> { });
            }
            assertThrows(IOException.class, () -> socks.udp().listen(0, d -> { }), "at most 4 ports");
        }
    }
}
