package dev.tcpip.direct;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The plot's bound on made-up recordings far larger than the plot has pixels. */
class TimeSequencePlotTest {

    /**
     * {@code segments} segments of 1000 bytes 10 µs apart, each answered by an ACK with a SACK block and a cwnd
     * change; every {@code resendEvery}-th segment is sent again later.
     */
    private static List<FlowEvent> flow(int segments, int resendEvery) {
        List<FlowEvent> out = new ArrayList<>();
        long t = 1_000_000_000L;
        for (int i = 0; i < segments; i++) {
            long seq = 1 + 1000L * i;
            out.add(new FlowEvent.SegmentSent(t, seq, 1000, false, false, false));
            if (i % resendEvery == resendEvery - 1) {
                out.add(new FlowEvent.SegmentSent(t, seq - 5000, 1000, false, false, true));
            }
            out.add(new FlowEvent.SegmentReceived(t + 5_000, seq, seq + 65_536, 0,
                    List.of(new FlowEvent.Range(seq + 1000, seq + 2000))));
            out.add(new FlowEvent.CongestionWindow(t + 5_000, 10_000 + i % 5000, OptionalLong.of(8_000)));
            t += 10_000;
        }
        return out;
    }

    @Test
    void aMillionEventsMakeAPlotOfBoundedSize() {
        List<FlowEvent> events = flow(250_000, 20);             // 1,012,500 events
        String svg = TimeSequencePlot.svg("big", events, 0);
        assertTrue(svg.length() < 2_000_000, svg.length() + " characters");
        PlotReader plot = PlotReader.parse(svg);
        for (String line : List.of("acks", "window", "cwnd", "ssthresh")) {
            // At most four points kept a column, each drawn as a step: across to its time, then up or down to it.
            int n = plot.points(line).size();
            assertTrue(n <= 2 * 4 * TimeSequencePlot.PLOT_WIDTH, line + ": " + n + " points");
        }
        // 12,500 retransmissions are more than MAX_MARKERS: merged per pixel column, and said so.
        assertEquals("true", plot.group("retransmissions").getAttribute("data-merged"));
        assertEquals("12500", plot.group("retransmissions").getAttribute("data-count"));
        assertTrue(plot.bars("retransmissions").size() <= 2 * TimeSequencePlot.PLOT_WIDTH);
        assertTrue(plot.root().getTextContent().contains("retransmitted (merged)"), "the legend says so");
        // The ACK line still ends exactly at the last ACK.
        PlotReader.Panel seq = plot.panel("seq-panel");
        List<double[]> acks = plot.points("acks");
        FlowEvent.SegmentReceived last = (FlowEvent.SegmentReceived) events.get(events.size() - 2);
        assertEquals(last.ack(), seq.value(acks.getLast()[1]), seq.valuePerPixel() * 0.011);
        assertEquals(last.time(), seq.time(acks.getLast()[0]), seq.timePerPixel() * 0.011);
        for (double[] p : plot.points("sent")) {
            assertTrue(seq.inside(p));
        }
    }

    @Test
    void fewRetransmissionsGetAMarkerEachAndNoEventsGiveAnEmptyPlot() {
        List<FlowEvent> events = flow(2_000, 100);
        PlotReader plot = PlotReader.parse(TimeSequencePlot.svg("small", events, 7));
        assertEquals("false", plot.group("retransmissions").getAttribute("data-merged"));
        assertEquals(20, plot.paths("retransmissions").size());
        assertTrue(plot.root().getTextContent().contains("the 7 before them dropped"));

        PlotReader empty = PlotReader.parse(TimeSequencePlot.svg("nothing <yet> & more", List.of(), 0));
        assertTrue(empty.root().getTextContent().contains("no events recorded"));
        assertTrue(empty.root().getTextContent().contains("nothing <yet> & more"), "the title is escaped, not lost");
    }
}
