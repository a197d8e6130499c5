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

/** Byte-exact bulk transfers in virtual time over {@link TwoStackWire}, both directions at once. */
class TcpSimulationTest {
    static final long MS = 1_000_000;

    /** Runs one bidirectional transfer and asserts both streams arrive exactly, then all state is gone. */
    static void bidirectional(long seed, TcpConfig cfg, int mtu, TwoStackWire.Faults faults, long upBytes,
                              long downBytes, Duration limit) {
        try (Simulation sim = Simulation.withSeed(seed)) {
            TwoStackWire w = new TwoStackWire(sim, cfg, mtu, MS, faults);
            AtomicLong serverGot = new AtomicLong(-1);
            LoopFuture<Integer> listening = sim.spawn("listen", () -> { }).loop().newFuture();
            LoopFuture<Void> setup = sim.spawn("setup", () -> listening.complete(w.b.listen(80, flow -> {
                LoopFuture<Void> writer = w.loopB.spawn("server-writer",
                        () -> Patterns.write(flow, 2, downBytes, 50_000));
                serverGot.set(Patterns.readAndVerify(flow, 1));
                writer.await();
                flow.close();
            })));
            sim.runUntil(setup::isDone, Duration.ofSeconds(1));
            setup.getNow();
            AtomicLong clientGot = new AtomicLong(-1);
            LoopFuture<Void> client = sim.spawn("client", () -> {
                TcpFlow f = w.a.connect(new InetSocketAddress(TwoStackWire.B.toInetAddress(), 80));
                LoopFuture<Void> writer = sim.spawn("client-writer", () -> Patterns.write(f, 1, upBytes, 65_536));
                clientGot.set(Patterns.readAndVerify(f, 2));
                writer.await();
                f.close();
            });
            sim.runUntil(() -> client.isDone() && serverGot.get() >= 0, limit);
            client.getNow();
            assertEquals(upBytes, serverGot.get(), "bytes client -> server (seed " + seed + ")");
            assertEquals(downBytes, clientGot.get(), "bytes server -> client (seed " + seed + ")");
            // After TIME-WAIT (2 x MSL) no connection state remains.
            sim.runFor(cfg.msl().multipliedBy(2).plusSeconds(120));
            assertEquals(0, w.a.connectionCount(), "client stack holds connections (seed " + seed + ")");
            assertEquals(0, w.b.connectionCount(), "server stack holds connections (seed " + seed + ")");
        }
    }

    @Test
    void oneMebibyteCleanBothDirections() {
        bidirectional(1, TcpConfig.DEFAULTS, 1500, TwoStackWire.Faults.NONE, 1 << 20, 1 << 20, Duration.ofMinutes(5));
    }

    @Test
    void sixtyFourMebibytesCleanBothDirections() {
        bidirectional(2, TcpConfig.DEFAULTS, 1500, TwoStackWire.Faults.NONE, 64 << 20, 64 << 20,
                Duration.ofMinutes(10));
    }

    @Test
    void lossyTransfersOverManySeeds() {
        for (double loss : new double[] {0.01, 0.05, 0.10}) {
            for (long seed = 1; seed <= 20; seed++) {
                bidirectional(seed, TcpConfig.DEFAULTS, 1500, new TwoStackWire.Faults(loss, 0, 0, 0, 0),
                        256 << 10, 256 << 10, Duration.ofHours(2));
            }
        }
    }

    @Test
    void reorderingDuplicationCorruptionAndBursts() {
        for (long seed = 1; seed <= 20; seed++) {
            bidirectional(seed, TcpConfig.DEFAULTS, 1500, new TwoStackWire.Faults(0.01, 0.02, 0.05, 0.01, 0.002),
                    256 << 10, 256 << 10, Duration.ofHours(2));
        }
    }

    @Test
    void newRenoWithoutSackUnderLoss() {
        TcpConfig cfg = TcpConfig.DEFAULTS.withCongestionControl(TcpConfig.CongestionControlKind.NEW_RENO)
                .withOptions(true, false, false);
        for (long seed = 1; seed <= 5; seed++) {
            bidirectional(seed, cfg, 1500, new TwoStackWire.Faults(0.03, 0.01, 0.03, 0, 0),
                    256 << 10, 256 << 10, Duration.ofHours(2));
        }
    }

    @Test
    void mtus576And9000() {
        for (int mtu : new int[] {576, 1500, 9000}) {
            bidirectional(mtu, TcpConfig.DEFAULTS, mtu, new TwoStackWire.Faults(0.01, 0, 0, 0, 0),
                    1 << 20, 1 << 20, Duration.ofHours(1));
        }
    }
}
