package dev.tcpip.forward;

import dev.tcpip.TestServers;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import dev.tcpip.ReadResult;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

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
 * maps to the host's loopback (10.0.2.2:P → 127.0.0.1:P). Guest flows to socket flows take the event-driven relay
 * ({@link LoopSplice}).
 */
@Timeout(120)
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
        assertFalse(Forwarder.THREAD_SPLICE, "guest flows to socket flows take the event relay (-Dtcpip.splice unset)");
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

    // --- the event-driven relay (LoopSplice): half-close both ways, resets both ways, backpressure both ways, a
    // large byte-exact transfer both ways at once, nothing left running after the forwarder's close ---

    /** A server on the host whose accepted flow the test drives; returns its port. */
    private int server(CompletableFuture<TcpFlow> accepted) throws IOException {
        return host.tcp().listen(0, accepted::complete);
    }

    private static TcpFlow await(CompletableFuture<TcpFlow> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    /** Polls {@code condition} (each pass parks 5 ms) until it holds or 20 s passed; returns whether it held. */
    private static boolean within20s(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(5_000_000);
        }
        return true;
    }

    /** On a thread of its own: writes {@code bytes} in writes of {@code chunk} bytes, then shuts for writing. */
    private static CompletableFuture<Void> writeThenShutdown(TcpFlow f, byte[] bytes, int chunk) {
        CompletableFuture<Void> written = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                for (int off = 0; off < bytes.length; off += chunk) {   // a fresh array per write: write keeps it
                    f.write(ByteBuffer.wrap(java.util.Arrays.copyOfRange(bytes, off, Math.min(bytes.length, off + chunk))));
                }
                f.shutdown(Direction.WRITE);
                written.complete(null);
            } catch (IOException ex) {
                written.completeExceptionally(ex);
            }
        });
        return written;
    }

    /** A guest flow relayed to a server flow on the host, one byte already carried guest → server. */
    private record Relayed(TcpFlow guest, TcpFlow server) {
    }

    private Relayed relayedOneByte() throws Exception {
        CompletableFuture<TcpFlow> accepted = new CompletableFuture<>();
        int port = server(accepted);
        TcpFlow g = guest.tcp().connect(new InetSocketAddress(GATEWAY, port));
        g.write(ByteBuffer.wrap(new byte[] {1}));
        TcpFlow s = await(accepted);
        assertInstanceOf(ReadResult.Data.class, s.read());
        return new Relayed(g, s);
    }

    private static boolean selectorRunning() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("relay-selector"));
    }

    @Test
    void theGuestHalfClosesFirstAndTheServerStillAnswers() throws Exception {
        CompletableFuture<TcpFlow> accepted = new CompletableFuture<>();
        int port = server(accepted);
        TcpFlow g = guest.tcp().connect(new InetSocketAddress(GATEWAY, port));
        byte[] request = Payloads.random(1, 300_000);
        g.write(ByteBuffer.wrap(request.clone()));
        g.shutdown(Direction.WRITE);
        TcpFlow s = await(accepted);
        assertArrayEquals(request, Payloads.readToEof(s, 1 << 20), "the guest's bytes, then its FIN as a FIN");
        // Asked once bytes went through the relay: the upstream accept can complete before the relay exists.
        assertTrue(selectorRunning(), "the relay runs on the selector, not on a thread per direction");
        byte[] answer = Payloads.random(2, 200_000);
        s.write(ByteBuffer.wrap(answer.clone()));              // the other direction goes on after the half-close
        s.close();
        assertArrayEquals(answer, Payloads.readToEof(g, 1 << 20));
        assertFalse(g.resetByPeer());
        g.close();
        assertTrue(forwarder.awaitTcpFlows(0, Duration.ofSeconds(10)), "the slot is free once both sides closed");
    }

    @Test
    void theServerHalfClosesFirstAndTheGuestStillSends() throws Exception {
        CompletableFuture<TcpFlow> accepted = new CompletableFuture<>();
        int port = server(accepted);
        TcpFlow g = guest.tcp().connect(new InetSocketAddress(GATEWAY, port));
        TcpFlow s = await(accepted);
        byte[] greeting = Payloads.random(3, 100_000);
        s.write(ByteBuffer.wrap(greeting.clone()));
        s.shutdown(Direction.WRITE);
        assertArrayEquals(greeting, Payloads.readToEof(g, 1 << 20), "the server's bytes, then its FIN");
        byte[] late = Payloads.random(4, 400_000);
        g.write(ByteBuffer.wrap(late.clone()));
        g.close();                                             // the peer closed already: our FIN goes after the bytes
        assertArrayEquals(late, Payloads.readToEof(s, 1 << 20));
        s.close();
        assertTrue(forwarder.awaitTcpFlows(0, Duration.ofSeconds(10)));
        assertEquals(0, forwarder.stats().tcpFlows());
    }

    @Test
    void aResetByTheServerReachesTheGuestAsAReset() throws Exception {
        Relayed r = relayedOneByte();
        TcpFlow g = r.guest();
        TcpFlow s = r.server();
        s.abort();
        assertEquals(ReadResult.EOF, g.read());
        assertTrue(g.resetByPeer(), "the kernel's RST carried across as a RST");
        assertTrue(forwarder.awaitTcpFlows(0, Duration.ofSeconds(10)));
    }

    @Test
    void aResetByTheGuestReachesTheServerAsAReset() throws Exception {
        Relayed r = relayedOneByte();
        TcpFlow g = r.guest();
        TcpFlow s = r.server();
        g.abort();
        assertEquals(ReadResult.EOF, s.read(), "the socket's read ends");
        IOException e = assertThrows(IOException.class, () -> s.write(ByteBuffer.wrap(new byte[] {2})));
        assertTrue(s.resetByPeer(), "a reset, not a FIN: " + e);
        assertTrue(forwarder.awaitTcpFlows(0, Duration.ofSeconds(10)));
    }

    @Test
    void aServerThatDoesNotReadClosesTheGuestsWindowThenEveryByteArrives() throws Exception {
        CompletableFuture<TcpFlow> accepted = new CompletableFuture<>();
        int port = server(accepted);
        TcpFlow g = guest.tcp().connect(new InetSocketAddress(GATEWAY, port));
        byte[] sent = Payloads.random(5, 32 << 20);           // beyond loopback's socket buffers and the relay's
        CompletableFuture<Void> written = writeThenShutdown(g, sent, sent.length);
        TcpFlow s = await(accepted);
        assertTrue(within20s(() -> g.info().sendWindow().orElse(-1) == 0),
                "the gateway's window to the guest closes while the server does not read");
        assertFalse(written.isDone(), "the guest's write waits");
        assertArrayEquals(sent, Payloads.readToEof(s, 33 << 20), "then every byte, in order");
        written.get(10, TimeUnit.SECONDS);
        s.close();
        g.close();
        assertTrue(forwarder.awaitTcpFlows(0, Duration.ofSeconds(10)));
    }

    @Test
    void aGuestThatDoesNotReadStopsTheRelayReadingTheSocketThenEveryByteArrives() throws Exception {
        CompletableFuture<TcpFlow> accepted = new CompletableFuture<>();
        int port = server(accepted);
        TcpFlow g = guest.tcp().connect(new InetSocketAddress(GATEWAY, port));
        TcpFlow s = await(accepted);
        byte[] sent = Payloads.random(7, 32 << 20);
        CompletableFuture<Void> written = writeThenShutdown(s, sent, sent.length);
        // 32 MiB is more than every buffer on the way holds (loopback's socket buffers, the guest flow's send and
        // receive buffers, one 64 KiB read): without the guest reading, the write can never finish.
        assertThrows(java.util.concurrent.TimeoutException.class, () -> written.get(1, TimeUnit.SECONDS),
                "the server's write waits while the guest does not read");
        assertArrayEquals(sent, Payloads.readToEof(g, 33 << 20), "then every byte, in order");
        written.get(10, TimeUnit.SECONDS);
        g.close();
        s.close();
        assertTrue(forwarder.awaitTcpFlows(0, Duration.ofSeconds(10)));
    }

    @Test
    void aLargeTransferBothWaysAtOnceIsByteExact() throws Exception {
        int port = TestServers.tcpEcho(host);
        TcpFlow g = guest.tcp().connect(new InetSocketAddress(GATEWAY, port));
        byte[] sent = Payloads.random(6, 24 << 20);
        CompletableFuture<Void> written = writeThenShutdown(g, sent, 1 << 20);
        assertEquals(Payloads.sha256(sent), Payloads.sha256(Payloads.readToEof(g, 25 << 20)));
        written.get(10, TimeUnit.SECONDS);
        g.close();
        assertTrue(forwarder.awaitTcpFlows(0, Duration.ofSeconds(10)));
    }

    @Test
    void theSocketStacksDisconnectUnderARelayResetsTheGuestAndFreesTheSlot() throws Exception {
        Relayed r = relayedOneByte();
        host.disconnect();                                     // closes the upstream socket under the relay
        assertEquals(ReadResult.EOF, r.guest().read());
        assertTrue(r.guest().resetByPeer(), "the relay ended with a RST to the guest");
        assertTrue(forwarder.awaitTcpFlows(0, Duration.ofSeconds(10)));
    }

    @Test
    void closingTheForwarderResetsItsRelaysAndStopsTheSelector() throws Exception {
        Relayed r = relayedOneByte();
        TcpFlow g = r.guest();
        TcpFlow s = r.server();
        assertTrue(selectorRunning());
        forwarder.close();
        assertEquals(ReadResult.EOF, g.read());
        assertTrue(g.resetByPeer(), "the guest gets a RST");
        assertEquals(ReadResult.EOF, s.read());
        assertTrue(forwarder.awaitTcpFlows(0, Duration.ofSeconds(10)));
        assertTrue(within20s(() -> !selectorRunning()), "no selector thread left");
    }
}
