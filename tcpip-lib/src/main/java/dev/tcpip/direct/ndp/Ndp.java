package dev.tcpip.direct.ndp;

import dev.tcpip.TimedOutException;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.InterfaceAddress;
import dev.tcpip.direct.RouterAdvertisementConfig;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.icmp.Icmpv6;
import dev.tcpip.direct.ip.Delivery;
import dev.tcpip.direct.ip.Ipv6;
import dev.tcpip.direct.ip.Ipv6Addresses;
import dev.tcpip.direct.ip.Ipv6Output;
import dev.tcpip.direct.ip.Ipv6Routes;
import dev.tcpip.direct.stats.Counters;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.time.Scheduler;
import dev.tcpip.wire.Icmpv6Message;
import dev.tcpip.wire.Icmpv6View;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.Ipv6Extension;
import dev.tcpip.wire.NdpOption;
import dev.tcpip.wire.Octets;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Neighbor Discovery's messages (RFC 4861) and address configuration (RFC 4862) for one interface: neighbor
 * solicitations and advertisements, router solicitation on start, router advertisements (default routers,
 * on-link prefixes, MTU, SLAAC), redirects, duplicate address detection, and the MLDv2 reports (RFC 3810) that
 * announce the solicited-node groups. Runs on the stack's loop.
 *
 * <p>On a point-to-point link (a TUN device) there are no link-layer addresses and one other end: no address
 * resolution, hence no neighbor solicitations or advertisements, and redirects (which name a link-layer target)
 * are ignored; addresses are not probed for duplicates (DupAddrDetectTransmits 0, which RFC 4862 §5.4 allows:
 * the other end is the host that routes into the link, and nothing else can claim an address on it); no MLD
 * reports (RFC 3810 serves multicast routers, and none listens on such a link) and no router solicitations
 * (the other end configures itself and advertises nothing). Router advertisements that do come are still taken.
 */
public final class Ndp implements Neighbors.Solicitor, Icmpv6.Discovery {
    /** RFC 4861 §10: MAX_RTR_SOLICITATION_DELAY, RTR_SOLICITATION_INTERVAL. */
    private static final long SECOND = 1_000_000_000L;
    private static final long RTR_SOLICITATION_INTERVAL = 4 * SECOND;
    /** RFC 4862 §5.5.3(e): the two hours below which an advertisement cannot shorten a valid lifetime. */
    private static final long TWO_HOURS = 7200 * SECOND;
    private static final int MLD_QUERY = 130;
    private static final int MLDV2_REPORT = 143;
    private static final Ipv6Address ALL_MLDV2_ROUTERS = new Ipv6Address(0xff02L << 48, 0x16);
    /** RFC 2711 router alert (value 0: MLD) and a PadN of two: the six bytes of a hop-by-hop header. */
    private static final Ipv6Extension.HopByHop ROUTER_ALERT =
            new Ipv6Extension.HopByHop(Octets.of((byte) 5, (byte) 2, (byte) 0, (byte) 0, (byte) 1, (byte) 0));

    private final Ipv6 ip;
    private final Ipv6Addresses addresses;
    private final Ipv6Routes routes;
    private final Ipv6Output sender;
    private final Neighbors neighbors;
    private final Counters counters;
    private final Scheduler scheduler;
    private final RandomGenerator random;
    private final DirectStackConfig.Ipv6Config config;
    private final boolean pointToPoint;
    private boolean routerAdvertised;
    private Advertiser advertiser;      // non-null while this stack advertises itself as the link's router
    /** Callers of {@link #whenSettled}: completed once no address is tentative any more. */
    private final List<LoopFuture<List<InterfaceAddress>>> settledWaiters = new ArrayList<>();

    public Ndp(Ipv6 ip, Neighbors neighbors, Counters counters, Scheduler scheduler, RandomGenerator random) {
        this.ip = ip;
        this.addresses = ip.addresses();
        this.routes = ip.routes();
        this.sender = ip.sender();
        this.neighbors = neighbors;
        this.counters = counters;
        this.scheduler = scheduler;
        this.random = random;
        this.config = ip.config();
        this.pointToPoint = ip.pointToPoint();
    }

