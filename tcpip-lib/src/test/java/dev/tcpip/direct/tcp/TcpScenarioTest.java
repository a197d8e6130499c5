package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.ClosedException;
import dev.tcpip.Keepalive;
import dev.tcpip.ReadResult;
import dev.tcpip.RefusedException;
import dev.tcpip.TcpFlow;
import dev.tcpip.TimedOutException;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.time.Simulation;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Whole-connection scenarios in virtual time over {@link TwoStackWire}. */
class TcpScenarioTest {
    static final long MS = 1_000_000;
    static final InetSocketAddress SERVER80 = new InetSocketAddress(TwoStackWire.B.toInetAddress(), 80);

    @Test
    void sixteenMebibytesUnderEachFaultKind() {
        TwoStackWire.Faults[] kinds = {
            new TwoStackWire.Faults(0.01, 0, 0, 0, 0), new TwoStackWire.Faults(0.05, 0, 0, 0, 0),
            new TwoStackWire.Faults(0.10, 0, 0, 0, 0), new TwoStackWire.Faults(0, 0, 0.2, 0, 0),
            new TwoStackWire.Faults(0, 0.05, 0, 0, 0), new TwoStackWire.Faults(0, 0, 0, 0.02, 0),
            new TwoStackWire.Faults(0, 0, 0, 0, 0.005)};
        long seed = 100;
        for (TwoStackWire.Faults f : kinds) {
            TcpSimulationTest.bidirectional(seed++, TcpConfig.DEFAULTS, 1500, f, 16 << 20, 16 << 20,
                    Duration.ofHours(6));
        }
    }

    @Test
    void slowReaderSeesZeroWindowsAndGetsEveryByte() {
        try (Simulation sim = Simulation.withSeed(7)) {
            TcpConfig cfg = TcpConfig.DEFAULTS.withBuffers(64 << 10, 16 << 10);
            TwoStackWire w = new TwoStackWire(sim, cfg, 1500, MS, TwoStackWire.Faults.NONE);
            AtomicLong got = new AtomicLong(-1);
            LoopFuture<Void> server = sim.spawn("server", () -> {
                w.b.listen(80, flow -> {
                    got.set(Patterns.readAndVerify(flow, 5, n -> w.loopB.sleep(Duration.ofMillis(20))));
                    flow.close();
                });
            });
            sim.runUntil(server::isDone, Duration.ofSeconds(1));
            LoopFuture<Void> client = sim.spawn("client", () -> {
                TcpFlow f = w.a.connect(SERVER80);
                Patterns.write(f, 5, 2 << 20, 32_768);
                f.close();
                DirectTcpFlow d = (DirectTcpFlow) f;
                assertTrue(d.stats().bytesSent() >= 2 << 20);
            });
            sim.runUntil(() -> client.isDone() && got.get() >= 0, Duration.ofHours(1));
            client.getNow();
            assertEquals(2 << 20, got.get());
        }
    }

