package dev.tcpip.direct.ip;

import dev.tcpip.UnreachableException;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.InterfaceAddress;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.link.Arp;
import dev.tcpip.direct.link.Ethernet;
import dev.tcpip.direct.stats.Counters;
import dev.tcpip.time.Scheduler;
import dev.tcpip.wire.EtherType;
import dev.tcpip.wire.IpAddress;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.Ipv6Extension;
import dev.tcpip.wire.Ipv6Header;
import dev.tcpip.wire.Ipv6View;
import dev.tcpip.wire.MacAddress;
import dev.tcpip.wire.ParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * IPv6 for one Ethernet interface (RFC 8200, RFC 4861 §5 conceptual sending algorithm): the interface's
 * addresses, on-link prefixes, default routers and destination cache (path MTU, redirects); output with
 * neighbor resolution and fragmentation; input walking the extension header chain, reassembling fragments and
 * demultiplexing to ICMPv6 and the transports. Address configuration and Neighbor Discovery messages are
 * {@link Ndp}'s; ICMPv6 is {@link Icmpv6}'s.
 */
public final class Ipv6 implements IpLayer {
    public static final int HEADER = Ipv6Header.FIXED_LENGTH;
    public static final int MIN_MTU = DirectStackConfig.Ipv6Config.MIN_MTU;
    public static final long FOREVER = Long.MAX_VALUE;
    private static final int FRAGMENT_HEADER = 8;

    /** One address of the interface and how far it got (RFC 4862 §2, §5.5.4). */
    public static final class Addr {
        public final Ipv6Address ip;
        final int prefixLength;
        public final InterfaceAddress.Origin origin;
        public InterfaceAddress.State state = InterfaceAddress.State.TENTATIVE;
        public long preferredUntil = FOREVER;
        public long validUntil = FOREVER;
        public dev.tcpip.time.Timer timer;

        Addr(Ipv6Address ip, int prefixLength, InterfaceAddress.Origin origin) {
            this.ip = ip;
            this.prefixLength = prefixLength;
            this.origin = origin;
        }

        boolean usable(long now) {
            return (state == InterfaceAddress.State.PREFERRED || state == InterfaceAddress.State.DEPRECATED)
                    && now < validUntil;
        }

        boolean preferred(long now) {
            return state == InterfaceAddress.State.PREFERRED && now < preferredUntil;
        }
    }

    private record Prefix(Ipv6Address prefix, int length, long validUntil) {}

    /** The destination cache (RFC 4861 §5.1): a learned path MTU (RFC 8201 §5.2) and a redirect's next hop. */
    private static final class Dest {
        int pmtu;
        Ipv6Address redirect;

        Dest(int pmtu) {
            this.pmtu = pmtu;
        }
    }

    private final DirectStackConfig.Ipv6Config config;
    private final int deviceMtu;
    private final Ethernet eth;
    private final Counters counters;
    private final Reassembly reassembly;
    private final Resolver neighbors;
    private final TransportHandler[] transports = new TransportHandler[256];
    private final List<Addr> addresses = new ArrayList<>();
    private final Set<Ipv6Address> groups = new HashSet<>();
    private final List<Prefix> prefixes = new ArrayList<>();
    private final Map<Ipv6Address, Long> routers = new LinkedHashMap<>();
    private final Map<Ipv6Address, Dest> destinations = new LinkedHashMap<>();
    private Control icmp;
    private int linkMtu;
    private int hopLimit;
    private int nextId;

    // The packet being delivered right now, so that a transport can have it answered with an ICMPv6 error.
    private byte[] curBuf;
    private int curOff;
    private int curLen;
    private boolean curMulticast;

