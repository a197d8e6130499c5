package dev.tcpip.cli;

import dev.tcpip.ReadResult;
import dev.tcpip.Stack;
import dev.tcpip.TcpFlow;
import dev.tcpip.TcpInfo;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.MemoryNetwork;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.FlowRecording;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.direct.TimeSequencePlot;
import dev.tcpip.direct.tcp.DirectTcpFlow;
import dev.tcpip.direct.tcp.TcpStats;
import dev.tcpip.socket.SocketStack;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Locale;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * TCP between two direct stacks on a real-time memory network ({@code direct-memory}: each stack on its own
 * loop thread) beside the same work through the socket stack on the kernel's loopback
 * ({@code socket-loopback}), in the same run: one-stream bulk throughput at link MTUs 1500, 9000 and 65521
 * (the memory link's largest, a 65535-byte frame; loopback's MTU is 65536 throughout), 1-byte
 * request/response round trips, connections opened and closed per second, and heap bytes per idle
 * established connection. Rounds alternate between the systems; medians are reported.
 */
final class DirectTcpBench {
    private static final InetAddress LOOPBACK = InetAddress.ofLiteral("127.0.0.1");
    private static final InetAddress SERVER = InetAddress.ofLiteral("10.0.0.1");
    private static final int CHUNK = 64 * 1024;
    private static final long TIMEOUT_S = 300;
    static final int[] MTUS = {1500, 9000, 65_521};
    /**
     * The receiving end's ACKs per data segment it received: the direct stack's pure ACKs (window updates
     * included) over its data segments ({@code TcpStats}); the kernel's segments out over segments in
     * ({@code tcpi_segs_out / tcpi_segs_in}, its handshake and FIN included, loopback's 64 KiB MTU).
     */
    private static final String ACKS_UNIT = "receiver ACKs/data segment";
    private static final String ALLOC_UNIT = "heap bytes allocated/byte moved";

    private DirectTcpBench() {
    }

    /** Two stacks and where the client reaches the server; closed together. */
    private record Pair(Stack server, Stack client, InetAddress serverAddress, MemoryNetwork net)
            implements AutoCloseable {

        static Pair direct(int mtu, TcpConfig tcp) {
            return direct(mtu, tcp, true);
        }

        /** {@code offloads}: the links' checksum and segmentation offload ({@link LinkConfig#offloads()}). */
        static Pair direct(int mtu, TcpConfig tcp, boolean offloads) {
            MemoryNetwork net = MemoryNetwork.realTime(1);
            LinkConfig link = LinkConfig.DEFAULTS.withMtu(mtu).withOffloads(offloads);
            DirectStack s = DirectStack.create(DirectStackConfig.ipv4("10.0.0.1/24").withTcp(tcp),
                    net.connect("server", link).device());
            DirectStack c = DirectStack.create(DirectStackConfig.ipv4("10.0.0.2/24").withTcp(tcp),
                    net.connect("client", link).device());
            return new Pair(s, c, SERVER, net);
        }

        static Pair direct(int mtu) {
            return direct(mtu, TcpConfig.DEFAULTS);
        }

        static Pair socket() {
            return new Pair(SocketStack.ipv4(), SocketStack.ipv4(), LOOPBACK, null);
        }

        TcpFlow connect(int port) throws IOException {
            return client.tcp().connect(new InetSocketAddress(serverAddress, port));
        }

        @Override
        public void close() {
            client.disconnect();
            server.disconnect();
            if (net != null) {
                net.close();
            }
        }
    }

