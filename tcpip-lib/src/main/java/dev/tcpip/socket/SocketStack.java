package dev.tcpip.socket;

import dev.tcpip.ClosedException;
import dev.tcpip.FlowInfo;
import dev.tcpip.IpFamily;
import dev.tcpip.PingReply;
import dev.tcpip.Stack;
import dev.tcpip.TcpInfo;
import dev.tcpip.UnreachableException;
import dev.tcpip.wire.AddressText;
import java.io.Closeable;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The socket stack: TCP and UDP over the host's sockets (java.nio), the seed's {@code Tcpv4_socket} and
 * its IPv6 and dual-stack siblings. Blocking calls park virtual threads without pinning a carrier.
 */
public final class SocketStack implements Stack {

    private final SocketStackConfig config;
    private final SocketTcp tcp;
    private final SocketUdp udp;
    /** Everything that {@link #disconnect()} must close: listeners, flows, UDP channels. */
    private final Set<Closeable> resources = ConcurrentHashMap.newKeySet();
    /** The TCP flows open now (bounded by the process's descriptors), for {@link #flows()}. */
    private final Set<SocketFlow> flows = ConcurrentHashMap.newKeySet();
    /** The next echo request's sequence number. */
    private final AtomicInteger pingSequence = new AtomicInteger();
    private volatile boolean disconnected;

    private SocketStack(SocketStackConfig config) {
        this.config = config;
        this.tcp = new SocketTcp(this);
        this.udp = new SocketUdp(this);
    }

    /** A stack with {@code config}'s settings. */
    public static SocketStack create(SocketStackConfig config) {
        return new SocketStack(config);
    }

    /** An IPv4 stack on every local IPv4 address. */
    public static SocketStack ipv4() {
        return create(SocketStackConfig.of(IpFamily.IPV4));
    }

    /** An IPv4 stack bound to one local address (the seed's {@code connect} with a prefix). */
    public static SocketStack ipv4(Inet4Address address) {
        return create(SocketStackConfig.of(IpFamily.IPV4).withIpv4Address(address));
    }

    /** An IPv6 stack on every local IPv6 address. */
    public static SocketStack ipv6() {
        return create(SocketStackConfig.of(IpFamily.IPV6));
    }

    /** An IPv6 stack bound to one local address. */
    public static SocketStack ipv6(Inet6Address address) {
        return create(SocketStackConfig.of(IpFamily.IPV6).withIpv6Address(address));
    }

    /** A dual stack (IPv4 and IPv6) on every local address. */
    public static SocketStack dual() {
        return create(SocketStackConfig.of(IpFamily.DUAL));
    }

    public SocketStackConfig config() {
        return config;
    }

    @Override
    public SocketTcp tcp() {
        return tcp;
    }

    @Override
    public SocketUdp udp() {
        return udp;
    }

    @Override
    public void disconnect() {
        if (disconnected) {
            return;
        }
        disconnected = true;
        tcp.closeListeners();
        udp.closeAll();
        for (Closeable c : List.copyOf(resources)) {
            closeQuietly(c);
        }
        resources.clear();
    }

