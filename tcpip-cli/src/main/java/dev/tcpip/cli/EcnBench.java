package dev.tcpip.cli;

import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import dev.tcpip.TcpInfo;
import dev.tcpip.device.CoDel;
import dev.tcpip.device.Counter;
import dev.tcpip.device.DeviceCounters;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.MemoryNetwork;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.time.SimulatedLoop;
import dev.tcpip.time.Simulation;
import dev.tcpip.time.SimulationConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * ECN through a CoDel bottleneck, in virtual time: one bulk flow between two direct stacks on a memory network whose
 * receiving link is 50 Mbit/s with CoDel (RFC 8289) on its queue, 5 ms each way on each link (20 ms RTT); the sender
 * asks for ECN ({@code direct-ecn-on}, CoDel marks) or not ({@code direct-ecn-off}, CoDel drops). Figures:
 * goodput in virtual time, bytes the sender retransmitted, and the 99th percentile of the time frames waited in the
 * bottleneck's queue, with the marks and drops behind them. The kernel has no part: a virtual-time run is exact and
 * replays; the same seed gives the same figures.
 */
final class EcnBench {
    static final String WORK = "ecn";
    private static final long RATE = 50_000_000;
    private static final LinkConfig EDGE = LinkConfig.DEFAULTS.withLatency(Duration.ofMillis(5));
    static final LinkConfig BOTTLENECK = EDGE.withBitsPerSecond(RATE).withCoDel(CoDel.RFC_8289);
    /** fq_codel's {@code ce_threshold}: ECN-capable frames that waited longer than this are marked CE at once. */
    static final Duration CE_THRESHOLD = Duration.ofMillis(10);
    /** Buffers large enough that the window, not the buffer, limits the flow: a queue forms at the bottleneck. */
    private static final TcpConfig TCP = TcpConfig.DEFAULTS.withBuffers(2 << 20, 2 << 20);

    private EcnBench() {
    }

    static List<Figure> run(Bench.Settings s) throws Exception {
        long bytes = Long.getLong("tcpip.bench.ecn.bytes", s.quick() ? 4L << 20 : 64L << 20);
        List<Figure> out = new ArrayList<>();
        for (int run = 0; run < 4; run++) {
            boolean ecn = run % 2 == 0;
            boolean threshold = run >= 2;
            LinkConfig link = threshold
                    ? BOTTLENECK.withCoDel(BOTTLENECK.codel().withCeThreshold(CE_THRESHOLD)) : BOTTLENECK;
            Result r = flow(bytes, ecn, link);
            String system = (ecn ? "direct-ecn-on" : "direct-ecn-off") + (threshold ? "-ce-threshold" : "");
            out.add(new Figure(WORK + " throughput", system, r.mbps(), "Mbit/s"));
            out.add(new Figure(WORK + " retransmitted bytes", system, r.retransmitted(), "bytes"));
            out.add(new Figure(WORK + " p99 queueing delay", system, r.p99Nanos() / 1e6, "ms"));
            out.add(new Figure(WORK + " median queueing delay", system, r.p50Nanos() / 1e6, "ms"));
            out.add(new Figure(WORK + " ce marks", system, r.marked(), "frames"));
            out.add(new Figure(WORK + " aqm drops", system, r.dropped(), "frames"));
        }
        out.add(new Figure(WORK + " bottleneck", "memory-codel", RATE / 1e6, "Mbit/s"));
        out.add(new Figure(WORK + " bytes", "memory-codel", bytes, "bytes"));
        return out;
    }

    record Result(double mbps, long retransmitted, long p99Nanos, long p50Nanos, long marked, long dropped) {}

    /** One flow of {@code bytes} from a to b through b's CoDel link {@code bottleneck}, a asking for ECN or not. */
    static Result flow(long bytes, boolean ecn, LinkConfig bottleneck) throws Exception {
        try (Simulation sim = new Simulation(SimulationConfig.withSeed(1).maxStepsPerRun(Long.MAX_VALUE))) {
            MemoryNetwork net = MemoryNetwork.simulated(sim);
            SimulatedLoop loopA = sim.newLoop("a");
            SimulatedLoop loopB = sim.newLoop("b");
            TcpConfig tcpA = TCP.withEcn(ecn ? TcpConfig.EcnMode.ON : TcpConfig.EcnMode.ACCEPT);
            DirectStack a = DirectStack.create(DirectStackConfig.ipv4("10.0.0.1/24").withTcp(tcpA),
                    net.connect("a", EDGE).device(), loopA);
            DirectStack b = DirectStack.create(DirectStackConfig.ipv4("10.0.0.2/24").withTcp(TCP),
                    net.connect("b", bottleneck).device(), loopB);
            AtomicLong received = new AtomicLong();
            AtomicLong finished = new AtomicLong(-1);
            LoopFuture<Void> listening = sim.spawn("listen", () -> b.tcp().listen(80, f -> {
                while (f.read() instanceof ReadResult.Data(ByteBuffer data)) {
                    received.addAndGet(data.remaining());
                }
                finished.set(sim.now());
                f.close();
            }));
            sim.runUntil(listening::isDone, Duration.ofSeconds(1));
            listening.getNow();
            AtomicReference<TcpInfo> info = new AtomicReference<>();
            long start = sim.now();
            LoopFuture<Void> client = sim.spawn("client", () -> {
                TcpFlow f = a.tcp().connect(new InetSocketAddress(InetAddress.ofLiteral("10.0.0.2"), 80));
                // write may keep the buffer (the seed's rule): views of one never-changed array, never reused
                ByteBuffer chunk = ByteBuffer.allocate(64 << 10).asReadOnlyBuffer();
                for (long left = bytes; left > 0; left -= chunk.capacity()) {
                    f.write(chunk.duplicate().limit((int) Math.min(chunk.capacity(), left)));
                }
                f.close();
                info.set(f.info());
            });
            sim.runUntil(() -> client.isDone() && finished.get() >= 0, Duration.ofHours(1));
            client.getNow();
            if (received.get() != bytes) {
                throw new IOException("the receiver got " + received.get() + " of " + bytes + " bytes");
            }
            DeviceCounters port = net.link("b").port();
            double seconds = (finished.get() - start) / 1e9;
            return new Result(bytes * 8 / seconds / 1e6, info.get().bytesRetransmitted(), net.queueDelay("b", 0.99),
                    net.queueDelay("b", 0.5), port.get(Counter.CE_MARKED), port.get(Counter.DROPPED_AQM));
        }
    }
}
