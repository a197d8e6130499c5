package dev.tcpip.direct.ip;

import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.link.Arp;
import dev.tcpip.direct.link.Link;
import dev.tcpip.direct.stats.Counters;
import dev.tcpip.wire.Ecn;
import dev.tcpip.wire.EtherType;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.Ipv6Extension;
import dev.tcpip.wire.Ipv6ExtensionChain;
import dev.tcpip.wire.Ipv6Header;
import dev.tcpip.wire.MacAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Sends IPv6 packets: the next hop and its link address (RFC 4861 §7.2.2, waiting while the neighbor is
 * resolved), the fixed header with an optional hop-by-hop header, and source fragmentation beyond the path MTU
 * (RFC 8200 §4.5). Keeps the hop limit routers advertise and the fragment identification counter. Runs on the
 * loop.
 */
public final class Ipv6Output {
    private final Link eth;
    private final Counters counters;
    private final Ipv6Routes routes;
    private final Ipv6.Resolver neighbors;
    private final TransportHandler[] transports;
    private int hopLimit;
    private int nextId;

    Ipv6Output(Link eth, Counters counters, Ipv6Routes routes, Ipv6.Resolver neighbors, int hopLimit,
               int firstId, TransportHandler[] transports) {
        this.transports = transports;
        this.eth = eth;
        this.counters = counters;
        this.routes = routes;
        this.neighbors = neighbors;
        this.hopLimit = hopLimit;
        this.nextId = firstId;
    }

    /** The hop limit of packets this stack originates (RFC 4861 §6.3.4: a router may advertise it). */
    public int hopLimit() {
        return hopLimit;
    }

    public void hopLimit(int h) {
        hopLimit = h;
    }

    /**
     * Sends one packet, with {@code hbh} hop-by-hop options if not null, resolving and fragmenting as needed;
     * {@code delivery} hears how it fared, or null: a failure goes to the transport ({@link Delivery}).
     */
    public void output(long now, Ipv6Address src, Ipv6Address dst, int protocol, int hops, Ipv6Extension.HopByHop hbh,
                       byte[] p, int off, int len, Delivery delivery) {
        output(now, src, dst, protocol, hops, hbh, Ecn.NOT_ECT, p, off, len, delivery);
    }

    /** {@link #output(long, Ipv6Address, Ipv6Address, int, int, Ipv6Extension.HopByHop, byte[], int, int, Delivery)}
     *  with {@code ecn} in the traffic class's ECN field (RFC 3168 §5), the DSCP 0. */
    public void output(long now, Ipv6Address src, Ipv6Address dst, int protocol, int hops, Ipv6Extension.HopByHop hbh,
                       int ecn, byte[] p, int off, int len, Delivery how) {
        if (len + (hbh == null ? 0 : hbh.length()) > 0xffff) {
            throw new IllegalArgumentException("an IPv6 payload is at most 65,535 bytes (RFC 8200 §3): " + len);
        }
        if (dst.isMulticast()) {
            // RFC 2464 §7: multicast maps to 33:33 and the group's last 32 bits; no resolution.
            transmit(MacAddress.ipv6Multicast(dst).bits(), src, dst, protocol, hops, hbh, ecn, p, off, len);
            Delivery.sent(how);
            return;
        }
        Ipv6Address hop = routes.nextHop(now, dst);
        if (hop == null) {
            counters.inc(StackCounter.IP6_DROPPED_NO_ROUTE);
            Delivery.orToTransport(how, transports, src, src, dst, protocol, p, off, len, 0)
                    .failed(now, IcmpError.Kind.NET_UNREACHABLE, "no route to " + dst);
            return;
        }
        long mac = neighbors.lookup(now, hop);
        if (mac != -1) {
            transmit(mac, src, dst, protocol, hops, hbh, ecn, p, off, len);
            Delivery.sent(how);
            return;
        }
        Delivery waiting = Delivery.orToTransport(how, transports, src, src, dst, protocol, p, off, len, 0);
        Arp.Waiter waiter = new Arp.Waiter() {
            @Override
            public void resolved(long t, long m) {
                transmit(m, src, dst, protocol, hops, hbh, ecn, p, off, len);
                waiting.sent();
            }

            @Override
            public void failed(long t) {
                // RFC 4861 §7.3.3: address unreachable (ICMPv6 destination unreachable code 3).
                waiting.failed(t, IcmpError.Kind.HOST_UNREACHABLE, "no neighbor advertisement from " + hop);
            }
        };
        if (!neighbors.enqueue(now, hop, waiter)) {
            waiting.failed(now, IcmpError.Kind.HOST_UNREACHABLE, "too many packets wait for the neighbor " + hop);
        }
    }

