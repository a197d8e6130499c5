package dev.tcpip.direct;

import dev.tcpip.IpFamily;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.Ipv6Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything a {@link DirectStack} is configured with, each knob with its default and the reason for it.
 * Build one with {@link #ipv4(String)}, {@link #ipv6(String)} or {@link #ipv6LinkLocal()} and the {@code with*}
 * methods; {@code ipv4(...).withIpv6(...)} is a dual stack.
 *
 * @param address the stack's IPv4 address (unicast); {@code null} for an IPv6-only stack; 0.0.0.0 (prefix 0) for
 *     an address given at run time ({@link #ipv4Dynamic()})
 * @param prefixLength the on-link prefix, 1..30 (RFC 950 §2.1; /31 and /32 have no directed broadcast)
 * @param gateway the default router, on-link; {@code null} for none: off-link destinations are then
 *     unreachable (RFC 1122 §3.3.1.1)
 * @param mtu the IP MTU; 0 (the default) takes the device's. At least 68 (RFC 791 §3.2) and at most the
 *     device's
 * @param ttl the TTL of datagrams this stack originates. Default 64 (RFC 1122 §3.2.1.7 wants it
 *     configurable; 64 is the value recommended by the IANA "Assigned Numbers" and used by most hosts)
 * @param arp the ARP cache's limits
 * @param reassembly the IPv4 reassembly limits
 * @param icmpErrorsPerSecond ICMP error messages (port and protocol unreachable, time exceeded) this stack
 *     sends per second at most, refilled continuously. Default 100 (RFC 1812 §4.3.2.8 and RFC 1122 §3.2.2
 *     ask for a limit; Linux's per-host default is about one per second per peer, 1000/s in total)
 * @param icmpErrorBurst ICMP errors that may leave back to back before the rate applies. Default 20
 * @param udpQueuePerPort received datagrams held per listening port while its handler is busy; beyond it,
 *     datagrams are dropped and counted ({@link StackCounter#UDP_DROPPED_QUEUE_FULL}). Default 1024: a
 *     socket receive buffer's order of size in datagrams
 * @param tcp the TCP layer's settings ({@link TcpConfig#DEFAULTS})
 * @param udpQueueBytesPerPort received payload bytes held per listening port while its handler is busy; a
 *     datagram that would go beyond it is dropped and counted ({@link StackCounter#UDP_DROPPED_QUEUE_FULL}), as
 *     one beyond {@code udpQueuePerPort} is. Default 2 MiB (Linux's receive buffer is a few hundred KiB by
 *     default, up to several MiB); at least 65,535, so that any datagram fits an empty queue
 * @param echoRepliesPerSecond ICMP and ICMPv6 echo replies this stack sends per second at most (one token
 *     bucket per family), so that an echo flood costs at most this much transmit work; requests beyond it are
 *     counted ({@link StackCounter#ICMP_ECHO_RATE_LIMITED}, {@link StackCounter#ICMP6_ECHO_RATE_LIMITED}) and
 *     dropped. Default 1000 (RFC 1122 §3.2.2.6 requires an echo server; nothing forbids limiting it, and Linux's
 *     global ICMP budget is 1000 messages a second)
 * @param echoReplyBurst echo replies that may leave back to back before the rate applies. Default 100
 * @param ipv6 the IPv6 settings; {@code null} for an IPv4-only stack. With IPv6 configured, {@code address} may
 *     be {@code null} (an IPv6-only stack, {@code prefixLength} then ignored); with both, a dual stack
 * @param ipv4Aliases further IPv4 addresses of the interface, in {@code address}'s prefix (a gateway's DNS
 *     forwarder at 10.0.2.3 beside its own 10.0.2.2): the stack answers ARP for them and takes datagrams sent to
 *     them; TCP answers from the address a connection was made to, UDP from {@link dev.tcpip.UdpSendOptions#src()}.
 *     Sources it chooses itself are {@code address}. At most {@link #MAX_IPV4_ALIASES}; default none
 */
public record DirectStackConfig(Ipv4Address address, int prefixLength, Ipv4Address gateway, int mtu, int ttl,
                                ArpLimits arp, ReassemblyLimits reassembly, int icmpErrorsPerSecond,
                                int icmpErrorBurst, int udpQueuePerPort, TcpConfig tcp, Ipv6Config ipv6,
                                int udpQueueBytesPerPort, int echoRepliesPerSecond, int echoReplyBurst,
                                List<Ipv4Address> ipv4Aliases) {

    /** Further IPv4 addresses one interface may carry (besides {@code address}). */
    public static final int MAX_IPV4_ALIASES = 16;

    /**
     * The ARP cache's limits (RFC 826, RFC 1122 §2.3.2).
     *
     * @param cacheSize entries (resolved, pending and static) at most. Default 512: a large LAN segment's
     *     hosts. When full, an expired entry makes room, else the oldest entry never used for sending; only a
     *     resolution this stack needs may also evict the least recently used resolved entry. So a sender
     *     learned from a received ARP packet (RFC 826: we are the target) is not kept when every entry is in
     *     use ({@link StackCounter#ARP_CACHE_FULL}), and a flood of spoofed ARP never displaces a neighbour a
     *     flow talks to. At most three quarters of the entries are pending; beyond that, or if every entry is
     *     static or pending, a new resolution fails at once
     * @param lifetime how long a learned entry is used. Default 60 s (RFC 1122 §2.3.2.1: "on the order of a
     *     minute"). Used in its last {@code retries × retryInterval}, the entry is refreshed by a unicast
     *     request to the cached address (RFC 1122 §2.3.2.1, unicast poll), while still being used
     * @param retries requests sent again after the first before resolution fails. Default 3
     * @param retryInterval between requests. Default 1 s (RFC 1122 §2.3.2.1: at most one request per
     *     second per destination)
     * @param pendingPerAddress datagrams waiting for one unresolved address; more are dropped and their
     *     senders told (host unreachable). Default 32 (Linux queues about as many bytes)
     */
    public record ArpLimits(int cacheSize, Duration lifetime, int retries, Duration retryInterval,
                            int pendingPerAddress) {

        public static final ArpLimits DEFAULTS = new ArpLimits(512, Duration.ofSeconds(60), 3, Duration.ofSeconds(1), 32);

        public ArpLimits {
            range("arp.cacheSize", cacheSize, 1, 1 << 20);
            positive("arp.lifetime", lifetime);
            range("arp.retries", retries, 0, 100);
            positive("arp.retryInterval", retryInterval);
            range("arp.pendingPerAddress", pendingPerAddress, 1, 1 << 16);
        }
    }

    /**
     * IPv4 reassembly limits (RFC 791 §3.2, RFC 815, RFC 1122 §3.3.2).
     *
     * @param maxDatagrams datagrams being reassembled at once. Default 64. A fragment of a new datagram
     *     beyond it evicts the datagram begun longest ago ({@link StackCounter#IP_REASSEMBLY_LIMIT}), so that a
     *     flood of fragments that never complete only displaces itself and a datagram whose fragments arrive
     *     close together still completes (Linux instead refuses new datagrams at its byte threshold, which lets
     *     such a flood stop all reassembly for a timeout)
     * @param maxBytes fragment payload bytes held over all of them. Default 2 MiB (32 largest datagrams;
     *     Linux's threshold is 4 MiB). A fragment beyond it evicts the oldest other datagrams the same way. At
     *     least 65,535, so one datagram always fits
     * @param timeout from a datagram's first fragment until it is given up and its fragments dropped.
     *     Default 30 s (RFC 1122 §3.3.2 recommends 60 to 120 s, Linux uses 30 s; RFC 791's 15 s minimum)
     */
    public record ReassemblyLimits(int maxDatagrams, int maxBytes, Duration timeout) {

        public static final ReassemblyLimits DEFAULTS = new ReassemblyLimits(64, 2 << 20, Duration.ofSeconds(30));

        public ReassemblyLimits {
            range("reassembly.maxDatagrams", maxDatagrams, 1, 1 << 16);
            range("reassembly.maxBytes", maxBytes, 65_535, 1 << 30);
            positive("reassembly.timeout", timeout);
        }
    }

    public DirectStackConfig {
        if (address == null && ipv6 == null) {
            throw new IllegalArgumentException("configure an IPv4 address, IPv6, or both");
        }
        if (address == null) {
            prefixLength = 0;
            if (gateway != null) {
                throw new IllegalArgumentException("an IPv4 gateway needs an IPv4 address: " + gateway);
            }
        } else if (address.bits() == 0) {
            // ipv4Dynamic(): IPv4 without an address until DhcpClient (or DirectStack.setIpv4) gives it one.
            if (prefixLength != 0 || gateway != null || ipv4Aliases != null && !ipv4Aliases.isEmpty()) {
                throw new IllegalArgumentException("an IPv4 stack without an address (0.0.0.0) takes no prefix,"
                        + " gateway or alias");
            }
        } else {
            checkIpv4(address, prefixLength, gateway);
        }
        ipv4Aliases = ipv4Aliases == null ? List.of() : List.copyOf(ipv4Aliases);
        range("ipv4Aliases", ipv4Aliases.size(), 0, MAX_IPV4_ALIASES);
        for (Ipv4Address alias : ipv4Aliases) {
            if (address == null) {
                throw new IllegalArgumentException("an IPv4 alias needs an IPv4 address: " + alias);
            }
            checkIpv4(alias, prefixLength, null);
            if (alias.equals(address) || alias.equals(gateway)) {
                throw new IllegalArgumentException("alias " + alias + " is the stack's address or its gateway");
            }
            if (((alias.bits() ^ address.bits()) & mask(prefixLength)) != 0) {
                throw new IllegalArgumentException("alias " + alias + " is not in " + address + "/" + prefixLength);
            }
        }
        if (mtu != 0) {
            range("mtu", mtu, 68, 65_535);
        }
        range("ttl", ttl, 1, 255);
        Objects.requireNonNull(arp, "arp");
        Objects.requireNonNull(reassembly, "reassembly");
        range("icmpErrorsPerSecond", icmpErrorsPerSecond, 0, 1_000_000);
        range("icmpErrorBurst", icmpErrorBurst, 1, 1_000_000);
        range("udpQueuePerPort", udpQueuePerPort, 1, 1 << 20);
        range("udpQueueBytesPerPort", udpQueueBytesPerPort, 65_535, 1 << 30);
        range("echoRepliesPerSecond", echoRepliesPerSecond, 0, 1_000_000);
        range("echoReplyBurst", echoReplyBurst, 1, 1_000_000);
        Objects.requireNonNull(tcp, "tcp");
        if (ipv6 != null && mtu != 0 && mtu < Ipv6Config.MIN_MTU) {
            throw new IllegalArgumentException("IPv6 needs an MTU of at least 1280 (RFC 8200 §5): " + mtu);
        }
    }

    static void checkIpv4(Ipv4Address address, int prefixLength, Ipv4Address gateway) {
        range("prefixLength", prefixLength, 1, 30);
        int mask = mask(prefixLength);
        if (address.bits() == 0 || address.isMulticast() || (address.bits() >>> 24) == 127
                || (address.bits() & ~mask) == 0 || (address.bits() | mask) == -1) {
            throw new IllegalArgumentException("not a unicast host address in its prefix: " + address + "/" + prefixLength);
        }
        if (gateway != null && ((gateway.bits() ^ address.bits()) & mask) != 0) {
            throw new IllegalArgumentException("gateway " + gateway + " is not on-link for " + address + "/" + prefixLength);
        }
        if (gateway != null && gateway.equals(address)) {
            throw new IllegalArgumentException("gateway is the stack's own address: " + gateway);
        }
    }

    /** A stack at {@code cidr} ({@code "10.0.0.1/24"}) with every other knob at its default. */
    public static DirectStackConfig ipv4(String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("expected address/prefix: " + cidr);
        }
        return new DirectStackConfig(Ipv4Address.parse(cidr.substring(0, slash)),
                Integer.parseInt(cidr.substring(slash + 1)), null, 0, 64, ArpLimits.DEFAULTS,
                ReassemblyLimits.DEFAULTS, 100, 20, 1024, TcpConfig.DEFAULTS, null, 2 << 20, 1000, 100, List.of());
    }

    /**
     * IPv4 without an address yet (0.0.0.0/0): the stack sends and takes only UDP between 0.0.0.0 and the limited
     * broadcast (RFC 1122 §3.2.1.3(a)) until {@link DirectStack#setIpv4} adds an address at run time, as
     * {@link DhcpClient} does. Prefix, gateway and aliases stay unset here.
     */
    public static DirectStackConfig ipv4Dynamic() {
        return new DirectStackConfig(Ipv4Address.ANY, 0, null, 0, 64, ArpLimits.DEFAULTS,
                ReassemblyLimits.DEFAULTS, 100, 20, 1024, TcpConfig.DEFAULTS, null, 2 << 20, 1000, 100, List.of());
    }

    /** Whether IPv4's address is given at run time ({@link #ipv4Dynamic()}) rather than configured here. */
    public boolean dynamicIpv4() {
        return address != null && address.bits() == 0;
    }

    public DirectStackConfig withGateway(String gw) {
        return new DirectStackConfig(address, prefixLength, gw == null ? null : Ipv4Address.parse(gw), mtu, ttl, arp,
                reassembly, icmpErrorsPerSecond, icmpErrorBurst, udpQueuePerPort, tcp, ipv6,
                udpQueueBytesPerPort, echoRepliesPerSecond, echoReplyBurst, ipv4Aliases);
    }

    public DirectStackConfig withMtu(int m) {
        return new DirectStackConfig(address, prefixLength, gateway, m, ttl, arp, reassembly, icmpErrorsPerSecond,
                icmpErrorBurst, udpQueuePerPort, tcp, ipv6,
                udpQueueBytesPerPort, echoRepliesPerSecond, echoReplyBurst, ipv4Aliases);
    }

    public DirectStackConfig withTtl(int t) {
        return new DirectStackConfig(address, prefixLength, gateway, mtu, t, arp, reassembly, icmpErrorsPerSecond,
                icmpErrorBurst, udpQueuePerPort, tcp, ipv6,
                udpQueueBytesPerPort, echoRepliesPerSecond, echoReplyBurst, ipv4Aliases);
    }

    public DirectStackConfig withArp(ArpLimits a) {
        return new DirectStackConfig(address, prefixLength, gateway, mtu, ttl, a, reassembly, icmpErrorsPerSecond,
                icmpErrorBurst, udpQueuePerPort, tcp, ipv6,
                udpQueueBytesPerPort, echoRepliesPerSecond, echoReplyBurst, ipv4Aliases);
    }

    public DirectStackConfig withReassembly(ReassemblyLimits r) {
        return new DirectStackConfig(address, prefixLength, gateway, mtu, ttl, arp, r, icmpErrorsPerSecond,
                icmpErrorBurst, udpQueuePerPort, tcp, ipv6,
                udpQueueBytesPerPort, echoRepliesPerSecond, echoReplyBurst, ipv4Aliases);
    }

    public DirectStackConfig withIcmpErrorRate(int perSecond, int burst) {
        return new DirectStackConfig(address, prefixLength, gateway, mtu, ttl, arp, reassembly, perSecond, burst,
                udpQueuePerPort, tcp, ipv6,
                udpQueueBytesPerPort, echoRepliesPerSecond, echoReplyBurst, ipv4Aliases);
    }

    public DirectStackConfig withUdpQueuePerPort(int n) {
        return new DirectStackConfig(address, prefixLength, gateway, mtu, ttl, arp, reassembly, icmpErrorsPerSecond,
                icmpErrorBurst, n, tcp, ipv6,
                udpQueueBytesPerPort, echoRepliesPerSecond, echoReplyBurst, ipv4Aliases);
    }

    public DirectStackConfig withUdpQueueBytesPerPort(int bytes) {
        return new DirectStackConfig(address, prefixLength, gateway, mtu, ttl, arp, reassembly, icmpErrorsPerSecond,
                icmpErrorBurst, udpQueuePerPort, tcp, ipv6, bytes, echoRepliesPerSecond, echoReplyBurst, ipv4Aliases);
    }

    public DirectStackConfig withEchoReplyRate(int perSecond, int burst) {
        return new DirectStackConfig(address, prefixLength, gateway, mtu, ttl, arp, reassembly, icmpErrorsPerSecond,
                icmpErrorBurst, udpQueuePerPort, tcp, ipv6, udpQueueBytesPerPort, perSecond, burst, ipv4Aliases);
    }

    /**
     * Adds {@code alias} ({@code "10.0.2.3"}) as a further IPv4 address of the interface, in the prefix of
     * {@link #address()}.
     */
    public DirectStackConfig withIpv4Alias(String alias) {
        List<Ipv4Address> list = new ArrayList<>(ipv4Aliases);
        list.add(Ipv4Address.parse(alias));
        return new DirectStackConfig(address, prefixLength, gateway, mtu, ttl, arp, reassembly, icmpErrorsPerSecond,
                icmpErrorBurst, udpQueuePerPort, tcp, ipv6, udpQueueBytesPerPort, echoRepliesPerSecond, echoReplyBurst,
                list);
    }

    /** Whether {@code a} is {@link #address()} or one of {@link #ipv4Aliases()}. */
    public boolean ownsIpv4(Ipv4Address a) {
        return a.bits() != 0 && a.equals(address) || ipv4Aliases.contains(a);
    }

    public DirectStackConfig withTcp(TcpConfig t) {
        return new DirectStackConfig(address, prefixLength, gateway, mtu, ttl, arp, reassembly, icmpErrorsPerSecond,
                icmpErrorBurst, udpQueuePerPort, t, ipv6,
                udpQueueBytesPerPort, echoRepliesPerSecond, echoReplyBurst, ipv4Aliases);
    }

    /** An IPv6-only stack at {@code cidr} ({@code "2001:db8::1/64"}) plus its link-local address. */
    public static DirectStackConfig ipv6(String cidr) {
        return ipv6LinkLocal().withIpv6(cidr);
    }

    /**
     * An IPv6-only stack with only its link-local address (RFC 4862 §5.3), SLAAC off; add addresses with
     * {@link #withIpv6(String)} or turn on {@link #withSlaac(boolean)}.
     */
    public static DirectStackConfig ipv6LinkLocal() {
        return new DirectStackConfig(null, 0, null, 0, 64, ArpLimits.DEFAULTS, ReassemblyLimits.DEFAULTS, 100, 20,
                1024, TcpConfig.DEFAULTS, Ipv6Config.DEFAULTS, 2 << 20, 1000, 100, List.of());
    }

    /** Adds the static IPv6 address {@code cidr} ({@code "2001:db8::1/64"}): on an IPv4 stack, makes it dual. */
    public DirectStackConfig withIpv6(String cidr) {
        Ipv6Config v6 = ipv6 == null ? Ipv6Config.DEFAULTS : ipv6;
        List<StaticAddress> list = new ArrayList<>(v6.addresses());
        list.add(StaticAddress.parse(cidr));
        return withIpv6Config(v6.withAddresses(list));
    }

    /** IPv6 with its link-local address only, beside IPv4: a dual stack. */
    public DirectStackConfig withIpv6LinkLocal() {
        return withIpv6Config(ipv6 == null ? Ipv6Config.DEFAULTS : ipv6);
    }

    /** SLAAC from router advertisements on or off (turns IPv6 on). */
    public DirectStackConfig withSlaac(boolean on) {
        Ipv6Config v6 = ipv6 == null ? Ipv6Config.DEFAULTS : ipv6;
        return withIpv6Config(new Ipv6Config(v6.addresses(), v6.gateway(), on, v6.dadTransmits(), v6.hopLimit(),
                v6.routerSolicitations(), v6.ndp(), v6.reassembly(), v6.icmpErrorsPerSecond(), v6.icmpErrorBurst()));
    }

    public DirectStackConfig withIpv6Config(Ipv6Config v6) {
        return new DirectStackConfig(address, prefixLength, gateway, mtu, ttl, arp, reassembly, icmpErrorsPerSecond,
                icmpErrorBurst, udpQueuePerPort, tcp, v6,
                udpQueueBytesPerPort, echoRepliesPerSecond, echoReplyBurst, ipv4Aliases);
    }

    /** Which IP versions this stack speaks. */
    public IpFamily family() {
        return address == null ? IpFamily.IPV6 : ipv6 == null ? IpFamily.IPV4 : IpFamily.DUAL;
    }

    /** A name for logs and threads: the IPv4 address, else the first static IPv6 address, else "ipv6". */
    public String label() {
        if (address != null && address.bits() != 0) {
            return address.toString();
        }
        if (address != null) {
            return "dynamic";
        }
        return ipv6.addresses().isEmpty() ? "ipv6" : ipv6.addresses().getFirst().address().toString();
    }

    /**
     * A static IPv6 address and its on-link prefix (RFC 4862 §5.4: it still goes through duplicate address
     * detection).
     */
    public record StaticAddress(Ipv6Address address, int prefixLength) {
        public StaticAddress {
            Objects.requireNonNull(address, "address");
            range("ipv6 prefixLength", prefixLength, 1, 128);
            if (address.isMulticast() || address.equals(Ipv6Address.UNSPECIFIED)
                    || address.hi() == 0 && address.lo() == 1) {
                throw new IllegalArgumentException("not a unicast IPv6 address: " + address);
            }
        }

        /** {@code "2001:db8::1/64"}. */
        public static StaticAddress parse(String cidr) {
            int slash = cidr.indexOf('/');
            if (slash < 0) {
                throw new IllegalArgumentException("expected address/prefix: " + cidr);
            }
            return new StaticAddress(Ipv6Address.parse(cidr.substring(0, slash)),
                    Integer.parseInt(cidr.substring(slash + 1)));
        }
    }

    /**
     * Neighbor Discovery limits and timers (RFC 4861 §10 gives the protocol constants used as defaults).
     *
     * @param cacheSize neighbor cache entries at most. Default 512, as ARP's. When full, the oldest entry that
     *     nothing waits for and that was never used for sending is evicted; only a resolution this stack needs
     *     may also evict the least recently used one. So an entry learned from a received packet (a
     *     solicitation's source, RFC 4861 §7.2.3) is not kept when every entry is in use
     *     ({@link StackCounter#NDP_CACHE_FULL}). At most three quarters of the entries are INCOMPLETE; beyond
     *     that, or if every entry is INCOMPLETE, a new resolution fails at once
     * @param pendingPerNeighbor packets queued for one INCOMPLETE neighbor; more fail (address unreachable).
     *     Default 32, as ARP's (RFC 4861 §7.2.2 asks for at least one)
     * @param retransTimer between neighbor solicitations (and DAD probes) until a router advertises another.
     *     Default 1 s (RFC 4861 §10 RETRANS_TIMER)
     * @param reachableTime how long a confirmed neighbor stays REACHABLE, randomised by 0.5..1.5 (RFC 4861 §6.3.2).
     *     Default 30 s (REACHABLE_TIME)
     * @param delayFirstProbe DELAY before the first unicast probe. Default 5 s (DELAY_FIRST_PROBE_TIME)
     * @param maxMulticastSolicit solicitations of an INCOMPLETE entry before resolution fails. Default 3
     *     (MAX_MULTICAST_SOLICIT)
     * @param maxUnicastSolicit unicast probes in PROBE before the entry is deleted. Default 3 (MAX_UNICAST_SOLICIT)
     * @param destinationCacheSize destinations with a learned path MTU or redirect at most; the oldest is
     *     forgotten beyond it. Default 512
     */
    public record NdpLimits(int cacheSize, int pendingPerNeighbor, Duration retransTimer, Duration reachableTime,
                            Duration delayFirstProbe, int maxMulticastSolicit, int maxUnicastSolicit,
                            int destinationCacheSize) {

        public static final NdpLimits DEFAULTS = new NdpLimits(512, 32, Duration.ofSeconds(1),
                Duration.ofSeconds(30), Duration.ofSeconds(5), 3, 3, 512);

        public NdpLimits {
            range("ndp.cacheSize", cacheSize, 1, 1 << 20);
            range("ndp.pendingPerNeighbor", pendingPerNeighbor, 1, 1 << 16);
            positive("ndp.retransTimer", retransTimer);
            positive("ndp.reachableTime", reachableTime);
            positive("ndp.delayFirstProbe", delayFirstProbe);
            range("ndp.maxMulticastSolicit", maxMulticastSolicit, 1, 100);
            range("ndp.maxUnicastSolicit", maxUnicastSolicit, 1, 100);
            range("ndp.destinationCacheSize", destinationCacheSize, 1, 1 << 20);
        }
    }

    /**
     * The IPv6 side of a stack (RFC 8200, RFC 4861, RFC 4862). The link-local address from the MAC
     * (RFC 4291 App. A) is always configured.
     *
     * @param addresses static addresses with their on-link prefixes
     * @param gateway a static default router (on-link, e.g. link-local), or {@code null}: routers then come from
     *     router advertisements only; without one, off-link destinations are unreachable (RFC 4861 §5.2)
     * @param slaac form addresses from advertised prefixes with the A flag (RFC 4862 §5.5.3). Default off
     * @param dadTransmits neighbor solicitations per duplicate address detection (RFC 4862 §5.1
     *     DupAddrDetectTransmits). Default 1; 0 turns DAD off and addresses are usable at once
     * @param hopLimit of packets this stack originates, until a router advertises one. Default 64 (RFC 8200 §3
     *     leaves it to the host; the IANA default)
     * @param routerSolicitations router solicitations sent on start, 4 s apart, until an advertisement comes
     *     (RFC 4861 §6.3.7 MAX_RTR_SOLICITATIONS). Default 3; 0 sends none
     * @param ndp the neighbor cache's limits and timers
     * @param reassembly IPv6 reassembly limits (RFC 8200 §4.5: 60 s timeout). Default 64 packets, 2 MiB, 60 s
     * @param icmpErrorsPerSecond ICMPv6 errors sent per second at most (RFC 4443 §2.4(f)). Default 100
     * @param icmpErrorBurst ICMPv6 errors that may leave back to back. Default 20
     */
    public record Ipv6Config(List<StaticAddress> addresses, Ipv6Address gateway, boolean slaac, int dadTransmits,
                             int hopLimit, int routerSolicitations, NdpLimits ndp, ReassemblyLimits reassembly,
                             int icmpErrorsPerSecond, int icmpErrorBurst) {

        /** RFC 8200 §5: every link carries 1280-byte packets. */
        public static final int MIN_MTU = 1280;

        public static final Ipv6Config DEFAULTS = new Ipv6Config(List.of(), null, false, 1, 64, 3, NdpLimits.DEFAULTS,
                new ReassemblyLimits(64, 2 << 20, Duration.ofSeconds(60)), 100, 20);

        public Ipv6Config {
            addresses = List.copyOf(addresses);
            range("ipv6.addresses", addresses.size(), 0, 64);
            if (gateway != null && (gateway.isMulticast() || gateway.equals(Ipv6Address.UNSPECIFIED))) {
                throw new IllegalArgumentException("not a unicast router address: " + gateway);
            }
            range("ipv6.dadTransmits", dadTransmits, 0, 16);
            range("ipv6.hopLimit", hopLimit, 1, 255);
            range("ipv6.routerSolicitations", routerSolicitations, 0, 16);
            Objects.requireNonNull(ndp, "ndp");
            Objects.requireNonNull(reassembly, "reassembly");
            range("ipv6.icmpErrorsPerSecond", icmpErrorsPerSecond, 0, 1_000_000);
            range("ipv6.icmpErrorBurst", icmpErrorBurst, 1, 1_000_000);
        }

        public Ipv6Config withAddresses(List<StaticAddress> list) {
            return new Ipv6Config(list, gateway, slaac, dadTransmits, hopLimit, routerSolicitations, ndp, reassembly,
                    icmpErrorsPerSecond, icmpErrorBurst);
        }

        public Ipv6Config withGateway(String gw) {
            return new Ipv6Config(addresses, gw == null ? null : Ipv6Address.parse(gw), slaac, dadTransmits, hopLimit,
                    routerSolicitations, ndp, reassembly, icmpErrorsPerSecond, icmpErrorBurst);
        }

        public Ipv6Config withDadTransmits(int n) {
            return new Ipv6Config(addresses, gateway, slaac, n, hopLimit, routerSolicitations, ndp, reassembly,
                    icmpErrorsPerSecond, icmpErrorBurst);
        }

        public Ipv6Config withRouterSolicitations(int n) {
            return new Ipv6Config(addresses, gateway, slaac, dadTransmits, hopLimit, n, ndp, reassembly,
                    icmpErrorsPerSecond, icmpErrorBurst);
        }

        public Ipv6Config withNdp(NdpLimits n) {
            return new Ipv6Config(addresses, gateway, slaac, dadTransmits, hopLimit, routerSolicitations, n, reassembly,
                    icmpErrorsPerSecond, icmpErrorBurst);
        }

        public Ipv6Config withReassembly(ReassemblyLimits r) {
            return new Ipv6Config(addresses, gateway, slaac, dadTransmits, hopLimit, routerSolicitations, ndp, r,
                    icmpErrorsPerSecond, icmpErrorBurst);
        }

        public Ipv6Config withIcmpErrorRate(int perSecond, int burst) {
            return new Ipv6Config(addresses, gateway, slaac, dadTransmits, hopLimit, routerSolicitations, ndp,
                    reassembly, perSecond, burst);
        }
    }

    /** The prefix as a 32-bit mask. */
    public int netmask() {
        return mask(prefixLength);
    }

    /** The directed broadcast address of the prefix (RFC 919, RFC 1122 §3.2.1.3). */
    public Ipv4Address directedBroadcast() {
        return new Ipv4Address(address.bits() | ~netmask());
    }

    static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    private static void range(String name, int v, int lo, int hi) {
        if (v < lo || v > hi) {
            throw new IllegalArgumentException(name + " must be within " + lo + ".." + hi + ": " + v);
        }
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
    }
}
