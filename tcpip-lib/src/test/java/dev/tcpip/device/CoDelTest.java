package dev.tcpip.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.time.SimulatedLoop;
import dev.tcpip.time.Simulation;
import dev.tcpip.wire.Ecn;
import dev.tcpip.wire.EtherType;
import dev.tcpip.wire.EthernetHeader;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.Ipv4Header;
import dev.tcpip.wire.Ipv4View;
import dev.tcpip.wire.MacAddress;
import dev.tcpip.wire.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * CoDel (RFC 8289) on a {@link MemoryNetwork} link in virtual time: an unresponsive sender overloads a 10 Mbit/s
 * link; CoDel leaves the queue alone for an interval after the delay passes target, then marks ECT frames CE (with a
 * correct header checksum) or drops Not-ECT ones; below the link's rate it does nothing.
 */
class CoDelTest {
    private static final long A = 0x0200_0000_000aL, B = 0x0200_0000_000bL;
    private static final long MS = 1_000_000;
    private static final int IP_LENGTH = 1000;
    private static final LinkConfig BOTTLENECK = LinkConfig.DEFAULTS.withBitsPerSecond(10_000_000)
            .withCoDel(CoDel.RFC_8289);

    private final Simulation sim = Simulation.withSeed(5);

    @AfterEach
    void close() {
        sim.close();
    }

    /** What b received: each frame's sequence number, ECN field and arrival time. */
    private record Got(int seq, int ecn, long at) {}

    /**
     * Sends {@code frames} IPv4 frames of 1,014 bytes with ECN field {@code ecn} from a to b, one every
     * {@code gapMicros}, over b's link {@code link}; returns what b received.
     */
    private List<Got> run(LinkConfig link, int ecn, int frames, long gapMicros, MemoryNetwork[] out) {
        MemoryNetwork net = MemoryNetwork.simulated(sim);
        out[0] = net;
        NetworkDevice a = net.connect("a", A, LinkConfig.DEFAULTS).device();
        NetworkDevice b = net.connect("b", B, link).device();
        SimulatedLoop loopA = sim.newLoop("a");
        SimulatedLoop loopB = sim.newLoop("b");
        a.attach(loopA, (f, o, l) -> { });
        List<Got> got = new ArrayList<>();
        b.attach(loopB, (f, o, l) -> {
            try {
                Ipv4View v = Ipv4View.parse(f, o + 14, l - 14);     // checks the header checksum
                got.add(new Got(v.identification(), v.ecn(), loopB.now()));
            } catch (ParseException e) {
                throw new AssertionError("a frame arrived damaged", e);
            }
        });
        for (int i = 0; i < frames; i++) {
            byte[] f = frame(i, ecn);
            loopA.schedule(i * gapMicros * 1000, () -> a.send(f, 0, f.length));
        }
        sim.runFor(Duration.ofSeconds(5));
        return got;
    }

    private static byte[] frame(int seq, int ecn) {
        byte[] f = new byte[14 + IP_LENGTH];
        int at = new EthernetHeader(new MacAddress(B), new MacAddress(A), EtherType.IPV4).emit(f, 0);
        new Ipv4Header(0, ecn, seq, true, false, 0, 64, IpProtocol.UDP, Ipv4Address.parse("10.0.0.1"),
                Ipv4Address.parse("10.0.0.2"), null, IP_LENGTH - 20).emit(f, at);
        return f;
    }

    @Test
    void ectFramesAreMarkedCeAfterAnIntervalAboveTargetAndNoneIsLost() {
        MemoryNetwork[] net = new MemoryNetwork[1];
        List<Got> got = run(BOTTLENECK, Ecn.ECT_0, 600, 600, net);   // 1.35 times the link's rate
        DeviceCounters port = net[0].link("b").port();
        assertEquals(0, port.get(Counter.DROPPED_AQM));
        assertEquals(0, port.get(Counter.DROPPED_QUEUE_FULL));
        assertEquals(600, got.size(), "marked, not dropped");
        long marked = got.stream().filter(g -> g.ecn() == Ecn.CE).count();
        assertEquals(port.get(Counter.CE_MARKED), marked);
        List<Long> at = got.stream().filter(g -> g.ecn() == Ecn.CE).map(g -> g.at() / 100_000).toList();
        assertTrue(marked >= 5, "marks: " + marked + " at " + at);
        // RFC 8289 §3.3: the n-th action follows the one before by interval / sqrt(n): 100, 70.7, 57.7, 50 ms
        // (here within one frame's transmission, 0.8 ms, since actions happen at dequeues).
        double[] gaps = {100, 70.71, 57.74, 50};
        for (int n = 0; n < gaps.length; n++) {
            double gap = (at.get(n + 1) - at.get(n)) / 10.0;
            assertTrue(Math.abs(gap - gaps[n]) <= 1.0, "gap " + (n + 1) + ": " + gap + " ms, marks at " + at);
        }
        assertTrue(got.stream().allMatch(g -> g.ecn() == Ecn.CE || g.ecn() == Ecn.ECT_0));
        for (int i = 0; i < got.size(); i++) {
            assertEquals(i, got.get(i).seq(), "in order");
        }
        // The queue passes 5 ms of delay after about 18 ms; CoDel waits an interval (100 ms) before it acts.
        Got first = got.stream().filter(g -> g.ecn() == Ecn.CE).findFirst().orElseThrow();
        assertTrue(first.at() >= 105 * MS && first.at() <= 140 * MS, "first mark at " + first.at() / MS + " ms");
        assertTrue(net[0].queueDelay("b", 0.99) > 5 * MS, "an unresponsive sender keeps a standing queue");
    }

