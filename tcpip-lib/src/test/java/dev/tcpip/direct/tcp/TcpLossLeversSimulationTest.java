package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.TcpFlow;
import dev.tcpip.TcpInfo;
import dev.tcpip.device.Faults;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.direct.FlowEvent;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.time.LoopFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The loss-recovery levers behind switches that are off by default, each run on and off in virtual time: pacing
 * ({@link Pacer}), the cwnd-limited check ({@link CongestionControl#cwndLimited}) and a lower RTO floor
 * ({@link RetransmitTimer#MIN_RTO_PROPERTY}). Each transfer is checked byte
 * for byte by the receiver.
 */
class TcpLossLeversSimulationTest {
    private static final LinkConfig LAN = LinkConfig.DEFAULTS.withLatency(Duration.ofNanos(25_000))
            .withBitsPerSecond(10_000_000_000L).withQueueFrames(1024);
    private static final LinkConfig LOSSY = LAN.withFaults(Faults.NONE.withLoss(0.02), Faults.NONE.withLoss(0.02));

    /** What a client run left: its recorded events, its final info, the transfer's virtual time. */
    private record Run(List<FlowEvent> events, TcpInfo info, long nanos) {
    }

    /** Sends {@code bytes} a to b over {@code link}, recording a's flow; b reads and verifies every byte. */
    private static Run transfer(long seed, TcpConfig tcp, LinkConfig link, long bytes) {
        AtomicReference<Run> run = new AtomicReference<>();
        MemoryNetworkTcpSimulationTest.replayable(seed, () -> {
            try (var n = new MemoryNetworkTcpSimulationTest.Net(seed, tcp, link)) {
                AtomicLong got = new AtomicLong(-1);
                LoopFuture<Void> l = n.sim.spawn("listen", () -> {
                    n.a.recordFlows(1 << 20);
                    n.b.tcp().listen(80, flow -> {
                        got.set(Patterns.readAndVerify(flow, 1));
                        flow.close();
                    });
                });
                n.sim.runUntil(l::isDone, Duration.ofSeconds(1));
                l.getNow();
                long t0 = n.sim.now();
                LoopFuture<Void> c = n.sim.spawn("client", () -> {
                    TcpFlow f = n.a.tcp().connect(new InetSocketAddress(n.bAddress, 80));
                    Patterns.write(f, 1, bytes, 65_536);
                    f.close();
                    run.set(new Run(n.a.recording(f).orElseThrow().events(), f.info(), n.sim.now() - t0));
                });
                n.sim.runUntil(() -> c.isDone() && got.get() >= 0, Duration.ofMinutes(10));
                c.getNow();
                assertEquals(bytes, got.get());
            }
        });
        return run.get();
    }

    /**
     * The longest run of new data segments sent at one instant (one turn of the loop: back to back), after the
     * first ACK of data (before it there is no RTT, and the initial window leaves at once).
     */
    private static int longestBurst(List<FlowEvent> events) {
        boolean measured = false;
        int longest = 0;
        int run = 0;
        long at = -1;
        for (FlowEvent e : events) {
            if (e instanceof FlowEvent.SegmentReceived r && r.ack() > 1) {
                measured = true;
            } else if (measured && e instanceof FlowEvent.SegmentSent s && !s.retransmission() && s.length() > 0) {
                run = s.time() == at ? run + 1 : 1;
                at = s.time();
                longest = Math.max(longest, run);
            }
        }
        return longest;
    }

    @Test
    void pacingSpacesNewSegmentsAndTheLossyTransferStaysByteExact() {
        boolean saved = Pacer.on;
        int[] burst = new int[2];
        long[] nanos = new long[2];
        try {
            for (int on = 0; on <= 1; on++) {
                Pacer.on = on == 1;
                for (long seed : new long[] {4, 5}) {
                    Run r = transfer(seed, TcpConfig.DEFAULTS, LOSSY, 4L << 20);
                    assertTrue(r.info().retransmissions() > 0, "2 % of the frames were lost: " + r.info());
                    burst[on] = Math.max(burst[on], longestBurst(r.events()));
                    nanos[on] += r.nanos();
                }
            }
        } finally {
            Pacer.on = saved;
        }
        System.out.printf("pacing off: bursts up to %d segments, %d ns; on: %d segments, %d ns%n",
                burst[0], nanos[0], burst[1], nanos[1]);
        assertTrue(burst[1] <= Pacer.burstSegments, "paced: at most a burst back to back, got " + burst[1]);
        assertTrue(burst[0] > Pacer.burstSegments, "unpaced, an ACK releases more at once: " + burst[0]);
    }

    /** The largest flight (sequence space sent beyond the last ACK received) in a recording. */
    private static long largestFlight(List<FlowEvent> events) {
        long acked = 0;
        long largest = 0;
        for (FlowEvent e : events) {
            if (e instanceof FlowEvent.SegmentReceived a) {
                acked = Math.max(acked, a.ack());
            } else if (e instanceof FlowEvent.SegmentSent s) {
                largest = Math.max(largest, s.end() - acked);
            }
        }
        return largest;
    }

    /**
     * A transfer whose flight something other than cwnd limits (here the receive window, a fixed 256 KiB, on a
     * lossless LAN): unchecked, every ACK grows cwnd, to megabytes no flight ever used
     * (which a loss would then only cut by 30 %, RFC 9438 §4.6); checked, it stops near twice the flight.
     */
    @Test
    void theCwndLimitedCheckKeepsAWindowTheFlightDoesNotFillFromGrowing() {
        boolean saved = CongestionControl.cwndLimitedCheck;
        long[] cwnd = new long[2];
        long[] flight = new long[2];
        try {
            for (int on = 0; on <= 1; on++) {
                CongestionControl.cwndLimitedCheck = on == 1;
                TcpConfig d = TcpConfig.DEFAULTS;
                Run r = transfer(1, d.withBuffers(d.sendBufferSize(), d.sendBufferMax(), d.receiveBufferSize()), LAN,
                        4L << 20);
                cwnd[on] = r.info().cwnd();
                flight[on] = largestFlight(r.events());
            }
        } finally {
            CongestionControl.cwndLimitedCheck = saved;
        }
        System.out.printf("unchecked: cwnd %d, largest flight %d; checked: cwnd %d, largest flight %d%n",
                cwnd[0], flight[0], cwnd[1], flight[1]);
        // In slow start a flight of half of cwnd lets it grow: it stops within twice the largest flight and what
        // the last ACK allowed to grow it acknowledged (a stretch ACK of a super-segment: at most 64 KiB).
        assertTrue(cwnd[1] <= 2 * flight[1] + 65_536, "checked: cwnd stays near what the flight used: " + cwnd[1]);
        assertTrue(cwnd[0] > 8 * flight[0], "unchecked: every ACK grew it: " + cwnd[0]);
    }

    @Test
    void theCwndLimitedCheckLeavesALossyTransferByteExact() {
        boolean saved = CongestionControl.cwndLimitedCheck;
        try {
            CongestionControl.cwndLimitedCheck = true;
            Run r = transfer(4, TcpConfig.DEFAULTS, LOSSY, 4L << 20);
            assertTrue(r.info().retransmissions() > 0, "2 % of the frames were lost: " + r.info());
            System.out.printf("cwnd-limited check on, 2 %% loss each way: %d ns%n", r.nanos());
        } finally {
            CongestionControl.cwndLimitedCheck = saved;
        }
    }

    @Test
    void aLowerRtoFloorSetsTheTimerBelowTwoHundredMillisecondsAndTheLossyTransferStaysByteExact() {
        long saved = RetransmitTimer.minRtoOverride;
        long[] rto = new long[2];
        try {
            for (int on = 0; on <= 1; on++) {
                RetransmitTimer.minRtoOverride = on == 1 ? 50_000_000L : 0;
                Run r = transfer(4, TcpConfig.DEFAULTS, LOSSY, 4L << 20);
                assertTrue(r.info().retransmissions() > 0, "2 % of the frames were lost: " + r.info());
                rto[on] = r.info().rto();
            }
        } finally {
            RetransmitTimer.minRtoOverride = saved;
        }
        System.out.printf("RTO at the end: %d ns with the 200 ms floor, %d ns with 50 ms%n", rto[0], rto[1]);
        // A 100 us round trip: the RTO is its floor.
        assertEquals(200_000_000L, rto[0]);
        assertEquals(50_000_000L, rto[1]);
    }
}
