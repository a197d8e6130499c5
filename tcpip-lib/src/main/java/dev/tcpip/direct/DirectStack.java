package dev.tcpip.direct;

import dev.tcpip.ClosedException;
import dev.tcpip.DatagramHandler;
import dev.tcpip.FlowInfo;
import dev.tcpip.IpFamily;
import dev.tcpip.PingReply;
import dev.tcpip.Stack;
import dev.tcpip.TcpFlow;
import dev.tcpip.Udp;
import dev.tcpip.UnreachableException;
import dev.tcpip.device.LinkType;
import dev.tcpip.device.NetworkDevice;
import dev.tcpip.device.OffloadReceiver;
import dev.tcpip.direct.icmp.Icmpv4;
import dev.tcpip.direct.icmp.Icmpv6;
import dev.tcpip.direct.icmp.TokenBucket;
import dev.tcpip.direct.ip.ArrivingFrame;
import dev.tcpip.direct.ip.DualIp;
import dev.tcpip.direct.ip.IcmpError;
import dev.tcpip.direct.ip.IpSender;
import dev.tcpip.direct.ip.Ipv4;
import dev.tcpip.direct.ip.Ipv6;
import dev.tcpip.direct.ip.TransportHandler;
import dev.tcpip.direct.link.Arp;
import dev.tcpip.direct.link.Ethernet;
import dev.tcpip.direct.link.Link;
import dev.tcpip.direct.link.PointToPoint;
import dev.tcpip.direct.ndp.Ndp;
import dev.tcpip.direct.ndp.Neighbors;
import dev.tcpip.direct.stats.Counters;
import dev.tcpip.direct.tcp.DirectTcp;
import dev.tcpip.direct.tcp.ForwardedSynStats;
import dev.tcpip.direct.udp.DirectUdp;
import dev.tcpip.direct.udp.UdpLayer;
import dev.tcpip.time.EventLoop;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.time.RealTimeLoop;
import dev.tcpip.time.Scheduler;
import dev.tcpip.time.SimulatedLoop;
import dev.tcpip.wire.AddressText;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.MacAddress;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * The pure-Java stack: Ethernet, ARP, IPv4 and IPv6 (either or both) with fragmentation and reassembly, ICMPv4,
 * ICMPv6 with Neighbor Discovery, SLAAC and MLDv2 reports, UDP and TCP on one {@link NetworkDevice}, all state owned
 * by one {@link EventLoop}. On a device of {@link LinkType#IP} (a TUN device, a point-to-point link) IP goes
 * straight to the device: no Ethernet, no ARP, no address resolution, duplicate address detection, MLD or router
 * solicitation, and every destination is sent to the link's other end (see {@code Ndp} and ARCHITECTURE.md).
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
    private final Arp arp;              // null without IPv4
    private final Ipv4 ipv4;            // null without IPv4
    private final Icmpv4 icmp;          // null without IPv4
    private final Ipv6 ipv6;            // null without IPv6
    private final Icmpv6 icmp6;         // null without IPv6
    private final Ndp ndp;              // null without IPv6
    private final Neighbors neighbors;  // null without IPv6
    private final DualIp ip;
    private final UdpLayer udpLayer;
    private final DirectUdp udp;
    private final DirectTcp tcp;
    private volatile boolean closed;
    private final int mtu;
    // The IPv4 address as last set on the loop (config's, or setIpv4's), for reading from any thread.
    private volatile Ipv4Address ipv4Address;
    private volatile int ipv4Prefix;
    private volatile Ipv4Address ipv4Gateway;
    private final RandomGenerator random;

    private DirectStack(DirectStackConfig config, NetworkDevice device, EventLoop loop, boolean ownsLoop) {
        this.config = Objects.requireNonNull(config, "config");
        this.device = Objects.requireNonNull(device, "device");
        this.loop = Objects.requireNonNull(loop, "loop");
        this.ownsLoop = ownsLoop;
        int mtu = config.mtu() == 0 ? device.mtu() : config.mtu();
        this.mtu = mtu;
        if (mtu > device.mtu()) {
            throw new IllegalArgumentException("mtu " + mtu + " exceeds the device's " + device.mtu());
        }
        Scheduler scheduler = loop;
        Link eth = device.linkType() == LinkType.IP
                ? new PointToPoint(device, mtu, counters) : new Ethernet(device, mtu, counters);
        // In a simulation the ISN, port and NDP randomness comes from the seed, so that a run replays exactly.
        RandomGenerator random = loop instanceof SimulatedLoop sl
                ? sl.simulation().random("tcp-" + config.label()) : new SecureRandom();
        this.random = random;
        this.ipv4Address = config.address();
        this.ipv4Prefix = config.prefixLength();
        this.ipv4Gateway = config.gateway();
        if (config.dynamicIpv4() && device.linkType() == LinkType.IP) {
            throw new IllegalArgumentException("an IPv4 address given at run time needs an Ethernet link (ARP, DHCP)");
        }
        if (config.address() != null) {
            this.arp = eth instanceof Ethernet ethernet
                    ? new Arp(ethernet, config.address(), config.ipv4Aliases(), config.arp(), counters, scheduler)
                    : null;                               // a point-to-point link resolves nothing
            this.ipv4 = new Ipv4(config, mtu, eth, arp, counters, scheduler);
            this.icmp = new Icmpv4(ipv4, counters, scheduler, config.icmpErrorsPerSecond(), config.icmpErrorBurst(),
                    new TokenBucket(config.echoRepliesPerSecond(), config.echoReplyBurst()));
            ipv4.bind(icmp);
        } else {
            this.arp = null;
            this.ipv4 = null;
            this.icmp = null;
        }
        if (config.ipv6() != null) {
            if (mtu < Ipv6.MIN_MTU) {
                throw new IllegalArgumentException("IPv6 needs an MTU of at least 1280 (RFC 8200 §5): " + mtu);
            }
            RandomGenerator ndpRandom = loop instanceof SimulatedLoop sl
                    ? sl.simulation().random("ndp-" + device.mac()) : new SecureRandom();
            this.neighbors = new Neighbors(config.ipv6().ndp(), counters, scheduler, ndpRandom);
            this.ipv6 = new Ipv6(config.ipv6(), mtu, eth, eth.resolvesAddresses() ? neighbors : Ipv6.NO_RESOLUTION,
                    counters, scheduler, ndpRandom.nextInt());
            this.icmp6 = new Icmpv6(ipv6, counters, scheduler, (int) device.mac() ^ 0x7470,
                    new TokenBucket(config.echoRepliesPerSecond(), config.echoReplyBurst()));
            this.ndp = new Ndp(ipv6, neighbors, counters, scheduler, ndpRandom);
            ipv6.bind(icmp6);
            icmp6.bind(ndp);
            neighbors.bind(ndp);
        } else {
            this.ipv6 = null;
            this.icmp6 = null;
            this.neighbors = null;
            this.ndp = null;
        }
        this.ip = new DualIp(ipv4, ipv6, device.completesChecksums());
        this.udpLayer = new UdpLayer(ip, counters, config.udpQueuePerPort(), config.udpQueueBytesPerPort());
        Link.Receiver arpIn = arp == null ? null : arp::input;
        Link.Receiver ipv4In = ipv4 == null ? null : ipv4::input;
        Link.Receiver ipv6In = ipv6 == null ? null : ipv6::input;
        eth.bind(arpIn, ipv4In, ipv6In);
        ip.register(IpProtocol.UDP, udpLayer);
        this.udp = new DirectUdp(() -> !closed, config.label(), loop, udpLayer);
        this.tcp = new DirectTcp(loop, ip, config.tcp(), random, counters);
        ip.register(IpProtocol.TCP, tcp);
        ArrivingFrame arriving = new ArrivingFrame();
        udpLayer.arriving(arriving);
        tcp.arriving(arriving);
        device.attach(loop, (OffloadReceiver) (frame, off, len, offload) -> {
            arriving.set(frame, off, len, offload);
            try {
                eth.input(loop.now(), frame, off, len);
            } finally {
                arriving.clear();
            }
        });
        if (arp != null) {
            loop.execute(arp::announce);                  // RFC 5227 §2.3: announce the configured address
        }
        if (ndp != null) {
            loop.execute(() -> ndp.start(loop.now()));    // RFC 4862 §5.3-5.4: link-local, DAD; RFC 4861 §6.3.7
        }
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
        RealTimeLoop loop = RealTimeLoop.start("direct-" + config.label());
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

    /** The IP layer (IPv4, IPv6 or both) as the transports see it. Call its methods on {@link #loop()} only. */
    public IpSender ipSender() {
        return ip;
    }

    /** Which IP versions this stack speaks. */
    public IpFamily family() {
        return config.family();
    }

    /** The interface's MAC address. */
    public MacAddress mac() {
        return new MacAddress(device.mac());
    }

    /**
     * The IPv4 address, or {@code null} on an IPv6-only stack and while a stack made with
     * {@link DirectStackConfig#ipv4Dynamic()} has none.
     */
    public Ipv4Address address() {
        Ipv4Address a = ipv4Address;
        return a == null || a.bits() == 0 ? null : a;
    }

    /** The IPv4 prefix length of {@link #address()} (0 without one). */
    public int ipv4PrefixLength() {
        return address() == null ? 0 : ipv4Prefix;
    }

    /** The IPv4 default gateway, or {@code null} for none. */
    public Ipv4Address ipv4Gateway() {
        return address() == null ? null : ipv4Gateway;
    }

    /**
     * Gives a stack made with {@link DirectStackConfig#ipv4Dynamic()} its IPv4 address, prefix and default gateway
     * (null: none) at run time, replacing any it had, and announces it (RFC 5227 §2.3: two ARP announcements 2 s
     * apart). {@link DhcpClient} calls it once bound. Flows on an address it replaces are left to fail.
     *
     * @throws IllegalStateException the stack's IPv4 address was configured statically
     * @throws IllegalArgumentException not a unicast host address of its prefix, or a gateway off the prefix
     */
    public void setIpv4(Ipv4Address address, int prefixLength, Ipv4Address gateway) throws IOException {
        Objects.requireNonNull(address, "address");
        checkDynamic();
        DirectStackConfig.checkIpv4(address, prefixLength, gateway);
        onLoop(now -> {
            setIpv4OnLoop(now, address, prefixLength, gateway);
            return null;
        });
    }

    /** Takes the IPv4 address set by {@link #setIpv4} away again: back to UDP from 0.0.0.0 to broadcast only. */
    public void clearIpv4() throws IOException {
        checkDynamic();
        onLoop(now -> {
            setIpv4OnLoop(now, Ipv4Address.ANY, 0, null);
            return null;
        });
    }

    private void checkDynamic() {
        if (!config.dynamicIpv4()) {
            throw new IllegalStateException("the IPv4 address of " + this + " is static (use DirectStackConfig"
                    + ".ipv4Dynamic() for one set at run time)");
        }
    }

    /** {@link #setIpv4} on the loop (0.0.0.0: clear). */
    void setIpv4OnLoop(long now, Ipv4Address address, int prefixLength, Ipv4Address gateway) {
        ipv4.setAddress(address, prefixLength, gateway);
        arp.setAddress(address.bits());
        ipv4Address = address;
        ipv4Prefix = address.bits() == 0 ? 0 : prefixLength;
        ipv4Gateway = address.bits() == 0 ? null : gateway;
        if (address.bits() != 0) {
            arp.announce();                               // RFC 5227 §2.3: ANNOUNCE_NUM 2, ANNOUNCE_INTERVAL 2 s
            loop.at(now + Duration.ofSeconds(2).toNanos(), t -> {
                if (address.equals(ipv4Address) && !closed) {
                    arp.announce();
                }
            });
        }
    }

    // ---- for DhcpClient: on the loop only ----

    /** RFC 5227 §2.1.1: one ARP probe for {@code target}. */
    void arpProbe(Ipv4Address target) {
        arp.probe(target.bits());
    }

    /** Runs {@code conflict} when another host shows it uses {@code ip} (null: stop watching). */
    void arpWatch(Ipv4Address ip, Runnable conflict) {
        arp.watch(ip == null ? 0 : ip.bits(), conflict);
    }

    /** Sends one UDP datagram from the loop (no waiting; a failure is dropped like a lost datagram). */
    void sendUdpOnLoop(long now, Ipv4Address src, int srcPort, Ipv4Address dst, int dstPort, byte[] payload) {
        if (closed) {
            return;
        }
        byte[] msg = new byte[8 + payload.length];
        System.arraycopy(payload, 0, msg, 8, payload.length);
        udpLayer.sendFrom(now, src, srcPort, dst, dstPort, dev.tcpip.UdpSendOptions.DEFAULT, msg, loop.newFuture());
    }

    /** The stack's randomness: seeded in a simulation, so a run replays. */
    RandomGenerator random() {
        return random;
    }

    /** The link-local IPv6 address formed from the MAC (RFC 4862 §5.3), or {@code null} without IPv6. */
    public Ipv6Address linkLocalAddress() {
        return ipv6 == null ? null : Ipv6Address.linkLocal(mac());
    }

    /** The IPv6 addresses and their states (empty without IPv6). */
    public List<InterfaceAddress> ipv6Addresses() throws IOException {
        return ipv6 == null ? List.of() : onLoop(now -> ipv6.addresses().list(now));
    }

    /**
     * Waits until duplicate address detection (RFC 4862 §5.4) has finished for every IPv6 address configured so
     * far, so that each is usable or known to be a duplicate; returns the addresses and their states. Until then
     * a tentative address cannot be a source, and a stack whose addresses are all tentative cannot send.
     * Returns at once without IPv6 or when no address is tentative.
     *
     * @throws dev.tcpip.TimedOutException detection still runs after {@code timeout}
     */
    public List<InterfaceAddress> awaitIpv6Addresses(Duration timeout) throws IOException {
        Objects.requireNonNull(timeout, "timeout");
        if (ndp == null) {
            return List.of();
        }
        ensureOpen();
        long nanos = timeout.toNanos();
        return loop.<List<InterfaceAddress>>submit((now, f) -> ndp.whenSettled(now, now + nanos, f)).await();
    }

    /** The neighbor cache (RFC 4861 §5.1), oldest first (empty without IPv6). */
    public List<NeighborEntry> neighbors() throws IOException {
        return ipv6 == null ? List.of() : onLoop(now -> neighbors.entries(now));
    }

    /** The default routers with a remaining lifetime (RFC 4861 §6.3.4; empty without IPv6). */
    /**
     * Makes this stack the router of its link (RFC 4861 §6.2): router advertisements to all nodes at start and
     * every {@link RouterAdvertisementConfig#maxInterval()} or sooner, answers to router solicitations, the router
     * flag in neighbor advertisements. Calling it again replaces the configuration.
     *
     * @throws IllegalStateException the stack has no IPv6
     */
    public void advertiseAsRouter(RouterAdvertisementConfig raConfig) throws IOException {
        Objects.requireNonNull(raConfig, "raConfig");
        if (ndp == null) {
            throw new IllegalStateException("this stack has no IPv6");
        }
        int linkMtu = this.mtu;
        onLoop(now -> {
            ndp.advertise(now, raConfig, linkMtu);
            return null;
        });
    }

    /** Stops {@link #advertiseAsRouter}: a last advertisement says the router is gone (lifetime 0). No-op without. */
    public void stopAdvertising() throws IOException {
        if (ndp != null) {
            onLoop(now -> {
                ndp.stopAdvertising(now);
                return null;
            });
        }
    }

    public List<Ipv6Address> ipv6Routers() throws IOException {
        return ipv6 == null ? List.of() : onLoop(now -> ipv6.routes().routers(now));
    }

    /** The IPv6 path MTU toward {@code dst} (RFC 8201), or 0 without IPv6. */
    public int ipv6PathMtu(Ipv6Address dst) throws IOException {
        return ipv6 == null ? 0 : onLoop(now -> ipv6.routes().pathMtu(dst));
    }

    /**
     * Hands every received datagram of {@code protocol} (after reassembly) to {@code handler} on the loop, and
     * the ICMP errors about datagrams of that protocol. TCP registers itself for protocol 6. Replaces an
     * earlier handler; UDP (17) is registered by the stack, ICMP (1) is the stack's own.
     *
     * @throws IllegalArgumentException for protocol 1 or 58, or outside 0..255
     */
    public void registerTransport(int protocol, TransportHandler handler) throws IOException {
        if (protocol < 0 || protocol > 255) {
            throw new IllegalArgumentException("protocol must be within 0..255: " + protocol);
        }
        Objects.requireNonNull(handler, "handler");
        if (protocol == IpProtocol.ICMPV6) {
            throw new IllegalArgumentException("protocol 58 is ICMPv6, which the stack handles itself");
        }
        onLoop(now -> {
            ip.register(protocol, handler);
            return null;
        });
    }

    // ---- forwarding (package dev.tcpip.forward builds on these) ----

    /**
     * Forwarding on: TCP and UDP to any unicast address, not only this stack's, end here. A SYN that no local
     * listener takes (any SYN to another address) is held and {@code tcp} asked on an application thread; the
     * SYN-ACK, a RST or an ICMP error follows its answer, or ICMP host unreachable after {@code connectTimeout}; at
     * most {@code maxPendingSyns} are held at once (beyond, RST). Datagrams to other addresses, and to ports of ours
     * nobody listens on, go to {@code udp} (see {@link DirectUdp#forward}). Off by default.
     */
    public void startForwarding(TcpForwarding tcp, Duration connectTimeout, int maxPendingSyns,
                                DatagramHandler udp) throws IOException {
        Objects.requireNonNull(tcp, "tcp");
        Objects.requireNonNull(udp, "udp");
        if (connectTimeout.isNegative() || connectTimeout.isZero() || maxPendingSyns < 1) {
            throw new IllegalArgumentException("connect timeout and pending SYNs must be positive");
        }
        ensureOpen();
        long timeout = connectTimeout.toNanos();
        onLoop(now -> {
            this.tcp.startForwarding(tcp, timeout, maxPendingSyns);
            ip.acceptAnyDestination(true);
            return null;
        });
        this.udp.forward(udp);
    }

    /** Forwarding off: other addresses are dropped again; flows already made go on. */
    public void stopForwarding() throws IOException {
        if (closed) {
            return;
        }
        udp.stopForwarding();
        onLoop(now -> {
            ip.acceptAnyDestination(false);
            this.tcp.stopForwarding();
            return null;
        });
    }

    // ---- recording flows ----

    /** The most events one {@link FlowRecording} keeps: 16 Mi (a few hundred MB of heap if all are used). */
    public static final int MAX_RECORDING = 1 << 24;

    /**
     * Every TCP flow this stack opens or accepts from now on records its events, the last {@code capacity} of them
     * ({@link FlowRecording}; read with {@link #recording}); 0 turns it off for later flows, leaving recordings
     * already running alone. Off by default: a flow without a recording pays one field read and test per hook.
     *
     * @throws IllegalArgumentException if {@code capacity} is outside 0..{@link #MAX_RECORDING}
     */
    public void recordFlows(int capacity) throws IOException {
        checkCapacity(capacity, 0);
        ensureOpen();
        onLoop(now -> {
            tcp.recordFlows(capacity);
            return null;
        });
    }

    /**
     * Starts recording {@code flow}'s events from now on, the last {@code capacity} of them, or returns the recording
     * it already has (whose capacity stays).
     *
     * @throws IllegalArgumentException if {@code capacity} is outside 1..{@link #MAX_RECORDING} or {@code flow} is
     *                                  not a TCP flow of this stack
     * @throws IllegalStateException    if the flow has ended without a recording
     */
    public FlowRecording record(TcpFlow flow, int capacity) throws IOException {
        checkCapacity(capacity, 1);
        Objects.requireNonNull(flow, "flow");
        ensureOpen();
        return onLoop(now -> tcp.record(flow, capacity));
    }

    /** The recording of {@code flow} if one was started, from any thread, during the flow or after it ended. */
    public Optional<FlowRecording> recording(TcpFlow flow) {
        return Optional.ofNullable(tcp.recording(flow));
    }

    private static void checkCapacity(int capacity, int min) {
        if (capacity < min || capacity > MAX_RECORDING) {
            throw new IllegalArgumentException("recording capacity " + capacity + " is outside " + min + ".."
                    + MAX_RECORDING);
        }
    }

    /** Forwarding's SYN counts (see {@link ForwardedSynStats}). */
    public ForwardedSynStats forwardedSyns() throws IOException {
        return onLoop(now -> tcp.forwardedSyns());
    }

    /** Sends a datagram from {@code src}, which need not be this stack's address (a forwarded flow's far end). */
    public void sendUdpFrom(InetSocketAddress src, InetSocketAddress dst, ByteBuffer payload) throws IOException {
        udp.sendFrom(src, dst, payload);
    }

    /** Answers a forwarded datagram {@code guest → far} with ICMP destination unreachable of {@code how}. */
    public void udpUnreachable(InetSocketAddress guest, InetSocketAddress far, Refusal how, int length)
            throws IOException {
        udp.unreachable(guest, far, how, length);
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
     * Sends one ICMP echo request (ICMPv6 to an IPv6 address) with {@code size} bytes of data (0..65,507 over
     * IPv4, 0..65,527 over IPv6; above the MTU it is fragmented) and waits for the matching reply.
     *
     * @throws dev.tcpip.TimedOutException no reply within {@code timeout}
     * @throws UnreachableException no route, the next hop did not answer ARP, or an ICMP error came back
     * @throws ClosedException the stack was disconnected
     */
    public PingReply ping(InetAddress dst, int size, Duration timeout) throws IOException {
        Objects.requireNonNull(dst, "dst");
        Objects.requireNonNull(timeout, "timeout");
        int max = dst instanceof Inet6Address ? Icmpv6.MAX_PING : Icmpv4.MAX_PING;
        if (size < 0 || size > max) {
            throw new IllegalArgumentException("ping size must be within 0.." + max + ": " + size);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        ensureOpen();
        long nanos = timeout.toNanos();
        if (dst instanceof Inet6Address v6) {
            if (icmp6 == null) {
                throw new UnreachableException("this stack has no IPv6: " + AddressText.of(dst));
            }
            Ipv6Address to = Ipv6Address.of(v6);
            return loop.<PingReply>submit((now, f) -> icmp6.ping(now, to, size, nanos, f)).await();
        }
        if (!(dst instanceof Inet4Address v4) || icmp == null) {
            throw new UnreachableException("this stack has no IPv4: " + AddressText.of(dst));
        }
        Ipv4Address to = Ipv4Address.of(v4);
        return loop.<PingReply>submit((now, f) -> icmp.ping(now, to, size, nanos, f)).await();
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
        return arp == null ? List.of() : onLoop(now -> arp.entries(now));
    }

    /** Adds (or replaces) a static ARP entry: never expires, never changed by received ARP. */
    public void addStaticArp(Ipv4Address ip, MacAddress mac) throws IOException {
        Objects.requireNonNull(ip, "ip");
        Objects.requireNonNull(mac, "mac");
        if (mac.isMulticast()) {
            throw new IllegalArgumentException("not a unicast MAC address: " + mac);
        }
        if (arp == null) {
            throw new IllegalStateException("this stack has no ARP: no IPv4, or a point-to-point link");
        }
        onLoop(now -> {
            arp.addStatic(now, ip.bits(), mac.bits());
            return null;
        });
    }

    /** Removes the ARP entry for {@code ip}, static or learned; returns whether there was one. */
    public boolean removeArp(Ipv4Address ip) throws IOException {
        return arp != null && onLoop(now -> arp.remove(ip.bits()));
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
            if (ipv4 != null) {
                icmp.close();
                if (arp != null) {
                    arp.close(now);
                }
                ipv4.reassembly().clear();
            }
            if (ipv6 != null) {
                icmp6.close();
                ipv6.close(now);
            }
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

    /** How full each bounded table is, read on the loop: for tests that check the limits hold. */
    record Tables(int connections, int timeWait, int reassembly4, int reassemblyBytes4, int reassembly6,
                  int reassemblyBytes6, int arp, int arpPending, int neighbors, int neighborsPending,
                  int udpQueued, long udpMaxQueuedBytes) {}

    Tables tables() throws IOException {
        return onLoop(now -> new Tables(tcp.connectionCount(), tcp.timeWaitCount(),
                ipv4 == null ? 0 : ipv4.reassembly().inProgress(), ipv4 == null ? 0 : ipv4.reassembly().bytesHeld(),
                ipv6 == null ? 0 : ipv6.reassembly().inProgress(), ipv6 == null ? 0 : ipv6.reassembly().bytesHeld(),
                arp == null ? 0 : arp.size(), arp == null ? 0 : arp.pending(),
                neighbors == null ? 0 : neighbors.size(), neighbors == null ? 0 : neighbors.pending(),
                udpLayer.queuedDatagrams(), udpLayer.maxQueuedBytes()));
    }

    boolean isOpen() {
        return !closed;
    }

    void ensureOpen() throws ClosedException {
        if (closed) {
            throw new ClosedException("the direct stack " + config.label() + " was disconnected");
        }
    }

    /** The live TCP flows with their info, read on the loop in one task (at most {@link #FLOWS_LIMIT}). */
    @Override
    public List<FlowInfo> flows() {
        if (closed || loop.isClosed()) {
            return List.of();
        }
        try {
            return onLoop(now -> tcp.flows(FLOWS_LIMIT));
        } catch (IOException e) {
            return List.of();                            // the loop closed meanwhile: no live flows
        }
    }

    private <T> T onLoop(Function<Long, T> command) throws IOException {
        if (loop.inLoop()) {
            return command.apply(loop.now());
        }
        LoopFuture<T> f = loop.submit((now, fut) -> fut.complete(command.apply(now)));
        return f.await();
    }

    @Override
    public String toString() {
        Ipv4Address a = ipv4Address;
        return "DirectStack[" + (a == null ? "" : a + "/" + ipv4Prefix + ", ")
                + (ipv6 == null ? "" : config.ipv6().addresses() + ", ") + mac() + "]";
    }
}
