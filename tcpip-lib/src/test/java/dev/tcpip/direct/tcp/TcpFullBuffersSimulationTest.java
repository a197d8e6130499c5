package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tcpip.TcpFlow;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.time.Simulation;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Both applications write 4 MiB before they read, over {@link TwoStackWire} with loss: each write completes
 * only once the other side's receive buffer is completely full, so both windows close at once, with the
 * scaled window (shift 7) at its edge. Byte-exact, in virtual time, without deadlock.
 */
class TcpFullBuffersSimulationTest {
    static final long MS = 1_000_000;
    static final long BYTES = 4 << 20;

    static void writeThenRead(long seed, TwoStackWire.Faults faults) {
        // 2 MiB in the peer's receive buffer + 2 MiB in our send buffer = exactly the 4 MiB written.
        TcpConfig cfg = TcpConfig.DEFAULTS.withBuffers(2 << 20, 2 << 20);
        try (Simulation sim = Simulation.withSeed(seed)) {
            TwoStackWire w = new TwoStackWire(sim, cfg, 1500, MS, faults);
            AtomicLong serverGot = new AtomicLong(-1);
            LoopFuture<Void> setup = sim.spawn("setup", () -> w.b.listen(80, flow -> {
                Patterns.write(flow, 2, BYTES, 65_536);
                serverGot.set(Patterns.readAndVerify(flow, 1));
                flow.close();
            }));
            sim.runUntil(setup::isDone, Duration.ofSeconds(1));
            setup.getNow();
            AtomicLong clientGot = new AtomicLong(-1);
            LoopFuture<Void> client = sim.spawn("client", () -> {
                TcpFlow f = w.a.connect(new InetSocketAddress(TwoStackWire.B.toInetAddress(), 80));
                Patterns.write(f, 1, BYTES, 65_536);
                clientGot.set(Patterns.readAndVerify(f, 2));
                f.close();
            });
            sim.runUntil(() -> client.isDone() && serverGot.get() >= 0, Duration.ofMinutes(30));
            client.getNow();
            assertEquals(BYTES, serverGot.get(), "bytes client -> server (seed " + seed + ")");
            assertEquals(BYTES, clientGot.get(), "bytes server -> client (seed " + seed + ")");
        }
    }

    @Test
    void bothWriteFourMebibytesBeforeReadingClean() {
        writeThenRead(1, TwoStackWire.Faults.NONE);
    }

    @Test
    void bothWriteFourMebibytesBeforeReadingWithLoss() {
        for (long seed = 1; seed <= 4; seed++) {
            writeThenRead(seed, new TwoStackWire.Faults(0.02, 0, 0.01, 0, 0));
        }
    }
}
