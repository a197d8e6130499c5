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
import dev.tcpip.device.Faults;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.MemoryNetwork;
import dev.tcpip.device.NetworkDevice;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.time.SimulatedLoop;
import dev.tcpip.time.Simulation;
import dev.tcpip.time.SimulationConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * TCP between two whole direct stacks (Ethernet, ARP, IPv4, TCP) on a {@link MemoryNetwork} in virtual time:
 * byte-exact transfers in both directions at once under each kind of link fault, and the scenarios of the
 * TCP issue. Every run ends by waiting out TIME-WAIT and asserting that neither stack holds any connection.
 *
 * <p>The fault matrix is sized by two properties: {@code -Dtcpip.sim.seeds} (seeds per fault kind, default
 * 10) and {@code -Dtcpip.sim.mib} (MiB each way per run, default 2). The full matrix is
 * {@code -Dtcpip.sim.seeds=50 -Dtcpip.sim.mib=16}. Each seed is its own test, named with its seed.
 */
class MemoryNetworkTcpSimulationTest {
    static final int SEEDS = Integer.getInteger("tcpip.sim.seeds", 10);
    static final int MIB = Integer.getInteger("tcpip.sim.mib", 2);
    static final InetAddress A = InetAddress.ofLiteral("10.0.0.1");
    static final InetAddress B = InetAddress.ofLiteral("10.0.0.2");
    static final InetAddress B6 = InetAddress.ofLiteral("2001:db8::2");
    /** Seeds per fault kind over IPv6: a representative subset of the IPv4 matrix. */
    static final int SEEDS_IPV6 = Math.max(2, SEEDS / 5);
    /** On the prefix, held by no stack: ARP for it gets no answer. */
    static final InetAddress SILENT = InetAddress.ofLiteral("10.0.0.99");
    /** One way: 1 ms on each of the two links (RTT 4 ms) at 1 Gbit/s, so queues and timers matter. */
    static final LinkConfig LINK = LinkConfig.DEFAULTS.withLatency(Duration.ofMillis(1)).withBitsPerSecond(1_000_000_000L);

    /** Two stacks, 10.0.0.1 (a) and 10.0.0.2 (b), each on its own loop, on one simulated network. */
    static class Net implements AutoCloseable {
        final Simulation sim;
        final MemoryNetwork net;
        final SimulatedLoop loopA;
        final SimulatedLoop loopB;
        final DirectStack a;
        final DirectStack b;

        /** b's address as a reaches it. */
        final InetAddress bAddress;

        Net(long seed, TcpConfig tcp, LinkConfig link) {
            this(seed, tcp, link, false);
        }

        /** With {@code ipv6}, two IPv6-only stacks (2001:db8::1 and ::2) instead. */
        Net(long seed, TcpConfig tcp, LinkConfig link, boolean ipv6) {
            this(seed, tcp, tcp, link, ipv6);
        }

        /** a's TCP configured with {@code tcpA}, b's with {@code tcpB}. */
        Net(long seed, TcpConfig tcpA, TcpConfig tcpB, LinkConfig link, boolean ipv6) {
            this(seed, tcpA, tcpB, link, link, ipv6, d -> d, d -> d);
        }

        /** Each stack on its own link, its device wrapped by {@code wrapA} or {@code wrapB}. */
        Net(long seed, TcpConfig tcpA, TcpConfig tcpB, LinkConfig linkA, LinkConfig linkB, boolean ipv6,
            UnaryOperator<NetworkDevice> wrapA, UnaryOperator<NetworkDevice> wrapB) {
            sim = new Simulation(SimulationConfig.withSeed(seed).maxStepsPerRun(200_000_000L));
            net = MemoryNetwork.simulated(sim);
            loopA = sim.newLoop("a");
            loopB = sim.newLoop("b");
            a = DirectStack.create(config(ipv6, 1).withTcp(tcpA), wrapA.apply(net.connect("a", linkA).device()),
                    loopA);
            b = DirectStack.create(config(ipv6, 2).withTcp(tcpB), wrapB.apply(net.connect("b", linkB).device()),
                    loopB);
            bAddress = ipv6 ? B6 : B;
        }

