package dev.tcpip.cli;

import dev.tcpip.FlowInfo;
import dev.tcpip.Stack;
import dev.tcpip.TcpInfo;
import dev.tcpip.wire.AddressText;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * {@code --stats SECONDS}: the table of live flows, printed on stderr every SECONDS as {@code ss -ti} would show
 * them (addresses, state, bytes each way, cwnd, smoothed RTT, retransmissions, delivery rate), until closed.
 */
final class FlowStats implements AutoCloseable {
    /** The longest period accepted: a day. */
    static final long MAX_SECONDS = 86_400;
    static final List<String> HEADER = List.of("STACK", "LOCAL", "PEER", "STATE", "SENT", "RECEIVED", "CWND", "SRTT",
            "RETRANS", "DELIVERY");

    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;

    private FlowStats(Duration period, Map<String, Stack> stacks, PrintStream out, Supplier<String> footer) {
        thread = Thread.ofPlatform().daemon().name("tcpip-stats").start(() -> run(period, stacks, out, footer));
    }

    /**
     * Starts printing the flows of {@code stacks} (label to stack, in order) every {@code period}; null period:
     * nothing, and null is returned.
     */
    static FlowStats start(Duration period, Map<String, Stack> stacks, PrintStream out) {
        return start(period, stacks, out, null);
    }

    /** As {@link #start(Duration, Map, PrintStream)}, each table followed by the line {@code footer} gives. */
    static FlowStats start(Duration period, Map<String, Stack> stacks, PrintStream out, Supplier<String> footer) {
        return period == null ? null : new FlowStats(period, stacks, out, footer);
    }

    /**
     * The period of {@code --stats VALUE}, or null without the option: a positive number of seconds (a fraction is
     * allowed) up to a day, else a usage error naming the option (CLI.md).
     */
    static Duration period(String value, CommandLine cl) {
        if (value == null) {
            return null;
        }
        BigDecimal s;
        try {
            s = new BigDecimal(value.strip());
        } catch (NumberFormatException e) {
            throw new CommandLine.ParameterException(cl, "invalid value for option '--stats': '" + value
                    + "' is not a number of seconds");
        }
        if (s.signum() <= 0 || s.compareTo(BigDecimal.valueOf(MAX_SECONDS)) > 0) {
            throw new CommandLine.ParameterException(cl, "invalid value for option '--stats': '" + value
                    + "' (a number of seconds above 0, at most " + MAX_SECONDS + ")");
        }
        long nanos = s.movePointRight(9).longValue();
        if (nanos < 1_000_000) {
            throw new CommandLine.ParameterException(cl, "invalid value for option '--stats': '" + value
                    + "' (at least 0.001 seconds)");
        }
        return Duration.ofNanos(nanos);
    }

    private void run(Duration period, Map<String, Stack> stacks, PrintStream out, Supplier<String> footer) {
        try {
            while (!stop.await(period.toNanos(), TimeUnit.NANOSECONDS)) {
                List<List<String>> rows = new ArrayList<>();
                for (Map.Entry<String, Stack> e : stacks.entrySet()) {
                    for (FlowInfo f : e.getValue().flows()) {
                        rows.add(row(e.getKey(), f));
                    }
                }
                String t = table(rows);
                out.print(footer == null ? t : t.substring(0, t.length() - 1) + footer.get() + "\n\n");
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One flow's cells, in {@link #HEADER}'s order. */
    static List<String> row(String stack, FlowInfo f) {
        TcpInfo i = f.info();
        return List.of(stack, AddressText.of(f.src()), AddressText.of(f.dst()), i.state().name(), Long.toString(i.bytesSent()),
                Long.toString(i.bytesReceived()), Long.toString(i.cwnd()),
                i.rtt().isPresent() ? String.format(Locale.ROOT, "%.3fms", i.rtt().getAsLong() / 1e6) : "-",
                Long.toString(i.retransmissions()),
                i.deliveryRate().isPresent() ? rate(i.deliveryRate().getAsLong()) : "-");
    }

    /**
     * The table: a line naming the count, then (if there are flows) the header and one line per flow, columns
     * aligned; a blank line after.
     */
    static String table(List<List<String>> rows) {
        int[] width = new int[HEADER.size()];
        for (int c = 0; c < width.length; c++) {
            width[c] = HEADER.get(c).length();
            for (List<String> r : rows) {
                width[c] = Math.max(width[c], r.get(c).length());
            }
        }
        StringBuilder b = new StringBuilder();
        b.append("tcpip stats: ").append(rows.size()).append(rows.size() == 1 ? " flow" : " flows").append('\n');
        if (rows.isEmpty()) {
            return b.append('\n').toString();
        }
        line(b, HEADER, width);
        for (List<String> r : rows) {
            line(b, r, width);
        }
        return b.append('\n').toString();
    }

    /** Text left-aligned, numbers (and their headings) right-aligned, two spaces between columns. */
    private static void line(StringBuilder b, List<String> cells, int[] width) {
        int start = b.length();
        for (int c = 0; c < cells.size(); c++) {
            String s = cells.get(c);
            boolean right = c >= 4;
            String pad = " ".repeat(width[c] - s.length());
            b.append(right ? pad + s : s + pad).append(c + 1 < cells.size() ? "  " : "");
        }
        int end = b.length();
        while (end > start && b.charAt(end - 1) == ' ') {
            end--;
        }
        b.setLength(end);
        b.append('\n');
    }

    /** Bytes per second as bits per second with a unit: {@code 940.1Mbit/s}. */
    static String rate(long bytesPerSecond) {
        double bits = bytesPerSecond * 8.0;
        String[] units = {"bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"};
        int u = 0;
        while (bits >= 1000 && u < units.length - 1) {
            bits /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, u == 0 ? "%.0f%s" : "%.1f%s", bits, units[u]);
    }

    @Override
    public void close() throws InterruptedException {
        stop.countDown();
        thread.join(TimeUnit.SECONDS.toMillis(5));
    }
}