    @Test
    void notEctFramesAreDropped() {
        assertDropped(BOTTLENECK, Ecn.NOT_ECT);
    }

    @Test
    void withEcnOffEctFramesAreDroppedToo() {
        assertDropped(BOTTLENECK.withCoDel(CoDel.RFC_8289.withEcn(false)), Ecn.ECT_0);
    }

    private void assertDropped(LinkConfig link, int ecn) {
        MemoryNetwork[] net = new MemoryNetwork[1];
        List<Got> got = run(link, ecn, 600, 600, net);
        DeviceCounters port = net[0].link("b").port();
        long dropped = port.get(Counter.DROPPED_AQM);
        assertTrue(dropped >= 5, "drops: " + dropped);
        assertEquals(0, port.get(Counter.CE_MARKED));
        assertEquals(0, port.get(Counter.DROPPED_QUEUE_FULL));
        assertEquals(600 - dropped, got.size());
        assertTrue(got.stream().noneMatch(g -> g.ecn() == Ecn.CE));
    }

    @Test
    void aCeThresholdMarksEctFramesAsSoonAsTheyWaitLongerAndDropsNothing() {
        LinkConfig link = BOTTLENECK.withCoDel(CoDel.RFC_8289.withCeThreshold(Duration.ofMillis(10)));
        MemoryNetwork[] net = new MemoryNetwork[1];
        List<Got> got = run(link, Ecn.ECT_0, 600, 600, net);
        DeviceCounters port = net[0].link("b").port();
        assertEquals(600, got.size(), "marked, not dropped");
        assertEquals(0, port.get(Counter.DROPPED_AQM));
        assertEquals(port.get(Counter.CE_MARKED), got.stream().filter(g -> g.ecn() == Ecn.CE).count());
        // The delay passes 10 ms after about 36 ms: marked then, not an interval (100 ms) later as CoDel alone does.
        Got first = got.stream().filter(g -> g.ecn() == Ecn.CE).findFirst().orElseThrow();
        assertTrue(first.at() >= 30 * MS && first.at() <= 60 * MS, "first mark at " + first.at() / MS + " ms");
        // The unresponsive sender keeps the delay above 10 ms from then on: every later frame is marked.
        List<Got> later = got.subList(got.indexOf(first), got.size());
        assertTrue(later.stream().allMatch(g -> g.ecn() == Ecn.CE), "unmarked after the first mark");
    }

    @Test
    void aCeThresholdLeavesNotEctFramesToCoDel() {
        assertDropped(BOTTLENECK.withCoDel(CoDel.RFC_8289.withCeThreshold(Duration.ofMillis(10))), Ecn.NOT_ECT);
    }

    @Test
    void belowTheLinksRateNothingIsMarkedOrDropped() {
        MemoryNetwork[] net = new MemoryNetwork[1];
        List<Got> got = run(BOTTLENECK, Ecn.ECT_0, 300, 1000, net);
        assertEquals(300, got.size());
        assertEquals(0, net[0].link("b").port().get(Counter.CE_MARKED));
        assertTrue(net[0].queueDelay("b", 1.0) <= 100_000, "no queue: " + net[0].queueDelay("b", 1.0));
    }

    @Test
    void coDelNeedsARate() {
        assertThrows(IllegalArgumentException.class, () -> LinkConfig.DEFAULTS.withCoDel(CoDel.RFC_8289));
        assertThrows(IllegalArgumentException.class,
                () -> new CoDel(Duration.ofMillis(100), Duration.ofMillis(5), true));
        assertThrows(IllegalArgumentException.class, () -> CoDel.RFC_8289.withCeThreshold(Duration.ofMillis(-1)));
    }
}