    static List<Figure> run(Bench.Settings s) throws Exception {
        long bulk = s.quick() ? 8L << 20 : 512L << 20;
        int rr = s.quick() ? 2_000 : 50_000;
        int conns = s.quick() ? 200 : 3_000;
        int idle = s.quick() ? 500 : 10_000;
        // A socket flow holds two descriptors on this host (one per end): keep under the descriptor limit.
        int idleSocket = s.quick() ? 500 : 4_000;
        int rounds = s.quick() ? 1 : 5;
        // Warm-up: the JIT compiles both paths before anything is measured.
        bulk(Pair.direct(1500), bulk / 4);
        bulk(Pair.socket(), bulk / 4);
        rr(Pair.direct(1500), rr / 4);
        rr(Pair.socket(), rr / 4);
        connections(Pair.direct(1500), conns / 4);
        connections(Pair.socket(), conns / 4);
        double[][] bulkDirect = new double[MTUS.length][rounds];
        double[][] acksDirect = new double[MTUS.length][rounds];
        double[] bulkSocket = new double[rounds];
        double[] acksSocket = new double[rounds];
        double[][] allocDirect = new double[MTUS.length][rounds];
        double[][] bulkNoOffload = new double[MTUS.length][rounds];
        double[][] acksNoOffload = new double[MTUS.length][rounds];
        double[][] allocNoOffload = new double[MTUS.length][rounds];
        double[] allocSocket = new double[rounds];
        double[] rrDirect = new double[rounds];
        double[] rrSocket = new double[rounds];
        double[] rrKernel = new double[rounds];
        int cpu = KernelRoundTrips.allowedCpus().getFirst();
        double[] connDirect = new double[rounds];
        double[] connSocket = new double[rounds];
        // Issue 13's reference: the kernel over a veth pair (offloads on, MTU 1500) between two namespaces; as root.
        boolean veth = "root".equals(System.getProperty("user.name"));
        double[] bulkVeth = new double[rounds];
        if (!veth) {
            System.err.println("tcpip bench: direct-tcp: no kernel veth row (needs root to create namespaces)");
        }
        for (int i = 0; i < rounds; i++) {
            if (veth) {
                bulkVeth[i] = bulk * 8 / TapBench.kernelOverVeth(bulk) / 1e9;
            }
            for (int m = 0; m < MTUS.length; m++) {
                double[] side = new double[2];
                bulkDirect[m][i] = bulk(Pair.direct(MTUS[m]), bulk, null, side);
                acksDirect[m][i] = side[0];
                allocDirect[m][i] = side[1];
                bulkNoOffload[m][i] = bulk(Pair.direct(MTUS[m], TcpConfig.DEFAULTS, false), bulk, null, side);
                acksNoOffload[m][i] = side[0];
                allocNoOffload[m][i] = side[1];
            }
            double[] side = new double[2];
            bulkSocket[i] = bulk(Pair.socket(), bulk, null, side);
            acksSocket[i] = side[0];
            allocSocket[i] = side[1];
            rrDirect[i] = rr(Pair.direct(1500), rr);
            rrSocket[i] = rr(Pair.socket(), rr);
            rrKernel[i] = KernelRoundTrips.loopback(rr, cpu, cpu);
            connDirect[i] = connections(Pair.direct(1500), conns);
            connSocket[i] = connections(Pair.socket(), conns);
        }
        List<Figure> out = new ArrayList<>();
        double socketBulk = SocketBench.median(bulkSocket);
        for (int m = 0; m < MTUS.length; m++) {
            String work = "tcp-bulk-mtu" + MTUS[m];
            double d = SocketBench.median(bulkDirect[m]);
            out.add(new Figure(work, "direct-memory", d, "Gbit/s"));
            out.add(new Figure(work, "socket-loopback", socketBulk, "Gbit/s"));
            out.add(new Figure(work, "ratio", d / socketBulk, "x"));
            if (veth && MTUS[m] == 1500) {
                double v = SocketBench.median(bulkVeth);
                out.add(new Figure(work, "kernel-veth", v, "Gbit/s"));
                out.add(new Figure(work, "ratio direct-memory/kernel-veth", d / v, "x"));
            }
            out.add(new Figure(work + "-acks", "direct-memory", SocketBench.median(acksDirect[m]), ACKS_UNIT));
            out.add(new Figure(work + "-alloc", "direct-memory", SocketBench.median(allocDirect[m]), ALLOC_UNIT));
            // the same with the memory links' offloads off (LinkConfig.withOffloads(false)): no TSO, full checksums
            String off = work + "-nooffload";
            double n = SocketBench.median(bulkNoOffload[m]);
            out.add(new Figure(off, "direct-memory", n, "Gbit/s"));
            out.add(new Figure(off, "ratio", n / socketBulk, "x"));
            out.add(new Figure(off + "-acks", "direct-memory", SocketBench.median(acksNoOffload[m]), ACKS_UNIT));
            out.add(new Figure(off + "-alloc", "direct-memory", SocketBench.median(allocNoOffload[m]), ALLOC_UNIT));
        }
        out.add(new Figure("tcp-bulk-mtu65536-acks", "socket-loopback", SocketBench.median(acksSocket), ACKS_UNIT));
        out.add(new Figure("tcp-bulk-mtu65536-alloc", "socket-loopback", SocketBench.median(allocSocket), ALLOC_UNIT));
        addPair(out, "tcp-rr-1byte", SocketBench.median(rrDirect), SocketBench.median(rrSocket), "round-trips/s");
        // The kernel itself, both ends (java.nio) pinned to one CPU: issue 13's in-memory reference.
        double kernelRr = SocketBench.median(rrKernel);
        out.add(new Figure("tcp-rr-1byte", "kernel-loopback-same-cpu", kernelRr, "round-trips/s"));
        out.add(new Figure("tcp-rr-1byte", "ratio direct-memory/kernel-loopback-same-cpu",
                SocketBench.median(rrDirect) / kernelRr, "x"));
        addPair(out, "tcp-connect-close", SocketBench.median(connDirect), SocketBench.median(connSocket),
                "connections/s");
        // Per end of an idle connection (both ends live in this JVM); the direct stack's figure also without
        // its two buffers, whose idle size is what the rings start with.
        double[] direct = idleHeap(Pair.direct(1500, TcpConfig.DEFAULTS.withLimits(4096, 1024, 256)), idle);
        double[] socket = idleHeap(Pair.socket(), idleSocket);
        out.add(new Figure("tcp-idle-heap-" + idle, "direct-memory", direct[0], "bytes/endpoint"));
        out.add(new Figure("tcp-idle-heap-" + idle, "direct-memory", direct[0] - idleBufferBytes(),
                "bytes/endpoint beyond buffers"));
        out.add(new Figure("tcp-idle-heap-" + idleSocket, "socket-loopback", socket[0],
                "JVM bytes/endpoint (kernel memory not counted)"));
        if (s.plot() != null) {
            plot(bulk, s.plot());
        }
        return out;
    }

