package dev.tcpip.cli;

import dev.tcpip.Ports;
import dev.tcpip.Stack;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tcpip serve}: echo, discard, HTTP and UDP echo until SIGINT or SIGTERM. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Runs the services until SIGINT or SIGTERM, then exits 0.",
                "Prints one line starting with 'ready' once every service listens (port 0 picks a free port;"
                        + " the line names the ports)."})
final class Serve implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    StackOptions stackOptions;

    @Option(names = "--echo", paramLabel = "PORT", description = "TCP echo (RFC 862).")
    Integer echo;

    @Option(names = "--discard", paramLabel = "PORT", description = "TCP discard (RFC 863).")
    Integer discard;

    @Option(names = "--http", paramLabel = "PORT", description = "HTTP/1.1: GET /, GET /bytes/N, POST /sha256.")
    Integer http;

    @Option(names = "--udp-echo", paramLabel = "PORT", description = "UDP echo: each datagram goes back to its source.")
    Integer udpEcho;

    @Option(names = "--stats", paramLabel = "SECONDS",
            description = "Every SECONDS, print the table of live flows on stderr (as ss -ti: addresses, state, bytes"
                    + " each way, cwnd, srtt, retransmissions, delivery rate).")
    String stats;

    /** How long open flows may go on after a stop signal (CLI.md). */
    static final java.time.Duration GRACE = java.time.Duration.ofSeconds(1);

    @Override
    public Integer call() throws Exception {
        checkPort("--echo", echo);
        checkPort("--discard", discard);
        checkPort("--http", http);
        checkPort("--udp-echo", udpEcho);
        if (echo == null && discard == null && http == null && udpEcho == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "no service named: give at least one of --echo, --discard, --http, --udp-echo");
        }
        java.time.Duration statsPeriod = FlowStats.period(stats, spec.commandLine());
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTermination(stop::countDown);
        Drain drain = new Drain();
        try (Stack stack = stackOptions.open();
             FlowStats printer = FlowStats.start(statsPeriod,
                     java.util.Map.of(stack instanceof DirectOnTap ? "direct" : "socket", stack), System.err)) {
            List<String> ready = new ArrayList<>();
            List<Integer> tcpPorts = new ArrayList<>();
            if (echo != null) {
                tcpPorts.add(stack.tcp().listen(echo, drain.wrap(Services::echo)));
                ready.add("echo=" + tcpPorts.getLast());
            }
            if (discard != null) {
                tcpPorts.add(stack.tcp().listen(discard, drain.wrap(Services::discard)));
                ready.add("discard=" + tcpPorts.getLast());
            }
            if (http != null) {
                tcpPorts.add(stack.tcp().listen(http, drain.wrap(HttpService::serve)));
                ready.add("http=" + tcpPorts.getLast());
            }
            if (udpEcho != null) {
                int[] port = new int[1];
                port[0] = stack.udp().listen(udpEcho, d -> Services.udpEcho(stack, port[0], d));
                ready.add("udp-echo=" + port[0]);
            }
            System.out.println("ready " + String.join(" ", ready));
            System.out.flush();
            stop.await();
            // Stop accepting; the flows already open get GRACE to finish; closing the stack aborts the rest.
            for (int port : tcpPorts) {
                stack.tcp().unlisten(port);
            }
            drain.awaitIdle(GRACE);
        }
        return 0;
    }

    private void checkPort(String option, Integer port) {
        if (port != null) {
            try {
                Ports.check(port);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "invalid value for option '" + option + "': " + port + " is not a port (0..65535)");
            }
        }
    }
}
