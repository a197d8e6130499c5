package dev.tcpip.device;

import static dev.tcpip.device.FrameKit.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.time.SimulatedLoop;
import dev.tcpip.time.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FaultInjectingDeviceTest {
    private static final long A = 0x0200_0000_000aL, B = 0x0200_0000_000bL;
    private static final int LEN = 100;

    /** What b received when a sent {@code n} numbered frames through a link with {@code link}'s settings. */
    private record Run(List<String> trace, List<byte[]> frames, DeviceCounters faults, DeviceCounters ingress) {
        List<Integer> seqs() {
            return frames.stream().map(f -> FrameKit.seq(f, 0)).toList();
        }
    }

    /** a sends n frames, 10 every 10 microseconds (b's ring never overflows), b records them. */
    private static Run run(long seed, int n, LinkConfig aLink, LinkConfig bLink) {
        try (Simulation sim = Simulation.withSeed(seed)) {
            MemoryNetwork net = MemoryNetwork.simulated(sim);
            MemoryNetwork.Link a = net.connect("a", A, aLink);
            MemoryNetwork.Link b = net.connect("b", B, bLink);
            SimulatedLoop la = sim.newLoop("a"), lb = sim.newLoop("b");
            a.device().attach(la, (f, o, l) -> {});
            List<String> trace = new ArrayList<>();
            FrameKit.Sink sink = new FrameKit.Sink("b", lb, trace);
            b.device().attach(lb, sink);
            byte[] buf = new byte[LEN];
            for (int burst = 0; burst * 10 < n; burst++) {
                int first = burst * 10;
                la.schedule(burst * 10_000L, () -> {
                    for (int i = first; i < Math.min(n, first + 10); i++) {
                        System.arraycopy(frame(B, A, i, LEN), 0, buf, 0, LEN);   // the sender reuses its buffer
                        a.device().send(buf, 0, LEN);
                    }
                });
            }
            sim.runFor(Duration.ofSeconds(n / 1000 + 1));
            return new Run(trace, sink.frames, a.egressFaults(), b.ingressFaults());
        }
    }

    private static LinkConfig egress(Faults f) {
        return LinkConfig.DEFAULTS.withFaults(f, Faults.NONE);
    }

    /** Asserts {@code count} of {@code n} trials lies within 5 standard deviations of {@code n * p}. */
    private static void assertBinomial(long count, int n, double p) {
        double mean = n * p, sd = Math.sqrt(n * p * (1 - p));
        assertTrue(Math.abs(count - mean) <= 5 * sd, count + " of " + n + ", expected " + mean + " ± " + 5 * sd);
    }

    @Test
    void lossDropsExactlyTheSameFramesForASeedAndTheRightShareOverMany() {
        Run r = run(1, 1_000, egress(Faults.NONE.withLoss(0.1)), LinkConfig.DEFAULTS);
        assertEquals(86, r.faults().get(Counter.DROPPED_LOSS));          // this seed's exact figure
        assertEquals(1_000 - 86, r.frames().size());
        assertEquals(r.seqs().stream().sorted().toList(), r.seqs());    // loss alone never reorders
        for (long seed : new long[] {2, 3, 4}) {
            Run big = run(seed, 100_000, egress(Faults.NONE.withLoss(0.1)), LinkConfig.DEFAULTS);
            assertBinomial(big.faults().get(Counter.DROPPED_LOSS), 100_000, 0.1);
            assertEquals(100_000 - big.faults().get(Counter.DROPPED_LOSS), big.frames().size());
        }
    }

    @Test
    void duplicationDeliversSecondCopiesRightAfterTheFirst() {
        Run r = run(1, 1_000, egress(Faults.NONE.withDuplicate(0.05)), LinkConfig.DEFAULTS);
        long dup = r.faults().get(Counter.DUPLICATED);
        assertEquals(44, dup);
        assertEquals(1_000 + dup, r.frames().size());
        List<Integer> seqs = r.seqs();
        assertEquals(seqs.stream().sorted().toList(), seqs);
        assertEquals(1_000, seqs.stream().distinct().count());
        Run big = run(2, 100_000, egress(Faults.NONE.withDuplicate(0.05)), LinkConfig.DEFAULTS);
        assertBinomial(big.faults().get(Counter.DUPLICATED), 100_000, 0.05);
    }

    @Test
    void reorderingHoldsFramesBackSoLaterOnesOvertakeThem() {
        Faults f = Faults.NONE.withReorder(0.02, Duration.ofNanos(25_000));
        Run r = run(1, 1_000, egress(f), LinkConfig.DEFAULTS);
        long reordered = r.faults().get(Counter.REORDERED);
        assertEquals(20, reordered);
        List<Integer> seqs = r.seqs();
        assertEquals(1_000, seqs.size());
        assertEquals(1_000, seqs.stream().distinct().count());   // nothing lost or duplicated
        int inversions = 0;
        for (int i = 1; i < seqs.size(); i++) {
            if (seqs.get(i) < seqs.get(i - 1)) {
                inversions++;
            }
        }
        assertTrue(inversions > 0 && inversions <= reordered, inversions + " inversions");
        Run big = run(2, 100_000, egress(f), LinkConfig.DEFAULTS);
        assertBinomial(big.faults().get(Counter.REORDERED), 100_000, 0.02);
    }

    @Test
    void corruptionFlipsOneToMaxBitsAfterTheEthernetHeader() {
        Run r = run(1, 1_000, egress(Faults.NONE.withCorrupt(0.1, 3)), LinkConfig.DEFAULTS);
        assertEquals(94, r.faults().get(Counter.CORRUPTED));
        int corrupted = 0;
        int[] flips = new int[4];
        assertEquals(1_000, r.frames().size());
        for (int n = 0; n < 1_000; n++) {
            byte[] got = r.frames().get(n);
            byte[] sent = frame(B, A, n, LEN);           // corruption alone keeps the order (seq may be hit)
            assertArrayEquals(Arrays.copyOf(sent, 14), Arrays.copyOf(got, 14), "header touched");
            int bits = 0;
            for (int i = 14; i < LEN; i++) {
                bits += Integer.bitCount((sent[i] ^ got[i]) & 0xff);
            }
            assertTrue(bits <= 3, bits + " bits flipped");
            if (bits > 0) {
                corrupted++;
                flips[bits]++;
            }
        }
        assertEquals(94, corrupted);
        assertTrue(flips[1] > 0 && flips[2] > 0 && flips[3] > 0, Arrays.toString(flips));
        Run big = run(2, 100_000, egress(Faults.NONE.withCorrupt(0.1, 1)), LinkConfig.DEFAULTS);
        assertBinomial(big.faults().get(Counter.CORRUPTED), 100_000, 0.1);
    }

    @Test
    void burstLossComesInRunsAtTheModelsRate() {
        // mean burst 1/0.25 = 4 frames, bad 0.01 / (0.01 + 0.25) = 3.85 % of the time, all lost there
        Faults f = Faults.NONE.withBurst(new Faults.Burst(0.01, 0.25, 1.0));
        Run r = run(1, 1_000, egress(f), LinkConfig.DEFAULTS);
        assertEquals(37, r.faults().get(Counter.DROPPED_BURST));
        Run big = run(2, 100_000, egress(f), LinkConfig.DEFAULTS);
        long lost = big.faults().get(Counter.DROPPED_BURST);
        double rate = lost / 100_000.0;
        assertTrue(rate > 0.03 && rate < 0.047, "burst loss rate " + rate);
        // runs of consecutive losses: mean length near 4 (independent loss at this rate would give ~1.04)
        List<Integer> seqs = big.seqs();
        int runs = 0;
        for (int i = 1; i < seqs.size(); i++) {
            if (seqs.get(i) != seqs.get(i - 1) + 1) {
                runs++;
            }
        }
        double meanRun = (double) lost / runs;
        assertTrue(meanRun > 3.3 && meanRun < 4.7, "mean burst " + meanRun);
    }

    @Test
    void ingressFaultsActOnTheReceivingSide() {
        Run r = run(1, 1_000, LinkConfig.DEFAULTS, LinkConfig.DEFAULTS.withFaults(Faults.NONE, Faults.NONE.withLoss(0.5)));
        long lost = r.ingress().get(Counter.DROPPED_LOSS);
        assertEquals(1_000 - lost, r.frames().size());
        assertBinomial(lost, 1_000, 0.5);
        assertEquals(0, r.faults().dropped());
    }

    @Test
    void sameSeedSameDeliveryTraceAndAnotherSeedAnotherOne() {
        Faults all = new Faults(0.05, 0.05, 0.05, Duration.ofNanos(30_000), 0.05, 4, new Faults.Burst(0.01, 0.3, 0.8),
                0);
        LinkConfig link = LinkConfig.DEFAULTS.withFaults(all).withLatency(Duration.ofNanos(1_500))
                .withBitsPerSecond(1_000_000_000);
        Run first = run(42, 2_000, link, link), again = run(42, 2_000, link, link), other = run(43, 2_000, link, link);
        assertEquals(first.trace(), again.trace());
        for (int i = 0; i < first.frames().size(); i++) {
            assertArrayEquals(first.frames().get(i), again.frames().get(i), "frame " + i);
        }
        assertNotEquals(first.trace(), other.trace());
    }

    @Test
    void wrapsAnyDevice() {
        List<String> sent = new ArrayList<>();
        NetworkDevice stub = new NetworkDevice() {
            @Override public long mac() { return A; }
            @Override public int mtu() { return 1500; }
            @Override public void attach(dev.tcpip.time.EventLoop loop, FrameReceiver receiver) { }
            @Override public void send(byte[] frame, int off, int len) { sent.add("seq " + FrameKit.seq(frame, off)); }
            @Override public void close() { }
        };
        FaultInjectingDevice lossy = new FaultInjectingDevice(stub, Faults.NONE.withLoss(0.5), Faults.NONE, 9);
        for (int i = 0; i < 100; i++) {
            lossy.send(frame(B, A, i, 60), 0, 60);
        }
        assertEquals(100 - lossy.counters(FrameDirection.SENT).get(Counter.DROPPED_LOSS), sent.size());
        assertEquals(A, lossy.mac());
    }

    /** An IP link has no link header to spare: corruption may flip any bit of the datagram, the first bytes too. */
    @Test
    void onAnIpLinkCorruptionMayHitTheFirstBytesAndTheLinkTypePassesThrough() {
        List<byte[]> sent = new ArrayList<>();
        NetworkDevice ipLink = new NetworkDevice() {
            @Override public long mac() { return A; }
            @Override public int mtu() { return 1500; }
            @Override public LinkType linkType() { return LinkType.IP; }
            @Override public void attach(dev.tcpip.time.EventLoop loop, FrameReceiver receiver) { }
            @Override public void send(byte[] frame, int off, int len) {
                sent.add(java.util.Arrays.copyOfRange(frame, off, off + len));
            }
            @Override public void close() { }
        };
        FaultInjectingDevice corrupting = new FaultInjectingDevice(ipLink, Faults.NONE.withCorrupt(1.0, 1), Faults.NONE, 5);
        assertEquals(LinkType.IP, corrupting.linkType());
        assertEquals(1500, corrupting.maxFrame(), "an IP link's frames are at most the MTU");
        int early = 0;
        for (int i = 0; i < 200; i++) {
            corrupting.send(new byte[20], 0, 20);            // a 20-byte datagram of zeros: the flipped bit shows
            byte[] got = sent.getLast();
            int firstSet = -1;
            for (int k = 0; k < got.length && firstSet < 0; k++) {
                firstSet = got[k] != 0 ? k : -1;
            }
            assertTrue(firstSet >= 0, "every frame is corrupted");
            early += firstSet < 14 ? 1 : 0;
        }
        assertTrue(early > 100, "bits flipped within the first 14 bytes in " + early + " of 200 frames");
    }
}
