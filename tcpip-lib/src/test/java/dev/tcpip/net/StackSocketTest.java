package dev.tcpip.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.Stack;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.MemoryNetwork;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.tcp.DirectTcpFlow;
import dev.tcpip.socket.SocketStack;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code java.net.Socket} and {@code ServerSocket} from {@link StackSocketFactory} and {@link StackServerSocketFactory}
 * over two direct stacks on a real-time memory network ("direct") and over the socket stack on loopback ("socket").
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StackSocketTest {

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private Stack serverStack;
    private Stack clientStack;
    private InetAddress serverAddress;

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private void open(String kind) {
        if (kind.equals("direct")) {
            MemoryNetwork net = MemoryNetwork.realTime(1);
            toClose.add(net);
            DirectStack s = DirectStack.create(DirectStackConfig.ipv4("10.0.0.1/24"),
                    net.connect("server", LinkConfig.DEFAULTS).device());
            DirectStack c = DirectStack.create(DirectStackConfig.ipv4("10.0.0.2/24"),
                    net.connect("client", LinkConfig.DEFAULTS).device());
            toClose.add(s);
            toClose.add(c);
            serverStack = s;
            clientStack = c;
            serverAddress = InetAddress.ofLiteral("10.0.0.1");
        } else {
            SocketStack s = SocketStack.ipv4();
            toClose.add(s);
            serverStack = s;
            clientStack = s;
            serverAddress = InetAddress.ofLiteral("127.0.0.1");
        }
    }

    private ServerSocket listen(int backlog) throws IOException {
        ServerSocket server = new StackServerSocketFactory(serverStack).createServerSocket(0, backlog);
        toClose.add(server);
        return server;
    }

    private Socket connect(ServerSocket server) throws IOException {
        Socket s = new StackSocketFactory(clientStack).createSocket();
        toClose.add(s);
        s.connect(new InetSocketAddress(serverAddress, server.getLocalPort()), 5_000);
        return s;
    }

    /** A connected client socket and the server's socket for it. */
    private record Ends(Socket client, Socket accepted) {
    }

    private Ends connectedPair(String kind) throws IOException {
        open(kind);
        ServerSocket server = listen(8);
        Socket client = connect(server);
        Socket accepted = server.accept();
        toClose.add(accepted);
        return new Ends(client, accepted);
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct", "socket"})
    void addressesStateAndAnEchoAcrossHalfClose(String kind) throws Exception {
        open(kind);
        ServerSocket server = listen(8);
        assertInstanceOf(StackServerSocket.class, server);
        assertTrue(server.isBound());
        assertTrue(server.getLocalPort() > 0);
        Socket client = new StackSocketFactory(clientStack).createSocket();
        toClose.add(client);
        assertFalse(client.isConnected());
        assertNull(((StackSocket) client).flow());
        client.connect(new InetSocketAddress(serverAddress, server.getLocalPort()), 5_000);
        Socket accepted = server.accept();
        toClose.add(accepted);
        assertTrue(client.isConnected());
        assertTrue(accepted.isConnected());
        // The two ends' addresses are each other's, and the flows' own.
        assertEquals(serverAddress, client.getInetAddress());
        assertEquals(server.getLocalPort(), client.getPort());
        assertEquals(client.getLocalPort(), accepted.getPort());
        assertEquals(client.getLocalAddress(), accepted.getInetAddress());
        assertEquals(serverAddress, accepted.getLocalAddress());
        assertEquals(((StackSocket) client).flow().src(), client.getLocalSocketAddress());
        assertEquals(((StackSocket) accepted).flow().dst(), accepted.getRemoteSocketAddress());

        byte[] data = new byte[100_000];
        new Random(7).nextBytes(data);
        CompletableFuture<Void> echo = CompletableFuture.runAsync(() -> {
            try (InputStream in = accepted.getInputStream(); OutputStream out = accepted.getOutputStream()) {
                in.transferTo(out); // until the client's FIN
                accepted.shutdownOutput();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        client.getOutputStream().write(data);
        client.shutdownOutput();
        assertTrue(client.isOutputShutdown());
        assertThrows(SocketException.class, () -> client.getOutputStream().write(1));
        assertArrayEquals(data, client.getInputStream().readAllBytes());
        echo.get(30, TimeUnit.SECONDS);
        client.close();
        assertTrue(client.isClosed());
        assertThrows(SocketException.class, client::getInputStream);
        // Still known after close, as java.net.Socket promises.
        assertEquals(server.getLocalPort(), client.getPort());
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct", "socket"})
    void aReadTimesOutThenTheSocketStillWorksAndLosesNothing(String kind) throws Exception {
        Ends ends = connectedPair(kind);
        Socket client = ends.client();
        Socket accepted = ends.accepted();
        client.setSoTimeout(200);
        assertEquals(200, client.getSoTimeout());
        InputStream in = client.getInputStream();
        long start = System.nanoTime();
        assertThrows(SocketTimeoutException.class, in::read);
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(waited >= 190, "timed out after " + waited + " ms");
        assertFalse(client.isClosed());
        // The read that timed out is still pending: the bytes sent now reach the next read, in order.
        accepted.getOutputStream().write(new byte[] {1, 2, 3});
        client.setSoTimeout(10_000);
        assertArrayEquals(new byte[] {1, 2, 3}, in.readNBytes(3));
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct", "socket"})
    void shutdownInputReadsEndOfStreamAndCloseWakesABlockedRead(String kind) throws Exception {
        Ends ends = connectedPair(kind);
        Socket client = ends.client();
        Socket accepted = ends.accepted();
        InputStream clientIn = client.getInputStream();
        client.shutdownInput();
        assertTrue(client.isInputShutdown());
        assertEquals(-1, clientIn.read()); // "places the input stream at end of stream"
        assertThrows(SocketException.class, client::getInputStream); // java.net.Socket: shut for input

        InputStream in = accepted.getInputStream();
        // The reader is parked in read() (nothing was sent); closing the socket from here must end it.
        CompletableFuture<Throwable> reader = blockedIn(in::read);
        accepted.close();
        Throwable e = reader.get(10, TimeUnit.SECONDS);
        assertInstanceOf(SocketException.class, e);
        assertEquals("Socket closed", e.getMessage());
        // The close sent a FIN: the client's writes still go (its input is shut), and then its peer's end shows.
    }

    /** A blocking call on a thread of its own, once that thread is parked in it; its outcome (null: returned). */
    private static CompletableFuture<Throwable> blockedIn(java.util.concurrent.Callable<?> call) {
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                call.call();
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        awaitParked(t);
        return outcome;
    }

    /** Waits (bounded) until {@code t} is parked: blocked in its call. */
    private static void awaitParked(Thread t) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < deadline, "reader never blocked");
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct", "socket"})
    void refusedConnectIsAConnectExceptionNamingTheAddressAsTyped(String kind) throws Exception {
        open(kind);
        ServerSocket server = listen(1);
        int port = server.getLocalPort();
        server.close();
        Socket s = new StackSocketFactory(clientStack).createSocket();
        toClose.add(s);
        ConnectException e = assertThrows(ConnectException.class,
                () -> s.connect(new InetSocketAddress(serverAddress, port), 5_000));
        assertEquals("Connection refused: " + serverAddress.getHostAddress() + ":" + port, e.getMessage());
        assertTrue(s.isClosed()); // java.net.Socket closes a socket whose connect failed
    }

    @Test
    void aConnectToASilentAddressTimesOutWithinItsTimeout() throws Exception {
        open("direct");
        Socket s = new StackSocketFactory(clientStack).createSocket();
        toClose.add(s);
        long start = System.nanoTime();
        SocketTimeoutException e = assertThrows(SocketTimeoutException.class,
                () -> s.connect(new InetSocketAddress(InetAddress.ofLiteral("10.0.0.99"), 80), 300));
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(waited >= 290 && waited < 5_000, "waited " + waited + " ms");
        assertEquals("Connect timed out: 10.0.0.99:80", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct", "socket"})
    void theAcceptQueueIsBoundedByTheBacklog(String kind) throws Exception {
        open(kind);
        StackServerSocket server = (StackServerSocket) listen(2);
        // Two wait in the queue; the two beyond it are reset. Each client's read tells which it is (on loopback the
        // kernel's RST can even beat the end of connect, which then fails with it).
        int reset = 0;
        int waiting = 0;
        for (int i = 0; i < 4; i++) {
            try {
                Socket c = connect(server);
                c.setSoTimeout(2_000);
                c.getInputStream().read();
            } catch (SocketTimeoutException e) {
                waiting++;
            } catch (SocketException e) {
                assertTrue(e.getMessage().startsWith("Connection reset"), e.getMessage());
                reset++;
            }
        }
        assertEquals(2, reset);
        assertEquals(2, waiting);
        assertEquals(2, server.refused());
        server.setSoTimeout(2_000);
        toClose.add(server.accept());
        toClose.add(server.accept());
        server.setSoTimeout(100);
        assertThrows(SocketTimeoutException.class, server::accept);
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct", "socket"})
    void closingTheServerSocketWakesABlockedAccept(String kind) throws Exception {
        open(kind);
        ServerSocket server = listen(4);
        CompletableFuture<Throwable> acceptor = blockedIn(server::accept);
        server.close();
        assertInstanceOf(SocketException.class, acceptor.get(10, TimeUnit.SECONDS));
        // The port is no longer listened on.
        Socket s = new StackSocketFactory(clientStack).createSocket();
        toClose.add(s);
        assertThrows(ConnectException.class,
                () -> s.connect(new InetSocketAddress(serverAddress, server.getLocalPort()), 5_000));
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct", "socket"})
    void lingerZeroResetsThePeer(String kind) throws Exception {
        Ends ends = connectedPair(kind);
        Socket client = ends.client();
        Socket accepted = ends.accepted();
        client.setSoLinger(true, 0);
        assertEquals(0, client.getSoLinger());
        client.close();
        accepted.setSoTimeout(10_000);
        SocketException e = assertThrows(SocketException.class, () -> accepted.getInputStream().read());
        assertEquals("Connection reset", e.getMessage());
    }

    @Test
    void keepAliveAndNoDelayReachTheDirectFlow() throws Exception {
        open("direct");
        ServerSocket server = listen(8);
        Socket client = new StackSocketFactory(clientStack).createSocket();
        toClose.add(client);
        client.setKeepAlive(true); // before connect: the flow is opened with keep-alive
        client.connect(new InetSocketAddress(serverAddress, server.getLocalPort()), 5_000);
        Socket accepted = server.accept();
        toClose.add(accepted);
        DirectTcpFlow flow = (DirectTcpFlow) ((StackSocket) client).flow();
        assertEquals(FlowSocketImpl.DEFAULT_KEEPALIVE, flow.keepalive());
        client.setKeepAlive(false);
        assertNull(flow.keepalive());
        assertFalse(client.getKeepAlive());
        DirectTcpFlow other = (DirectTcpFlow) ((StackSocket) accepted).flow();
        assertNull(other.keepalive());
        accepted.setKeepAlive(true); // on an open flow
        assertEquals(FlowSocketImpl.DEFAULT_KEEPALIVE, other.keepalive());

        client.setTcpNoDelay(true);
        assertTrue(client.getTcpNoDelay());
        client.getOutputStream().write(new byte[] {42});
        assertTrue(flow.noDelay()); // the write went through writeNodelay
        client.setTcpNoDelay(false);
        client.getOutputStream().write(new byte[] {43});
        assertFalse(flow.noDelay());
        byte[] got = accepted.getInputStream().readNBytes(2);
        assertArrayEquals(new byte[] {42, 43}, got);
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct", "socket"})
    void fourMebibytesBothWaysAreByteExact(String kind) throws Exception {
        Ends ends = connectedPair(kind);
        Socket client = ends.client();
        Socket accepted = ends.accepted();
        byte[] up = new byte[4 << 20];
        byte[] down = new byte[4 << 20];
        new Random(1).nextBytes(up);
        new Random(2).nextBytes(down);
        CompletableFuture<byte[]> serverGot = CompletableFuture.supplyAsync(() -> {
            try {
                Thread writer = Thread.ofVirtual().start(() -> {
                    try {
                        accepted.getOutputStream().write(down);
                        accepted.shutdownOutput();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                byte[] got = sha256(accepted.getInputStream());
                writer.join();
                return got;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                OutputStream out = client.getOutputStream();
                for (int off = 0; off < up.length; off += 10_000) {
                    out.write(up, off, Math.min(10_000, up.length - off));
                }
                client.shutdownOutput();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(down), sha256(client.getInputStream()));
        writer.join();
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(up), serverGot.get(30, TimeUnit.SECONDS));
    }

    private static byte[] sha256(InputStream in) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) >= 0; ) {
                md.update(buf, 0, n);
            }
            return md.digest();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void bindingALocalAddressIsRefusedWithAReason() throws Exception {
        open("socket");
        Socket s = new StackSocketFactory(clientStack).createSocket();
        toClose.add(s);
        SocketException e = assertThrows(SocketException.class,
                () -> s.bind(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 4000)));
        assertTrue(e.getMessage().contains("127.0.0.1:4000"), e.getMessage());
    }
}
