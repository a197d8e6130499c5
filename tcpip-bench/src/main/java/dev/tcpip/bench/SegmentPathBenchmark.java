package dev.tcpip.bench;

import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.MemoryNetwork;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.time.Simulation;
import dev.tcpip.time.SimulationConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole per-segment path of the direct stack, on one thread: two stacks on a simulated memory network (no
 * latency, no rate limit) and a bulk transfer of {@link #MIB} MiB in 64 KiB writes, each operation a fresh
 * simulation (handshake included). The simulation runs every loop, the link and the application threads one at a
 * time, so the time per operation is the CPU cost of emitting, carrying, receiving and acknowledging the segments
 * (and of the simulation's own turns), without the thread hand-offs and the noise of real-time runs. Divide by the
 * segments (MiB x 2^20 / MSS) for the cost per segment.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseParallelGC", "-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SegmentPathBenchmark {
    /** Bytes moved per operation, in MiB. */
    public static final int MIB = 16;

    @Param({"1500", "9000", "65521"})
    public int mtu;

    @Benchmark
    public long bulk() throws Exception {
        Simulation sim = new Simulation(SimulationConfig.withSeed(1));
        MemoryNetwork net = MemoryNetwork.simulated(sim);
        LinkConfig link = LinkConfig.DEFAULTS.withMtu(mtu);
        DirectStack server = DirectStack.create(DirectStackConfig.ipv4("10.0.0.2/24"),
                net.connect("server", link).device(), sim.newLoop("server"));
        DirectStack client = DirectStack.create(DirectStackConfig.ipv4("10.0.0.1/24"),
                net.connect("client", link).device(), sim.newLoop("client"));
        AtomicLong received = new AtomicLong();
        int port = server.tcp().listen(5001, f -> {
            while (f.read() instanceof ReadResult.Data(ByteBuffer b)) {
                received.addAndGet(b.remaining());
            }
            f.close();
        });
        long total = (long) MIB << 20;
        LoopFuture<Void> run = sim.spawn("client", () -> {
            try (TcpFlow f = client.tcp().connect(new InetSocketAddress(InetAddress.ofLiteral("10.0.0.2"), port))) {
                ByteBuffer data = ByteBuffer.allocate(64 * 1024);
                for (long sent = 0; sent < total; sent += data.capacity()) {
                    f.write(data.asReadOnlyBuffer());            // never changed, so the stack may keep a view
                }
            }
        });
        sim.runUntil(run::isDone, Duration.ofMinutes(10));
        run.getNow();
        if (received.get() != total) {
            throw new IOException("received " + received.get() + " of " + total + " bytes");
        }
        return received.get();
    }
}
