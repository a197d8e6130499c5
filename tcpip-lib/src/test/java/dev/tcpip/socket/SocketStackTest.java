package dev.tcpip.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.IpFamily;
import dev.tcpip.Payloads;
import dev.tcpip.ReadResult;
import dev.tcpip.RefusedException;
import dev.tcpip.TcpFlow;
import dev.tcpip.TimedOutException;
import dev.tcpip.UdpSendOptions;
import dev.tcpip.UnreachableException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What only the socket stack has: kernel file descriptors, bind addresses, kernel error mapping. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SocketStackTest {

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    private static void echoRoundTrip(SocketStack client, int port, int i) throws IOException {
        TcpFlow f = client.tcp().connect(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), port));
        byte[] data = Payloads.random(i, 100);
        f.write(ByteBuffer.wrap(data));
        assertArrayEquals(data, Payloads.readExactly(f, data.length));
        f.close();
    }

    @Test
    @Tag("own-jvm") // counts the process's descriptors: no other test may run beside it
    void noFileDescriptorLeaksOverAThousandConnectionsAndAListenDisconnectListenCycle() throws Exception {
        SocketStack server = SocketStack.ipv4();
        SocketStack client = SocketStack.ipv4();
        // The server's close returns (and releases its socket) just after the client's: count them, so
        // that descriptors are counted only once both ends have let go.
        java.util.concurrent.Semaphore serverClosed = new java.util.concurrent.Semaphore(0);
        int port = server.tcp().listen(0, flow -> {
            while (flow.read() instanceof ReadResult.Data(ByteBuffer b)) {
                flow.write(b);
            }
            flow.close();
            serverClosed.release();
        });
        for (int i = 0; i < 100; i++) {
            echoRoundTrip(client, port, -i); // warms up what the JDK opens once and keeps (pollers)
        }
        assertTrue(serverClosed.tryAcquire(100, 20, TimeUnit.SECONDS));
        long before = openFds();
        for (int i = 1; i <= 1000; i++) {
            echoRoundTrip(client, port, i);
        }
        assertTrue(serverClosed.tryAcquire(1000, 20, TimeUnit.SECONDS));
        // Other tests' threads may still be closing their own descriptors, never opening new ones: a leak
        // shows as growth (1,000 for one per connection), so the count must not have grown.
        long after = openFds();
        assertTrue(after <= before, "file descriptors: " + before + " before 1,000 connections, " + after + " after");

        server.disconnect();
        client.disconnect();
        long afterDisconnect = openFds();
        assertTrue(afterDisconnect <= before - 1, "the listening socket was closed: " + afterDisconnect + " vs " + before);

        // A new stack listens again on the same port at once, and its disconnect releases everything.
        SocketStack again = SocketStack.ipv4();
        java.util.concurrent.Semaphore againClosed = new java.util.concurrent.Semaphore(0);
        assertEquals(port, again.tcp().listen(port, flow -> {
            flow.close();
            againClosed.release();
        }));
        SocketStack c2 = SocketStack.ipv4();
        TcpFlow f = c2.tcp().connect(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), port));
        assertInstanceOf(ReadResult.Eof.class, f.read());
        f.close();
        // As above: the accepted flow's descriptor is counted once its close has returned.
        assertTrue(againClosed.tryAcquire(20, TimeUnit.SECONDS));
        again.disconnect();
        c2.disconnect();
        long last = openFds();
        assertTrue(last <= afterDisconnect, "file descriptors after listen, disconnect, listen again: " + last
                + " vs " + afterDisconnect);
    }

    @Test
    void aConnectThatGetsNoAnswerTimesOut() throws Exception {
        // A listener that never accepts, with a full backlog: Linux then drops further SYNs unanswered.
        try (ServerSocketChannel silent = ServerSocketChannel.open()) {
            silent.bind(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0), 1);
            InetSocketAddress addr = (InetSocketAddress) silent.getLocalAddress();
            SocketStack stack = SocketStack.create(SocketStackConfig.of(IpFamily.IPV4)
                    .withConnectTimeout(Duration.ofMillis(300)));
            List<TcpFlow> queued = new ArrayList<>();
            TimedOutException timedOut = null;
            for (int i = 0; i < 16 && timedOut == null; i++) {
                try {
                    queued.add(stack.tcp().connect(addr));
                } catch (TimedOutException e) {
                    timedOut = e;
                }
            }
            assertTrue(timedOut != null, "no connect timed out with a full backlog");
            stack.disconnect();
        }
    }

    @Test
    void aStackOfOneFamilyDoesNotReachTheOther() {
        SocketStack v4 = SocketStack.ipv4();
        SocketStack v6 = SocketStack.ipv6();
        InetSocketAddress loop6 = new InetSocketAddress(InetAddress.ofLiteral("::1"), 9);
        InetSocketAddress loop4 = new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 9);
        assertThrows(UnreachableException.class, () -> v4.tcp().connect(loop6));
        assertThrows(UnreachableException.class, () -> v6.tcp().connect(loop4));
        assertThrows(UnreachableException.class, () -> v4.udp().send(loop6, ByteBuffer.allocate(1)));
        assertThrows(UnreachableException.class,
                () -> v4.tcp().connect(InetSocketAddress.createUnresolved("nowhere.invalid", 9)));
        v4.disconnect();
        v6.disconnect();
    }

    @Test
    void anIpv6OnlyStackHandsNoIpv4PeerToItsCallback() throws Exception {
        SocketStack v6 = SocketStack.ipv6();
        SocketStack v4 = SocketStack.ipv4();
        BlockingQueue<TcpFlow> accepted = new ArrayBlockingQueue<>(4);
        int port = v6.tcp().listen(0, accepted::add);
        TcpFlow f = v4.tcp().connect(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), port));
        assertInstanceOf(ReadResult.Eof.class, f.read(), "the IPv4 peer is dropped");
        f.close();
        TcpFlow g = v6.tcp().connect(new InetSocketAddress(InetAddress.ofLiteral("::1"), port));
        TcpFlow s = accepted.poll(20, TimeUnit.SECONDS);
        assertTrue(s != null && s.dst().getAddress() instanceof java.net.Inet6Address);
        assertEquals(0, accepted.size(), "only the IPv6 peer reached the callback");
        g.shutdown(dev.tcpip.Direction.WRITE);
        assertInstanceOf(ReadResult.Eof.class, s.read());
        v6.disconnect(); // ends both flows without waiting for their peers
        v4.disconnect();
    }

    @Test
    void flowsBindToTheConfiguredAddressLikeTheSeedsPrefix() throws Exception {
        // All of 127.0.0.0/8 is the loopback on Linux; each stack binds one address of it.
        Inet4Address serverAddr = (Inet4Address) InetAddress.ofLiteral("127.0.0.2");
        Inet4Address clientAddr = (Inet4Address) InetAddress.ofLiteral("127.0.0.3");
        SocketStack server = SocketStack.ipv4(serverAddr);
        SocketStack client = SocketStack.ipv4(clientAddr);
        BlockingQueue<TcpFlow> accepted = new ArrayBlockingQueue<>(4);
        int port = server.tcp().listen(0, accepted::add);
        TcpFlow f = client.tcp().connect(new InetSocketAddress(serverAddr, port));
        assertEquals(clientAddr, f.src().getAddress());
        TcpFlow s = accepted.poll(20, TimeUnit.SECONDS);
        assertEquals(serverAddr, s.src().getAddress());
        assertEquals(clientAddr, s.dst().getAddress());
        assertThrows(RefusedException.class,
                () -> client.tcp().connect(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), port)));
        server.disconnect(); // ends both flows without waiting for their peers
        client.disconnect();
    }

    @Test
    void kernelConnectErrorsBecomeTypedErrors() {
        InetSocketAddress dst = new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 1);
        assertInstanceOf(RefusedException.class, SocketTcp.mapConnectError(dst, new ConnectException("Connection refused")));
        assertInstanceOf(TimedOutException.class, SocketTcp.mapConnectError(dst, new SocketTimeoutException("x")));
        assertInstanceOf(UnreachableException.class, SocketTcp.mapConnectError(dst, new NoRouteToHostException("x")));
        assertInstanceOf(UnreachableException.class,
                SocketTcp.mapConnectError(dst, new java.net.SocketException("Network is unreachable")));
    }

    @Test
    void theSocketStackRefusesAUnicastTtlItCannotSet() {
        SocketStack s = SocketStack.ipv4();
        InetSocketAddress dst = new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 9);
        assertThrows(UnsupportedOperationException.class,
                () -> s.udp().send(dst, ByteBuffer.allocate(1), new UdpSendOptions(0, 5)));
        s.disconnect();
    }

    @Test
    void configRejectsInconsistentSettings() {
        InetAddress v4 = InetAddress.ofLiteral("127.0.0.1");
        InetAddress v6 = InetAddress.ofLiteral("::1");
        SocketStackConfig base = SocketStackConfig.of(IpFamily.IPV4);
        assertThrows(IllegalArgumentException.class, () -> base.withIpv4Address(v6));
        assertThrows(IllegalArgumentException.class, () -> base.withIpv6Address(v6));
        assertThrows(IllegalArgumentException.class, () -> base.withConnectTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> base.withReadBufferSize(0));
        assertThrows(IllegalArgumentException.class, () -> SocketStackConfig.of(IpFamily.DUAL).withIpv4Address(v4));
    }

    @Test
    void aRawSocketPeerSeesTheBytesInOrder() throws Exception {
        // The socket stack against a plain java.nio client: nothing added to or lost from the stream.
        SocketStack server = SocketStack.ipv4();
        int port = server.tcp().listen(0, flow -> {
            while (flow.read() instanceof ReadResult.Data(ByteBuffer b)) {
                flow.write(b);
            }
            flow.close();
        });
        byte[] data = Payloads.random(42, 2_000_000);
        try (SocketChannel raw = SocketChannel.open(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), port))) {
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    raw.write(ByteBuffer.wrap(data));
                    raw.shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            ByteBuffer got = ByteBuffer.allocate(data.length + 1);
            while (raw.read(got) >= 0 && got.position() <= data.length) {
                // reads until the echo server closes
            }
            writer.join(Duration.ofSeconds(20));
            assertEquals(data.length, got.position());
            assertArrayEquals(data, java.util.Arrays.copyOf(got.array(), data.length));
        }
        server.disconnect();
    }
    @Test
    @Timeout(30)
    void disconnectResetsOpenFlowsInsteadOfClosingThemCleanly() throws Exception {
        // A flow the stack ends at a stop must not look like a complete response to its peer: RST, not FIN.
        SocketStack server = SocketStack.ipv4();
        BlockingQueue<TcpFlow> accepted = new ArrayBlockingQueue<>(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        int port = server.tcp().listen(0, flow -> {
            accepted.add(flow);
            release.await();
        });
        try (SocketChannel raw = SocketChannel.open(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), port))) {
            TcpFlow flow = accepted.poll(10, TimeUnit.SECONDS);
            flow.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            server.disconnect();
            ByteBuffer got = ByteBuffer.allocate(16);
            IOException reset = assertThrows(IOException.class, () -> {
                for (int i = 0; i < 16 && raw.read(got) >= 0; i++) {
                    // the 3 bytes may come first; then the reset, never an orderly end of stream
                }
            });
            assertTrue(reset.getMessage().contains("reset"), reset.toString());
        } finally {
            release.countDown();
        }
    }
}