        private static DirectStackConfig config(boolean ipv6, int host) {
            if (!ipv6) {
                return DirectStackConfig.ipv4("10.0.0." + host + "/24");
            }
            // Duplicate address detection and router solicitation have simulations of their own: off here,
            // so that the addresses are usable at once.
            DirectStackConfig c = DirectStackConfig.ipv6("2001:db8::" + host + "/64");
            return c.withIpv6Config(c.ipv6().withDadTransmits(0).withRouterSolicitations(0));
        }

        /** Runs a task on {@code loop} and returns its value once the simulation has run it. */
        int onLoop(SimulatedLoop loop, java.util.function.IntSupplier task) {
            LoopFuture<Integer> f = loop.submit(fut -> fut.complete(task.getAsInt()));
            sim.runUntil(f::isDone, Duration.ofSeconds(1));
            return f.getNow();
        }

        /** Waits out TIME-WAIT (2 x MSL) and asserts neither stack holds connection state. */
        void assertNoStateAfterTimeWait(TcpConfig tcp) {
            assertNoStateAfterTimeWait(tcp, List.of(a, b));
        }

        void assertNoStateAfterTimeWait(TcpConfig tcp, List<DirectStack> stacks) {
            sim.runFor(tcp.msl().multipliedBy(2).plusSeconds(1));
            for (DirectStack s : stacks) {
                SimulatedLoop loop = s == a ? loopA : loopB;
                assertEquals(0, onLoop(loop, () -> s.tcp().connectionCount()), s + " holds connections");
                assertEquals(0, onLoop(loop, () -> s.tcp().timeWaitCount()), s + " holds TIME-WAIT entries");
            }
        }

        @Override
        public void close() {
            net.close();
            sim.close();
        }
    }

    static void replayable(long seed, Runnable body) {
        System.out.println("seed " + seed + " (replay: -Dtcpip.seed=" + seed + ")");
        try {
            body.run();
        } catch (RuntimeException | AssertionError e) {
            throw new AssertionError("failed with seed " + seed + ": " + e, e);
        }
    }

    /**
     * Sends {@code up} bytes a to b and {@code down} bytes b to a at once over links of {@code link}, checks
     * every byte of both streams, closes both ends and asserts no state is left after TIME-WAIT.
     */
    static void bidirectional(long seed, TcpConfig tcp, LinkConfig link, long up, long down, Duration limit) {
        bidirectional(seed, tcp, link, up, down, limit, false);
    }

    static void bidirectional(long seed, TcpConfig tcp, LinkConfig link, long up, long down, Duration limit,
                              boolean ipv6) {
        replayable(seed, () -> {
            try (Net n = new Net(seed, tcp, link, ipv6)) {
                exchange(n.sim, n.a, n.loopA, n.b, n.loopB, n.bAddress, up, down, limit);
                // RFC 6691 §2: segments fit the MTU with every option they carry, so IP never fragments them.
                assertEquals(0, n.a.counter(StackCounter.IP_FRAGMENTS_TX), "a fragmented TCP segments");
                assertEquals(0, n.b.counter(StackCounter.IP_FRAGMENTS_TX), "b fragmented TCP segments");
                n.assertNoStateAfterTimeWait(tcp);
            }
        });
    }