    /** Configures the link-local and static addresses (each through DAD) and starts router solicitation. */
    public void start(long now) {
        addresses.join(Ipv6Address.ALL_NODES);                   // RFC 4291 §2.8: every node is in ff02::1
        configure(now, Ipv6Address.linkLocal(ip.mac()), 64, InterfaceAddress.Origin.LINK_LOCAL);
        for (DirectStackConfig.StaticAddress s : config.addresses()) {
            configure(now, s.address(), s.prefixLength(), InterfaceAddress.Origin.STATIC);
        }
        if (config.routerSolicitations() > 0 && !pointToPoint) {
            // RFC 4861 §6.3.7: after a random delay of up to MAX_RTR_SOLICITATION_DELAY (1 s).
            scheduler.at(now + (long) (random.nextDouble() * SECOND), t -> solicitRouters(t, 1));
        }
    }

    // ---- addresses: DAD (RFC 4862 §5.4) ----

    private Ipv6Addresses.Addr configure(long now, Ipv6Address address, int prefixLength, InterfaceAddress.Origin origin) {
        if (addresses.find(address) != null) {
            return null;
        }
        Ipv6Addresses.Addr a = ip.addAddress(now, address, prefixLength, origin);
        // RFC 4862 §5.4.2: join the solicited-node group before the first probe (and report it, RFC 3810 §6.1).
        join(now, address.solicitedNode());
        if (config.dadTransmits() == 0 || pointToPoint) {
            a.state = InterfaceAddress.State.PREFERRED;
            return a;
        }
        // RFC 4862 §5.4.2: the first probe waits a random time of up to MAX_RTR_SOLICITATION_DELAY.
        a.timer = scheduler.at(now + (long) (random.nextDouble() * SECOND), t -> probe(t, a, config.dadTransmits()));
        return a;
    }

    /**
     * Completes {@code f} with the addresses once duplicate address detection has finished for every address
     * configured so far (at once if none is tentative), or fails it with a timeout at {@code deadline}.
     */
    public void whenSettled(long now, long deadline, LoopFuture<List<InterfaceAddress>> f) {
        if (!anyTentative()) {
            f.complete(addresses.list(now));
            return;
        }
        settledWaiters.add(f);
        scheduler.at(deadline, t -> {
            if (settledWaiters.remove(f)) {
                f.fail(new TimedOutException("duplicate address detection still runs: " + addresses.list(t)));
            }
        });
    }

    private boolean anyTentative() {
        for (Ipv6Addresses.Addr a : addresses.all()) {
            if (a.state == InterfaceAddress.State.TENTATIVE) {
                return true;
            }
        }
        return false;
    }

    private void settled(long now) {
        if (settledWaiters.isEmpty() || anyTentative()) {
            return;
        }
        List<InterfaceAddress> list = addresses.list(now);
        for (LoopFuture<List<InterfaceAddress>> f : List.copyOf(settledWaiters)) {
            f.complete(list);
        }
        settledWaiters.clear();
    }

    private void probe(long now, Ipv6Addresses.Addr a, int left) {
        if (a.state != InterfaceAddress.State.TENTATIVE || !addresses.all().contains(a)) {
            return;
        }
        if (left == 0) {
            a.state = InterfaceAddress.State.PREFERRED;  // RFC 4862 §5.4.5 not triggered: the address is unique
            counters.inc(StackCounter.IP6_ADDRESSES_CONFIGURED);
            settled(now);
            return;
        }
        // RFC 4862 §5.4.2: from the unspecified address to the solicited-node group, no source link-layer option.
        send(now, Ipv6Address.UNSPECIFIED, a.ip.solicitedNode(),
                new Icmpv6Message.NeighborSolicitation(a.ip, List.of()));
        counters.inc(StackCounter.NDP_DAD_PROBES_TX);
        a.timer = scheduler.at(now + neighbors.retransTimer(), t -> probe(t, a, left - 1));
    }

