package dev.tcpip.direct.ip;

import dev.tcpip.UnreachableException;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.link.Arp;
import dev.tcpip.direct.link.Link;
import dev.tcpip.direct.stats.Counters;
import dev.tcpip.time.Scheduler;
import dev.tcpip.wire.Ecn;
import dev.tcpip.wire.EtherType;
import dev.tcpip.wire.IpAddress;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.Ipv4Header;
import dev.tcpip.wire.Ipv4View;
import dev.tcpip.wire.MacAddress;
import dev.tcpip.wire.ParseException;

/**
 * IPv4 for one address on one link (RFC 791, RFC 1122 §3): routing between the on-link prefix and the
 * default gateway, output with fragmentation, input with reassembly and demultiplexing to ICMP and the
 * registered transports. On Ethernet next hops are resolved by ARP; on a point-to-point link (no ARP) every
 * datagram goes to the link's other end, whatever its destination. {@link Ipv6} is its sibling; {@link DualIp} picks one by destination.
 */
public final class Ipv4 implements IpLayer {
    public static final int HEADER = Ipv4View.MIN_HEADER_LENGTH;
    /** RFC 791 §3.1: total length is 16 bits. */
    public static final int MAX_PAYLOAD = 0xffff - HEADER;

    // The address: configured, or set and cleared at run time (setAddress, DHCP). 0.0.0.0 while there is none.
    private Ipv4Address own;
    private int addr;
    private int mask;
    private int directedBroadcast;
    private int gateway;                // 0: none
    private final int mtu;
    private final int ttl;
    private final Link eth;
    private final Arp arp;              // null on a point-to-point link
    private int[] ownAddresses;         // the address and its aliases (empty without an address)
    private final Counters counters;
    private final Reassembly reassembly;
    private final TransportHandler[] transports = new TransportHandler[256];
    private Control icmp;
    private int nextId = 1;
    /** Forwarding: TCP and UDP to any unicast destination are delivered too (off by default). */
    private boolean anyDestination;

    // The datagram being delivered right now, so that a transport can have it answered with an ICMP error.
    private byte[] curBuf;
    private int curOff;
    private int curHeader;
    private int curPayload;
    private boolean curBroadcast;

    /** IPv4 on {@code eth}; {@code arp} resolves next hops, and is null exactly when the link resolves nothing. */
    public Ipv4(DirectStackConfig config, int mtu, Link eth, Arp arp, Counters counters, Scheduler scheduler) {
        if ((arp == null) == eth.resolvesAddresses()) {
            throw new IllegalArgumentException("ARP goes with a link that resolves addresses, and only with one");
        }
        this.own = config.address();
        this.ownAddresses = java.util.stream.Stream.concat(java.util.stream.Stream.of(config.address()),
                config.ipv4Aliases().stream()).mapToInt(Ipv4Address::bits).filter(a -> a != 0).toArray();
        this.addr = own.bits();
        this.mask = addr == 0 ? 0 : config.netmask();
        this.directedBroadcast = addr == 0 ? -1 : config.directedBroadcast().bits();
        this.gateway = config.gateway() == null ? 0 : config.gateway().bits();
        this.mtu = mtu;
        this.ttl = config.ttl();
        this.eth = eth;
        this.arp = arp;
        this.counters = counters;
        this.reassembly = new Reassembly(config.reassembly(), counters, scheduler,
                (now, header, first) -> icmp.timeExceededReassembly(now, header, first));
    }

    /**
     * What IPv4 needs of ICMP (RFC 792), which sits above it: delivery of ICMP messages and the errors IP
     * itself raises. {@code Icmpv4} implements it. Runs on the loop.
     */
    public interface Control {
        /** A received ICMP message; {@code broadcast} if it was sent to a broadcast address. */
        void input(long now, Ipv4Address src, Ipv4Address dst, byte[] buf, int off, int len, boolean broadcast);

        /** Destination unreachable with {@code code} about the datagram at {@code buf[ipOff..]}. */
        void destinationUnreachable(long now, int code, byte[] buf, int ipOff, int header, int payload);

        /** Time exceeded, fragment reassembly (RFC 792, code 1), quoting the first fragment. */
        void timeExceededReassembly(long now, byte[] header, byte[] firstData);
    }

