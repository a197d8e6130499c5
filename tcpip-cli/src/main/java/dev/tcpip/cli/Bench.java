package dev.tcpip.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tcpip bench [WORKLOAD ...] [--json FILE]}: runs workloads and prints a table in which each
 * figure of this stack stands beside the same work done by the host kernel in the same run.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Runs the named workloads (all by default) and prints a table.",
                "--plot FILE.svg draws one more direct-tcp bulk flow (MTU 1500, not counted in the figures) as a"
                        + " time-sequence graph."})
final class Bench implements Callable<Integer> {

    /** A workload: a name and what it measures. */
    interface Workload {
        List<Figure> run(Settings settings) throws Exception;
    }

    /**
     * How long to measure: {@code quick} shrinks every workload for smoke tests; {@code plot}, if not null, is where
     * the direct-tcp workload draws one flow's time-sequence graph.
     */
    record Settings(boolean quick, Path plot, Integer connections, java.time.Duration idle) {
        Settings(boolean quick, Path plot) {
            this(quick, plot, null, null);
        }
    }

    static final Map<String, Workload> WORKLOADS = new LinkedHashMap<>();
    /** The workload whose flow --plot draws. */
    static final String PLOTTED = "direct-tcp";

    static {
        WORKLOADS.put("socket", SocketBench::run);
        WORKLOADS.put("direct-udp", DirectBench::run);
        WORKLOADS.put("direct-tcp", DirectTcpBench::run);
        WORKLOADS.put("churn", ChurnBench::run);
        WORKLOADS.put("ecn", EcnBench::run);
        WORKLOADS.put("tap", TapBench::run);
        WORKLOADS.put("tap-loss", TapBench::runLoss);
        WORKLOADS.put("gateway", GatewayBench::run);
        WORKLOADS.put("relay", RelayBench::run);
        WORKLOADS.put("idle-1m", IdleBench::run);
    }

    /** Other names a workload answers to: issue 14 calls the churn workload {@code connect-close}. */
    static final Map<String, String> ALIASES = Map.of("connect-close", "churn");

    /** The workloads {@code names} ask for, aliases resolved, each once, in order; all of them when empty. */
    static List<String> workloads(List<String> names) {
        return names.isEmpty() ? List.copyOf(WORKLOADS.keySet())
                : names.stream().map(n -> ALIASES.getOrDefault(n, n)).distinct().toList();
    }

