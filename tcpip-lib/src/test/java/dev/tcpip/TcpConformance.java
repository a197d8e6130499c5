package dev.tcpip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The seed's TCP semantics, one test per sentence, for any stack. Each stack has a subclass that says
 * how to make a pair of stacks and how to check the settings only it can observe.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class TcpConformance {

    /** Bounds every wait in these tests. */
    protected static final long WAIT_SECONDS = 20;

    protected StackPair pair;

    /** A new server/client pair for one test. */
    protected abstract StackPair newPair() throws Exception;

    /** Asserts that the stack applied {@code k} to {@code flow}, by whatever means it has. */
    protected abstract void assertKeepaliveApplied(TcpFlow flow, Keepalive k) throws Exception;

    /** Asserts whether the flow sends without coalescing delay (Nagle off) right now. */
    protected abstract void assertNoDelay(TcpFlow flow, boolean expected) throws Exception;

    @BeforeEach
    void setUpPair() throws Exception {
        pair = newPair();
    }

    @AfterEach
    void tearDownPair() {
        if (pair != null) {
            pair.close();
        }
    }

    // --- helpers ---

    private static final long STILL_BLOCKED_MILLIS = 300;

    protected static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * The call behind {@code f} is still blocked after a grace period. A call that wrongly returns at once
     * (the mistake this catches) has returned by then; "it has not happened" has no event to wait for, so a
     * bounded window is the check.
     */
    protected static void assertStillBlocked(CompletableFuture<?> f, String what) throws Exception {
        try {
            Object v = f.get(STILL_BLOCKED_MILLIS, TimeUnit.MILLISECONDS);
            throw new AssertionError(what + ": returned " + v);
        } catch (java.util.concurrent.TimeoutException expected) {
            // still blocked, as it must be
        }
    }

    protected static <T> CompletableFuture<T> async(ThrowingSupplier<T> body) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                f.complete(body.get());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    @FunctionalInterface
    protected interface ThrowingSupplier<T> {
        T get() throws Exception;
    }

    /** Listens with a handler that hands each accepted flow to the returned queue. */
    protected BlockingQueue<TcpFlow> acceptInto(int[] portOut, Keepalive k) throws IOException {
        BlockingQueue<TcpFlow> q = new ArrayBlockingQueue<>(1024);
        portOut[0] = pair.server().tcp().listen(0, k, q::add);
        return q;
    }

    protected static TcpFlow take(BlockingQueue<TcpFlow> q) throws InterruptedException {
        TcpFlow f = q.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        if (f == null) {
            throw new AssertionError("no flow was accepted in time");
        }
        return f;
    }

    /** An echo server: sends back everything, closes when the client has closed. */
    protected int listenEcho() throws IOException {
        return pair.server().tcp().listen(0, flow -> {
            while (flow.read() instanceof ReadResult.Data(ByteBuffer b)) {
                flow.write(b);
            }
            flow.close();
        });
    }

    protected static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    // --- read ---

    @Test
    void readBlocksThenReturnsFreshBuffersOfAtLeastOneByte() throws Exception {
        int[] port = new int[1];
        BlockingQueue<TcpFlow> accepted = acceptInto(port, null);
        TcpFlow client = pair.client().tcp().connect(pair.server(port[0]));
        TcpFlow server = take(accepted);

        CompletableFuture<ReadResult> pending = async(server::read);
        // Nothing was sent yet, so the read is still blocked; then data arrives and it returns.
        assertStillBlocked(pending, "read returned before any data was sent");
        client.write(ascii("x"));
        ReadResult first = await(pending);
        ReadResult.Data d = assertInstanceOf(ReadResult.Data.class, first);
        assertEquals(1, d.bytes().remaining());
        assertEquals('x', d.bytes().get(d.bytes().position()));

        client.write(ascii("hello"));
        byte[] got = Payloads.readExactly(server, 5);
        assertEquals("hello", new String(got, StandardCharsets.US_ASCII));

        // Each read hands over a buffer the caller owns: changing one changes nothing later.
        client.write(ascii("ab"));
        ByteBuffer a = ((ReadResult.Data) server.read()).bytes();
        a.put(a.position(), (byte) '!');
        if (a.remaining() < 2) {
            assertEquals('b', ((ReadResult.Data) server.read()).bytes().get());
        }
        client.write(ascii("cd"));
        ByteBuffer b = ((ReadResult.Data) server.read()).bytes();
        assertNotSame(a, b);
        assertTrue(b.remaining() >= 1);
        assertEquals('c', b.get(b.position()), "the next read has the next bytes, untouched by the change to the last");
        assertEquals('!', a.get(a.position()), "the caller's buffer keeps what the caller wrote into it");
    }

    @Test
    void afterRemoteCloseReadsReturnInFlightDataThenEof() throws Exception {
        byte[] data = Payloads.random(1, 300_000);
        int port = pair.server().tcp().listen(0, flow -> {
            flow.write(ByteBuffer.wrap(data));
            flow.close();
        });
        TcpFlow client = pair.client().tcp().connect(pair.server(port));
        // Let the server finish (its close waits for ours), reading everything only afterwards.
        byte[] got = Payloads.readToEof(client, data.length);
        assertArrayEquals(data, got);
        assertInstanceOf(ReadResult.Eof.class, client.read(), "Eof is returned again");
        assertInstanceOf(ReadResult.Eof.class, client.read(), "and again");
        client.close();
    }

    // --- write ---

    @Test
    void writeAfterCloseFailsWithClosed() throws Exception {
        int port = listenEcho();
        TcpFlow client = pair.client().tcp().connect(pair.server(port));
        client.write(ascii("ping"));
        assertArrayEquals("ping".getBytes(StandardCharsets.US_ASCII), Payloads.readExactly(client, 4));
        client.close();
        assertThrows(ClosedException.class, () -> client.write(ascii("late")));
        assertThrows(ClosedException.class, () -> client.writev(List.of(ascii("late"))));
        assertThrows(ClosedException.class, () -> client.writeNodelay(ascii("late")));
    }

    @Test
    void writeAfterShutdownWriteFailsWithClosed() throws Exception {
        int port = listenEcho();
        TcpFlow client = pair.client().tcp().connect(pair.server(port));
        client.shutdown(Direction.WRITE);
        assertThrows(ClosedException.class, () -> client.write(ascii("late")));
        assertInstanceOf(ReadResult.Eof.class, client.read(), "the echo server closes after our FIN");
        client.close();
    }

    @Test
    void writevDeliversBuffersInOrder() throws Exception {
        int[] port = new int[1];
        BlockingQueue<TcpFlow> accepted = acceptInto(port, null);
        TcpFlow client = pair.client().tcp().connect(pair.server(port[0]));
        TcpFlow server = take(accepted);
        List<ByteBuffer> parts = new ArrayList<>();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            String s = i + ",";
            parts.add(ascii(s));
            expected.append(s);
        }
        byte[] big = Payloads.random(7, 100_000);
        parts.add(ByteBuffer.wrap(big));
        client.writev(parts);
        client.shutdown(Direction.WRITE);
        byte[] got = Payloads.readToEof(server, 1 << 20);
        byte[] head = expected.toString().getBytes(StandardCharsets.US_ASCII);
        assertEquals(head.length + big.length, got.length);
        assertArrayEquals(head, java.util.Arrays.copyOf(got, head.length));
        assertArrayEquals(big, java.util.Arrays.copyOfRange(got, head.length, got.length));
    }

    @Test
    void writeNodelayTransmitsWithoutCoalescingDelay() throws Exception {
        int[] port = new int[1];
        BlockingQueue<TcpFlow> accepted = acceptInto(port, null);
        TcpFlow client = pair.client().tcp().connect(pair.server(port[0]));
        TcpFlow server = take(accepted);
        for (int i = 0; i < 50; i++) {
            client.writeNodelay(ascii("a"));
            assertArrayEquals(new byte[] {'a'}, Payloads.readExactly(server, 1));
        }
        assertNoDelay(client, true);
        client.writevNodelay(List.of(ascii("b"), ascii("c")));
        assertArrayEquals("bc".getBytes(StandardCharsets.US_ASCII), Payloads.readExactly(server, 2));
        client.write(ascii("d"));
        assertNoDelay(client, false);
        assertArrayEquals(new byte[] {'d'}, Payloads.readExactly(server, 1));
    }

    // --- close and half-close ---

    @Test
    void halfCloseFromClientLetsServerGoOnWriting() throws Exception {
        int[] port = new int[1];
        BlockingQueue<TcpFlow> accepted = acceptInto(port, null);
        TcpFlow client = pair.client().tcp().connect(pair.server(port[0]));
        TcpFlow server = take(accepted);
        client.write(ascii("request"));
        client.shutdown(Direction.WRITE);
        assertArrayEquals("request".getBytes(StandardCharsets.US_ASCII), Payloads.readToEof(server, 100));
        byte[] reply = Payloads.random(2, 200_000);
        server.write(ByteBuffer.wrap(reply));
        server.close();
        assertArrayEquals(reply, Payloads.readToEof(client, reply.length));
        client.close();
    }

    @Test
    void halfCloseFromServerLetsClientGoOnWriting() throws Exception {
        int[] port = new int[1];
        BlockingQueue<TcpFlow> accepted = acceptInto(port, null);
        TcpFlow client = pair.client().tcp().connect(pair.server(port[0]));
        TcpFlow server = take(accepted);
        server.write(ascii("banner"));
        server.shutdown(Direction.WRITE);
        assertArrayEquals("banner".getBytes(StandardCharsets.US_ASCII), Payloads.readToEof(client, 100));
        byte[] upload = Payloads.random(3, 200_000);
        client.write(ByteBuffer.wrap(upload));
        client.close();
        assertArrayEquals(upload, Payloads.readToEof(server, upload.length));
        server.close();
    }

    @Test
    void closeReturnsOnlyOnceTheRemoteHasClosedAndReadsGoOnMeanwhile() throws Exception {
        int[] port = new int[1];
        BlockingQueue<TcpFlow> accepted = acceptInto(port, null);
        TcpFlow client = pair.client().tcp().connect(pair.server(port[0]));
        TcpFlow server = take(accepted);

        CompletableFuture<Void> closing = async(() -> {
            client.close();
            return null;
        });
        // The server sees our FIN as Eof; our close cannot have returned, the server has not closed.
        assertInstanceOf(ReadResult.Eof.class, server.read());
        assertStillBlocked(closing, "close returned before the remote closed");
        // The remote may still write, and this side may still read (half-closed).
        byte[] late = Payloads.random(4, 50_000);
        server.write(ByteBuffer.wrap(late));
        assertArrayEquals(late, Payloads.readExactly(client, late.length));
        assertStillBlocked(closing, "close returned before the remote closed");
        server.close();
        await(closing);
        assertInstanceOf(ReadResult.Eof.class, client.read());
    }

    @Test
    void dataArrivingWhileClosingIsKeptForLaterReads() throws Exception {
        byte[] data = Payloads.random(5, 1_000_000);
        CountDownLatch clientClosing = new CountDownLatch(1);
        int port = pair.server().tcp().listen(0, flow -> {
            assertInstanceOf(ReadResult.Eof.class, flow.read());
            clientClosing.countDown();
            flow.write(ByteBuffer.wrap(data));
            flow.close();
        });
        TcpFlow client = pair.client().tcp().connect(pair.server(port));
        client.close(); // returns after the server's close; the megabyte sent meanwhile is kept
        assertTrue(clientClosing.await(WAIT_SECONDS, TimeUnit.SECONDS));
        assertArrayEquals(data, Payloads.readToEof(client, data.length));
    }

    @Test
    void readAfterShutdownReadGivesEof() throws Exception {
        int[] port = new int[1];
        BlockingQueue<TcpFlow> accepted = acceptInto(port, null);
        TcpFlow client = pair.client().tcp().connect(pair.server(port[0]));
        TcpFlow server = take(accepted);
        CompletableFuture<ReadResult> blocked = async(client::read);
        client.shutdown(Direction.READ);
        assertInstanceOf(ReadResult.Eof.class, await(blocked), "a blocked read ends with Eof");
        assertInstanceOf(ReadResult.Eof.class, client.read());
        client.write(ascii("still writing"));
        assertArrayEquals("still writing".getBytes(StandardCharsets.US_ASCII), Payloads.readExactly(server, 13));
    }

    // --- abort and reset (not in the seed: a relay carries a reset across) ---

    @Test
    void abortResetsThePeerAndEndsTheFlowAtOnce() throws Exception {
        int[] port = new int[1];
        BlockingQueue<TcpFlow> accepted = acceptInto(port, null);
        TcpFlow client = pair.client().tcp().connect(pair.server(port[0]));
        TcpFlow server = take(accepted);
        client.write(ascii("x"));
        assertInstanceOf(ReadResult.Data.class, server.read());
        CompletableFuture<ReadResult> blocked = async(server::read);
        client.abort();
        assertInstanceOf(ReadResult.Eof.class, await(blocked), "the peer's read ends");
        assertTrue(server.resetByPeer(), "the peer saw a reset, not a FIN");
        assertThrows(ClosedException.class, () -> client.write(ascii("late")));
        assertInstanceOf(ReadResult.Eof.class, client.read());
        assertFalse(client.resetByPeer(), "the side that aborted was not reset by its peer");
        client.abort();                                   // idempotent
        server.abort();
    }

    @Test
    void aFinIsNotAReset() throws Exception {
        int[] port = new int[1];
        BlockingQueue<TcpFlow> accepted = acceptInto(port, null);
        TcpFlow client = pair.client().tcp().connect(pair.server(port[0]));
        TcpFlow server = take(accepted);
        server.shutdown(Direction.WRITE);
        assertInstanceOf(ReadResult.Eof.class, client.read());
        assertFalse(client.resetByPeer());
        client.close();
        server.close();
    }

    @Test
    void closeTwiceIsHarmless() throws Exception {
        int port = listenEcho();
        TcpFlow client = pair.client().tcp().connect(pair.server(port));
        client.close();
        client.close();
        assertInstanceOf(ReadResult.Eof.class, client.read());
    }

    // --- addresses ---

    @Test
    void dstAndSrcNameBothEnds() throws Exception {
        int[] port = new int[1];
        BlockingQueue<TcpFlow> accepted = acceptInto(port, null);
        TcpFlow client = pair.client().tcp().connect(pair.server(port[0]));
        TcpFlow server = take(accepted);
        assertEquals(pair.server(port[0]), client.dst());
        assertEquals(port[0], server.src().getPort());
        assertEquals(client.src(), server.dst());
        assertEquals(client.dst().getPort(), server.src().getPort());
        assertTrue(client.src().getPort() > 0);
    }

    // --- listen, unlisten, errors ---

    @Test
    void listenRejectsPortsOutside0To65535() {
        Tcp tcp = pair.server().tcp();
        FlowHandler h = TcpFlow::close;
        assertThrows(IllegalArgumentException.class, () -> tcp.listen(-1, h));
        assertThrows(IllegalArgumentException.class, () -> tcp.listen(65_536, h));
        assertThrows(IllegalArgumentException.class, () -> tcp.listen(Integer.MAX_VALUE, null, h));
    }

    @Test
    void connectToAPortNobodyListensOnIsRefused() throws Exception {
        int port = listenEcho();
        pair.server().tcp().unlisten(port);
        assertThrows(RefusedException.class, () -> pair.client().tcp().connect(pair.server(port)));
    }

    @Test
    void unlistenStopsAcceptingButEstablishedFlowsGoOn() throws Exception {
        int[] port = new int[1];
        BlockingQueue<TcpFlow> accepted = acceptInto(port, null);
        TcpFlow before = pair.client().tcp().connect(pair.server(port[0]));
        TcpFlow server = take(accepted); // handed to the callback: from now on it is the application's
        pair.server().tcp().unlisten(port[0]);
        assertThrows(RefusedException.class, () -> pair.client().tcp().connect(pair.server(port[0])));
        before.write(ascii("still here"));
        assertArrayEquals("still here".getBytes(StandardCharsets.US_ASCII), Payloads.readExactly(server, 10));
        server.write(ascii("yes"));
        assertArrayEquals("yes".getBytes(StandardCharsets.US_ASCII), Payloads.readExactly(before, 3));
    }

    @Test
    void listeningAgainOnAPortReplacesTheHandler() throws Exception {
        int port = pair.server().tcp().listen(0, flow -> {
            flow.write(ascii("old"));
            flow.close();
        });
        pair.server().tcp().listen(port, flow -> {
            flow.write(ascii("new"));
            flow.close();
        });
        TcpFlow client = pair.client().tcp().connect(pair.server(port));
        assertArrayEquals("new".getBytes(StandardCharsets.US_ASCII), Payloads.readToEof(client, 10));
        client.close();
    }

    @Test
    void aHandlerThatThrowsHasItsFlowClosedAndTheListenerGoesOn() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        int port = pair.server().tcp().listen(0, flow -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("handler failure on purpose");
            }
            flow.write(ascii("ok"));
            flow.close();
        });
        TcpFlow first = pair.client().tcp().connect(pair.server(port));
        assertInstanceOf(ReadResult.Eof.class, first.read(), "the failed handler's flow is closed");
        first.close();
        TcpFlow second = pair.client().tcp().connect(pair.server(port));
        assertArrayEquals("ok".getBytes(StandardCharsets.US_ASCII), Payloads.readToEof(second, 10));
        second.close();
    }

    // --- keepalive ---

    @Test
    void keepaliveIsAppliedOnConnectAndBeforeTheListenCallback() throws Exception {
        Keepalive serverK = new Keepalive(Duration.ofSeconds(7), Duration.ofSeconds(3), 4);
        Keepalive clientK = new Keepalive(Duration.ofSeconds(11), Duration.ofSeconds(2), 5);
        CompletableFuture<Throwable> seenByHandler = new CompletableFuture<>();
        int port = pair.server().tcp().listen(0, serverK, flow -> {
            try {
                assertKeepaliveApplied(flow, serverK);
                seenByHandler.complete(null);
            } catch (Throwable t) {
                seenByHandler.complete(t);
            }
            flow.close();
        });
        TcpFlow client = pair.client().tcp().connect(pair.server(port), clientK);
        assertKeepaliveApplied(client, clientK);
        Throwable failure = await(seenByHandler);
        if (failure != null) {
            throw new AssertionError("keepalive not applied before the callback", failure);
        }
        client.close();
    }

    @Test
    void keepaliveRejectsInvalidSettings() {
        assertThrows(IllegalArgumentException.class, () -> new Keepalive(Duration.ZERO, Duration.ofSeconds(1), 1));
        assertThrows(IllegalArgumentException.class, () -> new Keepalive(Duration.ofSeconds(1), Duration.ofSeconds(-1), 1));
        assertThrows(IllegalArgumentException.class, () -> new Keepalive(Duration.ofSeconds(1), Duration.ofSeconds(1), 0));
    }

    // --- many flows, adapters, disconnect ---

    @Test
    void manyConcurrentFlowsEachGetTheirOwnBytesBack() throws Exception {
        int port = listenEcho();
        int flows = 200;
        List<CompletableFuture<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < flows; i++) {
            long seed = i;
            results.add(async(() -> {
                byte[] data = Payloads.random(seed, 20_000 + (int) seed * 97);
                TcpFlow f = pair.client().tcp().connect(pair.server(port));
                CompletableFuture<byte[]> echoed = async(() -> Payloads.readToEof(f, data.length));
                f.write(ByteBuffer.wrap(data));
                f.shutdown(Direction.WRITE);
                boolean same = java.util.Arrays.equals(data, await(echoed));
                f.close();
                return same;
            }));
        }
        for (CompletableFuture<Boolean> r : results) {
            assertTrue(r.get(WAIT_SECONDS * 2, TimeUnit.SECONDS));
        }
    }

    @Test
    void streamAndChannelAdaptersCarryTheBytes() throws Exception {
        int port = listenEcho();
        TcpFlow client = pair.client().tcp().connect(pair.server(port));
        byte[] data = Payloads.random(9, 70_000);
        OutputStream out = client.outputStream();
        InputStream in = client.inputStream();
        CompletableFuture<byte[]> echoed = async(in::readAllBytes);
        out.write(data);
        out.close(); // half-close: FIN
        assertArrayEquals(data, await(echoed));
        client.close();

        TcpFlow second = pair.client().tcp().connect(pair.server(port));
        ByteChannel ch = second.channel();
        ByteBuffer src = ByteBuffer.wrap(data);
        assertEquals(data.length, ch.write(src));
        ByteBuffer dst = ByteBuffer.allocate(data.length);
        while (dst.hasRemaining()) {
            assertTrue(ch.read(dst) > 0);
        }
        assertArrayEquals(data, dst.array());
        second.shutdown(Direction.WRITE);
        assertEquals(-1, ch.read(ByteBuffer.allocate(1)));
        ch.close();
        assertFalse(ch.isOpen());
    }

    @Test
    void disconnectEndsFlowsAndListenersAndIsIdempotent() throws Exception {
        int[] port = new int[1];
        BlockingQueue<TcpFlow> accepted = acceptInto(port, null);
        TcpFlow client = pair.client().tcp().connect(pair.server(port[0]));
        take(accepted);
        CompletableFuture<ReadResult> blocked = async(client::read);
        pair.client().disconnect();
        assertInstanceOf(ReadResult.Eof.class, await(blocked));
        assertThrows(ClosedException.class, () -> client.write(ascii("x")));
        assertThrows(ClosedException.class, () -> pair.client().tcp().connect(pair.server(port[0])));
        pair.client().disconnect();

        pair.server().disconnect();
        assertThrows(ClosedException.class, () -> pair.server().tcp().listen(0, TcpFlow::close));
        pair.server().disconnect();
    }
}
