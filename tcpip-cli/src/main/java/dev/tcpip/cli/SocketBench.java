package dev.tcpip.cli;

import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import dev.tcpip.socket.SocketStack;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The socket stack beside plain java.nio SocketChannels on loopback, the same work on both: bulk
 * throughput (one stream, 64 KiB writes) and 1-byte request/response round trips. Every thread is a
 * virtual thread on both sides, as the socket stack's callbacks are. Rounds alternate between the two
 * systems and the median is reported.
 */
final class SocketBench {

    private static final InetAddress LOOPBACK = InetAddress.ofLiteral("127.0.0.1");
    private static final int CHUNK = 64 * 1024;
    private static final long TIMEOUT_S = 120;

    private SocketBench() {
    }

    static List<Figure> run(Bench.Settings s) throws Exception {
        long bulkBytes = s.quick() ? 8L << 20 : 2L << 30;
        int roundTrips = s.quick() ? 2_000 : 100_000;
        int rounds = s.quick() ? 1 : 5;
        // Warm-up: the JIT compiles both paths before anything is measured.
        bulkStack(bulkBytes / 4);
        bulkNio(bulkBytes / 4);
        rrStack(roundTrips / 4);
        rrNio(roundTrips / 4);
        double[] bs = new double[rounds];
        double[] bn = new double[rounds];
        double[] rs = new double[rounds];
        double[] rn = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            bs[i] = bulkStack(bulkBytes);
            bn[i] = bulkNio(bulkBytes);
            rs[i] = rrStack(roundTrips);
            rn[i] = rrNio(roundTrips);
        }
        List<Figure> out = new ArrayList<>();
        out.add(new Figure("tcp-bulk", "socket-loopback", median(bs), "Gbit/s"));
        out.add(new Figure("tcp-bulk", "nio-loopback", median(bn), "Gbit/s"));
        out.add(new Figure("tcp-bulk", "ratio", median(bs) / median(bn), "x"));
        out.add(new Figure("tcp-rr-1byte", "socket-loopback", median(rs), "round-trips/s"));
        out.add(new Figure("tcp-rr-1byte", "nio-loopback", median(rn), "round-trips/s"));
        out.add(new Figure("tcp-rr-1byte", "ratio", median(rs) / median(rn), "x"));
        return out;
    }

    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }

    private static double gbps(long bytes, long nanos) {
        return bytes * 8.0 / nanos;
    }

    /** Bulk through the socket stack: one flow, 64 KiB writes, a reader that drops the data. */
    static double bulkStack(long total) throws Exception {
        int rb = Integer.getInteger("tcpip.bench.readbuf", 64 * 1024);
        var cfg = dev.tcpip.socket.SocketStackConfig.of(dev.tcpip.IpFamily.IPV4).withReadBufferSize(rb);
        try (SocketStack server = SocketStack.create(cfg); SocketStack client = SocketStack.create(cfg)) {
            CompletableFuture<Long> received = new CompletableFuture<>();
            int port = server.tcp().listen(0, flow -> {
                long n = 0;
                while (flow.read() instanceof ReadResult.Data(ByteBuffer b)) {
                    n += b.remaining();
                }
                received.complete(n);
                flow.close();
            });
            TcpFlow flow = client.tcp().connect(new InetSocketAddress(LOOPBACK, port));
            // The bytes are never changed, so every write may hand over a read-only view of them.
            ByteBuffer data = ByteBuffer.allocateDirect(CHUNK);
            long start = System.nanoTime();
            for (long sent = 0; sent < total; sent += CHUNK) {
                flow.write(data.asReadOnlyBuffer());
            }
            flow.close();
            long got = received.get(TIMEOUT_S, TimeUnit.SECONDS);
            long nanos = System.nanoTime() - start;
            check(got, total);
            return gbps(got, nanos);
        }
    }

    /** The same bulk transfer with plain blocking java.nio channels on virtual threads. */
    static double bulkNio(long total) throws Exception {
        try (ServerSocketChannel ss = ServerSocketChannel.open()) {
            ss.bind(new InetSocketAddress(LOOPBACK, 0));
            CompletableFuture<Long> received = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try (SocketChannel ch = ss.accept()) {
                    ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
                    long n = 0;
                    int k;
                    while ((k = ch.read(buf.clear())) >= 0) {
                        n += k;
                    }
                    received.complete(n);
                } catch (IOException e) {
                    received.completeExceptionally(e);
                }
            });
            try (SocketChannel ch = SocketChannel.open(ss.getLocalAddress())) {
                ByteBuffer data = ByteBuffer.allocateDirect(CHUNK);
                long start = System.nanoTime();
                for (long sent = 0; sent < total; sent += CHUNK) {
                    data.clear();
                    while (data.hasRemaining()) {
                        ch.write(data);
                    }
                }
                ch.shutdownOutput();
                long got = received.get(TIMEOUT_S, TimeUnit.SECONDS);
                long nanos = System.nanoTime() - start;
                check(got, total);
                return gbps(got, nanos);
            }
        }
    }

    /** 1-byte request, 1-byte response, one at a time, through the socket stack. */
    static double rrStack(int n) throws Exception {
        try (SocketStack server = SocketStack.ipv4(); SocketStack client = SocketStack.ipv4()) {
            return DirectTcpBench.roundTrips(server, client, LOOPBACK, n);
        }
    }

    /** The same round trips with plain blocking java.nio channels on virtual threads. */
    static double rrNio(int n) throws Exception {
        try (ServerSocketChannel ss = ServerSocketChannel.open()) {
            ss.bind(new InetSocketAddress(LOOPBACK, 0));
            Thread.ofVirtual().start(() -> {
                try (SocketChannel ch = ss.accept()) {
                    ByteBuffer buf = ByteBuffer.allocateDirect(1);
                    while (ch.read(buf.clear()) > 0) {
                        ch.write(buf.flip());
                    }
                } catch (IOException ignored) {
                    // the client has gone: the round trips are over
                }
            });
            try (SocketChannel ch = SocketChannel.open(ss.getLocalAddress())) {
                ByteBuffer out = ByteBuffer.allocateDirect(1);
                ByteBuffer in = ByteBuffer.allocateDirect(1);
                long start = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    out.clear().put((byte) i).flip();
                    ch.write(out);
                    in.clear();
                    if (ch.read(in) != 1) {
                        throw new IOException("round trip " + i + " failed");
                    }
                }
                return n * 1e9 / (System.nanoTime() - start);
            }
        }
    }

    private static void check(long got, long expected) throws IOException {
        long want = (expected + CHUNK - 1) / CHUNK * CHUNK;
        if (got != want) {
            throw new IOException("received " + got + " bytes of " + want);
        }
    }
}
