#!/usr/bin/env bash
# Connection churn, counted rather than timed (BENCHMARKS.md "Churn, continued"): compiles two small harnesses
# against JAR (they sit in dev.tcpip.cli to reach ChurnBench) and runs them.
#  1. timers: ChurnBench's direct-memory churn (two direct stacks, real time, 8 clients) for N connections, twice;
#     reads each RealTimeLoop's timer sequence and timer heap by reflection: loop timers scheduled per connection
#     (made anew, and moved in place by EventLoop.reschedule), the largest heap, the heap at the end. Exact whatever
#     the load.
#  2. sim: the same churn in virtual time (Simulation, seed 1, 8 clients): process CPU and bytes allocated
#     (ThreadMXBean.getTotalThreadAllocatedBytes) per connection over ROUNDS rounds of N after two warm-ups of N.
#     Not exact: the bytes move by a few per cent between runs of the same jar (JIT decisions; with
#     JAVA_OPTS=-XX:-DoEscapeAnalysis too), and the CPU follows the machine's load. Compare alternated runs.
#   [JAVA_OPTS=...] scripts/churn-counts.sh tcpip-cli/target/tcpip.jar [N=10000] [ROUNDS=6]
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 JAR [N] [ROUNDS]" >&2; exit 2; }
JAR=$(readlink -f "$1"); N=${2:-10000}; ROUNDS=${3:-6}
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
. "$root/scripts/find-jdk.sh"
tcpip_find_jdk || exit 1
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
mkdir -p "$D/src/dev/tcpip/cli"
cat > "$D/src/dev/tcpip/cli/ChurnTimers.java" <<'JAVA'
package dev.tcpip.cli;

import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.MemoryNetwork;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;

public final class ChurnTimers {
    private static volatile boolean stop;

    private static Field field(Class<?> c, String name) throws ReflectiveOperationException {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }

    /** RealTimeLoop's count of timers moved in place (churn4), or null in a jar without it. */
    private static Field movedField(Class<?> c) {
        try {
            return field(c, "timersMoved");
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    private static long moved(Field f, Object loop) throws ReflectiveOperationException {
        return f == null ? 0 : f.getLong(loop);
    }

    public static void main(String[] a) throws Exception {
        int n = Integer.parseInt(a[0]);
        for (int round = 0; round < 2; round++) {
            try (MemoryNetwork net = MemoryNetwork.realTime(1)) {
                DirectStack server = DirectStack.create(DirectStackConfig.ipv4("10.0.0.1/24"),
                        net.connect("server", LinkConfig.DEFAULTS).device());
                DirectStack client = DirectStack.create(DirectStackConfig.ipv4("10.0.0.2/24"),
                        net.connect("client", LinkConfig.DEFAULTS).device());
                Object sl = server.loop(), cl = client.loop();
                Field seq = field(sl.getClass(), "timerSeq"), timers = field(sl.getClass(), "timers");
                Object sq = timers.get(sl), cq = timers.get(cl);
                Field size = field(sq.getClass(), "size");
                Field moved = movedField(sl.getClass());
                long s0 = ((AtomicLong) seq.get(sl)).get(), c0 = ((AtomicLong) seq.get(cl)).get();
                long sm0 = moved(moved, sl), cm0 = moved(moved, cl);
                int[] max = new int[2];
                stop = false;
                Thread watch = Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < 600_000 && !stop; i++) {   // at most 10 minutes
                            max[0] = Math.max(max[0], size.getInt(sq));
                            max[1] = Math.max(max[1], size.getInt(cq));
                            Thread.sleep(1);
                        }
                    } catch (ReflectiveOperationException | InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                double rate = ChurnBench.stacks(server, client, InetAddress.ofLiteral("10.0.0.1"), n, 8);
                stop = true;
                watch.join();
                long s1 = ((AtomicLong) seq.get(sl)).get(), c1 = ((AtomicLong) seq.get(cl)).get();
                long sm1 = moved(moved, sl), cm1 = moved(moved, cl);
                System.out.printf("timers round %d: %.0f /s; loop timers per connection server %.2f client %.2f"
                        + " (made %.2f / %.2f, moved in place %.2f / %.2f);"
                        + " largest heap server %d client %d; heap at the end server %d client %d%n", round, rate,
                        (s1 - s0) / (double) n, (c1 - c0) / (double) n,
                        (s1 - s0 - (sm1 - sm0)) / (double) n, (c1 - c0 - (cm1 - cm0)) / (double) n,
                        (sm1 - sm0) / (double) n, (cm1 - cm0) / (double) n, max[0], max[1], size.getInt(sq),
                        size.getInt(cq));
                client.disconnect();
                server.disconnect();
            }
        }
    }
}
JAVA
cat > "$D/src/dev/tcpip/cli/SimChurn.java" <<'JAVA'
package dev.tcpip.cli;

import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.MemoryNetwork;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.time.Simulation;
import dev.tcpip.time.SimulationConfig;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

public final class SimChurn {
    public static void main(String[] a) throws Exception {
        int n = Integer.parseInt(a[0]), rounds = Integer.parseInt(a[1]);
        run(n);
        run(n);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int r = 0; r < rounds; r++) {
            long cpu = os.getProcessCpuTime(), bytes = threads.getTotalThreadAllocatedBytes();
            run(n);
            System.out.printf("sim round %d: %.1f us CPU, %d bytes allocated per connection%n", r,
                    (os.getProcessCpuTime() - cpu) / 1e3 / n, (threads.getTotalThreadAllocatedBytes() - bytes) / n);
        }
    }