    private void duplicate(long now, Ipv6Addresses.Addr a) {
        // RFC 4862 §5.4.5: the address is not used; a duplicate link-local address wants manual attention.
        a.state = InterfaceAddress.State.DUPLICATE;
        if (a.timer != null) {
            a.timer.cancel();
        }
        counters.inc(StackCounter.IP6_DAD_CONFLICTS);
        settled(now);
    }

    // ---- MLDv2 (RFC 3810) ----

    private void join(long now, Ipv6Address group) {
        if (addresses.join(group) && !pointToPoint) {
            // RFC 3810 §6.1: a state change report, sent again once ([Robustness Variable] 2).
            report(now, 4, List.of(group));
            scheduler.at(now + SECOND, t -> report(t, 4, List.of(group)));
        }
    }

    /** An MLDv2 report (RFC 3810 §5.2) with one record of {@code recordType} per group, no sources. */
    private void report(long now, int recordType, List<Ipv6Address> groups) {
        List<Ipv6Address> list = new ArrayList<>();
        for (Ipv6Address g : groups) {
            if (!g.equals(Ipv6Address.ALL_NODES)) {       // RFC 3810 §6: ff02::1 is never reported
                list.add(g);
            }
        }
        if (list.isEmpty()) {
            return;
        }
        byte[] m = new byte[8 + 20 * list.size()];
        int p = 8;
        for (Ipv6Address g : list) {
            m[p] = (byte) recordType;
            g.write(m, p + 4);
            p += 20;
        }
        // RFC 3810 §5.2.13: from a link-local address, or the unspecified one while none is usable yet.
        Ipv6Address src = addresses.linkLocal(now);
        src = src == null ? Ipv6Address.UNSPECIFIED : src;
        new Icmpv6Message.Other(MLDV2_REPORT, 0, list.size()).emit(m, 0, m.length - 8, src, ALL_MLDV2_ROUTERS);
        counters.inc(StackCounter.MLD_REPORTS_TX);
        // RFC 3810 §5.2.13: hop limit 1 and a router alert.
        sender.output(now, src, ALL_MLDV2_ROUTERS, IpProtocol.ICMPV6, 1, ROUTER_ALERT, m, 0, m.length, Delivery.NONE);
    }

    // ---- acting as the link's router (RFC 4861 §6.2) ----

    /**
     * Starts advertising this stack as a router of the link ({@code config}), replacing an earlier advertiser;
     * router solicitation stops. Neighbor advertisements carry the router flag from now on (§7.2.4).
     */
    public void advertise(long now, RouterAdvertisementConfig raConfig, int linkMtu) {
        if (advertiser != null) {
            advertiser.stop(now);
        }
        routerAdvertised = true;
        join(now, Ipv6Address.ALL_ROUTERS);               // RFC 4291 §2.8: a router is in ff02::2 (once)
        advertiser = new Advertiser(this, ip, counters, scheduler, random, raConfig, linkMtu);
        advertiser.start(now);
    }

    /** Stops advertising: one last advertisement with router lifetime 0 (§6.2.5). */
    public void stopAdvertising(long now) {
        if (advertiser != null) {
            advertiser.stop(now);
            advertiser = null;
        }
    }

    // RFC 4861 §6.1.1 validation (hop limit and code checked already), §6.2.6 processing.
    private void routerSolicitation(long now, Ipv6Address src, Icmpv6View m) {
        counters.inc(StackCounter.NDP_RS_RX);
        if (advertiser == null) {
            counters.inc(StackCounter.ICMP6_IGNORED);    // solicitations are for routers
            return;
        }
        long sll = m.sourceLinkLayer();
        if (src.equals(Ipv6Address.UNSPECIFIED) && sll != -1) {
            counters.inc(StackCounter.NDP_DROPPED_INVALID);
            return;
        }
        if (sll != -1) {
            neighbors.learned(now, src, sll, false);      // §6.2.6: STALE, or updated
        }
        advertiser.solicited(now);
    }

