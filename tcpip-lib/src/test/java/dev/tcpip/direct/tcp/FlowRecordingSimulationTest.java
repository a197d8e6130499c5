package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.TcpFlow;
import dev.tcpip.TcpInfo;
import dev.tcpip.device.Faults;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.FlowEvent;
import dev.tcpip.direct.FlowRecording;
import dev.tcpip.direct.PlotReader;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.direct.TimeSequencePlot;
import dev.tcpip.time.LoopFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.Test;

/**
 * The per-flow event recorder ({@link DirectStack#recordFlows}, {@link DirectStack#record}) over two whole stacks in
 * virtual time, and the time-sequence plot drawn from it, read back as XML and checked against the events.
 */
class FlowRecordingSimulationTest {
    private static final LinkConfig LAN = LinkConfig.DEFAULTS.withLatency(Duration.ofNanos(25_000))
            .withBitsPerSecond(10_000_000_000L).withQueueFrames(1024);

    /** What a client run left: its flow's recording and final info. */
    private record Run(FlowRecording recording, TcpInfo info) {
    }

    /**
     * A server on b reads and checks {@code bytes} and closes; a client on a, recording its flows with room for
     * {@code recordCapacity} events, sends them and closes.
     */
    private static Run transfer(MemoryNetworkTcpSimulationTest.Net n, long bytes, int recordCapacity) {
        return transfer(n, bytes, recordCapacity, new AtomicReference<>());
    }

    /** As above; {@code live} is given the recording as soon as the flow is open. */
    private static Run transfer(MemoryNetworkTcpSimulationTest.Net n, long bytes, int recordCapacity,
            AtomicReference<FlowRecording> live) {
        AtomicLong got = new AtomicLong(-1);
        LoopFuture<Void> l = n.sim.spawn("listen", () -> {
            n.a.recordFlows(recordCapacity);
            n.b.tcp().listen(80, flow -> {
                got.set(Patterns.readAndVerify(flow, 1));
                flow.close();
            });
        });
        n.sim.runUntil(l::isDone, Duration.ofSeconds(1));
        l.getNow();
        AtomicReference<Run> run = new AtomicReference<>();
        LoopFuture<Void> c = n.sim.spawn("client", () -> {
            TcpFlow f = n.a.tcp().connect(new InetSocketAddress(n.bAddress, 80));
            live.set(n.a.recording(f).orElseThrow());
            Patterns.write(f, 1, bytes, 65_536);
            f.close();
            run.set(new Run(n.a.recording(f).orElseThrow(), f.info()));
        });
        n.sim.runUntil(() -> c.isDone() && got.get() >= 0, Duration.ofMinutes(10));
        c.getNow();
        assertEquals(bytes, got.get());
        return run.get();
    }

