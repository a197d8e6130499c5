package dev.tcpip.cli;

import dev.tcpip.Direction;
import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import dev.tcpip.TcpInfo;
import dev.tcpip.device.Counter;
import dev.tcpip.device.DeviceCounters;
import dev.tcpip.device.FaultInjectingDevice;
import dev.tcpip.device.Faults;
import dev.tcpip.device.NetNamespace;
import dev.tcpip.device.TapDevice;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code tcpip bench tap}: one TCP stream of 1 GiB each way between the Linux kernel and the direct stack over a
 * TAP device (MTU 1500), beside the same stream between two kernel namespaces over a veth pair, in the same
 * run: one transfer each way warms the JIT up and is reported as {@code direct-tap (cold)}, then the medians of
 * {@link #BULK_ROUNDS} rounds (the veth's too). The kernel's end is plain java.nio on a thread inside the namespace; the direct stack runs in this
 * process, on a TAP device with checksum and segmentation offload (nothing alters its frames; the system
 * property {@code tcpip.tap.gso=false} turns segmentation offload off for comparison). Time runs from the
 * connection's start until the receiver has read the last byte. Then {@code tcp-rr-1byte}: 1-byte request/response
 * between the kernel and the stack over the same TAP, beside the kernel's over the veth pair with both ends on
 * different CPUs and on one CPU ({@link #roundTrips}). {@link #runLoss} is the {@code tap-loss}
 * workload: the same device behind 2 % loss each way, the stack's sender beside the kernel's. Needs root.
 */
final class TapBench {
    private static final int CHUNK = 1 << 20;
    private static final int PORT = 5001;
    private static final String KERNEL = "10.78.0.1";
    private static final String STACK = "10.78.0.2";
    private static final double LOSS = 0.02;
    private static final long LOSS_SEED = 20;
    private static final long COMMAND_SECONDS = 10;

    private TapBench() {
    }

    static List<Figure> run(Bench.Settings s) throws Exception {
        String missing = NetNamespace.missingPrerequisite();
        if (missing != null) {
            throw new Bench.Skipped("tap: " + missing);
        }
        long bytes = s.quick() ? 64L << 20 : 1L << 30;
        String size = s.quick() ? "64MiB" : "1GiB";
        int rounds = s.quick() ? 1 : BULK_ROUNDS;
        List<Figure> figures = new ArrayList<>();
        try (NetNamespace ns = tapNamespace()) {
            TapDevice tap = ns.start("bench-tap-open", () -> TapDevice.open("tap0", 1500, TapDevice.randomMac(), true))
                    .get(30, TimeUnit.SECONDS);
            DirectStackConfig config = DirectStackConfig.ipv4(STACK + "/24");
            Integer sendBuffer = Integer.getInteger(SEND_BUFFER_PROPERTY);
            DirectStackConfig withBuffer = sendBuffer == null ? config
                    : config.withTcp(config.tcp().withBuffers(sendBuffer, config.tcp().receiveBufferSize()));
            DirectStack stack = ns.start("bench-tap-stack",
                    () -> DirectStack.create(withBuffer, tap)).get(30, TimeUnit.SECONDS);
            try {
                // One transfer each way warms the JIT up, reported apart as cold (as tap-loss does: in a fresh JVM
                // the compiler threads compete with the first transfer for the two cores, where the kernel's code is
                // always compiled); then BULK_ROUNDS measured rounds, their medians.
                double coldSends = directSends(ns, stack, bytes, null);
                double coldReceives = directReceives(ns, stack, bytes);
                figures.add(gbit("tcp " + size + " stack sends", "direct-tap (cold)", coldSends, bytes));
                figures.add(gbit("tcp " + size + " stack receives", "direct-tap (cold)", coldReceives, bytes));
                SenderLimits limits = new SenderLimits();
                double[] sends = new double[rounds];
                double[] receives = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    sends[r] = directSends(ns, stack, bytes, null, limits);
                    receives[r] = directReceives(ns, stack, bytes);
                }
                System.err.println("tcpip bench: tap: stack sends: " + limits);
                System.err.println("tcpip bench: tap: each round, Gbit/s: stack sends " + rates(sends, bytes)
                        + ", stack receives " + rates(receives, bytes));
                figures.add(gbit("tcp " + size + " stack sends", "direct-tap", median(sends), bytes));
                figures.add(gbit("tcp " + size + " stack receives", "direct-tap", median(receives), bytes));
                figures.addAll(roundTrips(s, ns, stack));
                DeviceCounters c = tap.counters();
                System.err.printf("tcpip bench: tap: segmentation offload %s: %d frames sent, %d GSO writes"
                                + " (%d of them TCP's super-segments), %d dropped with the ring full%n",
                        tap.offloadsSegmentation() ? "on" : "off (" + TapDevice.GSO_PROPERTY + "=false)",
                        c.get(Counter.TX_FRAMES), c.get(Counter.TX_GSO_WRITES), c.get(Counter.TX_TSO_WRITES),
                        c.get(Counter.DROPPED_QUEUE_FULL));
                System.err.printf("tcpip bench: tap: receive offloads %s: %d frames received, %d of them"
                                + " super-segments%n",
                        tap.receiveOffloads() ? "on" : "off (" + TapDevice.RX_OFFLOAD_PROPERTY + "=false)",
                        c.get(Counter.RX_FRAMES), c.get(Counter.RX_GSO_FRAMES));
            } finally {
                stack.disconnect();
            }
        }
        double[] vethSends = new double[rounds];
        double[] vethReceives = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            vethSends[r] = kernelOverVeth(bytes);
            vethReceives[r] = kernelOverVeth(bytes);
        }
        figures.add(gbit("tcp " + size + " stack sends", "kernel-veth", median(vethSends), bytes));
        figures.add(gbit("tcp " + size + " stack receives", "kernel-veth", median(vethReceives), bytes));
        return figures;
    }

    private static String rates(double[] seconds, long bytes) {
        return java.util.Arrays.stream(seconds).mapToObj(t -> String.format("%.2f", bytes * 8 / t / 1e9))
                .collect(java.util.stream.Collectors.joining(" / "));
    }

    /** Measured rounds of {@code tap}'s bulk transfers each way after the cold one (1 with {@code --quick}). */
    static final int BULK_ROUNDS = 3;

    /**
     * {@code tap-loss}: 64 MiB each way over the TAP device behind a {@link FaultInjectingDevice} dropping 2 % of
     * the frames each way (no netem here; dropping alters no frame, so the device offloads there too): the direct
     * stack's TCP sender recovering from loss ({@code direct-sender}) beside the kernel's sender over the same lossy
     * link ({@code kernel-sender}, the stack receiving), and their ratio. {@link #LOSS_WARMUPS} transfers each way
     * warm the JIT up, the first reported apart ({@code (cold)}): in a fresh JVM the compiler threads take more CPU
     * time than the transfer (BENCHMARKS.md, "Loss recovery, fourth pass"), where the kernel's code is always
     * compiled. Then {@link #LOSS_ROUNDS} rounds (1 with {@code --quick}), each the direct sender, the kernel's with
     * the namespace's default congestion control and the kernel's CUBIC, one after the other: the figures are their
     * medians, the ratios the medians of each round's own ratio.
     */
    static List<Figure> runLoss(Bench.Settings s) throws Exception {
        String missing = NetNamespace.missingPrerequisite();
        if (missing != null) {
            throw new Bench.Skipped("tap-loss: " + missing);
        }
        long lossy = s.quick() ? 8L << 20 : 64L << 20;
        int rounds = s.quick() ? 1 : LOSS_ROUNDS;
        String work = "tap-loss " + (lossy >> 20) + "MiB 2% each way";
        List<Figure> figures = new ArrayList<>();
        try (NetNamespace ns = tapNamespace()) {
            Faults drop = Faults.NONE.withLoss(LOSS);
            DirectStack lossyStack = ns.start("bench-tap-open", () -> DirectStack.create(
                    DirectStackConfig.ipv4(STACK + "/24"), new FaultInjectingDevice(
                            TapDevice.open("tap0", 1500, TapDevice.randomMac(), !drop.altersFrames()), drop, drop,
                            LOSS_SEED))).get(30, TimeUnit.SECONDS);
            try {
                // The kernel's sender uses the namespace's default congestion control, which a new namespace
                // inherits from the host's (often BBR, which does not take random loss for congestion): the
                // figures name it, and the kernel's CUBIC (the stack's algorithm) runs too, like for like.
                String algorithm = ns.run(COMMAND_SECONDS, "sysctl", "-n", "net.ipv4.tcp_congestion_control").strip();
                AtomicReference<TcpInfo> sender = new AtomicReference<>();
                double coldDirect = directSends(ns, lossyStack, lossy, sender);
                double coldKernel = directReceives(ns, lossyStack, lossy);
                for (int w = 1; w < LOSS_WARMUPS; w++) {
                    directSends(ns, lossyStack, lossy, sender);
                    directReceives(ns, lossyStack, lossy);
                }
                figures.add(gbit(work, "direct-sender (cold)", coldDirect, lossy));
                figures.add(gbit(work, "kernel-sender (" + algorithm + ", cold)", coldKernel, lossy));
                double[] direct = new double[rounds];
                double[] kernel = new double[rounds];
                double[] cubic = new double[rounds];
                long[][] counts = new long[3][rounds];
                for (int r = 0; r < rounds; r++) {
                    direct[r] = directSends(ns, lossyStack, lossy, sender);
                    counts[0][r] = sender.get().timeouts().orElse(-1);
                    counts[1][r] = sender.get().retransmissions();
                    counts[2][r] = sender.get().dsacks().orElse(-1);
                    kernel[r] = directReceives(ns, lossyStack, lossy);
                    // A namespace other than the first may not make CUBIC its default (it is not in
                    // tcp_allowed_congestion_control); a route's congctl attribute selects it for that route.
                    route(ns, "congctl", "cubic");
                    cubic[r] = directReceives(ns, lossyStack, lossy);
                    route(ns);
                }
                figures.add(gbit(work, "direct-sender", median(direct), lossy));
                figures.add(gbit(work, "kernel-sender (" + algorithm + ")", median(kernel), lossy));
                figures.add(gbit(work, "kernel-sender (cubic)", median(cubic), lossy));
                // seconds: the rate ratio direct/kernel is kernel's seconds over direct's
                figures.add(new Figure(work + " ratio", "direct/kernel (" + algorithm + ")",
                        median(ratios(kernel, direct)), "x"));
                figures.add(new Figure(work + " ratio", "direct/kernel (cubic)", median(ratios(cubic, direct)), "x"));
                // The direct sender's own counts (medians): each retransmission timeout is a 200 ms stall here.
                figures.add(new Figure(work, "direct-sender timeouts", median(counts[0]), "count"));
                figures.add(new Figure(work, "direct-sender retransmissions", median(counts[1]), "segments"));
                // D-SACKs (RFC 2883): each reports a segment the kernel received twice, i.e. a needless retransmission.
                figures.add(new Figure(work, "direct-sender dsacks", median(counts[2]), "count"));
            } finally {
                lossyStack.disconnect();
            }
        }
        return figures;
    }

    /** Measured rounds of {@code tap-loss} after its warm-up transfers. */
    static final int LOSS_ROUNDS = 5;

    /** {@code tap-loss}'s warm-up transfers each way, the first reported as cold. */
    static final int LOSS_WARMUPS = 2;

    /** tap0's subnet route as the kernel made it, with {@code extra} attributes (none: back to the default). */
    private static void route(NetNamespace ns, String... extra) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("route", "replace", "10.78.0.0/24", "dev", "tap0", "proto",
                "kernel", "scope", "link", "src", KERNEL));
        args.addAll(List.of(extra));
        ns.ip(args.toArray(String[]::new));
    }

    /** Per-round {@code a[i] / b[i]}. */
    private static double[] ratios(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] / b[i];
        }
        return r;
    }

    private static double median(double[] v) {
        return SocketBench.median(v);
    }

    private static double median(long[] v) {
        return SocketBench.median(java.util.Arrays.stream(v).asDoubleStream().toArray());
    }

    /** The bench's namespace with tap0 up at the kernel's address, for the stack to open. */
    private static NetNamespace tapNamespace() throws IOException, InterruptedException {
        NetNamespace ns = NetNamespace.create("bench-tap");
        try {
            ns.ip("tuntap", "add", "dev", "tap0", "mode", "tap");
            ns.ip("addr", "add", KERNEL + "/24", "dev", "tap0");
            ns.ip("link", "set", "tap0", "up");
            return ns;
        } catch (IOException | InterruptedException | RuntimeException e) {
            ns.close();
            throw e;
        }
    }

    /**
     * The system property: a fixed send buffer in bytes for the direct stack in {@code bench tap} (by default
     * TcpConfig's, which grows with cwnd).
     */
    static final String SEND_BUFFER_PROPERTY = "tcpip.bench.tap.sndbuf";

    /**
     * What held the sender back, sampled from {@link TcpFlow#info()} every 2 ms until the kernel read all: medians
     * of the bytes in flight (sent, not acknowledged), unsent bytes, cwnd, the peer's window and SRTT, and the share
     * of samples with the bytes in flight within an MSS of cwnd, within an MSS of the peer's window, or below both (the
     * sender then waits for data: here, with a writer that always has more, for room in its send buffer). Unsent
     * bytes count what waits in the send buffer and what a blocked write still holds.
     */
    static final class SenderLimits {
        private final List<long[]> samples = new ArrayList<>();

        /** Samples {@code flow} every 2 ms until {@code done} (at most 100,000 samples). */
        void run(TcpFlow flow, java.util.concurrent.Future<?> done) {
            while (!done.isDone() && samples.size() < 100_000) {
                sample(flow.info());
                java.util.concurrent.locks.LockSupport.parkNanos(2_000_000); // a sampling period, not a wait
            }
        }

        private void sample(TcpInfo i) {
            {
                samples.add(new long[] {i.bytesSent() - i.bytesAcked() - i.bytesRetransmitted(), i.unsentBytes(),
                        i.cwnd(), i.sendWindow().orElse(-1), i.rtt().orElse(-1)});
            }
        }

        private long median(int k) {
            return samples.stream().mapToLong(s -> s[k]).sorted().skip(samples.size() / 2).findFirst().orElse(-1);
        }

        private long share(java.util.function.Predicate<long[]> p) {
            return samples.isEmpty() ? 0 : samples.stream().filter(p).count() * 100 / samples.size();
        }

        @Override
        public String toString() {
            long mss = 1448;
            return String.format("%d samples: median in flight %d, unsent %d, cwnd %d, peer window %d, srtt %d us;"
                            + " in flight within an MSS of cwnd %d %%, of the peer's window %d %%, below both %d %%",
                    samples.size(), median(0), median(1), median(2), median(3), median(4) / 1000,
                    share(s -> s[0] + mss > s[2]), share(s -> s[3] >= 0 && s[0] + mss > s[3]),
                    share(s -> s[0] + mss <= s[2] && (s[3] < 0 || s[0] + mss <= s[3])));
        }
    }

    private static Figure gbit(String work, String system, double seconds, long bytes) {
        return new Figure(work, system, bytes * 8 / seconds / 1e9, "Gbit/s");
    }

    /** The direct stack writes {@code bytes} to a kernel socket; seconds until the kernel read them all. */
    private static double directSends(NetNamespace ns, DirectStack stack, long bytes, AtomicReference<TcpInfo> info)
            throws Exception {
        return directSends(ns, stack, bytes, info, null);
    }

    /** As above; {@code limits}, if given, samples the sender's state on a thread of its own while it sends. */
    private static double directSends(NetNamespace ns, DirectStack stack, long bytes, AtomicReference<TcpInfo> info,
                                      SenderLimits limits) throws Exception {
        try (ServerSocketChannel server = ns.start("bench-listen", () -> {
            ServerSocketChannel ss = ServerSocketChannel.open();
            ss.bind(new InetSocketAddress(KERNEL, PORT));
            return ss;
        }).get(10, TimeUnit.SECONDS)) {
            CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> drain(server), TapBench::platform);
            ByteBuffer template = pattern();
            long t0 = System.nanoTime();
            try (TcpFlow flow = stack.tcp().connect(new InetSocketAddress(KERNEL, PORT))) {
                Thread sampler = limits == null ? null : Thread.ofPlatform().daemon().name("bench-sampler")
                        .start(() -> limits.run(flow, received));
                for (long left = bytes; left > 0; left -= CHUNK) {
                    // write keeps the buffer: a duplicate of one never-changed template costs no copy
                    flow.write(template.duplicate().limit((int) Math.min(CHUNK, left)));
                }
                flow.shutdown(Direction.WRITE);
                check(received.get(300, TimeUnit.SECONDS), bytes);
                double seconds = (System.nanoTime() - t0) / 1e9;
                if (sampler != null) {
                    sampler.join(10_000);
                }
                if (info != null) {
                    info.set(flow.info());
                }
                return seconds;
            }
        }
    }

    /** A kernel socket writes {@code bytes} to the direct stack; seconds until the stack's reader had them all. */
    private static double directReceives(NetNamespace ns, DirectStack stack, long bytes) throws Exception {
        CompletableFuture<Long> received = new CompletableFuture<>();
        int port = stack.tcp().listen(PORT + 1, flow -> {
            long n = 0;
            while (flow.read() instanceof ReadResult.Data(ByteBuffer b)) {
                n += b.remaining();
            }
            received.complete(n);
            flow.close();
        });
        long t0 = System.nanoTime();
        ns.start("bench-send", () -> send(new InetSocketAddress(STACK, port), bytes)).get(300, TimeUnit.SECONDS);
        check(received.get(60, TimeUnit.SECONDS), bytes);
        double seconds = (System.nanoTime() - t0) / 1e9;
        stack.tcp().unlisten(port);
        return seconds;
    }

    /** The same stream between two namespaces joined by a veth pair: the kernel on both ends. */
    static double kernelOverVeth(long bytes) throws Exception {
        try (Veth v = Veth.create(); ServerSocketChannel server = v.b().start("veth-listen", () -> {
            ServerSocketChannel ss = ServerSocketChannel.open();
            ss.bind(new InetSocketAddress(Veth.B, PORT));
            return ss;
        }).get(10, TimeUnit.SECONDS)) {
            CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> drain(server), TapBench::platform);
            long t0 = System.nanoTime();
            v.a().start("veth-send", () -> send(new InetSocketAddress(Veth.B, PORT), bytes)).get(300, TimeUnit.SECONDS);
            check(received.get(60, TimeUnit.SECONDS), bytes);
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    /** Two new namespaces joined by a veth pair, {@link #A} on veth0 in {@code a}, {@link #B} on veth1 in {@code b}. */
    private record Veth(NetNamespace a, NetNamespace b) implements AutoCloseable {
        static final String A = "10.79.0.1";
        static final String B = "10.79.0.2";

        static Veth create() throws IOException, InterruptedException {
            NetNamespace a = NetNamespace.create("bench-veth");
            NetNamespace b = null;
            try {
                b = NetNamespace.create("bench-veth");
                a.ip("link", "add", "veth0", "type", "veth", "peer", "name", "veth1", "netns", b.name());
                a.ip("addr", "add", A + "/24", "dev", "veth0");
                b.ip("addr", "add", B + "/24", "dev", "veth1");
                a.ip("link", "set", "veth0", "up");
                b.ip("link", "set", "veth1", "up");
                return new Veth(a, b);
            } catch (IOException | InterruptedException | RuntimeException e) {
                a.close();
                if (b != null) {
                    b.close();
                }
                throw e;
            }
        }

        @Override
        public void close() throws IOException, InterruptedException {
            try {
                a.close();
            } finally {
                b.close();
            }
        }
    }

    /**
     * {@code tcp-rr-1byte}: 1-byte request/response, the kernel in the namespace asking and the direct stack over the
     * TAP answering (an echo on the stack's listen callback; the stack's threads are not pinned, nor is the kernel's
     * requesting thread), beside the kernel asking the kernel over a veth pair with both ends pinned
     * (sched_setaffinity(2) on each end's thread, {@link KernelRoundTrips}) to two CPUs ("cross-cpu") and to one
     * ("same-cpu"). The three alternate, {@code rounds} times; medians, and the stack's ratio to each.
     */
    private static List<Figure> roundTrips(Bench.Settings s, NetNamespace ns, DirectStack stack) throws Exception {
        int n = s.quick() ? 2_000 : 20_000;
        int rounds = s.quick() ? 1 : 3;
        List<Integer> cpus = KernelRoundTrips.allowedCpus();
        int first = cpus.getFirst();
        int second = cpus.size() > 1 ? cpus.get(1) : -1;
        int port = stack.tcp().listen(PORT + 2, flow -> {
            while (flow.read() instanceof ReadResult.Data(ByteBuffer b)) {
                flow.write(b);
            }
            flow.close();
        });
        double[] tap = new double[rounds];
        double[] cross = new double[second < 0 ? 0 : rounds];
        double[] same = new double[rounds];
        try (Veth v = Veth.create(); ServerSocketChannel server = v.b().start("veth-rr-listen", () -> {
            ServerSocketChannel ss = ServerSocketChannel.open();
            ss.bind(new InetSocketAddress(Veth.B, PORT + 2));
            return ss;
        }).get(10, TimeUnit.SECONDS)) {
            InetSocketAddress echo = new InetSocketAddress(Veth.B, PORT + 2);
            for (int i = 0; i < rounds; i++) {
                tap[i] = ns.start("bench-tap-rr", () -> KernelRoundTrips.requests(new InetSocketAddress(STACK, port), n,
                        KernelRoundTrips.ANY_CPU)).get(300, TimeUnit.SECONDS);
                if (second >= 0) {
                    cross[i] = vethRoundTrips(v, server, echo, n, first, second);
                }
                same[i] = vethRoundTrips(v, server, echo, n, first, first);
            }
        } finally {
            stack.tcp().unlisten(port);
        }
        String work = "tcp-rr-1byte";
        String unit = "round-trips/s";
        List<Figure> figures = new ArrayList<>();
        double direct = SocketBench.median(tap);
        figures.add(new Figure(work, "direct-tap", direct, unit));
        if (second >= 0) {
            double c = SocketBench.median(cross);
            figures.add(new Figure(work, "kernel-veth-cross-cpu", c, unit));
            figures.add(new Figure(work, "ratio direct-tap/kernel-veth-cross-cpu", direct / c, "x"));
        } else {
            System.err.println("tcpip bench: tap: one CPU allowed, no cross-CPU request/response row");
        }
        double sm = SocketBench.median(same);
        figures.add(new Figure(work, "kernel-veth-same-cpu", sm, unit));
        System.err.printf("tcpip bench: tap: request/response, the kernel's ends pinned: cross-cpu on CPUs %d and %d,"
                + " same-cpu on CPU %d%n", first, second, first);
        figures.add(new Figure(work, "ratio direct-tap/kernel-veth-same-cpu", direct / sm, "x"));
        return figures;
    }

    /** One connection's round trips over the veth pair: the echo in {@code b} on {@code echoCpu}, the asker in {@code a}. */
    private static double vethRoundTrips(Veth v, ServerSocketChannel server, InetSocketAddress echo, int n, int echoCpu,
            int requestCpu) throws Exception {
        CompletableFuture<Long> echoed = v.b().start("veth-rr-echo", () -> KernelRoundTrips.echo(server, echoCpu));
        double rate = v.a().start("veth-rr-requests", () -> KernelRoundTrips.requests(echo, n, requestCpu))
                .get(300, TimeUnit.SECONDS);
        echoed.get(30, TimeUnit.SECONDS);
        return rate;
    }

    private static long send(InetSocketAddress to, long bytes) throws Exception {
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK).put(pattern()).flip();
        try (SocketChannel ch = SocketChannel.open(to)) {
            for (long left = bytes; left > 0; ) {
                buf.clear().limit((int) Math.min(CHUNK, left));
                while (buf.hasRemaining()) {
                    left -= ch.write(buf);
                }
            }
            ch.shutdownOutput();
            ByteBuffer one = ByteBuffer.allocate(1);
            while (ch.read(one.clear()) >= 0) {
                // wait for the receiver's close
            }
        }
        return bytes;
    }

    private static long drain(ServerSocketChannel server) {
        try (SocketChannel ch = server.accept()) {
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
            long n = 0;
            int r;
            while ((r = ch.read(buf.clear())) >= 0) {
                n += r;
            }
            return n;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static ByteBuffer pattern() {
        byte[] b = new byte[CHUNK];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i % 251);
        }
        return ByteBuffer.wrap(b).asReadOnlyBuffer();
    }

    private static void check(long got, long bytes) {
        if (got != bytes) {
            throw new IllegalStateException("the receiver got " + got + " of " + bytes + " bytes");
        }
    }

    private static void platform(Runnable r) {
        Thread.ofPlatform().daemon().name("bench-drain").start(r);
    }
}
