package dev.tcpip.cli;

import dev.tcpip.PingReply;
import dev.tcpip.Stack;
import dev.tcpip.TcpipException;
import dev.tcpip.socket.SocketStack;
import dev.tcpip.wire.AddressText;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tcpip ping [-c COUNT] HOST}: ICMP echo (RFC 792, RFC 4443) and a line per reply; from the direct stack with
 * {@code --tap} or {@code --tun}, else from the host through a Linux ping socket ({@link SocketStack#ping}), which needs no privilege
 * but a group within {@code net.ipv4.ping_group_range}.
 */
@Command(name = "ping", mixinStandardHelpOptions = true,
        description = {"Sends ICMP echo requests and prints a line per reply: from the direct stack with --tap or"
                + " --tun, else from the host's ICMP echo sockets (allowed to the groups in the sysctl"
                + " net.ipv4.ping_group_range).",
                "Exits 0 if any reply came, 1 otherwise."})
final class Ping implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    StackOptions stackOptions;

    @Option(names = "-c", paramLabel = "COUNT", description = "Requests to send (default: ${DEFAULT-VALUE}).",
            defaultValue = "4")
    int count;

    @Option(names = "-s", paramLabel = "SIZE",
            description = "Data bytes per request, 0..65507; above the MTU they are fragmented (default: ${DEFAULT-VALUE}).",
            defaultValue = "56")
    int size;

    @Option(names = "-i", paramLabel = "SECONDS", description = "Between requests (default: ${DEFAULT-VALUE}).",
            defaultValue = "1")
    double interval;

    @Option(names = "-W", paramLabel = "SECONDS", description = "How long to wait for each reply (default: ${DEFAULT-VALUE}).",
            defaultValue = "2")
    double timeout;

    @Parameters(paramLabel = "HOST", description = "An IPv4 or IPv6 address (link-local: ADDR%%IFNAME).")
    String host;

    @Override
    public Integer call() throws Exception {
        if (count < 1) {
            throw usage("invalid value for option '-c': " + count + " (at least 1)");
        }
        if (size < 0 || size > 65_507) {
            throw usage("invalid value for option '-s': " + size + " (0..65507)");
        }
        if (!(interval >= 0) || !(timeout > 0)) {
            throw usage("invalid value for option '" + (interval >= 0 ? "-W" : "-i") + "': must be positive");
        }
        InetAddress dst;
        try {
            dst = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw usage("invalid HOST '" + host + "': unknown host");
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTermination(stop::countDown);
        int received = 0;
        try (Stack stack = stackOptions.open()) {
            Pinger pinger = stack instanceof DirectOnTap direct ? direct.direct()::ping : ((SocketStack) stack)::ping;
            System.out.printf("PING %s: %d data bytes%n", AddressText.of(dst), size);
            for (int i = 0; i < count && stop.getCount() > 0; i++) {
                if (i > 0 && stop.await((long) (interval * 1e9), TimeUnit.NANOSECONDS)) {
                    break;                                   // interrupted by SIGINT or SIGTERM: pacing, not sync
                }
                try {
                    PingReply r = pinger.ping(dst, size, Duration.ofNanos((long) (timeout * 1e9)));
                    received++;
                    System.out.printf(Locale.ROOT, "%d bytes from %s: icmp_seq=%d time=%.3f ms%n", size + 8,
                            AddressText.of(r.from()), r.sequence(), r.rtt().toNanos() / 1e6);
                } catch (TcpipException e) {
                    System.out.println("no reply: " + Main.describe(e));
                }
                System.out.flush();
            }
        }
        System.out.printf("%d received%n", received);
        if (received == 0) {
            System.err.println("tcpip ping: no reply from " + AddressText.of(dst));
            return Main.FAILURE;
        }
        return 0;
    }

    /** One echo request and its reply, from either stack. */
    @FunctionalInterface
    private interface Pinger {
        PingReply ping(InetAddress dst, int size, Duration timeout) throws IOException;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
