package dev.tcpip.direct;

import dev.tcpip.ClosedException;
import dev.tcpip.Stack;
import dev.tcpip.direct.tcp.DirectTcp;
import dev.tcpip.time.SimulatedLoop;
import java.security.SecureRandom;
import java.util.random.RandomGenerator;
import dev.tcpip.Udp;
import dev.tcpip.UnreachableException;
import dev.tcpip.device.NetworkDevice;
import dev.tcpip.time.EventLoop;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.time.RealTimeLoop;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.MacAddress;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The pure-Java stack: Ethernet, ARP, IPv4 with fragmentation and reassembly, ICMPv4 and UDP (TCP plugs in
 * through {@link #registerTransport}) on one {@link NetworkDevice}, all state owned by one {@link EventLoop}.
 * Application calls post commands to the loop and wait for its answer; UDP handlers run on application
 * threads of the loop ({@link EventLoop#spawn}), so the stack runs unchanged in real time and in a
 * {@link dev.tcpip.time.Simulation}.
 *
 * <pre>{@code
 * SimulatedLoop loop = sim.newLoop("a");
 * NetworkDevice dev = MemoryNetwork.simulated(sim).connect("a", LinkConfig.DEFAULTS).device();
 * DirectStack a = DirectStack.create(DirectStackConfig.ipv4("10.0.0.1/24"), dev, loop);
 * PingReply r = a.ping(InetAddress.ofLiteral("10.0.0.2"), 56, Duration.ofSeconds(1));
 * }</pre>
 */
public final class DirectStack implements Stack {

    private final DirectStackConfig config;
    private final NetworkDevice device;
    private final EventLoop loop;
    private final boolean ownsLoop;
    private final Counters counters = new Counters();
    private final Arp arp;
    private final Ipv4 ipv4;
    private final Icmpv4 icmp;
    private final UdpLayer udpLayer;
    private final DirectUdp udp;
    private final DirectTcp tcp;
    private volatile boolean closed;

    private DirectStack(DirectStackConfig config, NetworkDevice device, EventLoop loop, boolean ownsLoop) {
        this.config = Objects.requireNonNull(config, "config");
        this.device = Objects.requireNonNull(device, "device");
        this.loop = Objects.requireNonNull(loop, "loop");
        this.ownsLoop = ownsLoop;
        int mtu = config.mtu() == 0 ? device.mtu() : config.mtu();
        if (mtu > device.mtu()) {
            throw new IllegalArgumentException("mtu " + mtu + " exceeds the device's " + device.mtu());
        }
        Scheduler scheduler = (deadline, task) -> loop.schedule(deadline, () -> task.accept(loop.now()));
        Ethernet eth = new Ethernet(device, mtu, counters);
        this.arp = new Arp(eth, config.address(), config.arp(), counters, scheduler);
        this.ipv4 = new Ipv4(config, mtu, eth, arp, counters, scheduler, loop::now);
        this.icmp = new Icmpv4(ipv4, counters, scheduler, config.icmpErrorsPerSecond(), config.icmpErrorBurst());
        this.udpLayer = new UdpLayer(ipv4, counters, config.udpQueuePerPort());
        eth.bind(arp, ipv4);
        ipv4.bind(icmp);
        ipv4.register(IpProtocol.UDP, udpLayer);
        this.udp = new DirectUdp(this, loop, udpLayer);
        // In a simulation the ISN and port secrets come from the seed, so that a run replays exactly.
        RandomGenerator random = loop instanceof SimulatedLoop sl
                ? sl.simulation().random("tcp-" + config.address()) : new SecureRandom();
        this.tcp = new DirectTcp(loop, ipv4, config.tcp(), random);
        ipv4.register(IpProtocol.TCP, tcp);
        device.attach(loop, (frame, off, len) -> eth.input(loop.now(), frame, off, len));
        loop.execute(arp::announce);                      // RFC 5227 §2.3: announce the configured address
    }

    /**
     * A stack on {@code device} whose state {@code loop} owns. The loop stays the caller's: {@link #disconnect()}
     * closes the device, not the loop.
     */
    public static DirectStack create(DirectStackConfig config, NetworkDevice device, EventLoop loop) {
        return new DirectStack(config, device, loop, false);
    }

    /** A stack on {@code device} with its own real-time loop, closed by {@link #disconnect()}. */
    public static DirectStack create(DirectStackConfig config, NetworkDevice device) {
        RealTimeLoop loop = RealTimeLoop.start("direct-" + config.address());
        try {
            return new DirectStack(config, device, loop, true);
        } catch (RuntimeException e) {
            loop.close();
            throw e;
        }
    }

    public DirectStackConfig config() {
        return config;
    }

    /** The loop that owns this stack's state: transports schedule their timers on it. */
    public EventLoop loop() {
        return loop;
    }

    /** The IPv4 layer as the transports see it. Call its methods on {@link #loop()} only. */
    public IpSender ipSender() {
        return ipv4;
    }

    /** The interface's MAC address. */
    public MacAddress mac() {
        return new MacAddress(device.mac());
    }

    public Ipv4Address address() {
        return config.address();
    }

    /**
     * Hands every received datagram of {@code protocol} (after reassembly) to {@code handler} on the loop, and
     * the ICMP errors about datagrams of that protocol. TCP registers itself for protocol 6. Replaces an
     * earlier handler; UDP (17) is registered by the stack, ICMP (1) is the stack's own.
     *
     * @throws IllegalArgumentException for protocol 1 or outside 0..255
     */
    public void registerTransport(int protocol, TransportHandler handler) throws IOException {
        if (protocol < 0 || protocol > 255) {
            throw new IllegalArgumentException("protocol must be within 0..255: " + protocol);
        }
        Objects.requireNonNull(handler, "handler");
        onLoop(now -> {
            ipv4.register(protocol, handler);
            return null;
        });
    }

    @Override
    public DirectTcp tcp() {
        return tcp;
    }

    @Override
    public Udp udp() {
        return udp;
    }

    /**
     * Sends one ICMP echo request with {@code size} bytes of data (0..65,507; above the MTU it is fragmented)
     * and waits for the matching reply.
     *
     * @throws dev.tcpip.TimedOutException no reply within {@code timeout}
     * @throws UnreachableException no route, the next hop did not answer ARP, or an ICMP error came back
     * @throws ClosedException the stack was disconnected
     */
    public PingReply ping(InetAddress dst, int size, Duration timeout) throws IOException {
        Objects.requireNonNull(dst, "dst");
        Objects.requireNonNull(timeout, "timeout");
        if (size < 0 || size > Icmpv4.MAX_PING) {
            throw new IllegalArgumentException("ping size must be within 0.." + Icmpv4.MAX_PING + ": " + size);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        ensureOpen();
        if (!(dst instanceof Inet4Address v4)) {
            throw new UnreachableException("this stack speaks IPv4 only: " + dst);
        }
        Ipv4Address to = Ipv4Address.of(v4);
        long nanos = timeout.toNanos();
        return loop.<PingReply>submit(f -> icmp.ping(loop.now(), to, size, nanos, f)).await();
    }

    /** Every counter's current value. */
    public Map<StackCounter, Long> counters() {
        return counters.snapshot();
    }

    /** One counter's current value. */
    public long counter(StackCounter c) {
        return counters.get(c);
    }

    /** The resolved and static ARP entries, oldest first. */
    public List<ArpEntry> arpCache() throws IOException {
        return onLoop(now -> arp.entries(now));
    }

    /** Adds (or replaces) a static ARP entry: never expires, never changed by received ARP. */
    public void addStaticArp(Ipv4Address ip, MacAddress mac) throws IOException {
        Objects.requireNonNull(ip, "ip");
        Objects.requireNonNull(mac, "mac");
        if (mac.isMulticast()) {
            throw new IllegalArgumentException("not a unicast MAC address: " + mac);
        }
        onLoop(now -> {
            arp.addStatic(now, ip.bits(), mac.bits());
            return null;
        });
    }

    /** Removes the ARP entry for {@code ip}, static or learned; returns whether there was one. */
    public boolean removeArp(Ipv4Address ip) throws IOException {
        return onLoop(now -> arp.remove(ip.bits()));
    }

    /**
     * The latest ICMP errors (at most 64, oldest first) about UDP datagrams this stack sent: port or host
     * unreachable and the like. UDP has no connected sockets here, so they are kept for inspection and
     * counted ({@link StackCounter#UDP_ICMP_ERRORS}); a failed ARP resolution instead fails the
     * {@code send} that waited for it.
     */
    public List<IcmpError> udpErrors() throws IOException {
        return onLoop(now -> udpLayer.errors());
    }

    /**
     * Closes every UDP listener, fails pending pings and datagrams waiting for ARP, and closes the device
     * (and the loop, if the stack created it). Idempotent.
     */
    @Override
    public void disconnect() {
        if (closed) {
            return;
        }
        closed = true;
        Runnable shutdown = () -> {
            long now = loop.now();
            tcp.disconnect();
            udpLayer.close();
            icmp.close();
            arp.close(now);
            ipv4.reassembly().clear();
            device.close();
        };
        if (loop.inLoop()) {
            shutdown.run();
        } else if (!loop.isClosed()) {
            try {
                loop.<Void>submit(f -> {
                    shutdown.run();
                    f.complete(null);
                }).await();
            } catch (IOException e) {
                device.close();                           // the loop closed meanwhile
            }
        } else {
            device.close();
        }
        if (ownsLoop) {
            loop.close();
        }
    }

    boolean isOpen() {
        return !closed;
    }

    void ensureOpen() throws ClosedException {
        if (closed) {
            throw new ClosedException("the direct stack " + config.address() + " was disconnected");
        }
    }

    private <T> T onLoop(Function<Long, T> command) throws IOException {
        if (loop.inLoop()) {
            return command.apply(loop.now());
        }
        LoopFuture<T> f = loop.submit(fut -> fut.complete(command.apply(loop.now())));
        return f.await();
    }

    @Override
    public String toString() {
        return "DirectStack[" + config.address() + "/" + config.prefixLength() + ", " + mac() + "]";
    }
}
