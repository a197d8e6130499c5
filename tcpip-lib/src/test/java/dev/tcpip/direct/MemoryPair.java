package dev.tcpip.direct;

import dev.tcpip.StackPair;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.MemoryNetwork;
import java.net.InetAddress;

/**
 * Two direct stacks (10.0.0.1 serving, 10.0.0.2 connecting) on a real-time memory network, each with its
 * own real-time loop: what the conformance suites run on, since they block the JUnit thread in real time.
 */
record MemoryPair(MemoryNetwork net, DirectStack server, DirectStack client, InetAddress serverAddress)
        implements StackPair {

    static MemoryPair create() {
        return create(DirectStackConfig.ipv4("10.0.0.1/24"), DirectStackConfig.ipv4("10.0.0.2/24"), "10.0.0.1");
    }

    /**
     * IPv6 only (2001:db8::1 serving, 2001:db8::2 connecting). Duplicate address detection and router
     * solicitation are off: the suites start at once in real time; DAD has its own simulations.
     */
    static MemoryPair ipv6() {
        return create(quick(DirectStackConfig.ipv6("2001:db8::1/64")), quick(DirectStackConfig.ipv6("2001:db8::2/64")),
                "2001:db8::1");
    }

    /** Dual stacks (10.0.0.1 and 2001:db8::1 serving), the server reached over {@code serverAddress}. */
    static MemoryPair dual(String serverAddress) {
        return create(quick(DirectStackConfig.ipv4("10.0.0.1/24").withIpv6("2001:db8::1/64")),
                quick(DirectStackConfig.ipv4("10.0.0.2/24").withIpv6("2001:db8::2/64")), serverAddress);
    }

    static DirectStackConfig quick(DirectStackConfig c) {
        return c.withIpv6Config(c.ipv6().withDadTransmits(0).withRouterSolicitations(0));
    }

    static MemoryPair create(DirectStackConfig serverConfig, DirectStackConfig clientConfig, String serverAddress) {
        MemoryNetwork net = MemoryNetwork.realTime(1);
        DirectStack server = DirectStack.create(serverConfig, net.connect("server", LinkConfig.DEFAULTS).device());
        DirectStack client = DirectStack.create(clientConfig, net.connect("client", LinkConfig.DEFAULTS).device());
        return new MemoryPair(net, server, client, InetAddress.ofLiteral(serverAddress));
    }

    @Override
    public void close() {
        StackPair.super.close();
        net.close();
    }
}