    // ---- router solicitation (RFC 4861 §6.3.7) ----

    private void solicitRouters(long now, int n) {
        if (routerAdvertised) {
            return;
        }
        Ipv6Address src = addresses.linkLocal(now);
        List<NdpOption> opts = src == null ? List.of() : List.of(new NdpOption.SourceLinkLayerAddress(ip.mac()));
        send(now, src == null ? Ipv6Address.UNSPECIFIED : src, Ipv6Address.ALL_ROUTERS,
                new Icmpv6Message.RouterSolicitation(opts));
        counters.inc(StackCounter.NDP_RS_TX);
        if (n < config.routerSolicitations()) {
            scheduler.at(now + RTR_SOLICITATION_INTERVAL, t -> solicitRouters(t, n + 1));
        }
    }

    // ---- neighbor solicitation (RFC 4861 §7.2.2) ----

    @Override
    public void solicit(long now, Ipv6Address target, long mac) {
        Ipv6Address src = addresses.selectSource(now, target);
        if (src == null) {
            return;                                       // nothing usable yet: the retries come again
        }
        Icmpv6Message ns = new Icmpv6Message.NeighborSolicitation(target,
                List.of(new NdpOption.SourceLinkLayerAddress(ip.mac())));
        counters.inc(StackCounter.NDP_NS_TX);
        if (mac == -1) {
            send(now, src, target.solicitedNode(), ns);
        } else {
            sendTo(now, src, target, mac, ns);
        }
    }

    void send(long now, Ipv6Address src, Ipv6Address dst, Icmpv6Message msg) {
        byte[] m = new byte[msg.length()];
        msg.emit(m, 0, 0, src, dst);
        // RFC 4861 §7.1: Neighbor Discovery messages go with hop limit 255.
        sender.output(now, src, dst, IpProtocol.ICMPV6, 255, null, m, 0, m.length, Delivery.NONE);
    }

    /** A unicast message to a neighbor whose MAC is known, without a resolution of its own (probes). */
    private void sendTo(long now, Ipv6Address src, Ipv6Address dst, long mac, Icmpv6Message msg) {
        byte[] m = new byte[msg.length()];
        msg.emit(m, 0, 0, src, dst);
        sender.transmitTo(mac, src, dst, IpProtocol.ICMPV6, 255, m, 0, m.length);
    }

    // ---- input ----

    @Override
    public void input(long now, Ipv6Address src, Ipv6Address dst, int hopLimit, Icmpv6View m) {
        if (pointToPoint && m.type() != Icmpv6Message.ROUTER_ADVERTISEMENT
                && m.type() != Icmpv6Message.ROUTER_SOLICITATION) {
            counters.inc(StackCounter.ICMP6_IGNORED);      // nothing to resolve, report or redirect here
            return;
        }
        if (m.type() == MLD_QUERY) {
            mldQuery(now, hopLimit);
            return;
        }
        // RFC 4861 §6.1, §7.1: hop limit 255 proves the message was not forwarded.
        if (hopLimit != 255) {
            counters.inc(StackCounter.NDP_DROPPED_INVALID);
            return;
        }
        switch (m.type()) {
            case Icmpv6Message.NEIGHBOR_SOLICITATION -> solicitation(now, src, dst, m);
            case Icmpv6Message.NEIGHBOR_ADVERTISEMENT -> advertisement(now, dst, m);
            case Icmpv6Message.ROUTER_ADVERTISEMENT -> routerAdvertisement(now, src, m);
            case Icmpv6Message.REDIRECT -> redirect(now, src, m);
            case Icmpv6Message.ROUTER_SOLICITATION -> routerSolicitation(now, src, m);
            default -> counters.inc(StackCounter.ICMP6_IGNORED);
        }
    }

    // RFC 3810 §6.2: answer a query with the current state of every group (MODE_IS_EXCLUDE, no sources).
    private void mldQuery(long now, int hopLimit) {
        if (hopLimit != 1) {
            counters.inc(StackCounter.NDP_DROPPED_INVALID);
            return;
        }
        report(now, 2, List.copyOf(addresses.groups()));
    }