    private static <T extends FlowEvent> List<T> of(List<FlowEvent> events, Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Test
    void aLossyTransferIsRecordedAndItsPlotDrawsTheSameSeries() throws Exception {
        long bytes = 4L << 20;
        MemoryNetworkTcpSimulationTest.replayable(3, () -> {
            try (var n = new MemoryNetworkTcpSimulationTest.Net(3, TcpConfig.DEFAULTS,
                    LAN.withFaults(Faults.NONE.withLoss(0.02), Faults.NONE))) {
                Run run = transfer(n, bytes, 1 << 20);
                FlowRecording rec = run.recording();
                TcpInfo info = run.info();
                List<FlowEvent> events = rec.events();
                assertEquals(0, rec.dropped());
                assertEquals(events.size(), rec.recorded());
                for (int i = 1; i < events.size(); i++) {
                    assertTrue(events.get(i).time() >= events.get(i - 1).time(), "in time order at " + i);
                }
                List<FlowEvent.SegmentSent> sent = of(events, FlowEvent.SegmentSent.class);
                FlowEvent.SegmentSent syn = sent.getFirst();
                assertTrue(syn.syn() && syn.seq() == 0 && !syn.retransmission(), "the SYN first, at 0: " + syn);
                // First transmissions tile the sequence space: SYN [0,1), the data [1, bytes+1), the FIN.
                long next = 0;
                long newData = 0;
                for (FlowEvent.SegmentSent s : sent) {
                    if (!s.retransmission()) {
                        assertEquals(next, s.seq(), "a new segment starts where the last new one ended: " + s);
                        next = s.end();
                        newData += s.length();
                    }
                }
                assertEquals(bytes + 2, next, "SYN, every byte and the FIN, once each");
                assertEquals(bytes, newData);
                List<FlowEvent.SegmentSent> resent = sent.stream().filter(FlowEvent.SegmentSent::retransmission).toList();
                assertTrue(info.retransmissions() > 0, "2 % of the frames were lost: " + info);
                assertEquals(info.retransmissions(), resent.stream().filter(s -> s.length() > 0).count());
                assertEquals(info.bytesRetransmitted(), resent.stream().mapToLong(FlowEvent.SegmentSent::length).sum());
                assertEquals(info.timeouts().orElseThrow(), of(events, FlowEvent.RetransmissionTimeout.class).size());
                assertFalse(of(events, FlowEvent.RecoveryEntered.class).isEmpty(), "losses were recovered");
                assertFalse(of(events, FlowEvent.RecoveryLeft.class).isEmpty());
                List<FlowEvent.SegmentReceived> acks = of(events, FlowEvent.SegmentReceived.class);
                assertTrue(acks.stream().anyMatch(a -> !a.sack().isEmpty()), "the receiver SACKed above the holes");
                assertTrue(acks.stream().allMatch(a -> a.windowEdge() >= a.ack()));
                assertEquals(bytes + 2, acks.getLast().ack(), "the last ACK takes the FIN");
                List<FlowEvent.CongestionWindow> cwnd = of(events, FlowEvent.CongestionWindow.class);
                assertEquals(info.cwnd(), cwnd.getLast().cwnd(), "the last change recorded is the window now");
                assertTrue(cwnd.stream().anyMatch(c -> c.ssthresh().isPresent()), "a loss set ssthresh");

                String svg = TimeSequencePlot.svg(rec);
                assertTrue(svg.length() < 1 << 20, "bounded: " + svg.length() + " characters");
                checkPlot(PlotReader.parse(svg), events);
            }
        });
    }

    /** The plot's series against the events they were drawn from. */
    static void checkPlot(PlotReader plot, List<FlowEvent> events) {
        PlotReader.Panel seq = plot.panel("seq-panel");
        PlotReader.Panel cw = plot.panel("cwnd-panel");
        assertEquals(seq.t0(), cw.t0(), "the panels share the time axis");
        assertEquals(seq.t1(), cw.t1());
        assertEquals(events.getFirst().time(), seq.t0());
        double dt = seq.timePerPixel() * 0.011;          // the writer rounds pixels to hundredths
        double dv = seq.valuePerPixel() * 0.011;

        // One marker per retransmitted segment, at its time, over its bytes.
        List<FlowEvent.SegmentSent> resent = of(events, FlowEvent.SegmentSent.class).stream()
                .filter(FlowEvent.SegmentSent::retransmission).toList();
        assertEquals("false", plot.group("retransmissions").getAttribute("data-merged"));
        List<double[]> marks = plot.bars("retransmissions");
        assertEquals(resent.size(), marks.size(), "a marker per retransmission");
        assertEquals(resent.size(), plot.paths("retransmissions").size());
        for (int i = 0; i < marks.size(); i++) {
            double[] m = marks.get(i);
            FlowEvent.SegmentSent s = resent.get(i);
            assertEquals(s.time(), seq.time(m[0]), dt, "retransmission " + i + "'s time");
            assertEquals(s.seq(), seq.value(Math.max(m[1], m[2])), dv, "retransmission " + i + "'s first byte");
            assertEquals(s.end(), seq.value(Math.min(m[1], m[2])), dv, "retransmission " + i + "'s end");
        }

        // The ACK line: from the first ACK to the last, never back in time, at most four points a pixel column.
        List<FlowEvent.SegmentReceived> acks = of(events, FlowEvent.SegmentReceived.class);
        List<double[]> ackLine = plot.points("acks");
        assertEquals(1, plot.paths("acks").size());
        assertTrue(ackLine.size() <= 4 * TimeSequencePlot.PLOT_WIDTH * 2, ackLine.size() + " points");
        assertEquals(acks.getFirst().time(), seq.time(ackLine.getFirst()[0]), dt);
        assertEquals(acks.getFirst().ack(), seq.value(ackLine.getFirst()[1]), dv);
        assertEquals(acks.getLast().time(), seq.time(ackLine.getLast()[0]), dt, "the ACK line ends at the last ACK");
        assertEquals(acks.getLast().ack(), seq.value(ackLine.getLast()[1]), dv, "the ACK line ends at the last ACK");
        double highestAck = ackLine.stream().mapToDouble(p -> seq.value(p[1])).max().orElseThrow();
        assertEquals(acks.stream().mapToLong(FlowEvent.SegmentReceived::ack).max().orElseThrow(), highestAck, dv,
                "decimation keeps each column's highest point");
        List<double[]> windowLine = plot.points("window");
        assertEquals(Math.min(acks.getLast().windowEdge(), seq.v1()), seq.value(windowLine.getLast()[1]), dv);
        double highestEdge = windowLine.stream().mapToDouble(p -> seq.value(p[1])).max().orElseThrow();
        long maxEdge = acks.stream().mapToLong(FlowEvent.SegmentReceived::windowEdge).max().orElseThrow();
        assertEquals(Math.min(maxEdge, seq.v1()), highestEdge, dv, "the highest edge, or the top where it is clipped");

        // The data sent: bars reaching from the SYN to the FIN.
        List<double[]> sentBars = plot.bars("sent");
        double top = sentBars.stream().mapToDouble(b -> seq.value(Math.min(b[1], b[2]))).max().orElseThrow();
        long end = of(events, FlowEvent.SegmentSent.class).stream().filter(s -> !s.retransmission())
                .mapToLong(FlowEvent.SegmentSent::end).max().orElseThrow();
        assertEquals(end, top, dv);
        long sacks = acks.stream().mapToLong(a -> a.sack().size()).sum();
        assertEquals(sacks > 0, !plot.bars("sacked").isEmpty(), "SACKed ranges are marked when there were some");

        // cwnd below, ending at the last window recorded.
        List<FlowEvent.CongestionWindow> cwnd = of(events, FlowEvent.CongestionWindow.class);
        List<double[]> cwndLine = plot.points("cwnd");
        assertEquals(cwnd.getLast().cwnd(), cw.value(cwndLine.getLast()[1]), cw.valuePerPixel() * 0.011);
        assertEquals(cwnd.getLast().time(), cw.time(cwndLine.getLast()[0]), dt);

        for (String line : List.of("acks", "window", "cwnd", "ssthresh")) {
            List<double[]> pts = plot.points(line);
            for (int i = 1; i < pts.size(); i++) {
                assertTrue(pts.get(i)[0] >= pts.get(i - 1)[0], line + " goes back in time at point " + i);
            }
        }
        for (String series : List.of("sent", "retransmissions", "acks", "window", "sacked")) {
            for (double[] p : plot.points(series)) {
                assertTrue(seq.inside(p), series + " point outside the plot area: " + p[0] + "," + p[1]);
            }
        }
        for (String series : List.of("cwnd", "ssthresh", "timeouts")) {
            for (double[] p : plot.points(series)) {
                assertTrue(cw.inside(p), series + " point outside the cwnd panel: " + p[0] + "," + p[1]);
            }
        }
        long timeouts = events.stream().filter(e -> e instanceof FlowEvent.RetransmissionTimeout).count();
        assertTrue(plot.paths("timeouts").size() <= timeouts && (timeouts == 0) == plot.paths("timeouts").isEmpty());
    }

    @Test
    void theRingKeepsTheNewestEventsUnderALongTransfer() throws Exception {
        long bytes = 16L << 20;
        int capacity = 2_000;
        MemoryNetworkTcpSimulationTest.replayable(5, () -> {
            // Offloads off: an ACK per two segments, as this ring's sizing assumes (super-segments draw fewer ACKs).
            try (var n = new MemoryNetworkTcpSimulationTest.Net(5, TcpConfig.DEFAULTS, LAN.withOffloads(false))) {
                // Every 100 us of virtual time, the recordings of a's flows as the loop sees them: never over capacity.
                AtomicLong samples = new AtomicLong();
                AtomicLong largest = new AtomicLong();
                AtomicLong done = new AtomicLong();
                AtomicReference<FlowRecording> live = new AtomicReference<>();
                LongConsumer[] sample = new LongConsumer[1];
                sample[0] = now -> {
                    FlowRecording r = live.get();
                    if (r != null) {
                        largest.accumulateAndGet(r.events().size(), Math::max);
                    }
                    if (samples.incrementAndGet() < 100_000 && done.get() == 0) {
                        n.loopA.at(now + 100_000, sample[0]);
                    }
                };
                LoopFuture<Void> start = n.loopA.submit(f -> {
                    n.loopA.at(0, sample[0]);
                    f.complete(null);
                });
                n.sim.runUntil(start::isDone, Duration.ofSeconds(1));
                Run run = transfer(n, bytes, capacity, live);
                done.set(1);
                FlowRecording rec = run.recording();
                List<FlowEvent> events = rec.events();
                assertEquals(capacity, rec.capacity());
                assertEquals(capacity, events.size(), "a full ring");
                assertTrue(rec.recorded() > 10L * capacity, rec.recorded() + " recorded");
                assertEquals(rec.recorded() - capacity, rec.dropped());
                assertTrue(samples.get() > 100 && largest.get() == capacity, samples + " samples, largest "
                        + largest);
                assertTrue(of(events, FlowEvent.SegmentSent.class).stream().noneMatch(FlowEvent.SegmentSent::syn),
                        "the oldest events, the handshake among them, made room");
                assertEquals(bytes + 2, of(events, FlowEvent.SegmentReceived.class).getLast().ack(),
                        "the newest are kept: the last ACK takes the FIN");
                String svg = TimeSequencePlot.svg(rec);
                assertTrue(svg.contains("dropped"), "the plot says events were dropped");
                PlotReader plot = PlotReader.parse(svg);
                assertEquals(events.getFirst().time(), plot.panel("seq-panel").t0());
            }
        });
    }

    @Test
    void offRecordsNothingAndAFlowCanBeRecordedFromMidway() throws Exception {
        MemoryNetworkTcpSimulationTest.replayable(6, () -> {
            try (var n = new MemoryNetworkTcpSimulationTest.Net(6, TcpConfig.DEFAULTS, LAN)) {
                AtomicReference<TcpFlow> accepted = new AtomicReference<>();
                LoopFuture<Void> l = n.sim.spawn("listen", () -> n.b.tcp().listen(80, flow -> {
                    accepted.set(flow);
                    Patterns.readAndVerify(flow, 1);
                    flow.close();
                }));
                n.sim.runUntil(l::isDone, Duration.ofSeconds(1));
                List<Optional<FlowRecording>> none = new ArrayList<>();
                AtomicReference<FlowRecording> midway = new AtomicReference<>();
                long half = 1 << 20;
                LoopFuture<Void> c = n.sim.spawn("client", () -> {
                    TcpFlow off = n.a.tcp().connect(new InetSocketAddress(n.bAddress, 80));
                    Patterns.write(off, 1, 100_000, 65_536);
                    off.close();
                    none.add(n.a.recording(off));                           // never turned on
                    none.add(n.b.recording(accepted.get()));
                    TcpFlow aborted = n.a.tcp().connect(new InetSocketAddress(n.bAddress, 80));
                    aborted.abort();
                    assertThrows(IllegalStateException.class, () -> n.a.record(aborted, 10),
                            "an ended flow has nothing more to record");
                    n.a.recordFlows(100);
                    n.a.recordFlows(0);
                    TcpFlow later = n.a.tcp().connect(new InetSocketAddress(n.bAddress, 80));
                    assertThrows(IllegalArgumentException.class, () -> n.b.record(later, 10), "not b's flow");
                    assertThrows(IllegalArgumentException.class, () -> n.a.record(later, 0));
                    assertThrows(IllegalArgumentException.class,
                            () -> n.a.record(later, DirectStack.MAX_RECORDING + 1));
                    none.add(n.a.recording(later));                         // turned off again before it opened
                    byte[] first = new byte[(int) half];
                    for (int i = 0; i < first.length; i++) {
                        first[i] = Patterns.at(1, i);
                    }
                    later.write(java.nio.ByteBuffer.wrap(first));
                    FlowRecording r = n.a.record(later, 100_000);
                    assertTrue(r == n.a.record(later, 5), "a running recording is returned again");
                    byte[] rest = new byte[(int) half];
                    for (int i = 0; i < rest.length; i++) {
                        rest[i] = Patterns.at(1, half + i);
                    }
                    later.write(java.nio.ByteBuffer.wrap(rest));
                    later.close();
                    midway.set(r);
                });
                n.sim.runUntil(c::isDone, Duration.ofMinutes(1));
                c.getNow();
                assertEquals(List.of(Optional.empty(), Optional.empty(), Optional.empty()), none);
                List<FlowEvent> events = midway.get().events();
                List<FlowEvent.SegmentSent> sent = of(events, FlowEvent.SegmentSent.class);
                assertTrue(sent.stream().noneMatch(FlowEvent.SegmentSent::syn), "turned on after the handshake");
                assertTrue(sent.getFirst().seq() >= 1, "numbered from the ISS: " + sent.getFirst());
                long next = sent.getFirst().seq();
                for (FlowEvent.SegmentSent s : sent) {
                    if (!s.retransmission()) {
                        assertEquals(next, s.seq(), "contiguous from where recording began: " + s);
                        next = s.end();
                    }
                }
                assertEquals(2 * half + 2, next, "relative to the ISS although started midway: data and FIN");
                assertEquals(2 * half + 2, of(events, FlowEvent.SegmentReceived.class).getLast().ack());
            }
        });
    }
}
