package dev.tcpip.direct;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Draws a {@link FlowRecording} as an SVG time-sequence graph, the picture tcptrace and Wireshark's
 * Stevens/tcptrace graphs make of one direction of a TCP flow. Above, sequence numbers (relative, bytes) against
 * time: each segment sent as a vertical bar over the bytes it carried (blue), retransmissions in red with a tick at
 * each end, the ACK line (green) and the receive window's right edge (gold) as steps, SACKed ranges (purple). Below,
 * sharing the time axis: the congestion window and the slow-start threshold (bytes), periods of loss recovery
 * shaded, retransmission timeouts as dashed red lines. Axes carry units and tick labels; a legend and a title
 * naming the flow head the picture. The SVG is plain text written here, readable in any browser. The sequence axis
 * spans the data sent, ACKed and SACKed; the window's edge gets at most a quarter more room above it and is drawn
 * along the top border where it goes beyond (a receiver that is closing may offer its whole close buffer).
 *
 * <p><b>Bounded size.</b> The plot area is {@value #PLOT_WIDTH} pixels wide and every series is reduced to what
 * those pixel columns can show: a line (ACK, window edge, cwnd, ssthresh) keeps, per column, its first, lowest,
 * highest and last point, in time order (so the line drawn looks the same, and its first and last points are
 * exact); bars (segments sent, SACK blocks) are merged, per column, where they overlap or lie within a pixel of each
 * other; retransmissions are drawn one marker each up to {@value #MAX_MARKERS}, merged like bars beyond that (the
 * legend says so); recovery periods less than a pixel apart are joined, and at most {@value #MAX_MARKERS} timeouts
 * are drawn. So a plot holds at most about four points per column per line whatever the flow's length, and in
 * practice a few bars per column: a 64 MiB transfer's plot is some hundreds of kilobytes.
 *
 * <p>For tools and tests, each panel's group carries its pixel rectangle and the values at its edges
 * ({@code data-x}, {@code data-y}, {@code data-width}, {@code data-height}; {@code data-t0}, {@code data-t1} in
 * nanoseconds of the stack's clock; {@code data-v0} at the bottom, {@code data-v1} at the top, in bytes), and each
 * series is a group with an {@code id}.
 */
public final class TimeSequencePlot {
    /** The whole picture's size, in pixels. */
    public static final int WIDTH = 1000;
    public static final int HEIGHT = 740;
    /** The plot areas' width in pixels: the number of columns every series is reduced to. */
    public static final int PLOT_WIDTH = 880;
    /** Retransmissions (and timeouts) drawn one by one at most; beyond, merged per pixel column. */
    public static final int MAX_MARKERS = 4000;

    private static final int LEFT = 96;
    private static final int SEQ_TOP = 92;
    private static final int SEQ_HEIGHT = 420;
    private static final int CWND_TOP = 548;
    private static final int CWND_HEIGHT = 140;

    private static final String SENT = "#1f77b4";
    private static final String RETRANSMITTED = "#d62728";
    private static final String ACK = "#2ca02c";
    private static final String WINDOW = "#d4a017";
    private static final String SACK = "#9467bd";
    private static final String CWND = "#111111";
    private static final String SSTHRESH = "#7f7f7f";
    private static final String RECOVERY = "#f4c7c3";

    private TimeSequencePlot() {
    }

    /** Writes the recording's plot to {@code file}. */
    public static void write(FlowRecording recording, Path file) throws IOException {
        Files.writeString(file, svg(recording), StandardCharsets.UTF_8);
    }

    /** The recording's plot, titled with the flow's addresses. */
    public static String svg(FlowRecording recording) {
        long dropped = recording.dropped();
        List<FlowEvent> events = recording.events();
        return svg("TCP " + address(recording.src()) + " \u2192 " + address(recording.dst()), events, dropped);
    }

    private static String address(java.net.InetSocketAddress a) {
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /**
     * The plot of {@code events} (in the order recorded, so in time order) under {@code title}; {@code dropped}
     * events were recorded before them and are gone (said in the subtitle).
     */
    public static String svg(String title, List<FlowEvent> events, long dropped) {
        return new Drawing(title, events, dropped).draw();
    }

    // ---------------------------------------------------------------------------------------------------------

    /** One picture in the making. */
    private static final class Drawing {
        private final String title;
        private final List<FlowEvent> events;
        private final long dropped;
        private final StringBuilder out = new StringBuilder(1 << 16);
        private long t0;
        private long t1;
        private double seq0;
        private double seq1;
        private double cwnd1;

        Drawing(String title, List<FlowEvent> events, long dropped) {
            this.title = title;
            this.events = events;
            this.dropped = dropped;
        }

        String draw() {
            ranges();
            out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"")
                    .append(HEIGHT).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                    .append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
            out.append("<desc>Time-sequence graph written by dev.tcpip.direct.TimeSequencePlot. Each series is reduced "
                    + "to the plot's pixel columns: lines keep each column's first, lowest, highest and last point; "
                    + "bars merge where they overlap within a pixel.</desc>\n");
            defs();
            out.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
            text(WIDTH / 2.0, 22, "middle", "font-size=\"16\" font-weight=\"bold\"", title + ": time-sequence graph");
            text(WIDTH / 2.0, 42, "middle", "fill=\"#444\"", subtitle());
            if (events.isEmpty()) {
                text(WIDTH / 2.0, SEQ_TOP + SEQ_HEIGHT / 2.0, "middle", "", "no events recorded");
                out.append("</svg>\n");
                return out.toString();
            }
            legend();
            seqPanel();
            cwndPanel();
            timeAxis();
            out.append("</svg>\n");
            return out.toString();
        }

        // --- ranges and scales ---

        private void ranges() {
            if (events.isEmpty()) {
                return;
            }
            t0 = events.getFirst().time();
            t1 = Math.max(events.getLast().time(), t0 + 1_000);   // at least a microsecond wide
            double lo = Double.MAX_VALUE;
            double hi = -Double.MAX_VALUE;
            double edge = -Double.MAX_VALUE;
            double cw = 0;
            for (FlowEvent e : events) {
                switch (e) {
                    case FlowEvent.SegmentSent s -> {
                        lo = Math.min(lo, s.seq());
                        hi = Math.max(hi, s.end());
                    }
                    case FlowEvent.SegmentReceived r -> {
                        lo = Math.min(lo, r.ack());
                        hi = Math.max(hi, r.ack());
                        edge = Math.max(edge, r.windowEdge());
                        for (FlowEvent.Range b : r.sack()) {
                            lo = Math.min(lo, b.start());
                            hi = Math.max(hi, b.end());
                        }
                    }
                    case FlowEvent.CongestionWindow c -> {
                        cw = Math.max(cw, c.cwnd());
                        if (c.ssthresh().isPresent()) {
                            cw = Math.max(cw, c.ssthresh().getAsLong());
                        }
                    }
                    default -> { }
                }
            }
            if (lo > hi) {
                lo = 0;
                hi = 1;
            }
            // The window's edge may lie far above the data (a closing receiver offers its whole close buffer): it
            // gets at most a quarter more room above the data, and is clipped at the top beyond.
            hi = Math.max(hi, Math.min(edge, hi + (hi - lo) / 4));
            double pad = Math.max(1, (hi - lo) * 0.02);
            seq0 = lo - pad;
            seq1 = hi + pad;
            cwnd1 = Math.max(1, cw * 1.05);
        }

        private double x(long t) {
            return LEFT + (double) (t - t0) / (t1 - t0) * PLOT_WIDTH;
        }

        /** The row of sequence number {@code v}, held to the panel (a value beyond it is drawn at its border). */
        private double ySeq(double v) {
            return Math.clamp(SEQ_TOP + SEQ_HEIGHT - (v - seq0) / (seq1 - seq0) * SEQ_HEIGHT, SEQ_TOP,
                    SEQ_TOP + SEQ_HEIGHT);
        }

        private double yCwnd(double v) {
            return CWND_TOP + CWND_HEIGHT - v / cwnd1 * CWND_HEIGHT;
        }

        /** The pixel column of time {@code t}: 0..PLOT_WIDTH-1. */
        private int column(long t) {
            return Math.clamp((long) Math.floor(x(t) - LEFT), 0, PLOT_WIDTH - 1);
        }

        // --- what the title says ---

        private String subtitle() {
            long bytes = 0;
            long segments = 0;
            long retransmitted = 0;
            long timeouts = 0;
            long acks = 0;
            for (FlowEvent e : events) {
                switch (e) {
                    case FlowEvent.SegmentSent s when s.retransmission() -> retransmitted++;
                    case FlowEvent.SegmentSent s -> {
                        segments++;
                        bytes += s.length();
                    }
                    case FlowEvent.SegmentReceived r -> acks++;
                    case FlowEvent.RetransmissionTimeout r -> timeouts++;
                    default -> { }
                }
            }
            return String.format(Locale.ROOT, "%,d bytes in %,d new segments, %,d retransmitted, %,d timeouts; "
                            + "%,d ACKs received; %,d events%s", bytes, segments, retransmitted, timeouts, acks,
                    events.size(), dropped > 0 ? String.format(Locale.ROOT, " (the %,d before them dropped)", dropped) : "");
        }

        private void legend() {
            record Item(String label, String color, String kind) {
            }
            long retransmissions = events.stream()
                    .filter(e -> e instanceof FlowEvent.SegmentSent s && s.retransmission()).count();
            List<Item> items = List.of(new Item("data sent", SENT, "bar"),
                    new Item(retransmissions > MAX_MARKERS ? "retransmitted (merged)" : "retransmitted",
                            RETRANSMITTED, "beam"),
                    new Item("ACK", ACK, "line"), new Item("receive window edge", WINDOW, "line"),
                    new Item("SACKed", SACK, "bar"), new Item("cwnd", CWND, "line"),
                    new Item("ssthresh", SSTHRESH, "dash"), new Item("recovery", RECOVERY, "box"),
                    new Item("RTO", RETRANSMITTED, "dash"));
            out.append("<g id=\"legend\">\n");
            double x = LEFT;
            double y = 66;
            for (Item it : items) {
                switch (it.kind()) {
                    case "bar" -> out.append("<path d=\"M").append(fmt(x + 6)).append(' ').append(fmt(y - 10))
                            .append("V").append(fmt(y + 2)).append("\" stroke=\"").append(it.color())
                            .append("\" stroke-width=\"3\"/>");
                    case "beam" -> out.append("<path d=\"M").append(fmt(x + 6)).append(' ').append(fmt(y - 10))
                            .append("V").append(fmt(y + 2)).append("\" stroke=\"").append(it.color())
                            .append("\" stroke-width=\"2\" marker-start=\"url(#beam)\" marker-end=\"url(#beam)\"/>");
                    case "box" -> out.append("<rect x=\"").append(fmt(x)).append("\" y=\"").append(fmt(y - 10))
                            .append("\" width=\"14\" height=\"12\" fill=\"").append(it.color()).append("\"/>");
                    case "dash" -> out.append("<path d=\"M").append(fmt(x)).append(' ').append(fmt(y - 4))
                            .append("h14\" stroke=\"").append(it.color())
                            .append("\" stroke-width=\"2\" stroke-dasharray=\"4 2\"/>");
                    default -> out.append("<path d=\"M").append(fmt(x)).append(' ').append(fmt(y - 4))
                            .append("h14\" stroke=\"").append(it.color()).append("\" stroke-width=\"2\"/>");
                }
                out.append('\n');
                text(x + 18, y, "start", "", it.label());
                x += 30 + it.label().length() * 7.0;
            }
            out.append("</g>\n");
        }

        private void defs() {
            out.append("<defs>\n");
            out.append("<marker id=\"beam\" viewBox=\"-4 -1 8 2\" markerWidth=\"8\" markerHeight=\"2\" "
                    + "markerUnits=\"userSpaceOnUse\" orient=\"0\"><path d=\"M-4 0H4\" stroke=\"").append(RETRANSMITTED)
                    .append("\" stroke-width=\"1.5\"/></marker>\n");
            out.append("<clipPath id=\"seq-clip\"><rect x=\"").append(LEFT).append("\" y=\"").append(SEQ_TOP)
                    .append("\" width=\"").append(PLOT_WIDTH).append("\" height=\"").append(SEQ_HEIGHT)
                    .append("\"/></clipPath>\n");
            out.append("<clipPath id=\"cwnd-clip\"><rect x=\"").append(LEFT).append("\" y=\"").append(CWND_TOP)
                    .append("\" width=\"").append(PLOT_WIDTH).append("\" height=\"").append(CWND_HEIGHT)
                    .append("\"/></clipPath>\n");
            out.append("</defs>\n");
        }

        // --- the panels ---

        private void panelFrame(String id, int top, int height, double v0, double v1) {
            out.append("<g id=\"").append(id).append("\" data-x=\"").append(LEFT).append("\" data-y=\"").append(top)
                    .append("\" data-width=\"").append(PLOT_WIDTH).append("\" data-height=\"").append(height)
                    .append("\" data-t0=\"").append(t0).append("\" data-t1=\"").append(t1)
                    .append("\" data-v0=\"").append(fmt(v0)).append("\" data-v1=\"").append(fmt(v1)).append("\">\n");
            out.append("<rect x=\"").append(LEFT).append("\" y=\"").append(top).append("\" width=\"")
                    .append(PLOT_WIDTH).append("\" height=\"").append(height)
                    .append("\" fill=\"#fbfbfb\" stroke=\"#333\"/>\n");
        }

        private void seqPanel() {
            panelFrame("seq-panel", SEQ_TOP, SEQ_HEIGHT, seq0, seq1);
            grid(SEQ_TOP, SEQ_HEIGHT, seq0, seq1, true);
            yTitle(SEQ_TOP + SEQ_HEIGHT / 2.0, "relative sequence number (" + byteUnit(seq1 - seq0).name + ")");
            out.append("<g clip-path=\"url(#seq-clip)\">\n");
            List<long[]> sent = new ArrayList<>();
            List<long[]> resent = new ArrayList<>();
            List<long[]> sacked = new ArrayList<>();
            Line acks = new Line();
            Line window = new Line();
            for (FlowEvent e : events) {
                switch (e) {
                    case FlowEvent.SegmentSent s -> (s.retransmission() ? resent : sent)
                            .add(new long[] {s.time(), s.seq(), s.end()});
                    case FlowEvent.SegmentReceived r -> {
                        acks.add(r.time(), r.ack());
                        window.add(r.time(), r.windowEdge());
                        for (FlowEvent.Range b : r.sack()) {
                            sacked.add(new long[] {r.time(), b.start(), b.end()});
                        }
                    }
                    default -> { }
                }
            }
            steps("window", WINDOW, 1.5, window, false, true);
            steps("acks", ACK, 1.5, acks, false, true);
            bars("sent", SENT, 1, sent, false);
            bars("sacked", SACK, 3, sacked, false);
            bars("retransmissions", RETRANSMITTED, 2, resent, resent.size() <= MAX_MARKERS);
            out.append("</g>\n</g>\n");
        }

        private void cwndPanel() {
            panelFrame("cwnd-panel", CWND_TOP, CWND_HEIGHT, 0, cwnd1);
            grid(CWND_TOP, CWND_HEIGHT, 0, cwnd1, false);
            yTitle(CWND_TOP + CWND_HEIGHT / 2.0, "cwnd (" + byteUnit(cwnd1).name + ")");
            out.append("<g clip-path=\"url(#cwnd-clip)\">\n");
            recoveries();
            Line cwnd = new Line();
            Line ssthresh = new Line();
            List<Long> timeouts = new ArrayList<>();
            for (FlowEvent e : events) {
                switch (e) {
                    case FlowEvent.CongestionWindow c -> {
                        cwnd.add(c.time(), c.cwnd());
                        if (c.ssthresh().isPresent()) {
                            ssthresh.add(c.time(), c.ssthresh().getAsLong());
                        }
                    }
                    case FlowEvent.RetransmissionTimeout r -> timeouts.add(r.time());
                    default -> { }
                }
            }
            out.append("<g id=\"timeouts\" stroke=\"").append(RETRANSMITTED)
                    .append("\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\">\n");
            int lastColumn = -1;
            int drawn = 0;
            for (long t : timeouts) {
                int col = column(t);
                if (col == lastColumn || drawn >= MAX_MARKERS) {
                    continue;                               // one line per pixel column is all a reader sees
                }
                lastColumn = col;
                drawn++;
                out.append("<path d=\"M").append(fmt(x(t))).append(' ').append(CWND_TOP).append("V")
                        .append(CWND_TOP + CWND_HEIGHT).append("\"/>\n");
            }
            out.append("</g>\n");
            steps("ssthresh", SSTHRESH, 1.5, ssthresh, true, false);
            steps("cwnd", CWND, 1.5, cwnd, false, false);
            out.append("</g>\n</g>\n");
        }

        /** Loss recovery periods, shaded; joined when less than a pixel apart. */
        private void recoveries() {
            out.append("<g id=\"recovery\" fill=\"").append(RECOVERY).append("\">\n");
            long start = -1;
            double lastEnd = Double.NEGATIVE_INFINITY;
            double pendingStart = 0;
            boolean pending = false;
            int drawn = 0;
            for (FlowEvent e : events) {
                if (e instanceof FlowEvent.RecoveryEntered r && start < 0) {
                    start = r.time();
                } else if (e instanceof FlowEvent.RecoveryLeft l && start >= 0) {
                    double a = x(start);
                    double b = Math.max(x(l.time()), a + 1);
                    if (pending && a - lastEnd < 1) {
                        lastEnd = b;                        // joins the period before
                    } else {
                        if (pending && drawn++ < MAX_MARKERS) {
                            box(pendingStart, lastEnd);
                        }
                        pending = true;
                        pendingStart = a;
                        lastEnd = b;
                    }
                    start = -1;
                }
            }
            if (start >= 0) {                                // still in recovery at the end
                double a = x(start);
                if (pending && a - lastEnd < 1) {
                    lastEnd = LEFT + PLOT_WIDTH;
                } else {
                    if (pending && drawn++ < MAX_MARKERS) {
                        box(pendingStart, lastEnd);
                    }
                    pending = true;
                    pendingStart = a;
                    lastEnd = LEFT + PLOT_WIDTH;
                }
            }
            if (pending && drawn < MAX_MARKERS) {
                box(pendingStart, lastEnd);
            }
            out.append("</g>\n");
        }

        private void box(double a, double b) {
            out.append("<rect x=\"").append(fmt(a)).append("\" y=\"").append(CWND_TOP).append("\" width=\"")
                    .append(fmt(b - a)).append("\" height=\"").append(CWND_HEIGHT).append("\"/>\n");
        }

        // --- series ---

        /**
         * Vertical bars [start, end) at their times. {@code each}: one path per bar; else one path whose bars are
         * merged per pixel column where they overlap or lie within a pixel of each other.
         */
        private void bars(String id, String color, double width, List<long[]> bars, boolean each) {
            out.append("<g id=\"").append(id).append("\" stroke=\"").append(color).append("\" stroke-width=\"")
                    .append(fmt(width)).append("\" fill=\"none\"");
            if (id.equals("retransmissions")) {
                out.append(" data-count=\"").append(bars.size()).append("\" data-merged=\"").append(!each).append('"');
            }
            out.append(">\n");
            if (each) {
                for (long[] b : bars) {
                    out.append("<path d=\"M").append(fmt(x(b[0]))).append(' ').append(fmt(ySeq(b[1]))).append("V")
                            .append(fmt(ySeq(b[2]))).append("\" marker-start=\"url(#beam)\" marker-end=\"url(#beam)\"/>\n");
                }
                out.append("</g>\n");
                return;
            }
            StringBuilder d = new StringBuilder();
            int i = 0;
            List<double[]> column = new ArrayList<>();
            while (i < bars.size()) {
                int col = column(bars.get(i)[0]);
                column.clear();
                double xs = 0;
                int n = 0;
                for (; i < bars.size() && column(bars.get(i)[0]) == col; i++) {
                    long[] b = bars.get(i);
                    double top = ySeq(b[2]);
                    double bottom = ySeq(b[1]);
                    column.add(new double[] {top, Math.max(bottom, top + 0.5)});
                    xs += x(b[0]);
                    n++;
                }
                double xc = xs / n;                        // the bars' mean position within the column
                column.sort((p, q) -> Double.compare(p[0], q[0]));
                double from = column.getFirst()[0];
                double to = column.getFirst()[1];
                for (double[] p : column) {
                    if (p[0] > to + 1) {
                        d.append('M').append(fmt(xc)).append(' ').append(fmt(from)).append('V').append(fmt(to));
                        from = p[0];
                    }
                    to = Math.max(to, p[1]);
                }
                d.append('M').append(fmt(xc)).append(' ').append(fmt(from)).append('V').append(fmt(to));
            }
            if (!d.isEmpty()) {
                out.append("<path d=\"").append(d).append("\"/>\n");
            }
            out.append("</g>\n");
        }

        /** A step line through the points kept of {@code line}: horizontal to the next time, then vertical. */
        private void steps(String id, String color, double width, Line line, boolean dashed, boolean seqPanel) {
            out.append("<g id=\"").append(id).append("\" stroke=\"").append(color).append("\" stroke-width=\"")
                    .append(fmt(width)).append("\" fill=\"none\"").append(dashed ? " stroke-dasharray=\"5 3\"" : "")
                    .append(">\n");
            long[] t = line.times();
            long[] v = line.values();
            if (t.length > 0) {
                StringBuilder d = new StringBuilder();
                d.append('M').append(fmt(x(t[0]))).append(' ').append(fmt(seqPanel ? ySeq(v[0]) : yCwnd(v[0])));
                for (int i = 1; i < t.length; i++) {
                    d.append('H').append(fmt(x(t[i]))).append('V').append(fmt(seqPanel ? ySeq(v[i]) : yCwnd(v[i])));
                }
                out.append("<path d=\"").append(d).append("\"/>\n");
            }
            out.append("</g>\n");
        }

        /**
         * A line's points reduced as they come to each pixel column's first, lowest, highest and last, in time
         * order: at most four a column.
         */
        private final class Line {
            private long[] times = new long[64];
            private long[] values = new long[64];
            private int size;
            private int col = -1;
            private long firstT, minT, maxT, lastT;
            private long firstV, minV, maxV, lastV;

            void add(long t, long v) {
                int c = column(t);
                if (c != col) {
                    flush();
                    col = c;
                    firstT = minT = maxT = lastT = t;
                    firstV = minV = maxV = lastV = v;
                    return;
                }
                if (v < minV) {
                    minV = v;
                    minT = t;
                }
                if (v > maxV) {
                    maxV = v;
                    maxT = t;
                }
                lastT = t;
                lastV = v;
            }

            private void flush() {
                if (col < 0) {
                    return;
                }
                long[][] kept = {{firstT, firstV, 0}, {minT, minV, 1}, {maxT, maxV, 2}, {lastT, lastV, 3}};
                Arrays.sort(kept, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[2], b[2]));
                long prevT = Long.MIN_VALUE;
                long prevV = Long.MIN_VALUE;
                for (long[] k : kept) {
                    if (k[0] == prevT && k[1] == prevV) {
                        continue;                           // the same point kept twice
                    }
                    push(k[0], k[1]);
                    prevT = k[0];
                    prevV = k[1];
                }
                col = -1;
            }

            private void push(long t, long v) {
                if (size == times.length) {
                    times = Arrays.copyOf(times, size * 2);
                    values = Arrays.copyOf(values, size * 2);
                }
                times[size] = t;
                values[size] = v;
                size++;
            }

            long[] times() {
                flush();
                return Arrays.copyOf(times, size);
            }

            long[] values() {
                flush();
                return Arrays.copyOf(values, size);
            }
        }

        // --- axes ---

        private void grid(int top, int height, double v0, double v1, boolean seqPanel) {
            Unit u = byteUnit(v1 - v0);
            double step = niceStep((v1 - v0) / (height >= 300 ? 8 : 4));
            out.append("<g id=\"").append(seqPanel ? "seq-ticks" : "cwnd-ticks")
                    .append("\" stroke=\"#ddd\" stroke-width=\"1\">\n");
            StringBuilder labels = new StringBuilder();
            for (double v = Math.ceil(v0 / step) * step; v <= v1 + step * 1e-9; v += step) {
                double y = top + height - (v - v0) / (v1 - v0) * height;
                out.append("<path d=\"M").append(LEFT).append(' ').append(fmt(y)).append('h').append(PLOT_WIDTH)
                        .append("\"/>\n");
                labels.append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(fmt(y + 4))
                        .append("\" text-anchor=\"end\">").append(label(v / u.scale, step / u.scale)).append(' ')
                        .append(u.name).append("</text>\n");
            }
            for (double t : timeTicks()) {
                double x = x((long) Math.round(t) + t0);
                out.append("<path d=\"M").append(fmt(x)).append(' ').append(top).append('v').append(height)
                        .append("\"/>\n");
            }
            out.append("</g>\n<g id=\"").append(seqPanel ? "seq-labels" : "cwnd-labels")
                    .append("\" fill=\"#222\">\n").append(labels).append("</g>\n");
        }

        private void yTitle(double y, String s) {
            out.append("<text transform=\"translate(18 ").append(fmt(y)).append(") rotate(-90)\" text-anchor=\"middle\">")
                    .append(escape(s)).append("</text>\n");
        }

        /** Tick times, nanoseconds after t0. */
        private List<Double> timeTicks() {
            double span = t1 - t0;
            double step = niceStep(span / 10);
            List<Double> ticks = new ArrayList<>();
            for (double t = 0; t <= span + step * 1e-9; t += step) {
                ticks.add(t);
            }
            return ticks;
        }

        private void timeAxis() {
            double span = t1 - t0;
            Unit u = span >= 2e9 ? new Unit("s", 1e9) : span >= 2e6 ? new Unit("ms", 1e6) : new Unit("\u00b5s", 1e3);
            double step = niceStep(span / 10);
            out.append("<g id=\"time-labels\" fill=\"#222\" text-anchor=\"middle\">\n");
            for (double t : timeTicks()) {
                double x = x((long) Math.round(t) + t0);
                out.append("<text x=\"").append(fmt(x)).append("\" y=\"").append(CWND_TOP + CWND_HEIGHT + 18)
                        .append("\">").append(label(t / u.scale, step / u.scale)).append("</text>\n");
            }
            out.append("</g>\n");
            text(LEFT + PLOT_WIDTH / 2.0, CWND_TOP + CWND_HEIGHT + 40, "middle", "",
                    "time since the first event (" + u.name + ")");
        }

        private record Unit(String name, double scale) {
        }

        private static Unit byteUnit(double range) {
            return range >= 2e9 ? new Unit("GB", 1e9) : range >= 2e6 ? new Unit("MB", 1e6)
                    : range >= 2e3 ? new Unit("kB", 1e3) : new Unit("B", 1);
        }

        /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
        private static double niceStep(double raw) {
            if (!(raw > 0)) {
                return 1;
            }
            double p = Math.pow(10, Math.floor(Math.log10(raw)));
            double f = raw / p;
            return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
        }

        /** {@code v} with as many decimals as {@code step} needs. */
        private static String label(double v, double step) {
            int decimals = step >= 1 ? 0 : (int) Math.min(6, Math.ceil(-Math.log10(step) - 1e-9));
            String s = String.format(Locale.ROOT, "%." + decimals + "f", v);
            return s.equals("-0") ? "0" : s;
        }

        private void text(double x, double y, String anchor, String attributes, String s) {
            out.append("<text x=\"").append(fmt(x)).append("\" y=\"").append(fmt(y)).append('"');
            if (!anchor.isEmpty()) {
                out.append(" text-anchor=\"").append(anchor).append('"');
            }
            if (!attributes.isEmpty()) {
                out.append(' ').append(attributes);
            }
            out.append('>').append(escape(s)).append("</text>\n");
        }
    }

    /** {@code v} rounded to two decimals, without trailing zeros. */
    static String fmt(double v) {
        long hundredths = Math.round(v * 100);
        StringBuilder b = new StringBuilder();
        if (hundredths < 0) {
            b.append('-');
            hundredths = -hundredths;
        }
        b.append(hundredths / 100);
        long frac = hundredths % 100;
        if (frac != 0) {
            b.append('.').append(frac / 10);
            if (frac % 10 != 0) {
                b.append(frac % 10);
            }
        }
        return b.toString();
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
