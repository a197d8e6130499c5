package dev.tcpip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.LinkConfig;
import org.junit.jupiter.api.Test;

/**
 * {@code bench ecn} on a short flow: ECN on is marked and retransmits nothing, ECN off is dropped and retransmits
 * exactly what was dropped; through a CoDel queue with a CE threshold, ECN on waits less in the queue than ECN off.
 */
class EcnBenchTest {

    @Test
    void ecnOnIsMarkedWithoutRetransmissionAndEcnOffIsDropped() throws Exception {
        EcnBench.Result on = EcnBench.flow(4L << 20, true, EcnBench.BOTTLENECK);
        EcnBench.Result off = EcnBench.flow(4L << 20, false, EcnBench.BOTTLENECK);
        assertTrue(on.marked() > 0 && on.dropped() == 0, on.toString());
        assertEquals(0, on.retransmitted(), on.toString());
        assertTrue(off.marked() == 0 && off.dropped() > 0, off.toString());
        // Each drop costs one retransmission, no more: the receiver holds everything after the hole.
        assertEquals(off.dropped() * 1448, off.retransmitted(), off.toString());
        for (EcnBench.Result r : new EcnBench.Result[] {on, off}) {
            assertTrue(r.mbps() > 0 && r.mbps() <= 50, r.toString());           // never above the bottleneck
            assertTrue(r.p50Nanos() <= r.p99Nanos(), r.toString());
        }
    }

    @Test
    void withACeThresholdEcnOnWaitsLessInTheQueueThanEcnOff() throws Exception {
        LinkConfig link = EcnBench.BOTTLENECK.withCoDel(
                EcnBench.BOTTLENECK.codel().withCeThreshold(EcnBench.CE_THRESHOLD));
        EcnBench.Result on = EcnBench.flow(4L << 20, true, link);
        EcnBench.Result off = EcnBench.flow(4L << 20, false, link);
        assertEquals(0, on.retransmitted(), on.toString());
        assertEquals(0, on.dropped(), on.toString());
        assertTrue(on.p99Nanos() < off.p99Nanos(), "ECN on " + on + ", off " + off);
        assertTrue(off.marked() == 0, off.toString());
    }
}