    /** One more bulk transfer at MTU 1500, not counted: the client's flow recorded and drawn to {@code file}. */
    static void plot(long total, Path file) throws Exception {
        AtomicReference<FlowRecording> recording = new AtomicReference<>();
        double gbps = bulk(Pair.direct(1500), total, (client, flow) -> {
            if (flow == null) {
                client.recordFlows(Demo.recordingCapacity(total));       // the next flow: the bulk one
            } else {
                client.recordFlows(0);
                recording.set(client.recording(flow).orElseThrow());
            }
        });
        FlowRecording r = recording.get();
        TimeSequencePlot.write(r, file);
        System.err.printf(Locale.ROOT, "tcpip bench: plot of one direct-tcp bulk flow (MTU 1500, %d MiB, %.2f Gbit/s"
                + " while recorded, not counted), %d events%s: %s%n", total >> 20, gbps, r.events().size(),
                r.dropped() > 0 ? " (the " + r.dropped() + " before them dropped)" : "", file.toAbsolutePath());
    }

    /** Called with the client's direct stack before it connects (flow null), then with the flow it opened. */
    interface Recorder {
        void around(DirectStack client, TcpFlow flow) throws IOException;
    }

    private static void addPair(List<Figure> out, String work, double direct, double socket, String unit) {
        out.add(new Figure(work, "direct-memory", direct, unit));
        out.add(new Figure(work, "socket-loopback", socket, unit));
        out.add(new Figure(work, "ratio", direct / socket, "x"));
    }

    /**
     * The heap an idle direct flow's send and receive buffers take: none, since their rings allocate on first
     * use (before that change, two 4 KiB arrays: 8,224 bytes).
     */
    static long idleBufferBytes() {
        return 0;
    }

    /** One flow, 64 KiB writes, a reader that drops the data; Gbit/s from the first write to the last byte read. */
    static double bulk(Pair p, long total) throws Exception {
        return bulk(p, total, null);
    }

    /** As above; {@code recorder}, if not null, is told of the connection (direct pairs only). */
    static double bulk(Pair p, long total, Recorder recorder) throws Exception {
        return bulk(p, total, recorder, new double[1]);
    }