    @Test
    void thousandConcurrentConnectionsThenNoStateLeft() {
        try (Simulation sim = Simulation.withSeed(11)) {
            // All 1000 SYNs arrive within a millisecond: a backlog of 128 would drop most of them each round
            // (as Linux without SYN cookies does; see TcpScriptTest.listenBacklogDropsSynsBeyondIt).
            TcpConfig cfg = TcpConfig.DEFAULTS.withLimits(4096, 1024, 256);
            TwoStackWire w = new TwoStackWire(sim, cfg, 1500, MS, new TwoStackWire.Faults(0.01, 0, 0, 0, 0));
            LoopFuture<Void> setup = sim.spawn("listen", () -> w.b.listen(80, flow -> {
                while (flow.read() instanceof ReadResult.Data(ByteBuffer b)) {
                    flow.write(b);
                }
                flow.close();
            }));
            sim.runUntil(setup::isDone, Duration.ofSeconds(1));
            List<LoopFuture<Void>> clients = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                long stream = i;
                int size = 1000 + i;
                clients.add(sim.spawn("c" + i, () -> {
                    TcpFlow f = w.a.connect(SERVER80);
                    Patterns.write(f, stream, size, size);
                    assertEquals(size, Patterns.readAndVerify(f, stream), "bytes echoed");
                    f.close();
                }));
            }
            sim.runUntil(() -> clients.stream().allMatch(LoopFuture::isDone), Duration.ofHours(1));
            clients.forEach(LoopFuture::getNow);
            sim.runFor(Duration.ofMinutes(3));
            assertEquals(0, w.a.connectionCount());
            assertEquals(0, w.b.connectionCount());
        }
    }

    @Test
    void connectToAClosedPortIsRefusedAndToASilentAddressTimesOut() {
        try (Simulation sim = Simulation.withSeed(3)) {
            TwoStackWire w = new TwoStackWire(sim, TcpConfig.DEFAULTS, 1500, MS, TwoStackWire.Faults.NONE);
            LoopFuture<Void> refused = sim.spawn("refused", () ->
                    assertThrows(RefusedException.class, () -> w.a.connect(SERVER80)));
            sim.runUntil(refused::isDone, Duration.ofSeconds(5));
            refused.getNow();
            long t0 = sim.now();
            LoopFuture<Void> silent = sim.spawn("silent", () -> assertThrows(TimedOutException.class,
                    () -> w.a.connect(new InetSocketAddress(java.net.InetAddress.ofLiteral("10.9.9.9"), 80))));
            sim.runUntil(silent::isDone, Duration.ofMinutes(5));
            silent.getNow();
            assertEquals(Duration.ofSeconds(123).toNanos(), sim.now() - t0, "6 SYN retries, RTO capped at 60 s");
            assertEquals(0, w.a.connectionCount());
        }
    }

    @Test
    void aPeerThatVanishesIsEndedByKeepalive() {
        try (Simulation sim = Simulation.withSeed(4)) {
            TwoStackWire w = new TwoStackWire(sim, TcpConfig.DEFAULTS, 1500, MS, TwoStackWire.Faults.NONE);
            LoopFuture<Void> setup = sim.spawn("listen", () -> w.b.listen(80, flow -> { }));
            sim.runUntil(setup::isDone, Duration.ofSeconds(1));
            Keepalive k = new Keepalive(Duration.ofSeconds(30), Duration.ofSeconds(5), 4);
            long[] endedAt = {0};
            LoopFuture<Void> client = sim.spawn("client", () -> {
                TcpFlow f = w.a.connect(SERVER80, k);
                w.cut = true;
                long t0 = sim.now();
                assertInstanceOf(ReadResult.Eof.class, f.read());
                endedAt[0] = sim.now() - t0;
                assertThrows(ClosedException.class, () -> f.write(ByteBuffer.wrap(new byte[1])));
            });
            sim.runUntil(client::isDone, Duration.ofMinutes(5));
            client.getNow();
            assertEquals(Duration.ofSeconds(30 + 4 * 5).toNanos(), endedAt[0], "after + probes x interval");
            assertEquals(0, w.a.connectionCount());
        }
    }

    @Test
    void statsCountWhatHappened() {
        try (Simulation sim = Simulation.withSeed(9)) {
            TwoStackWire w = new TwoStackWire(sim, TcpConfig.DEFAULTS, 1500, 10 * MS, new TwoStackWire.Faults(0.02, 0, 0, 0, 0));
            LoopFuture<Void> setup = sim.spawn("listen", () -> w.b.listen(80, flow -> {
                while (flow.read() instanceof ReadResult.Data) {
                    // discard
                }
                flow.close();
            }));
            sim.runUntil(setup::isDone, Duration.ofSeconds(1));
            TcpStats[] s = new TcpStats[1];
            LoopFuture<Void> client = sim.spawn("client", () -> {
                TcpFlow f = w.a.connect(SERVER80);
                Patterns.write(f, 1, 4 << 20, 65536);
                s[0] = ((DirectTcpFlow) f).stats();
                f.close();
            });
            sim.runUntil(client::isDone, Duration.ofHours(1));
            client.getNow();
            TcpStats st = s[0];
            assertEquals("cubic", st.congestionControl());
            assertTrue(st.bytesSent() >= 3 << 20, st.toString());
            assertTrue(st.bytesRetransmitted() > 0, st.toString());
            assertTrue(st.sackBlocksReceived() > 0, st.toString());
            assertTrue(st.srtt() >= 20 * MS && st.srtt() < 200 * MS, st.toString());
            assertTrue(st.ssthresh() < Integer.MAX_VALUE, st.toString());
            assertEquals(1448, st.mss(), "1460 less 12 bytes of timestamps");
        }
    }
}
