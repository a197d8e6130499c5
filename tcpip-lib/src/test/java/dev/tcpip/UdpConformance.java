package dev.tcpip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The UDP semantics shared by every stack. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class UdpConformance {

    protected static final long WAIT_SECONDS = 20;
    protected StackPair pair;

    protected abstract StackPair newPair() throws Exception;

    /** The largest payload one datagram carries to the server's address (65,507 over IPv4). */
    protected abstract int maxPayload();

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

    protected static Datagram take(BlockingQueue<Datagram> q) throws InterruptedException {
        Datagram d = q.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        if (d == null) {
            throw new AssertionError("no datagram arrived in time");
        }
        return d;
    }

    private static byte[] bytes(Datagram d) {
        byte[] b = new byte[d.payload().remaining()];
        d.payload().get(b);
        return b;
    }

    @Test
    void aDatagramArrivesWithItsSourceAndPayload() throws Exception {
        BlockingQueue<Datagram> got = new ArrayBlockingQueue<>(16);
        int port = pair.server().udp().listen(0, got::add);
        int clientPort = pair.client().udp().listen(0, d -> { });
        byte[] data = Payloads.random(1, 1000);
        pair.client().udp().send(pair.server(port), ByteBuffer.wrap(data), UdpSendOptions.fromPort(clientPort));
        Datagram d = take(got);
        assertArrayEquals(data, bytes(d));
        assertEquals(clientPort, d.src().getPort());
        assertEquals(port, d.dst().getPort());
    }

    @Test
    void aReplyToTheSourceReachesTheSendersListener() throws Exception {
        int echo = pair.server().udp().listen(0, d ->
                pair.server().udp().send(d.src(), d.payload(), UdpSendOptions.fromPort(d.dst().getPort())));
        BlockingQueue<Datagram> replies = new ArrayBlockingQueue<>(16);
        int clientPort = pair.client().udp().listen(0, replies::add);
        for (int size : new int[] {0, 1, 100, 1472, 1473, 8000, maxPayload()}) {
            byte[] data = Payloads.random(size, size);
            pair.client().udp().send(pair.server(echo), ByteBuffer.wrap(data), UdpSendOptions.fromPort(clientPort));
            Datagram r = take(replies);
            assertArrayEquals(data, bytes(r), "size " + size);
            assertEquals(echo, r.src().getPort());
        }
    }

    @Test
    void aConnectedPortHearsPortUnreachable() throws Exception {
        int closed = pair.server().udp().listen(0, d -> { });
        pair.server().udp().unlisten(closed);                 // nobody listens there now
        InetSocketAddress remote = pair.server(closed);
        java.util.concurrent.CompletableFuture<TcpipException> heard = new java.util.concurrent.CompletableFuture<>();
        int port = pair.client().udp().listen(0, remote, new DatagramHandler() {
            @Override
            public void handle(Datagram d) {
            }

            @Override
            public void unreachable(InetSocketAddress dst, TcpipException error) {
                heard.complete(error);
            }
        });
        pair.client().udp().send(remote, ByteBuffer.wrap(new byte[] {1}), UdpSendOptions.fromPort(port));
        assertInstanceOf(RefusedException.class, heard.get(WAIT_SECONDS, TimeUnit.SECONDS));
        pair.client().udp().unlisten(port);
    }

    @Test
    void aPayloadLargerThanADatagramIsRejected() {
        InetSocketAddress dst = pair.server(9);
        ByteBuffer tooBig = ByteBuffer.allocate(maxPayload() + 1);
        assertThrows(IllegalArgumentException.class, () -> pair.client().udp().send(dst, tooBig));
    }

    @Test
    void listenRejectsPortsOutside0To65535() {
        assertThrows(IllegalArgumentException.class, () -> pair.server().udp().listen(-1, d -> { }));
        assertThrows(IllegalArgumentException.class, () -> pair.server().udp().listen(65_536, d -> { }));
        assertThrows(IllegalArgumentException.class, () -> UdpSendOptions.fromPort(70_000));
    }

    @Test
    void listeningAgainReplacesTheHandlerAndUnlistenStopsDelivery() throws Exception {
        BlockingQueue<Datagram> first = new ArrayBlockingQueue<>(16);
        BlockingQueue<Datagram> second = new ArrayBlockingQueue<>(16);
        int port = pair.server().udp().listen(0, first::add);
        pair.server().udp().listen(port, second::add);
        pair.client().udp().send(pair.server(port), ByteBuffer.wrap(new byte[] {1}));
        assertArrayEquals(new byte[] {1}, bytes(take(second)));
        assertNull(first.poll(300, TimeUnit.MILLISECONDS), "the replaced handler got a datagram");

        // After unlisten, a fresh listener on another port still works, and the old handler hears nothing.
        pair.server().udp().unlisten(port);
        BlockingQueue<Datagram> third = new ArrayBlockingQueue<>(16);
        int other = pair.server().udp().listen(0, third::add);
        pair.client().udp().send(pair.server(port), ByteBuffer.wrap(new byte[] {2}));
        pair.client().udp().send(pair.server(other), ByteBuffer.wrap(new byte[] {3}));
        assertArrayEquals(new byte[] {3}, bytes(take(third)));
        assertNull(second.poll(300, TimeUnit.MILLISECONDS), "the unlistened handler got a datagram");
    }

    @Test
    void aHandlerThatThrowsDoesNotStopDelivery() throws Exception {
        BlockingQueue<Datagram> got = new ArrayBlockingQueue<>(16);
        int port = pair.server().udp().listen(0, d -> {
            if (d.payload().get(0) == 0) {
                throw new IllegalStateException("handler failure on purpose");
            }
            got.add(d);
        });
        pair.client().udp().send(pair.server(port), ByteBuffer.wrap(new byte[] {0}));
        pair.client().udp().send(pair.server(port), ByteBuffer.wrap(new byte[] {1}));
        assertArrayEquals(new byte[] {1}, bytes(take(got)));
    }

    @Test
    void afterDisconnectSendAndListenFailWithClosed() throws Exception {
        pair.client().disconnect();
        assertThrows(ClosedException.class,
                () -> pair.client().udp().send(pair.server(9), ByteBuffer.wrap(new byte[] {1})));
        assertThrows(ClosedException.class, () -> pair.client().udp().listen(0, d -> { }));
    }
}