    public void bind(Control icmpLayer) {
        this.icmp = icmpLayer;
    }

    public Ipv4Address address() {
        return own;
    }

    /**
     * Gives the interface {@code address}/{@code prefixLength} with {@code gateway} (null: none) at run time, or
     * takes its address away with 0.0.0.0 (prefix and gateway ignored): then only UDP between 0.0.0.0 and the
     * limited broadcast is sent and taken (RFC 1122 §3.2.1.3(a), a DHCP client's way, RFC 2131 §4.1).
     * The caller checks the values ({@code DirectStack.setIpv4}).
     */
    public void setAddress(Ipv4Address address, int prefixLength, Ipv4Address gateway) {
        own = address;
        addr = address.bits();
        if (addr == 0) {
            ownAddresses = new int[0];
            mask = 0;
            directedBroadcast = -1;
            this.gateway = 0;
            return;
        }
        ownAddresses = new int[] {addr};
        mask = -1 << (32 - prefixLength);
        directedBroadcast = addr | ~mask;
        this.gateway = gateway == null ? 0 : gateway.bits();
    }

    public int defaultTtl() {
        return ttl;
    }

    /** Delivers TCP and UDP datagrams for any unicast destination, not only this stack's address (forwarding). */
    public void acceptAnyDestination(boolean on) {
        this.anyDestination = on;
    }

    @Override
    public boolean isOwn(IpAddress dst) {
        return dst instanceof Ipv4Address v4 && (isOwn(v4.bits()) || isBroadcast(v4.bits()));   // aliases too
    }

    @Override
    public void unreachable(long now, IcmpError.Kind kind, IpAddress src, IpAddress dst, int protocol,
                            byte[] transport) {
        int code = switch (kind) {
            case NET_UNREACHABLE -> 0;                    // RFC 792: net unreachable
            case HOST_UNREACHABLE -> 1;                   // host unreachable
            case PORT_UNREACHABLE -> 3;                   // port unreachable
            case ADMINISTRATIVELY_PROHIBITED -> 13;       // RFC 1812 §5.2.7.1: communication administratively prohibited
            default -> throw new IllegalArgumentException("not a destination unreachable: " + kind);
        };
        int n = Math.min(8, transport.length);
        Ipv4Header h = new Ipv4Header(0, 0, 0, false, false, 0, ttl, protocol, (Ipv4Address) src,
                (Ipv4Address) dst, null, n);
        byte[] quote = new byte[HEADER + n];
        int at = h.emit(quote, 0);
        System.arraycopy(transport, 0, quote, at, n);
        icmp.destinationUnreachable(now, code, quote, 0, at, n);
    }

    public Reassembly reassembly() {
        return reassembly;
    }

    @Override
    public void register(int protocol, TransportHandler handler) {
        if (protocol == IpProtocol.ICMP) {
            throw new IllegalArgumentException("protocol 1 is ICMP, which the stack handles itself");
        }
        transports[protocol] = handler;
    }

    public TransportHandler transport(int protocol) {
        return transports[protocol];
    }

    // ---- routing (RFC 1122 §3.3.1) ----

    /** The on-link next hop toward {@code dst}, or 0 if there is no route. Broadcasts go to themselves. */
    int nextHop(int dst) {
        if (arp == null) {
            // A point-to-point link's one neighbour is its other end: every destination is sent there, with no
            // next-hop address to resolve (RFC 1812 §2.2.7: point-to-point lines need no addresses of their own).
            return dst;
        }
        if (dst == -1) {
            return dst;                                   // the limited broadcast: on every link
        }
        if (addr == 0) {
            return 0;                                     // no address yet: no prefix, nothing else is reachable
        }
        if (((dst ^ addr) & mask) == 0) {
            return dst;                                   // RFC 1122 §3.3.1.1: on-link, sent directly
        }
        return gateway;                                   // else via the default gateway, if any
    }

    /** Whether {@code a} is this interface's address or one of its aliases. */
    public boolean isOwn(int a) {
        for (int o : ownAddresses) {
            if (o == a) {
                return true;
            }
        }
        return false;
    }

    private boolean isBroadcast(int dst) {
        return dst == -1 || dst == directedBroadcast;
    }