    /**
     * The common case in place: a unicast packet without extension headers that fits the path MTU, to a next hop
     * the neighbor cache knows, written straight into the link's buffer. False, having sent nothing, otherwise:
     * the caller takes the general path (a lookup that misses changed nothing, so asking again is the same).
     */
    boolean sendInPlace(long now, Ipv6Address src, Ipv6Address dst, int protocol, int hops, int ecn, int len,
                        int gsoSize, IpSender.MessageWriter writer) {
        if (dst.isMulticast() || (gsoSize == 0 && Ipv6.HEADER + len > routes.pathMtu(dst))) {
            return false;
        }
        Ipv6Address hop = routes.nextHop(now, dst);
        long mac = hop == null ? -1 : neighbors.lookup(now, hop);
        if (mac == -1) {
            return false;
        }
        byte[] buf = eth.buffer();
        int at = new Ipv6Header(ecn, 0, hops, src, dst, List.of(), protocol, len)
                .emit(buf, eth.header(mac, EtherType.IPV6));
        writer.write(buf, at);
        counters.inc(StackCounter.IP6_TX);
        if (gsoSize > 0) {
            eth.transmit(at + len, gsoSize);
        } else {
            eth.transmit(at + len);
        }
        return true;
    }

    /** The largest payload of a TCP super-segment the link takes without extension headers, or 0. */
    int maxSuperSegment() {
        return eth.maxSuperSegment() > routes.linkMtu() ? eth.maxSuperSegment() - Ipv6.HEADER : 0;
    }

    /** Sends to a known MAC without consulting the neighbor cache (NDP's probes and answers). */
    public void transmitTo(long mac, Ipv6Address src, Ipv6Address dst, int protocol, int hops, byte[] p, int off,
                           int len) {
        transmit(mac, src, dst, protocol, hops, null, Ecn.NOT_ECT, p, off, len);
    }

    private void transmit(long mac, Ipv6Address src, Ipv6Address dst, int protocol, int hops,
                          Ipv6Extension.HopByHop hbh, int ecn, byte[] p, int off, int len) {
        int pmtu = dst.isMulticast() ? routes.linkMtu() : routes.pathMtu(dst);
        List<Ipv6Extension> ext = hbh == null ? List.of() : List.of(hbh);
        int unfragmentable = Ipv6.HEADER + (hbh == null ? 0 : hbh.length());
        if (unfragmentable + len <= pmtu) {
            frame(mac, new Ipv6Header(ecn, 0, hops, src, dst, ext, protocol, len), p, off, len);
            return;
        }
        // RFC 8200 §4.5: the source fragments; each fragment but the last carries a multiple of 8 bytes.
        int id = nextId++;
        int chunk = (pmtu - unfragmentable - Ipv6ExtensionChain.FRAGMENT_LENGTH) & ~7;
        for (int at = 0; at < len; at += chunk) {
            int n = Math.min(chunk, len - at);
            List<Ipv6Extension> fx = new ArrayList<>(ext);
            fx.add(new Ipv6Extension.Fragment(at, at + n < len, id));
            frame(mac, new Ipv6Header(ecn, 0, hops, src, dst, fx, protocol, n), p, off + at, n);
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
}
