package dev.tcpip.cli;

import dev.tcpip.UdpSendOptions;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.MemoryNetwork;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.time.LoopFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Two direct stacks on a real-time memory network beside the host kernel's UDP over loopback, the same work
 * and threading on both (virtual threads; one sender, one receiver): ICMP ping round trips (direct only; the
 * kernel's figure is a 64-byte UDP round trip, which is what a ping costs it), UDP request/response round
 * trips, and one-way UDP streams of 64 and 1400 bytes (datagrams delivered per second; the sender is not
 * paced, so the loss is reported beside it). Rounds alternate between the systems; medians are reported.
 */
final class DirectBench {
    private static final InetAddress LOOPBACK = InetAddress.ofLiteral("127.0.0.1");
    private static final InetAddress SERVER = InetAddress.ofLiteral("10.0.0.1");

    private DirectBench() {
    }

    /** Two direct stacks on one real-time network, closed together. */
    private record Pair(MemoryNetwork net, DirectStack server, DirectStack client) implements AutoCloseable {
        static Pair open() {
            MemoryNetwork net = MemoryNetwork.realTime(1);
            DirectStack s = DirectStack.create(DirectStackConfig.ipv4("10.0.0.1/24"),
                    net.connect("server", LinkConfig.DEFAULTS).device());
            DirectStack c = DirectStack.create(DirectStackConfig.ipv4("10.0.0.2/24"),
                    net.connect("client", LinkConfig.DEFAULTS).device());
            return new Pair(net, s, c);
        }

        @Override
        public void close() {
            client.disconnect();
            server.disconnect();
            net.close();
        }
    }

    static List<Figure> run(Bench.Settings s) throws Exception {
        int rr = s.quick() ? 2_000 : 50_000;
        int stream = s.quick() ? 5_000 : 200_000;
        int rounds = s.quick() ? 1 : 5;
        pingDirect(rr / 4);
        udpRrDirect(rr / 4);
        udpRrKernel(rr / 4);
        streamDirect(stream / 4, 64);
        streamKernel(stream / 4, 64);
        double[][] v = new double[11][rounds];
        for (int i = 0; i < rounds; i++) {
            v[0][i] = pingDirect(rr);
            v[1][i] = udpRrDirect(rr);
            v[2][i] = udpRrKernel(rr);
            double[] d64 = streamDirect(stream, 64);
            double[] k64 = streamKernel(stream, 64);
            double[] d1400 = streamDirect(stream, 1400);
            double[] k1400 = streamKernel(stream, 1400);
            v[3][i] = d64[0];
            v[4][i] = d64[1];
            v[5][i] = k64[0];
            v[6][i] = k64[1];
            v[7][i] = d1400[0];
            v[8][i] = d1400[1];
            v[9][i] = k1400[0];
            v[10][i] = k1400[1];
        }
        List<Figure> out = new ArrayList<>();
        out.add(new Figure("ping-rr-56B", "direct-memory", SocketBench.median(v[0]), "round-trips/s"));
        out.add(new Figure("udp-rr-64B", "direct-memory", SocketBench.median(v[1]), "round-trips/s"));
        out.add(new Figure("udp-rr-64B", "kernel-loopback", SocketBench.median(v[2]), "round-trips/s"));
        out.add(new Figure("udp-stream-64B", "direct-memory", SocketBench.median(v[3]), "datagrams/s"));
        out.add(new Figure("udp-stream-64B", "direct-memory", SocketBench.median(v[4]), "% lost"));
        out.add(new Figure("udp-stream-64B", "kernel-loopback", SocketBench.median(v[5]), "datagrams/s"));
        out.add(new Figure("udp-stream-64B", "kernel-loopback", SocketBench.median(v[6]), "% lost"));
        out.add(new Figure("udp-stream-1400B", "direct-memory", SocketBench.median(v[7]), "datagrams/s"));
        out.add(new Figure("udp-stream-1400B", "direct-memory", SocketBench.median(v[8]), "% lost"));
        out.add(new Figure("udp-stream-1400B", "kernel-loopback", SocketBench.median(v[9]), "datagrams/s"));
        out.add(new Figure("udp-stream-1400B", "kernel-loopback", SocketBench.median(v[10]), "% lost"));
        return out;
    }

    static double pingDirect(int n) throws Exception {
        try (Pair p = Pair.open()) {
            p.client.ping(SERVER, 56, Duration.ofSeconds(5));      // ARP out of the way
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                p.client.ping(SERVER, 56, Duration.ofSeconds(5));
            }
            return n * 1e9 / (System.nanoTime() - t0);
        }
    }

    static double udpRrDirect(int n) throws Exception {
        try (Pair p = Pair.open()) {
            p.server.udp().listen(7, d -> p.server.udp().send(d.src(), d.payload(), UdpSendOptions.fromPort(7)));
            java.util.concurrent.SynchronousQueue<Boolean> replies = new java.util.concurrent.SynchronousQueue<>();
            int port = p.client.udp().listen(0, d -> replies.put(true));
            InetSocketAddress dst = new InetSocketAddress(SERVER, 7);
            UdpSendOptions from = UdpSendOptions.fromPort(port);
            byte[] data = new byte[64];
            CompletableFuture<Double> rate = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    p.client.udp().send(dst, ByteBuffer.wrap(data), from);
                    replies.take();
                    long t0 = System.nanoTime();
                    for (int i = 0; i < n; i++) {
                        p.client.udp().send(dst, ByteBuffer.wrap(data), from);
                        replies.take();
                    }
                    rate.complete(n * 1e9 / (System.nanoTime() - t0));
                } catch (Throwable e) {
                    rate.completeExceptionally(e);
                }
            });
            return rate.get(120, TimeUnit.SECONDS);
        }
    }

    static double udpRrKernel(int n) throws Exception {
        try (DatagramChannel server = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
             DatagramChannel client = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0))) {
            Thread echo = Thread.ofVirtual().start(() -> {
                ByteBuffer b = ByteBuffer.allocate(2048);
                try {
                    while (true) {
                        b.clear();
                        var from = server.receive(b);
                        b.flip();
                        server.send(b, from);
                    }
                } catch (java.io.IOException e) {
                    // closed: done
                }
            });
            CompletableFuture<Double> rate = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    ByteBuffer out = ByteBuffer.allocate(64);
                    ByteBuffer in = ByteBuffer.allocate(2048);
                    var dst = server.getLocalAddress();
                    long t0 = System.nanoTime();
                    for (int i = 0; i < n; i++) {
                        out.clear();
                        client.send(out, dst);
                        in.clear();
                        client.receive(in);
                    }
                    rate.complete(n * 1e9 / (System.nanoTime() - t0));
                } catch (Throwable e) {
                    rate.completeExceptionally(e);
                }
            });
            double r = rate.get(120, TimeUnit.SECONDS);
            server.close();
            echo.join();
            return r;
        }
    }

    /** {datagrams delivered per second, percent lost}: until the last one arrives or 1 s passes without any. */
    private static double[] streamResult(int n, AtomicLong got, AtomicLong lastAt, long t0) throws InterruptedException {
        long seen = -1;
        for (int i = 0; i < 1200 && got.get() < n; i++) {       // bounded: at most 120 s
            long g = got.get();
            if (g == seen) {
                break;                                       // nothing for 100 ms: the rest was lost
            }
            seen = g;
            Thread.sleep(100);
        }
        long g = got.get();
        return new double[] {g * 1e9 / Math.max(1, lastAt.get() - t0), 100.0 * (n - g) / n};
    }

    static double[] streamDirect(int n, int size) throws Exception {
        try (Pair p = Pair.open()) {
            AtomicLong got = new AtomicLong();
            AtomicLong lastAt = new AtomicLong();
            p.server.udp().listen(9, d -> {
                got.incrementAndGet();
                lastAt.set(System.nanoTime());
            });
            InetSocketAddress dst = new InetSocketAddress(SERVER, 9);
            byte[] data = new byte[size];
            p.client.udp().send(dst, ByteBuffer.wrap(data));            // ARP out of the way
            while (got.get() < 1) {
                Thread.onSpinWait();
            }
            got.set(0);
            long t0 = System.nanoTime();
            LoopFuture<Void> sender = p.client.loop().spawn("sender", () -> {
                for (int i = 0; i < n; i++) {
                    p.client.udp().send(dst, ByteBuffer.wrap(data));
                }
            });
            sender.await();
            return streamResult(n, got, lastAt, t0);
        }
    }

    static double[] streamKernel(int n, int size) throws Exception {
        try (DatagramChannel server = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
             DatagramChannel client = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0))) {
            AtomicLong got = new AtomicLong();
            AtomicLong lastAt = new AtomicLong();
            Thread rx = Thread.ofVirtual().start(() -> {
                ByteBuffer b = ByteBuffer.allocate(2048);
                try {
                    while (true) {
                        b.clear();
                        server.receive(b);
                        got.incrementAndGet();
                        lastAt.set(System.nanoTime());
                    }
                } catch (java.io.IOException e) {
                    // closed: done
                }
            });
            var dst = server.getLocalAddress();
            long t0 = System.nanoTime();
            Thread tx = Thread.ofVirtual().start(() -> {
                ByteBuffer out = ByteBuffer.allocate(size);
                try {
                    for (int i = 0; i < n; i++) {
                        out.clear();
                        client.send(out, dst);
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            tx.join();
            double[] r = streamResult(n, got, lastAt, t0);
            server.close();
            rx.join();
            return r;
        }
    }
}
