package dev.tcpip.direct.ip;

import dev.tcpip.UnreachableException;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.InterfaceAddress;
import dev.tcpip.direct.link.Arp;
import dev.tcpip.direct.link.Link;
import dev.tcpip.direct.stats.Counters;
import dev.tcpip.time.Scheduler;
import dev.tcpip.wire.IpAddress;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.Ipv6Header;
import dev.tcpip.wire.MacAddress;

/**
 * IPv6 for one interface, Ethernet or point-to-point (RFC 8200), composed of one-job parts: {@link Ipv6Addresses} (addresses,
 * groups, source selection), {@link Ipv6Routes} (prefixes, routers, destination cache), {@link Ipv6Output}
 * (resolution and fragmentation), {@code Ipv6Input} (the extension header walk), {@code Ipv6Reassembled} and
 * {@code Ipv6Demux} (delivery to ICMPv6 and the transports). This class wires them and is the {@link IpLayer}.
 * Address configuration and Neighbor Discovery messages are {@code Ndp}'s; ICMPv6 is {@code Icmpv6}'s.
 */
public final class Ipv6 implements IpLayer {
    public static final int HEADER = Ipv6Header.FIXED_LENGTH;
    public static final int MIN_MTU = DirectStackConfig.Ipv6Config.MIN_MTU;
    public static final long FOREVER = Long.MAX_VALUE;

    private final DirectStackConfig.Ipv6Config config;
    private final Link eth;
    private final Resolver neighbors;
    private final Reassembly reassembly;
    private final Ipv6Addresses addresses;
    private final Ipv6Routes routes;
    private final Ipv6Output output;
    private final Ipv6Demux demux;
    private final Ipv6Input input;

    /**
     * IPv6 on {@code eth}, whose next hops {@code neighbors} resolves: the neighbour cache on Ethernet,
     * {@link #NO_RESOLUTION} on a point-to-point link.
     */
    public Ipv6(DirectStackConfig.Ipv6Config config, int mtu, Link eth, Resolver neighbors, Counters counters,
         Scheduler scheduler, int firstId) {
        this.config = config;
        this.eth = eth;
        this.neighbors = neighbors;
        this.demux = new Ipv6Demux(counters);
        this.reassembly = new Reassembly(config.reassembly(), counters, scheduler, demux::timeExceededReassembly);
        this.addresses = new Ipv6Addresses(eth);
        this.routes = new Ipv6Routes(config, mtu, neighbors, !eth.resolvesAddresses());
        this.output = new Ipv6Output(eth, counters, routes, neighbors, config.hopLimit(), firstId,
                demux.transports());
        this.input = new Ipv6Input(addresses, counters, reassembly, demux);
    }

    /**
     * What IPv6 needs of ICMPv6 (RFC 4443), which sits above it: delivery of ICMPv6 messages and the errors IPv6
     * itself raises. {@code Icmpv6} implements it. Runs on the loop.
     */
    public interface Control {
        /** A received ICMPv6 message; {@code tentative} if it went to an address still under DAD. */
        void input(long now, Ipv6Address src, Ipv6Address dst, int hopLimit, byte[] buf, int off, int len,
                   boolean multicast, boolean tentative);

        /** An ICMPv6 error of {@code type}/{@code code} quoting the packet at {@code buf[ipOff, ipOff+ipLen)}. */
        void sendError(long now, int type, int code, int value, byte[] buf, int ipOff, int ipLen);

        /** Time exceeded, fragment reassembly (RFC 4443 §3.3 code 1), quoting the first fragment. */
        void timeExceededReassembly(long now, byte[] header, byte[] firstData);
    }

    /**
     * The neighbor cache as IPv6 output sees it (RFC 4861 §7.2): the next hop's link address, or a queue to wait on
     * while it is resolved. {@code Neighbors} implements it. Runs on the loop.
     */
    public interface Resolver {
        /** Whether {@code ip} has a cache entry (any state). */
        boolean known(Ipv6Address ip);

        /** The link address of {@code ip}, or -1 when it must be resolved first. */
        long lookup(long now, Ipv6Address ip);

        /** Queues {@code w} until {@code ip} resolves or fails; false when the queue is full. */
        boolean enqueue(long now, Ipv6Address ip, Arp.Waiter w);

        /** Fails every waiter and stops the timers. */
        void close(long now);
    }

    /**
     * The resolver of a point-to-point link: it has no link-layer addresses, so there is nothing to resolve
     * (RFC 4861 §7.2 resolves link-layer addresses) and every next hop is the link's other end at once.
     */
    public static final Resolver NO_RESOLUTION = new Resolver() {
        @Override
        public boolean known(Ipv6Address ip) {
            return true;
        }

        @Override
        public long lookup(long now, Ipv6Address ip) {
            return 0;
        }

        @Override
        public boolean enqueue(long now, Ipv6Address ip, Arp.Waiter w) {
            w.resolved(now, 0);
            return true;
        }

        @Override
        public void close(long now) {
        }
    };

    /** Whether the link is point-to-point: no address resolution, DAD, MLD or router solicitation (see Ndp). */
    public boolean pointToPoint() {
        return !eth.resolvesAddresses();
    }

    public void bind(Control icmpLayer) {
        demux.bind(icmpLayer);
    }

    public DirectStackConfig.Ipv6Config config() {
        return config;
    }

    public Reassembly reassembly() {
        return reassembly;
    }

    public MacAddress mac() {
        return eth.mac();
    }

    /** The interface's addresses and groups. */
    public Ipv6Addresses addresses() {
        return addresses;
    }

    /** Prefixes, routers and the destination cache. */
    public Ipv6Routes routes() {
        return routes;
    }