    @Override
    public IpAddress sourceFor(long now, IpAddress dst) throws UnreachableException {
        if (!(dst instanceof Ipv4Address v4)) {
            throw new UnreachableException("this stack has no IPv6 address: " + dst, UnreachableException.Scope.NETWORK, null);
        }
        if (v4.bits() == 0 || nextHop(v4.bits()) == 0) {
            throw new UnreachableException("no route to " + dst, UnreachableException.Scope.NETWORK, null);
        }
        return own;
    }

    @Override
    public boolean isLocal(IpAddress a) {
        return a instanceof Ipv4Address v4 && isOwn(v4.bits());
    }

    @Override
    public int maxPayload(IpAddress dst) {
        return mtu - HEADER;
    }

    @Override
    public void send(long now, IpAddress src, IpAddress dst, int protocol, int ecn, byte[] payload, int off,
                     int len) {
        output(now, (Ipv4Address) src, (Ipv4Address) dst, protocol, ttl, false, ecn, payload, off, len, null);
    }

    /**
     * The common case in place: a unicast datagram that fits the MTU to a next hop whose address ARP knows is
     * written straight into the link's buffer (the same header {@link #transmit} would give it); anything else
     * takes the general path. A lookup that misses has no effect but dropping an expired entry, so asking again
     * there changes nothing.
     */
    @Override
    public void send(long now, IpAddress src, IpAddress dst, int protocol, int ecn, int len, MessageWriter writer) {
        if (!sendInPlace(now, src, dst, protocol, ecn, len, 0, writer)) {
            IpLayer.super.send(now, src, dst, protocol, ecn, len, writer);
        }
    }

    @Override
    public int maxSuperSegment(IpAddress dst) {
        return eth.maxSuperSegment() > mtu ? eth.maxSuperSegment() - HEADER : 0;
    }

    @Override
    public boolean sendSuperSegment(long now, IpAddress src, IpAddress dst, int ecn, int len, int gsoSize,
                                    MessageWriter writer) {
        return gsoSize > 0 && len <= maxSuperSegment(dst)
                && sendInPlace(now, src, dst, IpProtocol.TCP, ecn, len, gsoSize, writer);
    }

    /**
     * Writes the datagram into the link's buffer and sends it (as a super-segment of {@code gsoSize}-byte pieces if
     * positive, whose identifications the pieces take one each), if it can leave at once and whole; else false.
     */
    private boolean sendInPlace(long now, IpAddress src, IpAddress dst, int protocol, int ecn, int len, int gsoSize,
                                MessageWriter writer) {
        int d = ((Ipv4Address) dst).bits();
        int hop = d == 0 ? 0 : nextHop(d);
        boolean fits = gsoSize > 0 || len <= mtu - HEADER;
        long mac = hop == 0 || !fits || isBroadcast(d) ? -1 : arp == null ? 0 : arp.lookup(now, hop);
        if (mac == -1) {
            return false;
        }
        int id = nextId;
        int ids = gsoSize > 0 ? Math.ceilDiv(len, gsoSize) : 1;  // at least one per piece
        nextId = (nextId + ids) & 0xffff;                 // as in output: unique per src, dst, protocol
        byte[] buf = eth.buffer();
        int at = Ipv4Header.emitPlain(buf, eth.header(mac, EtherType.IPV4), ecn, id, ttl, protocol, (Ipv4Address) src,
                (Ipv4Address) dst, len);                  // no header object per datagram
        writer.write(buf, at);
        counters.inc(StackCounter.IP_TX);
        if (gsoSize > 0) {
            eth.transmit(at + len, gsoSize);
        } else {
            eth.transmit(at + len);
        }
        return true;
    }

    @Override
    public void output(long now, IpAddress src, IpAddress dst, int protocol, int hopLimit, byte[] p, int off, int len,
                       Delivery delivery) {
        output(now, (Ipv4Address) src, (Ipv4Address) dst, protocol, hopLimit, false, p, off, len, delivery);
    }

    @Override
    public int defaultHopLimit(IpAddress dst) {
        return ttl;
    }

    @Override
    public void portUnreachable(long now) {
        unreachable(now, 3);                              // RFC 1122 §4.1.3.1: port unreachable
    }