    public Ipv6(DirectStackConfig.Ipv6Config config, int mtu, Ethernet eth, Resolver neighbors, Counters counters,
         Scheduler scheduler, int firstId) {
        this.config = config;
        this.deviceMtu = mtu;
        this.linkMtu = mtu;
        this.hopLimit = config.hopLimit();
        this.eth = eth;
        this.neighbors = neighbors;
        this.counters = counters;
        this.nextId = firstId;
        this.reassembly = new Reassembly(config.reassembly(), counters, scheduler,
                (now, header, first) -> icmp.timeExceededReassembly(now, header, first));
        if (config.gateway() != null) {
            routers.put(config.gateway(), FOREVER);
        }
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

    public void bind(Control icmpLayer) {
        this.icmp = icmpLayer;
    }

    public DirectStackConfig.Ipv6Config config() {
        return config;
    }

    Reassembly reassembly() {
        return reassembly;
    }

    public MacAddress mac() {
        return eth.mac();
    }

    @Override
    public void register(int protocol, TransportHandler handler) {
        if (protocol == IpProtocol.ICMPV6) {
            throw new IllegalArgumentException("protocol 58 is ICMPv6, which the stack handles itself");
        }
        transports[protocol] = handler;
    }

    public TransportHandler transport(int protocol) {
        return transports[protocol];
    }

    // ---- addresses and groups (RFC 4862, RFC 4291 §2.8) ----

    public Addr addAddress(long now, Ipv6Address ip, int prefixLength, InterfaceAddress.Origin origin) {
        Addr a = new Addr(ip, prefixLength, origin);
        addresses.add(a);
        if (origin != InterfaceAddress.Origin.LINK_LOCAL) {
            onLink(now, ip, prefixLength, FOREVER);
        }
        return a;
    }

    public void removeAddress(Addr a) {
        addresses.remove(a);
        if (a.timer != null) {
            a.timer.cancel();
        }
    }

    public Addr find(Ipv6Address ip) {
        for (Addr a : addresses) {
            if (a.ip.equals(ip)) {
                return a;
            }
        }
        return null;
    }

    public List<Addr> addresses() {
        return addresses;
    }

    public List<InterfaceAddress> addressList(long now) {
        List<InterfaceAddress> out = new ArrayList<>();
        for (Addr a : addresses) {
            InterfaceAddress.State s = a.state == InterfaceAddress.State.PREFERRED && now >= a.preferredUntil
                    ? InterfaceAddress.State.DEPRECATED : a.state;
            out.add(new InterfaceAddress(a.ip, a.prefixLength, a.origin, s));
        }
        return out;
    }

    /** The first preferred link-local address, or null (RS, MLD and NS sources). */
    public Ipv6Address linkLocal(long now) {
        for (Addr a : addresses) {
            if (a.origin == InterfaceAddress.Origin.LINK_LOCAL && a.usable(now)) {
                return a.ip;
            }
        }
        return null;
    }

    /** Joins {@code group}: frames to its MAC are taken from now on. Returns false if already joined. */
    public boolean join(Ipv6Address group) {
        if (!groups.add(group)) {
            return false;
        }
        eth.acceptMulticast(MacAddress.ipv6Multicast(group).bits());
        return true;
    }

    public Set<Ipv6Address> groups() {
        return groups;
    }

    // ---- routing (RFC 4861 §5.2) ----

    public void onLink(long now, Ipv6Address prefix, int length, long validUntil) {
        prefixes.removeIf(p -> p.length == length && matches(p.prefix, prefix, length));
        if (validUntil > now) {
            if (prefixes.size() >= config.ndp().destinationCacheSize()) {
                prefixes.removeFirst();                   // bounded: the oldest advertised prefix goes
            }
            prefixes.add(new Prefix(prefix, length, validUntil));
        }
    }

    public void router(long now, Ipv6Address ip, long validUntil) {
        if (validUntil <= now) {
            routers.remove(ip);                           // RFC 4861 §6.3.4: lifetime 0 removes it
            return;
        }
        if (!routers.containsKey(ip) && routers.size() >= config.ndp().destinationCacheSize()) {
            return;
        }
        routers.put(ip, validUntil);
    }

    public List<Ipv6Address> routers(long now) {
        List<Ipv6Address> out = new ArrayList<>();
        routers.forEach((ip, until) -> {
            if (now < until) {
                out.add(ip);
            }
        });
        return out;
    }

    public int linkMtu() {
        return linkMtu;
    }

    /** RFC 4861 §6.3.4: an advertised MTU within 1280 and the device's applies to the link. */
    public void linkMtu(int m) {
        if (m >= MIN_MTU && m <= deviceMtu) {
            linkMtu = m;
        }
    }

    public void hopLimit(int h) {
        hopLimit = h;
    }

    public static boolean isLinkLocal(Ipv6Address a) {
        return (a.hi() >>> 54) == (0xfe80L >>> 6);        // fe80::/10
    }

    static boolean matches(Ipv6Address a, Ipv6Address b, int length) {
        if (length == 0) {
            return true;
        }
        if (length <= 64) {
            return ((a.hi() ^ b.hi()) >>> (64 - length)) == 0;
        }
        return a.hi() == b.hi() && (length == 128 ? a.lo() == b.lo() : ((a.lo() ^ b.lo()) >>> (128 - length)) == 0);
    }

    private boolean isOnLink(long now, Ipv6Address dst) {
        if (isLinkLocal(dst)) {
            return true;
        }
        for (Prefix p : prefixes) {
            if (now < p.validUntil && matches(p.prefix, dst, p.length)) {
                return true;
            }
        }
        return false;
    }

    /** The on-link next hop toward a unicast {@code dst}, or null without a route (RFC 4861 §5.2). */
    public Ipv6Address nextHop(long now, Ipv6Address dst) {
        Dest d = destinations.get(dst);
        if (d != null && d.redirect != null) {
            return d.redirect;
        }
        if (isOnLink(now, dst)) {
            return dst;
        }
        // RFC 4861 §6.3.6: prefer a router known to be reachable; else any.
        Ipv6Address any = null;
        for (Map.Entry<Ipv6Address, Long> r : routers.entrySet()) {
            if (now >= r.getValue()) {
                continue;
            }
            if (neighbors.known(r.getKey())) {
                return r.getKey();
            }
            if (any == null) {
                any = r.getKey();
            }
        }
        return any;
    }

    /** RFC 4861 §8.3: traffic for {@code dst} goes to {@code target} from now on. */
    public void redirect(Ipv6Address dst, Ipv6Address target) {
        dest(dst).redirect = target;
    }

    /** RFC 8201 §4-5: a packet too big lowers the path MTU toward {@code dst}, never below 1280. */
    public int lowerPathMtu(Ipv6Address dst, long reported) {
        int m = (int) Math.max(MIN_MTU, Math.min(reported, linkMtu));
        Dest d = dest(dst);
        d.pmtu = Math.min(d.pmtu, m);
        return d.pmtu;
    }

    public int pathMtu(Ipv6Address dst) {
        Dest d = destinations.get(dst);
        return d == null ? linkMtu : Math.min(d.pmtu, linkMtu);
    }

    private Dest dest(Ipv6Address dst) {
        Dest d = destinations.get(dst);
        if (d == null) {
            if (destinations.size() >= config.ndp().destinationCacheSize()) {
                Iterator<Dest> it = destinations.values().iterator();
                it.next();
                it.remove();                              // bounded: the oldest destination is forgotten
            }
            d = new Dest(linkMtu);
            destinations.put(dst, d);
        }
        return d;
    }

    // ---- IpSender / IpLayer ----

    /** RFC 6724 §5, simplified: same scope first, preferred over deprecated, then the longest common prefix. */
    public Ipv6Address selectSource(long now, Ipv6Address dst) {
        boolean linkScope = isLinkLocal(dst) || dst.isMulticast() && ((dst.hi() >>> 48) & 0xf) <= 2;
        Addr best = null;
        int bestScore = -1;
        for (Addr a : addresses) {
            if (!a.usable(now)) {
                continue;
            }
            boolean ll = a.origin == InterfaceAddress.Origin.LINK_LOCAL;
            int score = (ll == linkScope ? 1 << 10 : 0) + (a.preferred(now) ? 1 << 9 : 0) + commonPrefix(a.ip, dst);
            if (score > bestScore) {
                best = a;
                bestScore = score;
            }
        }
        return best == null ? null : best.ip;
    }

    private static int commonPrefix(Ipv6Address a, Ipv6Address b) {
        long hi = a.hi() ^ b.hi();
        return hi != 0 ? Long.numberOfLeadingZeros(hi) : 64 + Long.numberOfLeadingZeros(a.lo() ^ b.lo());
    }

    @Override
    public IpAddress sourceFor(long now, IpAddress dst) throws UnreachableException {
        if (!(dst instanceof Ipv6Address v6) || v6.equals(Ipv6Address.UNSPECIFIED)) {
            throw new UnreachableException("not an IPv6 destination: " + dst);
        }
        if (!v6.isMulticast() && nextHop(now, v6) == null) {
            throw new UnreachableException("no route to " + dst + " (no default router, RFC 4861 §5.2)");
        }
        Ipv6Address src = selectSource(now, v6);
        if (src == null) {
            throw new UnreachableException("no usable IPv6 address yet (duplicate address detection runs)");
        }
        return src;
    }

    @Override
    public int maxPayload(IpAddress dst) {
        return pathMtu((Ipv6Address) dst) - HEADER;
    }

    @Override
    public int defaultHopLimit(IpAddress dst) {
        return hopLimit;
    }

    @Override
    public void send(long now, IpAddress src, IpAddress dst, int protocol, byte[] payload, int off, int len) {
        output(now, src, dst, protocol, hopLimit, payload, off, len,
                Delivery.toTransport(transports, src, src, dst, protocol, payload, off, len, 0));
    }

    @Override
    public void output(long now, IpAddress src, IpAddress dst, int protocol, int hops, byte[] p, int off, int len,
                       Delivery delivery) {
        output(now, (Ipv6Address) src, (Ipv6Address) dst, protocol, hops, null, p, off, len, delivery);
    }

    // ---- output (RFC 8200, RFC 4861 §7.2.2) ----

    /** Sends one packet, with {@code hbh} hop-by-hop options if not null, resolving and fragmenting as needed. */
    public void output(long now, Ipv6Address src, Ipv6Address dst, int protocol, int hops, Ipv6Extension.HopByHop hbh,
                byte[] p, int off, int len, Delivery delivery) {
        if (len + (hbh == null ? 0 : hbh.length()) > 0xffff) {
            throw new IllegalArgumentException("an IPv6 payload is at most 65,535 bytes (RFC 8200 §3): " + len);
        }
        if (dst.isMulticast()) {
            // RFC 2464 §7: multicast maps to 33:33 and the group's last 32 bits; no resolution.
            transmit(MacAddress.ipv6Multicast(dst).bits(), src, dst, protocol, hops, hbh, p, off, len);
            delivery.sent();
            return;
        }
        Ipv6Address hop = nextHop(now, dst);
        if (hop == null) {
            counters.inc(StackCounter.IP6_DROPPED_NO_ROUTE);
            delivery.failed(now, IcmpError.Kind.NET_UNREACHABLE, "no route to " + dst);
            return;
        }
        long mac = neighbors.lookup(now, hop);
        if (mac != -1) {
            transmit(mac, src, dst, protocol, hops, hbh, p, off, len);
            delivery.sent();
            return;
        }
        Arp.Waiter waiter = new Arp.Waiter() {
            @Override
            public void resolved(long t, long m) {
                transmit(m, src, dst, protocol, hops, hbh, p, off, len);
                delivery.sent();
            }

            @Override
            public void failed(long t) {
                // RFC 4861 §7.3.3: address unreachable (ICMPv6 destination unreachable code 3).
                delivery.failed(t, IcmpError.Kind.HOST_UNREACHABLE, "no neighbor advertisement from " + hop);
            }
        };
        if (!neighbors.enqueue(now, hop, waiter)) {
            delivery.failed(now, IcmpError.Kind.HOST_UNREACHABLE, "too many packets wait for the neighbor " + hop);
        }
    }

    /** Sends to a known MAC without consulting the neighbor cache (NDP's probes and answers). */
    public void transmitTo(long mac, Ipv6Address src, Ipv6Address dst, int protocol, int hops, byte[] p, int off, int len) {
        transmit(mac, src, dst, protocol, hops, null, p, off, len);
    }

    private void transmit(long mac, Ipv6Address src, Ipv6Address dst, int protocol, int hops,
                          Ipv6Extension.HopByHop hbh, byte[] p, int off, int len) {
        int pmtu = dst.isMulticast() ? linkMtu : pathMtu(dst);
        List<Ipv6Extension> ext = hbh == null ? List.of() : List.of(hbh);
        int unfragmentable = HEADER + (hbh == null ? 0 : hbh.length());
        if (unfragmentable + len <= pmtu) {
            frame(mac, new Ipv6Header(0, 0, hops, src, dst, ext, protocol, len), p, off, len);
            return;
        }
        // RFC 8200 §4.5: the source fragments; each fragment but the last carries a multiple of 8 bytes.
        int id = nextId++;
        int chunk = (pmtu - unfragmentable - FRAGMENT_HEADER) & ~7;
        for (int at = 0; at < len; at += chunk) {
            int n = Math.min(chunk, len - at);
            List<Ipv6Extension> fx = new ArrayList<>(ext);
            fx.add(new Ipv6Extension.Fragment(at, at + n < len, id));
            frame(mac, new Ipv6Header(0, 0, hops, src, dst, fx, protocol, n), p, off + at, n);
            counters.inc(StackCounter.IP6_FRAGMENTS_TX);
        }
    }

    private void frame(long mac, Ipv6Header h, byte[] p, int off, int len) {
        byte[] buf = eth.buffer();
        int at = h.emit(buf, eth.header(mac, EtherType.IPV6));
        System.arraycopy(p, off, buf, at, len);
        counters.inc(StackCounter.IP6_TX);
        eth.transmit(at + len);
    }

    // ---- input (RFC 8200 §4) ----

    public void input(long now, byte[] buf, int off, int len) {
        counters.inc(StackCounter.IP6_RX);
        receive(now, buf, off, len, false);
    }

    private void receive(long now, byte[] buf, int off, int len, boolean reassembled) {
        Ipv6View v;
        try {
            v = Ipv6View.parse(buf, off, len);
        } catch (ParseException e) {
            counters.inc(StackCounter.IP6_DROPPED_MALFORMED);
            return;
        }
        Ipv6Address dst = v.dst();
        Ipv6Address src = v.src();
        boolean multicast = dst.isMulticast();
        boolean tentative = false;
        if (multicast) {
            if (!groups.contains(dst)) {
                counters.inc(StackCounter.IP6_DROPPED_NOT_FOR_US);
                return;
            }
        } else {
            Addr a = find(dst);
            if (a == null || now >= a.validUntil) {
                counters.inc(StackCounter.IP6_DROPPED_NOT_FOR_US);
                return;
            }
            // RFC 4862 §5.4.3: a tentative address takes only the Neighbor Discovery messages of DAD.
            tentative = a.state != InterfaceAddress.State.PREFERRED && a.state != InterfaceAddress.State.DEPRECATED;
        }
        // RFC 4291 §2.7: a multicast address is never a source.
        if (src.isMulticast()) {
            counters.inc(StackCounter.IP6_DROPPED_BAD_SOURCE);
            return;
        }
        // RFC 4443 §2.4(e.1): never an error about an ICMPv6 error or a redirect.
        boolean mayAnswer = !(v.protocol() == IpProtocol.ICMPV6 && v.upperLength() >= 1
                && ((buf[v.upperOffset()] & 0xff) < 128 || (buf[v.upperOffset()] & 0xff) == 137))
                && !src.equals(Ipv6Address.UNSPECIFIED);
        int end = off + HEADER + v.payloadLength();
        int next = v.nextHeader();
        int nextField = off + 6;
        int p = off + HEADER;
        // Ipv6View.parse checked every length up to the upper layer, so each step stays inside the packet;
        // the chain has extensionCount() headers.
        for (int i = 0; i <= v.extensionCount(); i++) {
            switch (next) {
                case IpProtocol.HOP_BY_HOP, IpProtocol.DESTINATION_OPTIONS -> {
                    int hl = (buf[p + 1] & 0xff) * 8 + 8;
                    if (!options(now, buf, off, len, p, hl, next == IpProtocol.HOP_BY_HOP, multicast, mayAnswer)) {
                        return;
                    }
                    nextField = p;
                    next = buf[p] & 0xff;
                    p += hl;
                }
                case IpProtocol.ROUTING -> {
                    // RFC 8200 §4.4: no routing type is recognised by this host (type 0 is gone, RFC 5095):
                    // with segments left it is a parameter problem at the routing type; without, it is skipped.
                    if ((buf[p + 3] & 0xff) != 0) {
                        counters.inc(StackCounter.IP6_DROPPED_BAD_EXTENSION);
                        parameterProblem(now, 0, p + 2 - off, buf, off, len, multicast, mayAnswer);
                        return;
                    }
                    nextField = p;
                    next = buf[p] & 0xff;
                    p += (buf[p + 1] & 0xff) * 8 + 8;
                }
                case IpProtocol.FRAGMENT -> {
                    int fo = u16(buf, p + 2) & 0xfff8;
                    boolean more = (buf[p + 3] & 1) != 0;
                    if (fo == 0 && !more) {
                        // RFC 6946 §4: an atomic fragment is processed on its own, never reassembled.
                        counters.inc(StackCounter.IP6_ATOMIC_FRAGMENTS);
                        nextField = p;
                        next = buf[p] & 0xff;
                        p += FRAGMENT_HEADER;
                        continue;
                    }
                    fragment(now, v, buf, off, len, p, end, fo, more, multicast, mayAnswer, reassembled, tentative);
                    return;
                }
                default -> {
                    deliver(now, v, buf, off, len, next, nextField, p, end, multicast, mayAnswer, tentative);
                    return;
                }
            }
        }
        counters.inc(StackCounter.IP6_DROPPED_MALFORMED);    // not reached: the walk ends at the upper layer
    }

    /**
     * RFC 8200 §4.2: options this host does not know are handled by their type's two high bits: 00 skip,
     * 01 discard, 10 discard and send a parameter problem, 11 the same unless the destination was multicast.
     * Returns whether the packet goes on.
     */
    private boolean options(long now, byte[] buf, int off, int len, int p, int hl, boolean hopByHop,
                            boolean multicast, boolean mayAnswer) {
        int q = p + 2;
        int lim = p + hl;
        while (q < lim) {                                 // Ipv6View checked the framing; each step advances
            int type = buf[q] & 0xff;
            if (type == 0) {                              // Pad1
                q++;
                continue;
            }
            boolean known = type == 1 || hopByHop && type == 5;   // PadN; RFC 2711 router alert
            if (!known) {
                switch (type >>> 6) {
                    case 0 -> { }
                    case 1 -> {
                        counters.inc(StackCounter.IP6_DROPPED_UNKNOWN_OPTION);
                        return false;
                    }
                    case 2 -> {
                        counters.inc(StackCounter.IP6_DROPPED_UNKNOWN_OPTION);
                        // RFC 4443 §2.4(e.3): code 2 may answer even a multicast destination.
                        parameterProblem(now, 2, q - off, buf, off, len, false, mayAnswer);
                        return false;
                    }
                    default -> {
                        counters.inc(StackCounter.IP6_DROPPED_UNKNOWN_OPTION);
                        parameterProblem(now, 2, q - off, buf, off, len, multicast, mayAnswer);
                        return false;
                    }
                }
            }
            q += 2 + (buf[q + 1] & 0xff);
        }
        return true;
    }

    private void fragment(long now, Ipv6View v, byte[] buf, int off, int len, int p, int end, int fo, boolean more,
                          boolean multicast, boolean mayAnswer, boolean reassembled, boolean tentative) {
        int dataOff = p + FRAGMENT_HEADER;
        int fragLen = end - dataOff;
        if (reassembled || tentative || fragLen == 0) {
            counters.inc(StackCounter.IP_FRAGMENT_MALFORMED);     // nested fragments; nothing to take
            return;
        }
        // RFC 8200 §4.5: every fragment but the last is a multiple of 8 bytes (else a parameter problem at the
        // payload length), and none reaches past a 65,535-byte payload (at the fragment offset).
        if (more && fragLen % 8 != 0) {
            counters.inc(StackCounter.IP_FRAGMENT_MALFORMED);
            parameterProblem(now, 0, 4, buf, off, len, multicast, mayAnswer);
            return;
        }
        if (p - off - HEADER + fo + fragLen > 0xffff) {
            counters.inc(StackCounter.IP_FRAGMENT_MALFORMED);
            parameterProblem(now, 0, p + 2 - off, buf, off, len, multicast, mayAnswer);
            return;
        }
        Reassembly.Datagram d = reassembly.add6(now, v.srcHi(), v.srcLo(), v.dstHi(), v.dstLo(),
                v.fragmentIdentification(), fo, more, buf, dataOff, fragLen, off, dataOff - off);
        if (d == null) {
            return;
        }
        // Rebuild the packet: fragment zero's unfragmentable part, its fragment header's next header in the
        // last header before it, the payload length fixed (RFC 8200 §4.5 reassembly).
        byte[] w = d.buf();
        int unfrag = d.headerLength() - FRAGMENT_HEADER;
        int field = 6;
        int q = HEADER;
        int guard = 0;
        for (int nh = w[6] & 0xff; q < unfrag && guard++ < 64; nh = w[q] & 0xff) {   // bounded walk
            field = q;
            q += nh == IpProtocol.FRAGMENT ? 8 : (w[q + 1] & 0xff) * 8 + 8;
        }
        byte[] whole = new byte[unfrag + d.payloadLength()];
        System.arraycopy(w, 0, whole, 0, unfrag);
        System.arraycopy(w, d.headerLength(), whole, unfrag, d.payloadLength());
        whole[field] = w[unfrag];
        int payload = whole.length - HEADER;
        whole[4] = (byte) (payload >>> 8);
        whole[5] = (byte) payload;
        receive(now, whole, 0, whole.length, true);
    }

    private void deliver(long now, Ipv6View v, byte[] buf, int off, int len, int protocol, int nextField, int p,
                         int end, boolean multicast, boolean mayAnswer, boolean tentative) {
        Ipv6Address src = v.src();
        Ipv6Address dst = v.dst();
        if (protocol == IpProtocol.ICMPV6) {
            icmp.input(now, src, dst, v.hopLimit(), buf, p, end - p, multicast, tentative);
            return;
        }
        if (tentative) {
            counters.inc(StackCounter.IP6_DROPPED_NOT_FOR_US);
            return;
        }
        if (protocol == IpProtocol.NO_NEXT_HEADER) {
            return;                                       // RFC 8200 §4.7: nothing follows
        }
        TransportHandler t = transports[protocol];
        if (t == null) {
            counters.inc(StackCounter.IP6_DROPPED_UNKNOWN_PROTOCOL);
            // RFC 8200 §4: unrecognized next header, a parameter problem code 1 at the field naming it.
            parameterProblem(now, 1, nextField - off, buf, off, len, multicast, mayAnswer);
            return;
        }
        curBuf = buf;
        curOff = off;
        curLen = HEADER + v.payloadLength();
        curMulticast = multicast || !mayAnswer;
        try {
            t.input(now, src, dst, buf, p, end - p);
        } finally {
            curBuf = null;
        }
    }

    private void parameterProblem(long now, int code, int pointer, byte[] buf, int off, int len, boolean multicast,
                                  boolean mayAnswer) {
        if (mayAnswer && !multicast) {
            icmp.sendError(now, dev.tcpip.wire.Icmpv6Message.PARAMETER_PROBLEM, code, pointer, buf, off,
                    HEADER + u16(buf, off + 4));
        }
    }

    @Override
    public void portUnreachable(long now) {
        if (curBuf != null && !curMulticast) {
            icmp.sendError(now, dev.tcpip.wire.Icmpv6Message.DESTINATION_UNREACHABLE, 4, 0, curBuf, curOff, curLen);
        }
    }

    public void close(long now) {
        reassembly.clear();
        neighbors.close(now);
        for (Addr a : addresses) {
            if (a.timer != null) {
                a.timer.cancel();
            }
        }
    }

    static int u16(byte[] b, int i) {
        return (b[i] & 0xff) << 8 | b[i + 1] & 0xff;
    }
}