    /** Output with resolution and fragmentation (and the hop limit routers advertise). */
    public Ipv6Output sender() {
        return output;
    }

    /** Adds an address; one that is not link-local makes its prefix on-link (RFC 4862 §5.5.3 for SLAAC's). */
    public Ipv6Addresses.Addr addAddress(long now, Ipv6Address ip, int prefixLength,
                                         InterfaceAddress.Origin origin) {
        Ipv6Addresses.Addr a = addresses.add(ip, prefixLength, origin);
        if (origin != InterfaceAddress.Origin.LINK_LOCAL) {
            routes.onLink(now, ip, prefixLength, FOREVER);
        }
        return a;
    }

    public static boolean isLinkLocal(Ipv6Address a) {
        return (a.hi() >>> 54) == (0xfe80L >>> 6);        // fe80::/10
    }

    // ---- IpSender / IpLayer ----

    @Override
    public void register(int protocol, TransportHandler handler) {
        demux.register(protocol, handler);
    }

    public TransportHandler transport(int protocol) {
        return demux.transport(protocol);
    }

    @Override
    public IpAddress sourceFor(long now, IpAddress dst) throws UnreachableException {
        if (!(dst instanceof Ipv6Address v6) || v6.equals(Ipv6Address.UNSPECIFIED)) {
            throw new UnreachableException("not an IPv6 destination: " + dst, UnreachableException.Scope.NETWORK, null);
        }
        if (!v6.isMulticast() && routes.nextHop(now, v6) == null) {
            throw new UnreachableException("no route to " + dst + " (no default router, RFC 4861 §5.2)", UnreachableException.Scope.NETWORK,
                    null);
        }
        Ipv6Address src = addresses.selectSource(now, v6);
        if (src == null) {
            throw new UnreachableException("no usable IPv6 address yet (duplicate address detection runs)");
        }
        return src;
    }

    @Override
    public boolean isLocal(IpAddress a) {
        Ipv6Addresses.Addr found = a instanceof Ipv6Address v6 ? addresses.find(v6) : null;
        return found != null && found.state != InterfaceAddress.State.TENTATIVE;
    }

    @Override
    public int maxPayload(IpAddress dst) {
        return routes.pathMtu((Ipv6Address) dst) - HEADER;
    }

    @Override
    public int defaultHopLimit(IpAddress dst) {
        return output.hopLimit();
    }

    @Override
    public void send(long now, IpAddress src, IpAddress dst, int protocol, int ecn, byte[] payload, int off,
                     int len) {
        output.output(now, (Ipv6Address) src, (Ipv6Address) dst, protocol, output.hopLimit(), null, ecn, payload,
                off, len, null);
    }

    @Override
    public int maxSuperSegment(IpAddress dst) {
        return output.maxSuperSegment();
    }

    @Override
    public boolean sendSuperSegment(long now, IpAddress src, IpAddress dst, int ecn, int len, int gsoSize,
                                    MessageWriter writer) {
        return gsoSize > 0 && len <= output.maxSuperSegment() && output.sendInPlace(now, (Ipv6Address) src,
                (Ipv6Address) dst, IpProtocol.TCP, output.hopLimit(), ecn, len, gsoSize, writer);
    }

    @Override
    public void send(long now, IpAddress src, IpAddress dst, int protocol, int ecn, int len, MessageWriter writer) {
        if (!output.sendInPlace(now, (Ipv6Address) src, (Ipv6Address) dst, protocol, output.hopLimit(), ecn, len,
                0, writer)) {
            IpLayer.super.send(now, src, dst, protocol, ecn, len, writer);
        }
    }

    @Override
    public void output(long now, IpAddress src, IpAddress dst, int protocol, int hops, byte[] p, int off, int len,
                       Delivery delivery) {
        output.output(now, (Ipv6Address) src, (Ipv6Address) dst, protocol, hops, null, p, off, len, delivery);
    }

    /** A received IPv6 packet (the Ethernet payload, or the frame on a point-to-point link). */
    public void input(long now, byte[] buf, int off, int len) {
        input.input(now, buf, off, len);
    }

    @Override
    public void portUnreachable(long now) {
        demux.portUnreachable(now);
    }

    /** Delivers TCP and UDP packets for any global unicast destination, not only this stack's (forwarding). */
    public void acceptAnyDestination(boolean on) {
        input.anyDestination = on;
    }

    @Override
    public boolean isOwn(IpAddress dst) {
        return dst instanceof Ipv6Address v6 && (v6.isMulticast() || addresses.find(v6) != null);
    }

    @Override
    public void unreachable(long now, IcmpError.Kind kind, IpAddress src, IpAddress dst, int protocol,
                            byte[] transport) {
        int code = switch (kind) {
            case NET_UNREACHABLE -> 0;                    // RFC 4443 §3.1: no route to destination
            case ADMINISTRATIVELY_PROHIBITED -> 1;        // communication with destination administratively prohibited
            case HOST_UNREACHABLE -> 3;                   // address unreachable
            case PORT_UNREACHABLE -> 4;                   // port unreachable
            default -> throw new IllegalArgumentException("not a destination unreachable: " + kind);
        };
        int n = Math.min(8, transport.length);
        byte[] quote = new byte[HEADER + n];
        int at = Ipv6Header.of((Ipv6Address) src, (Ipv6Address) dst, protocol, output.hopLimit(), n).emit(quote, 0);
        System.arraycopy(transport, 0, quote, at, n);
        demux.unreachable(now, code, quote, at + n);
    }

    public void close(long now) {
        reassembly.clear();
        neighbors.close(now);
        addresses.close();
    }
}