    // ---- output (RFC 791 §3.2, RFC 1122 §3.3) ----

    /**
     * Sends one datagram carrying {@code p[off, off+len)}, resolving the next hop and fragmenting as needed;
     * {@code how} hears how it fared, or null: a failure goes to the transport ({@link Delivery}).
     */
    public void output(long now, Ipv4Address src, Ipv4Address dst, int protocol, int ttl, boolean df, byte[] p, int off,
                int len, Delivery delivery) {
        output(now, src, dst, protocol, ttl, df, Ecn.NOT_ECT, p, off, len, delivery);
    }

    /** {@link #output(long, Ipv4Address, Ipv4Address, int, int, boolean, byte[], int, int, Delivery)} with {@code ecn}
     *  in the ECN field of every fragment (RFC 3168 §5). */
    public void output(long now, Ipv4Address src, Ipv4Address dst, int protocol, int ttl, boolean df, int ecn, byte[] p,
                       int off, int len, Delivery how) {
        int d = dst.bits();
        int hop = d == 0 ? 0 : nextHop(d);
        if (hop == 0) {
            counters.inc(StackCounter.IP_DROPPED_NO_ROUTE);
            Delivery.orToTransport(how, transports, own, src, dst, protocol, p, off, len, mtu)
                    .failed(now, IcmpError.Kind.NET_UNREACHABLE, "no route to " + dst);
            return;
        }
        if (len > MAX_PAYLOAD) {
            throw new IllegalArgumentException("an IPv4 datagram carries at most " + MAX_PAYLOAD + " bytes: " + len);
        }
        if (df && len + HEADER > mtu) {
            counters.inc(StackCounter.IP_DROPPED_DF_TOO_BIG);
            Delivery.orToTransport(how, transports, own, src, dst, protocol, p, off, len, mtu)
                    .failed(now, IcmpError.Kind.FRAGMENTATION_NEEDED, len + HEADER + " bytes exceed the MTU " + mtu);
            return;
        }
        int id = nextId;
        nextId = (nextId + 1) & 0xffff;                   // RFC 791 §3.2, RFC 6864 §4: unique per src, dst, protocol
        if (isBroadcast(d)) {
            transmit(MacAddress.BROADCAST.bits(), src, dst, protocol, ttl, df, ecn, id, p, off, len);
            Delivery.sent(how);
            return;
        }
        long mac = arp == null ? 0 : arp.lookup(now, hop);
        if (mac != -1) {
            transmit(mac, src, dst, protocol, ttl, df, ecn, id, p, off, len);
            Delivery.sent(how);
            return;
        }
        Delivery waiting = Delivery.orToTransport(how, transports, own, src, dst, protocol, p, off, len, mtu);
        Arp.Waiter waiter = new Arp.Waiter() {
            @Override
            public void resolved(long t, long m) {
                transmit(m, src, dst, protocol, ttl, df, ecn, id, p, off, len);
                waiting.sent();
            }

            @Override
            public void failed(long t) {
                waiting.failed(t, IcmpError.Kind.HOST_UNREACHABLE, "no ARP reply from " + new Ipv4Address(hop));
            }
        };
        if (!arp.enqueue(now, hop, waiter)) {
            waiting.failed(now, IcmpError.Kind.HOST_UNREACHABLE,
                    "too many datagrams wait for the address of " + new Ipv4Address(hop));
        }
    }

    private void transmit(long mac, Ipv4Address src, Ipv4Address dst, int protocol, int ttl, boolean df, int ecn,
                          int id, byte[] p, int off, int len) {
        int room = mtu - HEADER;
        if (len <= room) {
            frame(mac, new Ipv4Header(0, ecn, id, df, false, 0, ttl, protocol, src, dst, null, len), p, off, len);
            return;
        }
        int chunk = room & ~7;                            // RFC 791 §3.2: fragment data in units of 8 octets
        for (int at = 0; at < len; at += chunk) {
            int n = Math.min(chunk, len - at);
            frame(mac, new Ipv4Header(0, ecn, id, false, at + n < len, at, ttl, protocol, src, dst, null, n),
                    p, off + at, n);
            counters.inc(StackCounter.IP_FRAGMENTS_TX);
        }
    }