    /**
     * b listens on port 80, a connects to {@code bAddress}; {@code up} bytes of pattern 1 go a to b and {@code down}
     * of pattern 2 b to a at once, each checked byte for byte, then both ends close. Asserts both counts.
     */
    static void exchange(Simulation sim, DirectStack a, SimulatedLoop loopA, DirectStack b, SimulatedLoop loopB,
                         InetAddress bAddress, long up, long down, Duration limit) {
        AtomicLong serverGot = new AtomicLong(-1);
        LoopFuture<Void> listening = sim.spawn("listen", () -> b.tcp().listen(80, flow -> {
            LoopFuture<Void> writer = loopB.spawn("server-writer", () -> Patterns.write(flow, 2, down, 50_000));
            serverGot.set(Patterns.readAndVerify(flow, 1));
            writer.await();
            flow.close();
        }));
        sim.runUntil(listening::isDone, Duration.ofSeconds(1));
        listening.getNow();
        AtomicLong clientGot = new AtomicLong(-1);
        LoopFuture<Void> client = sim.spawn("client", () -> {
            TcpFlow f = a.tcp().connect(new InetSocketAddress(bAddress, 80));
            LoopFuture<Void> writer = loopA.spawn("client-writer", () -> Patterns.write(f, 1, up, 65_536));
            clientGot.set(Patterns.readAndVerify(f, 2));
            writer.await();
            f.close();
        });
        sim.runUntil(() -> client.isDone() && serverGot.get() >= 0, limit);
        client.getNow();
        assertEquals(up, serverGot.get(), "bytes a -> b");
        assertEquals(down, clientGot.get(), "bytes b -> a");
    }

    /** The fault kinds of the issue, each at the rate named, applied once to every frame in each direction. */
    enum Kind {
        LOSS_1(Faults.NONE.withLoss(0.01)),
        LOSS_5(Faults.NONE.withLoss(0.05)),
        LOSS_10(Faults.NONE.withLoss(0.10)),
        REORDER(Faults.NONE.withReorder(0.05, Duration.ofMillis(2))),
        DUPLICATE(Faults.NONE.withDuplicate(0.05)),
        // One flipped bit per frame: RFC 1071's sum catches every single-bit error, not every multi-bit one (two
        // flips in one bit column of two words, in opposite directions, cancel); on a real link the FCS does.
        CORRUPT(Faults.NONE.withCorrupt(0.02, 1)),
        // Gilbert-Elliott: enters a burst every 200 frames on average, bursts of 4 frames on average, all lost.
        BURST(Faults.NONE.withBurst(new Faults.Burst(0.005, 0.25, 1.0)));

        final Faults faults;

        Kind(Faults faults) {
            this.faults = faults;
        }
    }

    @TestFactory
    Stream<DynamicTest> eachFaultKindOverManySeedsBothDirections() {
        long bytes = (long) MIB << 20;
        return Stream.of(Kind.values()).flatMap(kind -> LongStream.rangeClosed(1, SEEDS).mapToObj(seed ->
                DynamicTest.dynamicTest(kind + " " + MIB + " MiB each way, seed " + seed, () ->
                        // Faults on each device's egress: every frame meets them once on its way.
                        bidirectional(seed, TcpConfig.DEFAULTS, LINK.withFaults(kind.faults, Faults.NONE), bytes, bytes,
                                Duration.ofHours(6)))));
    }

    @TestFactory
    Stream<DynamicTest> eachFaultKindOverIpv6() {
        long bytes = (long) MIB << 20;
        return Stream.of(Kind.values()).flatMap(kind -> LongStream.rangeClosed(1, SEEDS_IPV6).mapToObj(seed ->
                DynamicTest.dynamicTest("IPv6 " + kind + " " + MIB + " MiB each way, seed " + seed, () ->
                        bidirectional(seed, TcpConfig.DEFAULTS, LINK.withFaults(kind.faults, Faults.NONE), bytes, bytes,
                                Duration.ofHours(6), true))));
    }

    @Test
    void sixtyFourMebibytesOnACleanLinkBothDirections() {
        bidirectional(64, TcpConfig.DEFAULTS, LINK, 64L << 20, 64L << 20, Duration.ofHours(1));
    }

    @TestFactory
    Stream<DynamicTest> mtus576And1500And9000() {
        return Stream.of(576, 1500, 9000).map(mtu -> DynamicTest.dynamicTest("mtu " + mtu, () ->
                bidirectional(mtu, TcpConfig.DEFAULTS, LINK.withMtu(mtu).withFaults(Faults.NONE.withLoss(0.01), Faults.NONE),
                        4L << 20, 4L << 20, Duration.ofHours(1))));
    }

