package dev.tcpip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code bench ecn} on a short flow: ECN on is marked and retransmits nothing, ECN off is dropped and does. */
class EcnBenchTest {

    @Test
    void ecnOnIsMarkedWithoutRetransmissionAndEcnOffIsDropped() throws Exception {
        EcnBench.Result on = EcnBench.flow(4L << 20, true);
        EcnBench.Result off = EcnBench.flow(4L << 20, false);
        assertTrue(on.marked() > 0 && on.dropped() == 0, on.toString());
        assertEquals(0, on.retransmitted(), on.toString());
        assertTrue(off.marked() == 0 && off.dropped() > 0, off.toString());
        assertTrue(off.retransmitted() > 0, off.toString());
        for (EcnBench.Result r : new EcnBench.Result[] {on, off}) {
            assertTrue(r.mbps() > 0 && r.mbps() <= 50, r.toString());           // never above the bottleneck
            assertTrue(r.p50Nanos() <= r.p99Nanos(), r.toString());
        }
    }
}
