package dev.tcpip.forward;

import dev.tcpip.Direction;
import dev.tcpip.ReadResult;
import dev.tcpip.Stack;
import dev.tcpip.TcpFlow;
import dev.tcpip.device.Faults;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.MemoryNetwork;
import dev.tcpip.device.PointToPointLink;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.time.AppTask;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.time.Simulation;
import dev.tcpip.time.SimulationConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * A whole guest ↔ gateway ↔ server path in virtual time: the guest (10.0.2.100) on the guest network, whose default
 * router is the gateway (10.0.2.2), a direct stack with forwarding on; the gateway's upstream is a third direct
 * stack (192.0.2.1) on the server network, where servers listen on addresses that are not the gateway's
 * (192.0.2.10), and 192.0.2.20 holds a stack whose link loses every frame it should receive (a silent host).
 */
final class GatewayPath implements AutoCloseable {
    static final InetAddress SERVER = InetAddress.ofLiteral("192.0.2.10");
    static final InetAddress SILENT = InetAddress.ofLiteral("192.0.2.20");
    /** On the server network's prefix, held by nobody: ARP for it is never answered. */
    static final InetAddress NOBODY = InetAddress.ofLiteral("192.0.2.99");
    /** Off every prefix the upstream knows, and the upstream has no default router. */
    static final InetAddress NO_ROUTE = InetAddress.ofLiteral("198.51.100.7");
    static final InetAddress GATEWAY = InetAddress.ofLiteral("10.0.2.2");

    final Simulation sim;
    final MemoryNetwork guestNet;
    final MemoryNetwork serverNet;
    final PointToPointLink guestLink;    // the guest's link when it is point-to-point (a simulated TUN), else null
    final DirectStack guest;
    final DirectStack gateway;
    final DirectStack upstream;
    final DirectStack server;
    final DirectStack silent;
    final Forwarder forwarder;

    GatewayPath(long seed, ForwarderConfig config, LinkConfig guestLink) {
        this(seed, config, guestLink, s -> s, false);
    }

    GatewayPath(long seed, ForwarderConfig config, LinkConfig guestLink, UnaryOperator<Stack> view) {
        this(seed, config, guestLink, view, false);
    }

    /**
     * With {@code view}: the forwarder's upstream is what {@code view} makes of the upstream stack. With
     * {@code ipv6}: the same path over IPv6 only (guest fd00:2::100, gateway fd00:2::2, upstream 2001:db8:1::1,
     * server 2001:db8:1::10, silent 2001:db8:1::20), with duplicate address detection and router solicitation off.
     */
    GatewayPath(long seed, ForwarderConfig config, LinkConfig guestLink, UnaryOperator<Stack> view, boolean ipv6) {
        this(seed, config, guestLink, view, ipv6, false);
    }

    /**
     * With {@code pointToPoint}, the guest and the gateway share a {@link PointToPointLink} of {@code guestLink}
     * (the relay's shape: the gateway on a TUN, the guest the host behind it) instead of an Ethernet.
     */
    GatewayPath(long seed, ForwarderConfig config, LinkConfig guestLink, UnaryOperator<Stack> view, boolean ipv6,
                boolean pointToPoint) {
        sim = new Simulation(SimulationConfig.withSeed(seed).maxStepsPerRun(400_000_000L));
        guestNet = MemoryNetwork.simulated(sim);
        serverNet = MemoryNetwork.simulated(sim);
        this.guestLink = pointToPoint ? PointToPointLink.simulated(sim, guestLink) : null;
        guest = DirectStack.create(config(ipv6, "10.0.2.100/24", "fd00:2::100/64", ipv6 ? "fd00:2::2" : "10.0.2.2"),
                pointToPoint ? this.guestLink.a().device() : guestNet.connect("guest", guestLink).device(),
                sim.newLoop("guest"));
        gateway = DirectStack.create(config(ipv6, "10.0.2.2/24", "fd00:2::2/64", null),
                pointToPoint ? this.guestLink.b().device() : guestNet.connect("gateway", guestLink).device(),
                sim.newLoop("gateway"));
        upstream = DirectStack.create(config(ipv6, "192.0.2.1/24", "2001:db8:1::1/64", null),
                serverNet.connect("upstream", LinkConfig.DEFAULTS).device(), sim.newLoop("upstream"));
        server = DirectStack.create(config(ipv6, "192.0.2.10/24", "2001:db8:1::10/64", null),
                serverNet.connect("server", LinkConfig.DEFAULTS).device(), sim.newLoop("server"));
        silent = DirectStack.create(config(ipv6, "192.0.2.20/24", "2001:db8:1::20/64", null),
                serverNet.connect("silent", LinkConfig.DEFAULTS.withFaults(Faults.NONE, Faults.NONE.withLoss(1.0)))
                        .device(), sim.newLoop("silent"));
        forwarder = new Forwarder(gateway, view.apply(upstream), config);
        LoopFuture<Void> started = sim.spawn("start", forwarder::start);
        sim.runUntil(started::isDone, Duration.ofSeconds(1));
        started.getNow();
    }

    private static DirectStackConfig config(boolean ipv6, String v4, String v6, String gateway) {
        if (!ipv6) {
            DirectStackConfig c = DirectStackConfig.ipv4(v4);
            return gateway == null ? c : c.withGateway(gateway);
        }
        DirectStackConfig c = DirectStackConfig.ipv6(v6);
        DirectStackConfig.Ipv6Config v = c.ipv6().withDadTransmits(0).withRouterSolicitations(0);
        return c.withIpv6Config(gateway == null ? v : v.withGateway(gateway));
    }

    interface Call<T> {
        T call() throws Exception;
    }

    /** Runs {@code body} on an application thread of the simulation and returns its value (or throws its failure). */
    <T> T call(String name, Call<T> body) throws Exception {
        return call(name, Duration.ofMinutes(5), body);
    }

    <T> T call(String name, Duration limit, Call<T> body) throws Exception {
        Object[] out = new Object[1];
        Exception[] failed = new Exception[1];
        LoopFuture<Void> f = sim.spawn(name, () -> {
            try {
                out[0] = body.call();
            } catch (Exception e) {
                failed[0] = e;
            }
        });
        sim.runUntil(f::isDone, limit);
        f.getNow();
        if (failed[0] != null) {
            throw failed[0];
        }
        @SuppressWarnings("unchecked")
        T t = (T) out[0];
        return t;
    }

    /** Starts {@code body} on an application thread; the caller runs the simulation. */
    LoopFuture<Void> spawn(String name, AppTask body) {
        return sim.spawn(name, body);
    }

    static InetSocketAddress at(InetAddress a, int port) {
        return new InetSocketAddress(a, port);
    }

    /** Echoes everything until Eof, then shuts its own writing: a half-close echo server. */
    static void echo(TcpFlow flow) throws IOException {
        for (long guard = 0; guard < 1L << 40; guard++) {
            switch (flow.read()) {
                case ReadResult.Data(ByteBuffer b) -> flow.write(b);
                case ReadResult.Eof eof -> {
                    flow.shutdown(Direction.WRITE);
                    flow.close();
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        forwarder.close();
        if (guestLink != null) {
            guestLink.close();
        }
        guestNet.close();
        serverNet.close();
        sim.close();
    }
}