    // RFC 4861 §7.1.1 validation, §7.2.3 and §7.2.4 processing; RFC 4862 §5.4.3 for tentative targets.
    private void solicitation(long now, Ipv6Address src, Ipv6Address dst, Icmpv6View m) {
        counters.inc(StackCounter.NDP_NS_RX);
        Ipv6Address target = m.target();
        boolean fromDad = src.equals(Ipv6Address.UNSPECIFIED);
        long sll = m.sourceLinkLayer();
        if (target.isMulticast() || fromDad && (!dst.equals(target.solicitedNode()) || sll != -1)) {
            counters.inc(StackCounter.NDP_DROPPED_INVALID);
            return;
        }
        Ipv6Addresses.Addr own = addresses.find(target);
        if (own == null) {
            counters.inc(StackCounter.NDP_NOT_FOR_US);
            return;
        }
        if (own.state == InterfaceAddress.State.TENTATIVE) {
            if (fromDad) {
                duplicate(now, own);                            // §5.4.3: another node is probing the same address
            }
            return;
        }
        if (own.state == InterfaceAddress.State.DUPLICATE) {
            return;
        }
        if (!fromDad && sll != -1) {
            neighbors.learned(now, src, sll, false);
        }
        // §7.2.4: answer with our address; to all nodes (unsolicited) when the solicitation came from DAD.
        Icmpv6Message na = new Icmpv6Message.NeighborAdvertisement(advertiser != null, !fromDad, true, target,
                List.of(new NdpOption.TargetLinkLayerAddress(ip.mac())));
        counters.inc(StackCounter.NDP_NA_TX);
        if (fromDad) {
            send(now, target, Ipv6Address.ALL_NODES, na);
        } else if (sll != -1) {
            sendTo(now, target, src, sll, na);
        } else {
            send(now, target, src, na);
        }
    }

    // RFC 4861 §7.1.2 validation, §7.2.5 processing; RFC 4862 §5.4.4 for tentative targets.
    private void advertisement(long now, Ipv6Address dst, Icmpv6View m) {
        counters.inc(StackCounter.NDP_NA_RX);
        Ipv6Address target = m.target();
        int flags = m.ndpFlags();
        boolean solicited = (flags & 0x40) != 0;
        if (target.isMulticast() || dst.isMulticast() && solicited) {
            counters.inc(StackCounter.NDP_DROPPED_INVALID);
            return;
        }
        Ipv6Addresses.Addr own = addresses.find(target);
        if (own != null) {
            if (own.state == InterfaceAddress.State.TENTATIVE) {
                duplicate(now, own);                            // §5.4.4: the address is in use already
            } else {
                counters.inc(StackCounter.IP6_ADDRESS_CONFLICTS);  // someone else claims a working address
            }
            return;
        }
        neighbors.advertised(now, target, m.targetLinkLayer(), (flags & 0x80) != 0, solicited, (flags & 0x20) != 0);
    }

    // RFC 4861 §6.1.2 validation, §6.3.4 processing; RFC 4862 §5.5.3 for prefixes with the A flag.
    private void routerAdvertisement(long now, Ipv6Address src, Icmpv6View m) {
        counters.inc(StackCounter.NDP_RA_RX);
        if (!Ipv6.isLinkLocal(src)) {
            counters.inc(StackCounter.NDP_DROPPED_INVALID);
            return;
        }
        routerAdvertised = true;                           // §6.3.7: solicitation stops
        if (m.curHopLimit() != 0) {
            sender.hopLimit(m.curHopLimit());
        }
        routes.router(now, src, now + m.routerLifetime() * SECOND);
        if (m.reachableTime() != 0 && m.reachableTime() * 1_000_000L != neighbors.baseReachable()) {
            neighbors.baseReachable(m.reachableTime() * 1_000_000L);
        }
        if (m.retransTimer() != 0) {
            neighbors.retransTimer(m.retransTimer() * 1_000_000L);
        }
        if (m.sourceLinkLayer() != -1) {
            neighbors.learned(now, src, m.sourceLinkLayer(), true);
        }
        if (m.mtuOption() != -1) {
            routes.linkMtu((int) Math.min(m.mtuOption(), Integer.MAX_VALUE));
        }
        if (m.prefixCount() == 0) {
            return;
        }
        for (NdpOption o : m.options()) {
            if (o instanceof NdpOption.PrefixInformation pi) {
                prefix(now, pi);
            }
        }
    }