    /**
     * Sends one ICMP echo request (ICMPv6 to an IPv6 address) with {@code size} data bytes through a Linux ping socket
     * and waits for its reply, as {@code DirectStack.ping} does on the direct stack. No privilege is needed: the
     * process's group must be within {@code net.ipv4.ping_group_range} (for IPv6 as well).
     *
     * @param size 0..65,507 over IPv4, 0..65,527 over IPv6
     * @throws java.net.SocketException the sysctl forbids this process's groups (EACCES; the message names the
     *                                  sysctl, its value and how to widen it), or another socket error
     * @throws dev.tcpip.TimedOutException no reply within {@code timeout}
     * @throws UnreachableException no route (ENETUNREACH, EHOSTUNREACH), or a family this stack does not serve
     * @throws UnsupportedOperationException not Linux
     */
    public PingReply ping(InetAddress dst, int size, Duration timeout) throws IOException {
        Objects.requireNonNull(dst, "dst");
        Objects.requireNonNull(timeout, "timeout");
        int max = dst instanceof Inet6Address ? 65_527 : 65_507; // the IP datagram's 65,535 less the headers
        if (size < 0 || size > max) {
            throw new IllegalArgumentException("ping size must be within 0.." + max + ": " + size);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        ensureOpen();
        if (!serves(dst)) {
            throw new UnreachableException("a " + config.family() + " stack does not reach " + AddressText.of(dst),
                    UnreachableException.Scope.NETWORK, null);
        }
        return PingSocket.ping(dst, size, pingSequence.getAndIncrement() & 0xffff, timeout);
    }

    /**
     * The open flows with the kernel's info for each ({@link SocketFlow#info()}), at most {@link #FLOWS_LIMIT}: flows
     * connected or accepted and not yet closed or aborted. Empty on a system without TCP_INFO.
     */
    @Override
    public List<FlowInfo> flows() {
        List<FlowInfo> out = new ArrayList<>();
        if (disconnected) {
            return out;
        }
        for (SocketFlow f : flows) {
            if (out.size() >= FLOWS_LIMIT) {
                break;
            }
            try {
                TcpInfo i = f.info();
                if (i.state() != TcpInfo.State.CLOSED) {
                    out.add(new FlowInfo(f.src(), f.dst(), i));
                }
            } catch (UnsupportedOperationException e) {
                return List.of();
            }
        }
        return out;
    }

    void flowOpened(SocketFlow f) {
        flows.add(f);
    }

    void flowReleased(SocketFlow f) {
        flows.remove(f);
    }

    @Override
    public String toString() {
        return "SocketStack[" + config.family() + "]";
    }

    // --- shared by the TCP and UDP layers ---

    void ensureOpen() throws ClosedException {
        if (disconnected) {
            throw new ClosedException("the stack is disconnected");
        }
    }

    /** Registers a resource to be closed by disconnect; closes it at once if the stack is already gone. */
    void track(Closeable c) throws ClosedException {
        resources.add(c);
        if (disconnected) {
            resources.remove(c);
            closeQuietly(c);
            throw new ClosedException("the stack is disconnected");
        }
    }

    void untrack(Closeable c) {
        resources.remove(c);
    }

    /** The local addresses a listener binds to: one wildcard, or one address per family served. */
    List<InetAddress> listenAddresses() {
        List<InetAddress> out = new ArrayList<>(2);
        switch (config.family()) {
            case IPV4 -> out.add(config.ipv4Address() != null ? config.ipv4Address() : anyV4());
            case IPV6 -> out.add(config.ipv6Address() != null ? config.ipv6Address() : anyV6());
            case DUAL -> {
                if (config.ipv4Address() == null) {
                    out.add(anyV6()); // one IPv6 socket on :: also takes IPv4 (Linux bindv6only=0)
                } else {
                    out.add(config.ipv4Address());
                    out.add(config.ipv6Address());
                }
            }
        }
        return out;
    }

    /** The local address an outgoing socket to {@code dst} binds to, or null for the kernel's choice. */
    InetAddress localFor(InetAddress dst) {
        return dst instanceof Inet4Address ? config.ipv4Address() : config.ipv6Address();
    }

    /** Whether a peer address is one this stack serves (an IPv6-only stack refuses IPv4 peers). */
    boolean serves(InetAddress peer) {
        return config.family().accepts(peer);
    }

    static ProtocolFamily familyOf(InetAddress a) {
        return a instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
    }

    static InetAddress anyV4() {
        return InetAddress.ofLiteral("0.0.0.0");
    }

    static InetAddress anyV6() {
        return InetAddress.ofLiteral("::");
    }

    static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException | RuntimeException ignored) {
            // closing while tearing down: nothing more to do
        }
    }
}
