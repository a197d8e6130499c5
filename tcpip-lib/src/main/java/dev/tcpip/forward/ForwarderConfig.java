package dev.tcpip.forward;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The knobs of a {@link Forwarder}, each with the default CLI.md gives {@code tcpip gateway}.
 *
 * @param connectTimeout     how long a guest's SYN waits for the upstream connect before the guest hears ICMP host
 *                           unreachable ({@code --connect-timeout}, 10 s)
 * @param udpIdleTimeout     a UDP flow with no datagram either way for this long ends ({@code --udp-timeout}, 60 s)
 * @param maxFlows           TCP plus UDP flows at once, pending connects included ({@code --max-flows}, 1024); beyond
 *                           it a SYN gets RST and a UDP flow ICMP administratively prohibited
 * @param maxPendingConnects guest SYNs whose upstream connect is under way at once (256); beyond, RST
 * @param destinations       where a guest's destination is opened upstream: the identity by default; the gateway maps
 *                           its own address to the host's loopback. Returning null refuses the flow (RST for TCP,
 *                           administratively prohibited for UDP).
 */
public record ForwarderConfig(Duration connectTimeout, Duration udpIdleTimeout, int maxFlows, int maxPendingConnects,
                              UnaryOperator<InetSocketAddress> destinations) {

    public static final ForwarderConfig DEFAULTS = new ForwarderConfig(Duration.ofSeconds(10), Duration.ofSeconds(60),
            1024, 256, UnaryOperator.identity());

    public ForwarderConfig {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(udpIdleTimeout, "udpIdleTimeout");
        Objects.requireNonNull(destinations, "destinations");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connect timeout must be positive: " + connectTimeout);
        }
        if (udpIdleTimeout.isNegative() || udpIdleTimeout.isZero()) {
            throw new IllegalArgumentException("UDP idle timeout must be positive: " + udpIdleTimeout);
        }
        if (maxFlows < 1 || maxPendingConnects < 1) {
            throw new IllegalArgumentException("maxFlows and maxPendingConnects must be at least 1");
        }
    }

    public ForwarderConfig withConnectTimeout(Duration d) {
        return new ForwarderConfig(d, udpIdleTimeout, maxFlows, maxPendingConnects, destinations);
    }

    public ForwarderConfig withUdpIdleTimeout(Duration d) {
        return new ForwarderConfig(connectTimeout, d, maxFlows, maxPendingConnects, destinations);
    }

    public ForwarderConfig withMaxFlows(int n) {
        return new ForwarderConfig(connectTimeout, udpIdleTimeout, n, maxPendingConnects, destinations);
    }

    public ForwarderConfig withMaxPendingConnects(int n) {
        return new ForwarderConfig(connectTimeout, udpIdleTimeout, maxFlows, n, destinations);
    }

    public ForwarderConfig withDestinations(UnaryOperator<InetSocketAddress> map) {
        return new ForwarderConfig(connectTimeout, udpIdleTimeout, maxFlows, maxPendingConnects, map);
    }

    /**
     * A mapping that sends destinations on {@code from} (any port) to {@code to} on the same port and leaves the rest
     * alone: the gateway's {@code 10.0.2.2:P → 127.0.0.1:P}.
     */
    public static UnaryOperator<InetSocketAddress> hostTo(InetAddress from, InetAddress to) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        return d -> from.equals(d.getAddress()) ? new InetSocketAddress(to, d.getPort()) : d;
    }
}