    private void frame(long mac, Ipv4Header h, byte[] p, int off, int len) {
        byte[] buf = eth.buffer();
        int at = h.emit(buf, eth.header(mac, EtherType.IPV4));
        System.arraycopy(p, off, buf, at, len);
        counters.inc(StackCounter.IP_TX);
        eth.transmit(at + len);
    }

    // ---- input (RFC 791 §3.2, RFC 1122 §3.2.1) ----

    public void input(long now, byte[] buf, int off, int len) {
        counters.inc(StackCounter.IP_RX);
        Ipv4View ip;
        try {
            ip = Ipv4View.parse(buf, off, len);
        } catch (ParseException e) {
            counters.inc(StackCounter.IP_DROPPED_MALFORMED);
            return;
        }
        int dst = ip.dstBits();
        boolean broadcast = isBroadcast(dst);
        // RFC 1122 §3.2.1.3: a host takes datagrams for its addresses and the broadcast addresses only (and, when
        // forwarding, TCP and UDP to any unicast address).
        if (!broadcast && !isOwn(dst) && !forwarded(ip)) {
            counters.inc(StackCounter.IP_DROPPED_NOT_FOR_US);
            return;
        }
        // RFC 1122 §3.2.1.3: a source must name one host: not broadcast or multicast, not us. 0.0.0.0 is
        // "this host" during initialisation only (§3.2.1.3(a)): taken from UDP to the limited broadcast,
        // which is how a DHCP client without an address speaks (RFC 2131 §4.1).
        int src = ip.srcBits();
        boolean bootstrap = src == 0 && dst == -1 && ip.protocol() == IpProtocol.UDP;
        if (src == 0 && !bootstrap || isBroadcast(src) || ip.src().isMulticast() || isOwn(src)) {
            counters.inc(StackCounter.IP_DROPPED_BAD_SOURCE);
            return;
        }
        if (ip.isFragment()) {
            Reassembly.Datagram whole = reassembly.add(now, ip);
            if (whole != null) {
                // The first fragment's header heads the whole; its ECN field stands for the datagram's.
                deliver(now, whole.buf(), 0, whole.headerLength(), whole.payloadLength(), ip.src(), ip.dst(),
                        ip.protocol(), broadcast);
            }
            return;
        }
        deliver(now, buf, off, ip.headerLength(), ip.payloadLength(), ip.src(), ip.dst(), ip.protocol(), broadcast);
    }

    /**
     * With forwarding on, a TCP or UDP datagram to another unicast host is taken (it ends here and is opened again
     * upstream); ICMP and every other protocol to such an address is not (an echo to a far address goes unanswered).
     */
    private boolean forwarded(Ipv4View ip) {
        int p = ip.protocol();
        int d = ip.dstBits();
        return anyDestination && (p == IpProtocol.TCP || p == IpProtocol.UDP) && d != 0 && !ip.dst().isMulticast();
    }

    private void deliver(long now, byte[] buf, int off, int header, int payload, Ipv4Address src, Ipv4Address dst,
                         int protocol, boolean broadcast) {
        curBuf = buf;
        curOff = off;
        curHeader = header;
        curPayload = payload;
        curBroadcast = broadcast;
        try {
            if (protocol == IpProtocol.ICMP) {
                icmp.input(now, src, dst, buf, off + header, payload, broadcast);
                return;
            }
            TransportHandler t = transports[protocol];
            if (t == null) {
                counters.inc(StackCounter.IP_DROPPED_UNKNOWN_PROTOCOL);
                unreachable(now, 2);                      // RFC 1122 §3.2.2.1: protocol unreachable
                return;
            }
            t.input(now, src, dst, Ecn.ofIpv4(buf, off), buf, off + header, payload);   // RFC 3168 §5
        } finally {
            curBuf = null;
        }
    }

    /**
     * Answers the datagram being delivered (only during {@link TransportHandler#input}) with an ICMP
     * destination unreachable of {@code code}, unless it went to a broadcast address (RFC 1122 §3.2.2).
     */
    void unreachable(long now, int code) {
        if (curBuf != null && !curBroadcast) {
            icmp.destinationUnreachable(now, code, curBuf, curOff, curHeader, curPayload);
        }
    }
}
