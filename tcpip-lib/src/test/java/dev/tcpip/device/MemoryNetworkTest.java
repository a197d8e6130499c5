package dev.tcpip.device;

import static dev.tcpip.device.FrameKit.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.time.LoopFuture;
import dev.tcpip.time.RealTimeLoop;
import dev.tcpip.time.SimulatedLoop;
import dev.tcpip.time.Simulation;
import dev.tcpip.wire.MacAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MemoryNetworkTest {
    private static final long A = 0x0200_0000_000aL, B = 0x0200_0000_000bL, C = 0x0200_0000_000cL;
    private static final long MS = 1_000_000;

    private final Simulation sim = Simulation.withSeed(11);
    private final List<String> events = new ArrayList<>();

    @AfterEach
    void close() {
        sim.close();
    }

    private FrameKit.Sink attach(MemoryNetwork.Link link) {
        SimulatedLoop loop = sim.newLoop(link.name());
        FrameKit.Sink sink = new FrameKit.Sink(link.name(), loop, events);
        link.device().attach(loop, sink);
        return sink;
    }

    @Test
    void floodsUnknownUnicastThenSwitchesLearnedAddresses() {
        MemoryNetwork net = MemoryNetwork.simulated(sim);
        MemoryNetwork.Link a = net.connect("a", A, LinkConfig.DEFAULTS);
        MemoryNetwork.Link b = net.connect("b", B, LinkConfig.DEFAULTS);
        MemoryNetwork.Link c = net.connect("c", C, LinkConfig.DEFAULTS);
        attach(a);
        attach(b);
        attach(c);
        a.device().send(frame(B, A, 1, 60), 0, 60);      // B unknown: flooded to b and c
        sim.runFor(Duration.ofMillis(1));
        b.device().send(frame(A, B, 2, 60), 0, 60);      // A learned: only a
        sim.runFor(Duration.ofMillis(1));
        a.device().send(frame(B, A, 3, 60), 0, 60);      // B learned: only b
        sim.runFor(Duration.ofMillis(1));
        assertEquals(List.of("b:1@0", "c:1@0", "a:2@1000000", "b:3@2000000"), events);
        assertEquals(1, net.switchCounters().get(Counter.FLOODED));
        assertEquals(2, net.switchCounters().get(Counter.SWITCHED));
        assertEquals(2, net.macTableSize());
        assertEquals(2, a.port().get(Counter.TX_FRAMES));
        assertEquals(120, a.port().get(Counter.TX_BYTES));
        assertEquals(1, a.port().get(Counter.RX_FRAMES));
    }

    @Test
    void floodsBroadcastAndMulticastButNeverBackToTheSender() {
        MemoryNetwork net = MemoryNetwork.simulated(sim);
        MemoryNetwork.Link a = net.connect("a", A, LinkConfig.DEFAULTS);
        attach(a);
        attach(net.connect("b", B, LinkConfig.DEFAULTS));
        attach(net.connect("c", C, LinkConfig.DEFAULTS));
        net.link("b").device().send(frame(A, B, 0, 60), 0, 60);   // a learns nothing; B is now known
        sim.runFor(Duration.ofMillis(1));
        events.clear();
        a.device().send(frame(MacAddress.BROADCAST.bits(), A, 1, 60), 0, 60);
        a.device().send(frame(0x0100_5e00_0001L, A, 2, 60), 0, 60);  // IPv4 multicast 224.0.0.1
        a.device().send(frame(0x3333_0000_0001L, A, 3, 60), 0, 60);  // IPv6 all-nodes
        sim.runFor(Duration.ofMillis(1));
        // each receiving loop drains its ring in one task: b gets all three, then c
        assertEquals(List.of("b:1@1000000", "b:2@1000000", "b:3@1000000", "c:1@1000000", "c:2@1000000",
                "c:3@1000000"), events);
    }

    @Test
    void macTableIsBoundedAndAgesOut() {
        MemoryNetwork net = new MemoryNetwork(sim.clock(), 1, new SwitchConfig(4, Duration.ofSeconds(10)));
        MemoryNetwork.Link a = net.connect("a", A, LinkConfig.DEFAULTS);
        attach(a);
        attach(net.connect("b", B, LinkConfig.DEFAULTS));
        for (int i = 0; i < 10; i++) {                   // a MAC flood: ten forged sources
            a.device().send(frame(B, 0x0200_0000_1000L + i, i, 60), 0, 60);
        }
        sim.runFor(Duration.ofSeconds(1));
        assertEquals(4, net.macTableSize());
        assertEquals(6, net.switchCounters().get(Counter.MAC_TABLE_FULL));
        sim.runFor(Duration.ofSeconds(10));              // all four are now older than 10 s
        a.device().send(frame(B, A, 99, 60), 0, 60);     // learning A purges the expired ones
        sim.runFor(Duration.ofSeconds(1));
        assertEquals(1, net.macTableSize());
        assertEquals(4, net.switchCounters().get(Counter.MAC_AGED_OUT));
        // 0x...1000 aged out: a frame to it is flooded again rather than sent to a's port and filtered
        long flooded = net.switchCounters().get(Counter.FLOODED);
        net.link("b").device().send(frame(0x0200_0000_1000L, B, 100, 60), 0, 60);
        sim.runFor(Duration.ofSeconds(1));
        assertEquals(flooded + 1, net.switchCounters().get(Counter.FLOODED));
    }

    @Test
    void dropsFramesOverTheMtuAndRunts() {
        MemoryNetwork net = MemoryNetwork.simulated(sim);
        MemoryNetwork.Link a = net.connect("a", A, LinkConfig.DEFAULTS.withMtu(9000));
        MemoryNetwork.Link b = net.connect("b", B, LinkConfig.DEFAULTS);     // 1500
        attach(a);
        FrameKit.Sink sb = attach(b);
        a.device().send(frame(B, A, 1, 1514), 0, 1514);
        a.device().send(frame(B, A, 2, 1515), 0, 1515);  // fits a's link, not b's
        a.device().send(frame(B, A, 3, 9015), 0, 9015);  // fits neither
        a.device().send(frame(B, A, 4, 13), 0, 13);
        sim.runFor(Duration.ofMillis(1));
        assertEquals(List.of(1), sb.seqs());
        assertEquals(1, b.port().get(Counter.DROPPED_TOO_BIG));
        assertEquals(1, a.port().get(Counter.DROPPED_TOO_BIG));
        assertEquals(1, a.port().get(Counter.DROPPED_RUNT));
        assertEquals(9000, a.device().mtu());
    }

    @Test
    void latencyAndRateGiveExactVirtualArrivalTimes() {
        MemoryNetwork net = MemoryNetwork.simulated(sim);
        // a: 8 Mbit/s (1 byte per microsecond) and 1 ms; b: unlimited rate and 0.5 ms
        MemoryNetwork.Link a = net.connect("a", A, LinkConfig.DEFAULTS.withBitsPerSecond(8_000_000)
                .withLatency(Duration.ofMillis(1)));
        MemoryNetwork.Link b = net.connect("b", B, LinkConfig.DEFAULTS.withLatency(Duration.ofNanos(500_000)));
        SimulatedLoop la = sim.newLoop("a");
        a.device().attach(la, (f, o, l) -> {});
        attach(b);
        la.execute(() -> {
            for (int i = 1; i <= 3; i++) {
                a.device().send(frame(B, A, i, 1000), 0, 1000);
            }
        });
        sim.runFor(Duration.ofMillis(10));
        // frame i leaves a's transmitter at i ms, reaches the switch 1 ms later and b 0.5 ms after that
        assertEquals(List.of("b:1@2500000", "b:2@3500000", "b:3@4500000"), events);
    }

    @Test
    void aFullQueueDropsTheTail() {
        MemoryNetwork net = MemoryNetwork.simulated(sim);
        MemoryNetwork.Link a = net.connect("a", A, LinkConfig.DEFAULTS.withBitsPerSecond(1_000_000).withQueueFrames(4));
        MemoryNetwork.Link b = net.connect("b", B, LinkConfig.DEFAULTS);
        SimulatedLoop la = sim.newLoop("a");
        a.device().attach(la, (f, o, l) -> {});
        FrameKit.Sink sb = attach(b);
        la.execute(() -> {
            for (int i = 0; i < 10; i++) {
                a.device().send(frame(B, A, i, 100), 0, 100);
            }
        });
        sim.runFor(Duration.ofSeconds(1));
        assertEquals(List.of(0, 1, 2, 3), sb.seqs());
        assertEquals(6, a.port().get(Counter.DROPPED_QUEUE_FULL));
    }

    @Test
    void closedAndUnattachedDevicesDropAndCount() {
        MemoryNetwork net = MemoryNetwork.simulated(sim);
        MemoryNetwork.Link a = net.connect("a", A, LinkConfig.DEFAULTS);
        MemoryNetwork.Link b = net.connect("b", B, LinkConfig.DEFAULTS);
        a.device().send(frame(B, A, 1, 60), 0, 60);        // b not attached yet
        assertEquals(1, b.port().get(Counter.DROPPED_DETACHED));
        attach(b);
        b.device().close();
        a.device().send(frame(B, A, 2, 60), 0, 60);
        b.device().send(frame(A, B, 3, 60), 0, 60);
        sim.runFor(Duration.ofMillis(1));
        assertEquals(List.of(), events);
        // one frame for b before it was attached, one it sent after closing; a's second frame was not
        // flooded to b at all, since closing took b off the switch
        assertEquals(2, b.port().get(Counter.DROPPED_DETACHED));
        assertEquals(2, a.port().get(Counter.TX_FRAMES));
        assertThrows(IllegalStateException.class, () -> b.device().attach(sim.newLoop("x"), (f, o, l) -> {}));
        assertThrows(IllegalArgumentException.class, () -> net.connect("a", LinkConfig.DEFAULTS));
    }

    @Test
    void realTimeLoopsPingPongThousandsOfFramesInOrder() throws Exception {
        MemoryNetwork net = MemoryNetwork.realTime(5);
        NetworkDevice a = net.connect("a", A, LinkConfig.DEFAULTS).device();
        NetworkDevice b = net.connect("b", B, LinkConfig.DEFAULTS).device();
        int rounds = 20_000;
        try (RealTimeLoop la = RealTimeLoop.start("a"); RealTimeLoop lb = RealTimeLoop.start("b")) {
            LoopFuture<Integer> done = la.newFuture();
            byte[] bufB = new byte[64];
            b.attach(lb, (f, o, l) -> {                      // echo with the same sequence number
                System.arraycopy(f, o, bufB, 0, l);
                new MacAddress(A).write(bufB, 0);
                new MacAddress(B).write(bufB, 6);
                b.send(bufB, 0, l);
            });
            a.attach(la, pinger(a, A, B, rounds, done));
            la.execute(() -> a.send(frame(B, A, 0, 64), 0, 64));
            assertEquals(rounds - 1, done.await());
        }
        net.close();
    }

    /**
     * A frame to a parked real-time loop is delivered by the sending thread holding that loop's turn (Pipe's inline
     * drain): one frame at a time, each sent after the last was handled, so the receiving loop is parked for most of
     * them. Fails if no frame is ever delivered inline (the mechanism off) or if one is handed over outside the
     * receiving loop's turn.
     */
    @Test
    void aFrameToAParkedRealTimeLoopIsDeliveredByTheSendingThread() throws Exception {
        MemoryNetwork net = MemoryNetwork.realTime(6);
        NetworkDevice a = net.connect("a", A, LinkConfig.DEFAULTS).device();
        NetworkDevice b = net.connect("b", B, LinkConfig.DEFAULTS).device();
        int frames = 200;
        AtomicInteger inline = new AtomicInteger(), outsideTurn = new AtomicInteger();
        try (RealTimeLoop la = RealTimeLoop.start("a"); RealTimeLoop lb = RealTimeLoop.start("b")) {
            a.attach(la, (f, o, l) -> {});
            Thread[] sender = new Thread[1];
            LoopFuture<?>[] handled = new LoopFuture<?>[1];
            b.attach(lb, (f, o, l) -> {
                if (!lb.inLoop()) {
                    outsideTurn.incrementAndGet();
                }
                if (Thread.currentThread() == sender[0]) {
                    inline.incrementAndGet();
                }
                handled[0].complete(null);
            });
            for (int i = 0; i < frames; i++) {
                LoopFuture<Object> done = lb.newFuture();
                handled[0] = done;
                byte[] f = frame(B, A, i, 64);
                la.execute(() -> {
                    sender[0] = Thread.currentThread();
                    a.send(f, 0, f.length);
                });
                done.await();
            }
        }
        net.close();
        assertEquals(0, outsideTurn.get());
        assertTrue(inline.get() > 0, "no frame of " + frames + " was delivered by the sending thread");
    }

    /**
     * Three real-time loops ping-pong with a fourth at once, so frames reach it both inline (while it is parked) and
     * queued (while it runs, or while another sender holds its turn): every exchange completes, in order per sender.
     * A lost wake-up (a frame queued while the loop parks for good) stalls an exchange and fails on the timeout.
     */
    @Test
    void threeRealTimeSendersPingPongOneLoopInOrder() throws Exception {
        MemoryNetwork net = MemoryNetwork.realTime(7);
        long[] macs = {0x0200_0000_0001L, 0x0200_0000_0002L, 0x0200_0000_0003L};
        NetworkDevice b = net.connect("b", B, LinkConfig.DEFAULTS).device();
        int rounds = 5_000;
        RealTimeLoop lb = RealTimeLoop.start("b");
        List<RealTimeLoop> loops = new ArrayList<>(List.of(lb));
        try {
            byte[] echo = new byte[64];
            b.attach(lb, (f, o, l) -> {                       // back to the sender, same sequence number
                System.arraycopy(f, o, echo, 0, l);
                System.arraycopy(f, o + 6, echo, 0, 6);
                new MacAddress(B).write(echo, 6);
                b.send(echo, 0, l);
            });
            List<LoopFuture<Integer>> done = new ArrayList<>();
            for (int s = 0; s < macs.length; s++) {
                long mac = macs[s];
                NetworkDevice a = net.connect("a" + s, mac, LinkConfig.DEFAULTS).device();
                RealTimeLoop la = RealTimeLoop.start("a" + s);
                loops.add(la);
                LoopFuture<Integer> finished = la.newFuture();
                done.add(finished);
                a.attach(la, pinger(a, mac, B, rounds, finished));
                la.execute(() -> a.send(frame(B, mac, 0, 64), 0, 64));
            }
            for (LoopFuture<Integer> f : done) {
                assertEquals(rounds - 1, f.await());
            }
        } finally {
            loops.forEach(RealTimeLoop::close);
        }
        net.close();
    }

    /**
     * Two real-time loops ping each other at once, each also echoing the other's pings: both directions of the link
     * carry pings and echoes together, each loop sends from its own thread into the other (inline when that one is
     * parked). No deadlock (a hang fails on the timeout), each link in order, and no receiver runs inside another
     * receiver of the same loop on one thread (a loop delivering into its peer inline while the peer's answer re-enters
     * it would): at most two receivers deep on any thread, the sender's and, inline, its peer's.
     */
    @Test
    void twoRealTimeLoopsPingEachOtherAtOnceInOrderWithoutReentry() throws Exception {
        int rounds = 5_000;
        ThreadLocal<int[]> depth = ThreadLocal.withInitial(() -> new int[1]);
        AtomicInteger deepest = new AtomicInteger(), reentered = new AtomicInteger();
        MemoryNetwork net = MemoryNetwork.realTime(8);
        NetworkDevice a = net.connect("a", A, LinkConfig.DEFAULTS).device();
        NetworkDevice b = net.connect("b", B, LinkConfig.DEFAULTS).device();
        try (RealTimeLoop la = RealTimeLoop.start("a"); RealTimeLoop lb = RealTimeLoop.start("b")) {
            LoopFuture<Integer> doneA = la.newFuture(), doneB = lb.newFuture();
            a.attach(la, pingAndEcho(a, A, B, rounds, doneA, depth, deepest, reentered));
            b.attach(lb, pingAndEcho(b, B, A, rounds, doneB, depth, deepest, reentered));
            la.execute(() -> a.send(frame(B, A, 0, 64), 0, 64));
            lb.execute(() -> b.send(frame(A, B, 0, 64), 0, 64));
            assertEquals(rounds - 1, doneA.await());
            assertEquals(rounds - 1, doneB.await());
        }
        net.close();
        assertEquals(0, reentered.get(), "a receiver ran inside a receiver of its own loop");
        assertTrue(deepest.get() <= 2, "receivers nested " + deepest.get() + " deep on one thread");
    }

    /** Byte 18 of a {@link FrameKit#frame} (filler there) marks an echo. */
    private static final int ECHO_MARK = 18;

    /**
     * Pings {@code peer} with frames 0, 1, ... one at a time (the next after the echo of the last) and echoes the peer's
     * pings, checking both in order; completes {@code done} after {@code rounds} echoes. Records how deep receivers
     * nest on a thread, and a receiver entered again inside itself.
     */
    private static FrameReceiver pingAndEcho(NetworkDevice dev, long self, long peer, int rounds,
                                             LoopFuture<Integer> done, ThreadLocal<int[]> depth,
                                             AtomicInteger deepest, AtomicInteger reentered) {
        int[] expectEcho = {0}, expectPing = {0};
        boolean[] inside = {false};
        byte[] buf = new byte[64];
        return (f, o, l) -> {
            if (MacAddress.readBits(f, o) != self) {
                return;
            }
            if (inside[0]) {
                reentered.incrementAndGet();
            }
            inside[0] = true;
            int[] d = depth.get();
            deepest.accumulateAndGet(++d[0], Math::max);
            try {
                int seq = FrameKit.seq(f, o);
                if (f[o + ECHO_MARK] == 1) {
                    if (seq != expectEcho[0]) {
                        done.fail(new AssertionError(Long.toHexString(self) + " echo " + seq + ", expected "
                                + expectEcho[0]));
                    } else if (++expectEcho[0] == rounds) {
                        done.complete(seq);
                    } else {
                        System.arraycopy(frame(peer, self, expectEcho[0], 64), 0, buf, 0, 64);
                        dev.send(buf, 0, 64);
                    }
                } else {
                    if (seq != expectPing[0]++) {
                        done.fail(new AssertionError(Long.toHexString(self) + " ping " + seq + " out of order"));
                    }
                    System.arraycopy(frame(peer, self, seq, 64), 0, buf, 0, 64);
                    buf[ECHO_MARK] = 1;
                    dev.send(buf, 0, 64);
                }
            } finally {
                d[0]--;
                inside[0] = false;
            }
        };
    }

    /**
     * Receives the echo of frame n (ignoring frames not addressed to {@code self}: another sender's first frames,
     * flooded), then sends frame n + 1 to {@code peer}; completes {@code done} after {@code rounds}, fails it on a
     * sequence number out of order.
     */
    private static FrameReceiver pinger(NetworkDevice dev, long self, long peer, int rounds, LoopFuture<Integer> done) {
        int[] expect = {0};
        byte[] buf = new byte[64];
        return (f, o, l) -> {
            if (MacAddress.readBits(f, o) != self) {
                return;
            }
            int seq = FrameKit.seq(f, o);
            if (seq != expect[0]) {
                done.fail(new AssertionError(Long.toHexString(self) + " got " + seq + ", expected " + expect[0]));
            } else if (++expect[0] == rounds) {
                done.complete(seq);
            } else {
                System.arraycopy(frame(peer, self, expect[0], 64), 0, buf, 0, 64);
                dev.send(buf, 0, 64);
            }
        };
    }
}