    private void prefix(long now, NdpOption.PrefixInformation pi) {
        Ipv6Address prefix = pi.prefix();
        if (Ipv6.isLinkLocal(prefix)) {
            return;                                        // RFC 4861 §6.3.4, RFC 4862 §5.5.3(b)
        }
        long valid = lifetime(now, pi.validLifetime());
        if (pi.onLink()) {
            routes.onLink(now, prefix, pi.prefixLength(), valid);
        }
        if (!pi.autonomous() || !config.slaac()) {
            return;
        }
        // RFC 4862 §5.5.3(c): a preferred lifetime beyond the valid one is ignored; (d) the prefix and the
        // 64-bit interface identifier must make 128 bits.
        if (pi.preferredLifetime() > pi.validLifetime() || pi.prefixLength() != 64) {
            counters.inc(StackCounter.NDP_PREFIX_IGNORED);
            return;
        }
        Ipv6Address address = new Ipv6Address(prefix.hi(), Ipv6Address.linkLocal(ip.mac()).lo());
        Ipv6Addresses.Addr a = addresses.find(address);
        long preferred = lifetime(now, pi.preferredLifetime());
        if (a == null) {
            if (pi.validLifetime() == 0) {
                return;
            }
            a = configure(now, address, 64, InterfaceAddress.Origin.SLAAC);
            if (a == null) {
                return;
            }
            a.preferredUntil = preferred;
            setValid(now, a, valid);
            return;
        }
        if (a.origin != InterfaceAddress.Origin.SLAAC) {
            return;
        }
        a.preferredUntil = preferred;
        // §5.5.3(e): an advertisement may shorten the remaining valid lifetime only down to two hours.
        long remaining = a.validUntil == Ipv6.FOREVER ? Long.MAX_VALUE : a.validUntil - now;
        if (valid - now > TWO_HOURS || valid > a.validUntil) {
            setValid(now, a, valid);
        } else if (remaining > TWO_HOURS) {
            setValid(now, a, now + TWO_HOURS);
        }
    }

    private void setValid(long now, Ipv6Addresses.Addr a, long until) {
        a.validUntil = until;
        if (until != Ipv6.FOREVER) {
            scheduler.at(until, t -> {
                if (a.validUntil <= t && addresses.all().contains(a)) {
                    addresses.remove(a);                   // RFC 4862 §5.5.4: invalid addresses go
                }
            });
        }
    }

    /** Seconds from now as a deadline; 0xffffffff is infinity (RFC 4861 §4.6.2). */
    private static long lifetime(long now, long seconds) {
        return seconds == 0xffff_ffffL ? Ipv6.FOREVER : now + seconds * SECOND;
    }

    // RFC 4861 §8.1 validation, §8.3 processing.
    private void redirect(long now, Ipv6Address src, Icmpv6View m) {
        counters.inc(StackCounter.NDP_REDIRECTS_RX);
        Ipv6Address target = m.target();
        Ipv6Address dst = m.destination();
        if (!Ipv6.isLinkLocal(src) || dst.isMulticast() || !src.equals(routes.nextHop(now, dst))
                || !(Ipv6.isLinkLocal(target) || target.equals(dst))) {
            counters.inc(StackCounter.NDP_DROPPED_INVALID);
            return;
        }
        routes.redirect(dst, target);
        if (m.targetLinkLayer() != -1) {
            neighbors.learned(now, target, m.targetLinkLayer(), !target.equals(dst));
        }
    }
}