    static void run(int n) throws Exception {
        try (Simulation sim = new Simulation(SimulationConfig.withSeed(1).maxStepsPerRun(Long.MAX_VALUE))) {
            MemoryNetwork net = MemoryNetwork.simulated(sim);
            DirectStack server = DirectStack.create(DirectStackConfig.ipv4("10.0.0.2/24"),
                    net.connect("server", LinkConfig.DEFAULTS).device(), sim.newLoop("server"));
            DirectStack client = DirectStack.create(DirectStackConfig.ipv4("10.0.0.1/24"),
                    net.connect("client", LinkConfig.DEFAULTS).device(), sim.newLoop("client"));
            LoopFuture<Void> listening = sim.spawn("listen", () -> server.tcp().listen(80, f -> {
                if (f.read() instanceof ReadResult.Data(ByteBuffer d)) {
                    f.write(d);
                }
                f.close();
            }));
            sim.runUntil(listening::isDone, Duration.ofSeconds(1));
            listening.getNow();
            InetSocketAddress to = new InetSocketAddress(InetAddress.ofLiteral("10.0.0.2"), 80);
            AtomicInteger next = new AtomicInteger();
            List<LoopFuture<Void>> clients = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                clients.add(sim.spawn("client-" + t, () -> {
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        TcpFlow f = client.tcp().connect(to);
                        f.write(ByteBuffer.wrap(new byte[] {(byte) i}));
                        if (!(f.read() instanceof ReadResult.Data(ByteBuffer d)) || d.get() != (byte) i) {
                            throw new IllegalStateException("connection " + i + ": no echo");
                        }
                        f.close();
                    }
                }));
            }
            sim.runUntil(() -> clients.stream().allMatch(LoopFuture::isDone), Duration.ofHours(10));
            for (LoopFuture<Void> f : clients) {
                f.getNow();
            }
        }
    }
}
JAVA
"$JAVA_HOME/bin/javac" -cp "$JAR" -d "$D/classes" "$D"/src/dev/tcpip/cli/*.java
run() { "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xms256m ${JAVA_OPTS:-} -cp "$D/classes:$JAR" "$@"; }
run dev.tcpip.cli.ChurnTimers "$N"
run dev.tcpip.cli.SimChurn "$N" "$ROUNDS"