    /** A workload that cannot run here (for example without root); the message says why. */
    static final class Skipped extends Exception {
        Skipped(String message) {
            super(message);
        }
    }

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "WORKLOAD", arity = "0..*", description = {"Which workloads to run (default: all):",
            "socket: the socket stack beside plain java.nio on loopback.",
            "direct-udp: two direct stacks on a memory network beside kernel UDP on loopback.",
            "direct-tcp: TCP between two direct stacks on a memory network beside the socket stack on loopback"
                    + " (and, as root, the kernel over a veth pair).",
            "churn (or connect-close): connects+closes per second (connect, 1-byte echo, close) from 8 concurrent clients: two direct"
                    + " stacks on a memory network beside the socket stack and plain java.nio on loopback.",
            "ecn: one bulk flow between two direct stacks through a 50 Mbit/s CoDel bottleneck (20 ms RTT) in virtual"
                    + " time, the sender asking for ECN and not: goodput, bytes retransmitted, p99 queueing delay.",
            "tap: 1 GiB TCP each way between the kernel and the direct stack over a TAP device, beside the kernel"
                    + " over a veth pair; one transfer each way first (reported as cold), then the medians of 3 rounds (1 with"
                    + " --quick); needs root: skipped with a line on stderr when all workloads run, exit 1 when"
                    + " named.",
            "tap-loss: 64 MiB TCP each way over the same TAP device behind 2 %% loss each way: the direct stack's"
                    + " sender beside the kernel's over the same link, with the namespace's default congestion"
                    + " control (named) and with CUBIC; two warm-up transfers each way (the first reported as cold),"
                    + " then the medians of 5 rounds (1 with --quick) and of each round's ratio; needs root.",
            "gateway: iperf3 both ways at MTU 1500 and 65520, 1-byte request/response and wrk HTTP from a guest"
                    + " namespace to the host's loopback through 10.0.2.2, by slirp4netns, pasta and tcpip gateway in"
                    + " turn; needs root; a system that is not installed is skipped with a line on stderr.",
            "relay: iperf3 both ways at MTU 1500 and 65520 and connects/s from a guest namespace to a far one,"
                    + " routed by the kernel over veth and through tcpip relay, direct and via microsocks; the relay's"
                    + " heap per idle connection at 10,000 connections; needs root.",
            "idle-1m: 1,000,000 idle connections at once (--connections) between two direct stacks on a memory"
                    + " network, keep-alive on, idle 60 s (--idle), a 1-byte echo on 1,000 of them, all closed: heap"
                    + " bytes per connection and the establishment rate; give the JVM -Xmx12g or more for 1M."})
    List<String> names = new ArrayList<>();

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as a JSON array to FILE.")
    Path json;

    @Option(names = "--quick", description = "Short runs, for smoke tests (figures are not meaningful).")
    boolean quick;

    @Option(names = "--plot", paramLabel = "FILE.svg",
            description = "Record one more bulk flow of the direct-tcp workload, after its measured rounds and not counted"
                    + " in them, and draw its time-sequence graph to FILE.svg.")
    Path plot;

    @Option(names = "--connections", paramLabel = "N",
            description = "idle-1m: connections held at once (default 1,000,000; 2,000 with --quick).")
    Integer connections;

    @Option(names = "--idle", paramLabel = "SECONDS",
            description = "idle-1m: seconds the connections stay idle (default 60; 1 with --quick).")
    Integer idleSeconds;

    @Override
    public Integer call() throws Exception {
        if (connections != null && connections < 1 || idleSeconds != null && idleSeconds < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--connections must be at least 1 and --idle at least 0");
        }
        List<String> run = workloads(names);
        for (String n : run) {
            if (!WORKLOADS.containsKey(n)) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "unknown workload '" + n + "'; known: " + String.join(", ", WORKLOADS.keySet()));
            }
        }
        if (plot != null && !run.contains(PLOTTED)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "option '--plot' draws a flow of the " + PLOTTED + " workload, which is not among those run");
        }
        List<Figure> figures = new ArrayList<>();
        Settings settings = new Settings(quick, plot, connections,
                idleSeconds == null ? null : java.time.Duration.ofSeconds(idleSeconds));
        for (String n : run) {
            System.err.println("tcpip bench: running " + n + " ...");
            try {
                figures.addAll(WORKLOADS.get(n).run(settings));
            } catch (Skipped e) {
                System.err.println("tcpip bench: skipped " + e.getMessage());
                if (!names.isEmpty()) {
                    return Main.FAILURE;                     // named explicitly: not running it is a failure
                }
            }
        }
        System.out.print(table(figures));
        if (json != null) {
            writeJson(json, figures);
        }
        return 0;
    }

    static String table(List<Figure> figures) {
        StringBuilder sb = new StringBuilder();
        int work = Math.max(32, figures.stream().mapToInt(f -> f.work().length()).max().orElse(0));
        int system = Math.max(18, figures.stream().mapToInt(f -> f.system().length()).max().orElse(0));
        String columns = "%-" + work + "s %-" + system + "s ";
        sb.append(String.format(Locale.ROOT, columns + "%14s  %s%n", "work", "system", "value", "unit"));
        for (Figure f : figures) {
            sb.append(String.format(Locale.ROOT, columns + "%14.2f  %s%n", f.work(), f.system(), f.value(), f.unit()));
        }
        return sb.toString();
    }

    static void writeJson(Path file, List<Figure> figures) throws IOException {
        String body = figures.stream().map(f -> "  " + f.json()).collect(Collectors.joining(",\n", "[\n", "\n]\n"));
        Files.writeString(file, body);
    }
}