    /**
     * A receive buffer of a whole number of segments (MSS 1448 with timestamps), so full segments fill it and
     * the window closes to exactly 0, with and without window scaling. With scaling (shift 7 here) windows
     * are offered in units of 128 bytes, never past the buffer (RFC 7323 §2.4), so the buffer is 16 segments,
     * 181 units. Of any other size, sender SWS avoidance (RFC 1122 §4.2.3.4) leaves a sliver below one
     * segment open instead.
     */
    @TestFactory
    Stream<DynamicTest> slowReaderClosesTheWindowAndGetsEveryByte() {
        TcpConfig noScaling = TcpConfig.DEFAULTS.withOptions(false, true, true).withBuffers(64 << 10, 11 * 1448);
        TcpConfig scaling = TcpConfig.DEFAULTS.withBuffers(64 << 10, 16 * 1448);
        return Stream.of(
                DynamicTest.dynamicTest("without window scaling: zero windows", () -> slowReader(noScaling, 0)),
                DynamicTest.dynamicTest("with window scaling: zero windows", () -> slowReader(scaling, 0)));
    }

    static void slowReader(TcpConfig cfg, int closedAtMost) {
        long seed = 7;
        replayable(seed, () -> {
            try (Net n = new Net(seed, cfg, LINK)) {
                AtomicLong got = new AtomicLong(-1);
                LoopFuture<Void> setup = n.sim.spawn("listen", () -> n.b.tcp().listen(80, flow -> {
                    // Reads one buffer at most every 100 ms: longer than the delayed-ACK timer, so the ACK of the
                    // segment that filled the buffer leaves (with the window closed) before the reader makes room.
                    got.set(Patterns.readAndVerify(flow, 5, count -> n.loopB.sleep(Duration.ofMillis(100))));
                    flow.close();
                }));
                n.sim.runUntil(setup::isDone, Duration.ofSeconds(1));
                boolean[] sawClosedWindow = {false};
                LoopFuture<Void> client = n.sim.spawn("client", () -> {
                    TcpFlow f = n.a.tcp().connect(new InetSocketAddress(B, 80));
                    LoopFuture<Void> writer = n.loopA.spawn("writer", () -> Patterns.write(f, 5, 2 << 20, 32_768));
                    // Looks at the sender's view of the peer's window every millisecond while it writes.
                    for (int i = 0; i < 10_000_000 && !writer.isDone(); i++) {
                        sawClosedWindow[0] |= ((DirectTcpFlow) f).stats().sndWnd() <= closedAtMost;
                        n.loopA.sleep(Duration.ofMillis(1));
                    }
                    writer.await();
                    f.close();
                });
                n.sim.runUntil(() -> client.isDone() && got.get() >= 0, Duration.ofHours(1));
                client.getNow();
                assertEquals(2 << 20, got.get());
                assertTrue(sawClosedWindow[0], "the reader's window closed to " + closedAtMost + " bytes or less");
                n.assertNoStateAfterTimeWait(cfg);
            }
        });
    }

