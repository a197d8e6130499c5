package dev.tcpip.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tcpip.ClosedException;
import dev.tcpip.Keepalive;
import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import dev.tcpip.device.NeedsNetAdmin;
import dev.tcpip.device.NetNamespace;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The seed's keep-alive promise on the socket stack, end to end: once the peer goes silent (its packets are
 * dropped by an nftables rule inside a namespace this test makes), the kernel's probes go unanswered and the
 * flow ends: {@code read} gives {@code Eof} and {@code write} gives {@code Closed}. Both for a flow from
 * {@code connect} and one handed to a {@code listen} callback. Sockets belong to the namespace of the thread that
 * creates them, so every socket here is made on a thread inside the namespace.
 */
@NeedsNetAdmin
class SocketKeepaliveExpiryTest {
    /** Idle 1 s, then 2 probes 1 s apart: the flow ends about 3 s after the peer goes silent. */
    private static final Keepalive FAST = new Keepalive(Duration.ofSeconds(1), Duration.ofSeconds(1), 2);
    /** Far beyond 3 s, so only a keep-alive that never fires can reach it. */
    private static final long END_WITHIN_SECONDS = 30;

    @BeforeAll
    static void nftIsThere() {
        boolean nft = Files.isExecutable(Path.of("/usr/sbin/nft")) || Files.isExecutable(Path.of("/sbin/nft"));
        if (!nft && "true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("CI=true but nft (package nftables) is missing");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(nft, "skipped: nft (package nftables) is missing");
    }

    @Test
    @Timeout(90)
    void aConnectedFlowWhosePeerGoesSilentEndsWithEofThenClosed() throws Exception {
        try (NetNamespace ns = NetNamespace.create("ka")) {
            SocketStack stack = SocketStack.ipv4();
            try (ServerSocketChannel server = ns.onThread(() -> bound())) {
                int port = server.socket().getLocalPort();
                TcpFlow flow = ns.onThread(() -> stack.tcp().connect(new InetSocketAddress("127.0.0.1", port), FAST));
                try (SocketChannel peer = server.accept()) {
                    assertAlive(flow, peer);
                    // The peer goes silent: everything it sends (its ACKs of the probes) is dropped.
                    silence(ns, "sport", port);
                    assertEndsWithEofThenClosed(flow);
                } finally {
                    stack.disconnect();
                }
            }
        }
    }

    @Test
    @Timeout(90)
    void anAcceptedFlowWhosePeerGoesSilentEndsWithEofThenClosed() throws Exception {
        try (NetNamespace ns = NetNamespace.create("ka")) {
            SocketStack stack = SocketStack.ipv4();
            BlockingQueue<TcpFlow> accepted = new ArrayBlockingQueue<>(1);
            CompletableFuture<Void> handlerDone = new CompletableFuture<>();
            int port = ns.onThread(() -> stack.tcp().listen(0, FAST, f -> {
                accepted.add(f);
                handlerDone.join();                     // keep the flow open while the test works on it
            }));
            try (SocketChannel peer = ns.onThread(() -> SocketChannel.open(new InetSocketAddress("127.0.0.1", port)))) {
                TcpFlow flow = accepted.poll(30, TimeUnit.SECONDS);
                assertAlive(flow, peer);
                silence(ns, "dport", port);
                assertEndsWithEofThenClosed(flow);
            } finally {
                handlerDone.complete(null);
                stack.disconnect();
            }
        }
    }

    private static ServerSocketChannel bound() throws java.io.IOException {
        ServerSocketChannel s = ServerSocketChannel.open();
        s.bind(new InetSocketAddress("127.0.0.1", 0));
        return s;
    }

    /** One byte each way, so that the connection is known to work before the peer goes silent. */
    private static void assertAlive(TcpFlow flow, SocketChannel peer) throws Exception {
        flow.write(ByteBuffer.wrap(new byte[] {42}));
        ByteBuffer got = ByteBuffer.allocate(1);
        assertEquals(1, peer.read(got));
        assertEquals(42, got.get(0));
        peer.write(ByteBuffer.wrap(new byte[] {7}));
        ReadResult r = flow.read();
        ReadResult.Data d = assertInstanceOf(ReadResult.Data.class, r);
        assertArrayEquals(new byte[] {7}, new byte[] {d.bytes().get()});
    }

    /** Drops, inside the namespace, every TCP packet to or from {@code port} as {@code field} says. */
    private static void silence(NetNamespace ns, String field, int port) throws Exception {
        ns.run(30, "nft", "add", "table", "inet", "tcpip_ka");
        ns.run(30, "nft", "add", "chain", "inet", "tcpip_ka", "in",
                "{ type filter hook input priority 0; policy accept; }");
        ns.run(30, "nft", "add", "rule", "inet", "tcpip_ka", "in", "tcp", field, String.valueOf(port), "drop");
    }

    /** Read blocks until the probes give up, then says Eof; a write after it says Closed. */
    private static void assertEndsWithEofThenClosed(TcpFlow flow) throws Exception {
        CompletableFuture<ReadResult> read = CompletableFuture.supplyAsync(() -> {
            try {
                return flow.read();
            } catch (java.io.IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, r -> Thread.ofVirtual().start(r));
        assertEquals(ReadResult.EOF, read.get(END_WITHIN_SECONDS, TimeUnit.SECONDS), "read after the probes gave up");
        assertEquals(ReadResult.EOF, flow.read(), "and on every later read");
        assertThrows(ClosedException.class, () -> flow.write(ByteBuffer.wrap(new byte[] {1})));
    }
}
