package dev.tcpip.cli;

import dev.tcpip.Stack;
import dev.tcpip.device.CapturingDevice;
import dev.tcpip.device.NetworkDevice;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.forward.ForwarderConfig;
import dev.tcpip.forward.ResolvConf;
import dev.tcpip.time.Clock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options {@code tcpip gateway} and {@code tcpip relay} share (CLI.md): where the device lives, its MTU and
 * capture, the DNS upstream, the forwarder's limits and timeouts, {@code --stats}; their checks (usage errors name the
 * option, exit 2) and the shutdown both commands go through.
 */
final class ForwardingOptions {
    @Spec(Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    @Option(names = "--netns", paramLabel = "NAME",
            description = "Make the device inside network namespace NAME (/run/netns/NAME); every flow's host side"
                    + " stays in the namespace tcpip was started in.")
    String netns;

    @Option(names = "--dns-upstream", paramLabel = "HOST:PORT",
            description = "Where DNS queries go (default: the first nameserver of /etc/resolv.conf, port 53).")
    String dnsUpstream;

    @Option(names = "--mtu", paramLabel = "N", defaultValue = "1500", description = "Link MTU (default: ${DEFAULT-VALUE}).")
    int mtu;

    @Option(names = "--pcap", paramLabel = "FILE", description = "Write every frame on the device to FILE.")
    Path pcap;

    @Option(names = "--max-flows", paramLabel = "N", description = "TCP plus UDP flows at once (default: 1024).")
    Integer maxFlows;

    @Option(names = "--connect-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "A host connect that takes longer is reported to the guest as host unreachable"
                    + " (default: ${DEFAULT-VALUE}).")
    int connectTimeout;

    @Option(names = "--udp-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "A UDP flow idle this long ends (default: ${DEFAULT-VALUE}).")
    int udpTimeout;

    @Option(names = "--stats", paramLabel = "SECONDS",
            description = "Every SECONDS, print the table of live flows on stderr, the device side's (the direct"
                    + " stack) and the upstream's, as ss -ti shows them.")
    String stats;

    /** Checks the MTU (IPv6's minimum when {@code ipv6}), the namespace, the limits and timeouts. */
    void check(boolean ipv6) {
        if (mtu < 576 || mtu > 65_520) {
            throw usage("invalid value for option '--mtu': " + mtu + " (576..65520)");
        }
        if (ipv6 && mtu < 1280) {
            throw usage("invalid value for option '--mtu': " + mtu + " is below IPv6's minimum of 1280 (RFC 8200 §5)");
        }
        if (netns != null && (netns.isEmpty() || netns.contains("/") || !Files.exists(Path.of("/run/netns", netns)))) {
            throw usage("invalid value for option '--netns': no network namespace named '" + netns + "' (/run/netns/"
                    + netns + " does not exist)");
        }
        if (maxFlows != null && maxFlows < 1) {
            throw usage("invalid value for option '--max-flows': " + maxFlows + " (at least 1)");
        }
        if (connectTimeout < 1 || udpTimeout < 1) {
            throw usage("invalid value for option '" + (connectTimeout < 1 ? "--connect-timeout" : "--udp-timeout")
                    + "': at least 1 second");
        }
    }

    /** The {@code --stats} period, or null without the option. */
    Duration statsPeriod() {
        return FlowStats.period(stats, mixee.commandLine());
    }

    /** The forwarder's timeouts and limit from the options. */
    ForwarderConfig forwarderConfig() {
        ForwarderConfig fc = ForwarderConfig.DEFAULTS
                .withConnectTimeout(Duration.ofSeconds(connectTimeout))
                .withUdpIdleTimeout(Duration.ofSeconds(udpTimeout));
        return maxFlows != null ? fc.withMaxFlows(maxFlows) : fc;
    }

    /** {@code --dns-upstream}, or the first nameserver of /etc/resolv.conf without it. */
    InetSocketAddress dnsUpstream() {
        if (dnsUpstream != null) {
            return hostPort("--dns-upstream", dnsUpstream, true);
        }
        try {
            ResolvConf rc = ResolvConf.read(ResolvConf.DEFAULT);
            if (rc.nameservers().isEmpty()) {
                throw usage("no nameserver in " + ResolvConf.DEFAULT + ": give --dns-upstream HOST:PORT");
            }
            return new InetSocketAddress(rc.nameservers().getFirst(), ResolvConf.DNS_PORT);
        } catch (IOException e) {
            throw usage("cannot read " + ResolvConf.DEFAULT + " (" + e.getMessage() + "): give --dns-upstream"
                    + " HOST:PORT");
        }
    }

    /**
     * {@code HOST:PORT} ({@code [ADDR]:PORT} for IPv6) of {@code option}, the port 1..65535; the host resolved now
     * when {@code resolve}, else left unresolved.
     */
    InetSocketAddress hostPort(String option, String value, boolean resolve) {
        Matcher m = Pattern.compile("(?:\\[([0-9A-Fa-f:.]+)\\]|([^:\\[\\]@]+)):(\\d{1,5})").matcher(value);
        if (!m.matches()) {
            throw usage("invalid value for option '" + option + "': '" + value + "': expected HOST:PORT"
                    + " ([ADDR]:PORT for IPv6)");
        }
        int port = Integer.parseInt(m.group(3));
        if (port < 1 || port > 65_535) {
            throw usage("invalid value for option '" + option + "': '" + value + "': port must be 1..65535");
        }
        String h = m.group(1) != null ? m.group(1) : m.group(2);
        try {
            return resolve || m.group(1) != null ? new InetSocketAddress(InetAddress.getByName(h), port)
                    : InetSocketAddress.createUnresolved(h, port);
        } catch (IOException e) {
            throw usage("invalid value for option '" + option + "': '" + value + "': unknown host " + h);
        }
    }

    /** The device as the stack sees it: with {@code --pcap}, every frame also goes to {@code capture}. */
    NetworkDevice link(NetworkDevice device, PcapFile capture) {
        return capture == null ? device : new CapturingDevice(device, capture, Clock.system());
    }

    /** {@code --pcap}'s file, created with the device's link type; null without the option. */
    PcapFile capture(NetworkDevice device) throws IOException {
        return pcap == null ? null : PcapFile.create(pcap, device.linkType());
    }

    /**
     * The shutdown both commands go through, each step even when one before it failed: the stats printer, the
     * services in reverse order of start, the upstream, the direct stack (which closes the device: it is gone once the
     * process has exited) or the device alone when no stack was made, the capture.
     */
    static void shutDown(String command, FlowStats printer, List<AutoCloseable> services, Stack upstream,
                         DirectStack stack, NetworkDevice device, PcapFile capture) {
        try {
            if (printer != null) {
                printer.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (AutoCloseable s : services.reversed()) {
            try {
                s.close();
            } catch (Exception e) {
                System.err.println("tcpip " + command + ": " + e.getMessage());
            }
        }
        upstream.disconnect();
        if (stack != null) {
            stack.disconnect();
        } else {
            device.close();
        }
        if (capture != null) {
            try {
                capture.close();
            } catch (Exception e) {
                System.err.println("tcpip " + command + ": " + e.getMessage());
            }
        }
    }

    CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(mixee.commandLine(), message);
    }
}