    @Test
    void thousandConcurrentConnectionsThenNoStateLeft() {
        long seed = 11;
        // All 1000 SYNs arrive within a millisecond: a backlog of 128 would drop most of them each round.
        TcpConfig cfg = TcpConfig.DEFAULTS.withLimits(4096, 1024, 256);
        replayable(seed, () -> {
            // 1000 SYNs at once would overflow a 512-frame ring; a NIC ring of 4096 takes them.
            try (Net n = new Net(seed, cfg, LINK.withQueueFrames(4096).withFaults(Faults.NONE.withLoss(0.01), Faults.NONE))) {
                LoopFuture<Void> setup = n.sim.spawn("listen", () -> n.b.tcp().listen(80, flow -> {
                    while (flow.read() instanceof ReadResult.Data(ByteBuffer b)) {
                        flow.write(b);
                    }
                    flow.close();
                }));
                n.sim.runUntil(setup::isDone, Duration.ofSeconds(1));
                List<LoopFuture<Void>> clients = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    long stream = i;
                    int size = 1000 + i;
                    clients.add(n.sim.spawn("c" + i, () -> {
                        TcpFlow f = n.a.tcp().connect(new InetSocketAddress(B, 80));
                        Patterns.write(f, stream, size, size);
                        assertEquals(size, Patterns.readAndVerify(f, stream), "bytes echoed");
                        f.close();
                    }));
                }
                n.sim.runUntil(() -> clients.stream().allMatch(LoopFuture::isDone), Duration.ofHours(1));
                clients.forEach(LoopFuture::getNow);
                n.assertNoStateAfterTimeWait(cfg);
            }
        });
    }

    @Test
    void connectToAClosedPortIsRefused() {
        replayable(3, () -> {
            try (Net n = new Net(3, TcpConfig.DEFAULTS, LINK)) {
                LoopFuture<Void> refused = n.sim.spawn("refused", () ->
                        assertThrows(RefusedException.class, () -> n.a.tcp().connect(new InetSocketAddress(B, 80))));
                n.sim.runUntil(refused::isDone, Duration.ofSeconds(5));
                refused.getNow();
                n.assertNoStateAfterTimeWait(TcpConfig.DEFAULTS);
            }
        });
    }

    /**
     * An address on the prefix that no stack holds: ARP gets no answer. RFC 1122 §4.2.3.9 makes only ICMP
     * hard errors (protocol, port unreachable) abort an opening connection; host unreachable is soft, and
     * the SYN is retransmitted until R2 (RFC 9293 §3.8.3), so connect ends in Timeout after every retry.
     */
    @Test
    void connectToASilentAddressTimesOut() {
        replayable(5, () -> {
            try (Net n = new Net(5, TcpConfig.DEFAULTS, LINK)) {
                long t0 = n.sim.now();
                long[] took = {0};
                LoopFuture<Void> silent = n.sim.spawn("silent", () -> {
                    assertThrows(TimedOutException.class, () -> n.a.tcp().connect(new InetSocketAddress(SILENT, 80)));
                    took[0] = n.sim.now() - t0;
                });
                n.sim.runUntil(silent::isDone, Duration.ofMinutes(5));
                silent.getNow();
                assertEquals(Duration.ofSeconds(123).toNanos(), took[0], "SYN at 0 s, retries at 1, 3, 7, 15, 31, 63 s, the last RTO capped at 60 s");
                n.assertNoStateAfterTimeWait(TcpConfig.DEFAULTS);
            }
        });
    }

    @Test
    void aPeerThatVanishesIsEndedByKeepalive() {
        replayable(4, () -> {
            try (Net n = new Net(4, TcpConfig.DEFAULTS, LINK)) {
                LoopFuture<Void> setup = n.sim.spawn("listen", () -> n.b.tcp().listen(80, flow -> { }));
                n.sim.runUntil(setup::isDone, Duration.ofSeconds(1));
                Keepalive k = new Keepalive(Duration.ofSeconds(30), Duration.ofSeconds(5), 4);
                long[] endedAfter = {0};
                LoopFuture<Void> client = n.sim.spawn("client", () -> {
                    TcpFlow f = n.a.tcp().connect(new InetSocketAddress(B, 80), k);
                    n.loopB.close(); // b vanishes without a word: frames to a closed loop are lost, nothing answers
                    long t0 = n.sim.now();
                    assertInstanceOf(ReadResult.Eof.class, f.read());
                    endedAfter[0] = n.sim.now() - t0;
                    assertThrows(ClosedException.class, () -> f.write(ByteBuffer.wrap(new byte[1])));
                });
                n.sim.runUntil(client::isDone, Duration.ofMinutes(5));
                client.getNow();
                assertEquals(Duration.ofSeconds(30 + 4 * 5).toNanos(), endedAfter[0], "after + probes x interval");
                n.assertNoStateAfterTimeWait(TcpConfig.DEFAULTS, List.of(n.a));
            }
        });
    }
}