    /**
     * As above; the receiving end's ACKs per data segment received go to {@code side[0]}, and, if {@code side} has
     * room, the heap bytes the whole JVM allocated per byte received during the transfer to {@code side[1]} (both
     * stacks, the bench's reader and writer, whatever else runs: the seed's fresh buffer per read included).
     */
    static double bulk(Pair p, long total, Recorder recorder, double[] side) throws Exception {
        try (p) {
            CompletableFuture<Long> received = new CompletableFuture<>();
            int port = p.server.tcp().listen(0, flow -> {
                long n = 0;
                while (flow.read() instanceof ReadResult.Data(ByteBuffer b)) {
                    n += b.remaining();
                }
                side[0] = acksPerDataSegment(flow);
                received.complete(n);
                flow.close();
            });
            if (recorder != null) {
                recorder.around((DirectStack) p.client, null);
            }
            TcpFlow flow = p.connect(port);
            if (recorder != null) {
                recorder.around((DirectStack) p.client, flow);
            }
            ByteBuffer data = ByteBuffer.allocate(CHUNK);
            long allocatedBefore = allocatedBytes();
            long start = System.nanoTime();
            for (long sent = 0; sent < total; sent += CHUNK) {
                flow.write(data.asReadOnlyBuffer());   // never changed, so each write may take a view
            }
            flow.close();
            long got = received.get(TIMEOUT_S, TimeUnit.SECONDS);
            long nanos = System.nanoTime() - start;
            if (side.length > 1) {
                side[1] = (double) (allocatedBytes() - allocatedBefore) / Math.max(1, got);
            }
            long want = (total + CHUNK - 1) / CHUNK * CHUNK;
            if (got != want) {
                throw new IOException("received " + got + " bytes of " + want);
            }
            return got * 8.0 / nanos;
        }
    }

    /** Heap bytes allocated by every thread of this JVM so far (HotSpot's count; -1 where unsupported). */
    private static long allocatedBytes() {
        return java.lang.management.ManagementFactory.getThreadMXBean()
                instanceof com.sun.management.ThreadMXBean t ? t.getTotalThreadAllocatedBytes() : -1;
    }

    private static double acksPerDataSegment(TcpFlow flow) throws IOException {
        if (flow instanceof DirectTcpFlow d) {
            TcpStats s = d.stats();
            return (double) s.acksSent() / Math.max(1, s.dataSegmentsReceived());
        }
        TcpInfo info = flow.info();
        return (double) info.segmentsOut() / Math.max(1, info.segmentsIn());
    }

    /** 1-byte request, 1-byte response, one at a time. */
    static double rr(Pair p, int n) throws Exception {
        try (p) {
            return roundTrips(p.server, p.client, p.serverAddress, n);
        }
    }

    /** {@code n} 1-byte round trips from {@code client} to an echo server on {@code server}; per second. */
    static double roundTrips(Stack server, Stack client, InetAddress serverAddress, int n) throws Exception {
        int port = server.tcp().listen(0, flow -> {
            while (flow.read() instanceof ReadResult.Data(ByteBuffer b)) {
                flow.write(b);
            }
            flow.close();
        });
        TcpFlow flow = client.tcp().connect(new InetSocketAddress(serverAddress, port));
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            flow.write(ByteBuffer.wrap(new byte[] {(byte) i}));
            if (!(flow.read() instanceof ReadResult.Data(ByteBuffer b)) || b.remaining() != 1) {
                throw new IOException("round trip " + i + " failed");
            }
        }
        long nanos = System.nanoTime() - start;
        flow.close();
        return n * 1e9 / nanos;
    }

    /** Opens a connection and closes it (the server closes at once too), {@code n} times one after another. */
    static double connections(Pair p, int n) throws Exception {
        try (p) {
            int port = p.server.tcp().listen(0, TcpFlow::close);
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                p.connect(port).close();
            }
            return n * 1e9 / (System.nanoTime() - start);
        }
    }

    /** {heap bytes per endpoint}: {@code n} idle established connections, both ends in this JVM. */
    static double[] idleHeap(Pair p, int n) throws Exception {
        try (p) {
            Queue<TcpFlow> accepted = new ConcurrentLinkedQueue<>();
            CountDownLatch all = new CountDownLatch(n + 1);
            int port = p.server.tcp().listen(0, flow -> {
                accepted.add(flow);
                all.countDown();
            });
            List<TcpFlow> flows = new ArrayList<>(n + 1);
            flows.add(p.connect(port));                                   // ARP and classes out of the way
            long before = usedHeap();
            for (int i = 0; i < n; i++) {
                flows.add(p.connect(port));
            }
            if (!all.await(TIMEOUT_S, TimeUnit.SECONDS)) {
                throw new IOException("only " + accepted.size() + " of " + (n + 1) + " connections accepted");
            }
            long after = usedHeap();
            // Both lists stay reachable until here; the pair's close (disconnect) then ends every flow.
            return new double[] {(after - before) / (2.0 * n), flows.size() + accepted.size()};
        }
    }

    /** Heap in use after the collector has run to a fixed point (a few full collections). */
    private static long usedHeap() throws InterruptedException {
        var memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
