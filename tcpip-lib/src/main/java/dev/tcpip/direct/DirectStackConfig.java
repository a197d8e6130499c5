package dev.tcpip.direct;

import dev.tcpip.wire.Ipv4Address;
import java.time.Duration;
import dev.tcpip.direct.tcp.TcpConfig;
import java.util.Objects;

/**
 * Everything a {@link DirectStack} is configured with, each knob with its default and the reason for it.
 * Build one with {@link #ipv4(String)} and the {@code with*} methods.
 *
 * @param address the stack's IPv4 address (unicast, not 0.0.0.0)
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
 */
public record DirectStackConfig(Ipv4Address address, int prefixLength, Ipv4Address gateway, int mtu, int ttl,
                                ArpLimits arp, ReassemblyLimits reassembly, int icmpErrorsPerSecond,
                                int icmpErrorBurst, int udpQueuePerPort, TcpConfig tcp) {

    /**
     * The ARP cache's limits (RFC 826, RFC 1122 §2.3.2).
     *
     * @param cacheSize entries (resolved, pending and static) at most. Default 512: a large LAN segment's
     *     hosts. When full, an expired or else the oldest dynamic entry is evicted; if every entry is static
     *     or pending, the new resolution fails at once
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
     *     beyond it is dropped ({@link StackCounter#IP_REASSEMBLY_LIMIT}); datagrams in progress keep going
     * @param maxBytes fragment payload bytes held over all of them. Default 2 MiB (32 largest datagrams;
     *     Linux's threshold is 4 MiB). A fragment beyond it is dropped the same way. At least 65,535
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
        Objects.requireNonNull(address, "address");
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
        if (mtu != 0) {
            range("mtu", mtu, 68, 65_535);
        }
        range("ttl", ttl, 1, 255);
        Objects.requireNonNull(arp, "arp");
        Objects.requireNonNull(reassembly, "reassembly");
        range("icmpErrorsPerSecond", icmpErrorsPerSecond, 0, 1_000_000);
        range("icmpErrorBurst", icmpErrorBurst, 1, 1_000_000);
        range("udpQueuePerPort", udpQueuePerPort, 1, 1 << 20);
        Objects.requireNonNull(tcp, "tcp");
    }

    /** A stack at {@code cidr} ({@code "10.0.0.1/24"}) with every other knob at its default. */
    public static DirectStackConfig ipv4(String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("expected address/prefix: " + cidr);
        }
        return new DirectStackConfig(Ipv4Address.parse(cidr.substring(0, slash)),
                Integer.parseInt(cidr.substring(slash + 1)), null, 0, 64, ArpLimits.DEFAULTS,
                ReassemblyLimits.DEFAULTS, 100, 20, 1024, TcpConfig.DEFAULTS);
    }

    public DirectStackConfig withGateway(String gw) {
        return new DirectStackConfig(address, prefixLength, gw == null ? null : Ipv4Address.parse(gw), mtu, ttl, arp,
                reassembly, icmpErrorsPerSecond, icmpErrorBurst, udpQueuePerPort, tcp);
    }

    public DirectStackConfig withMtu(int m) {
        return new DirectStackConfig(address, prefixLength, gateway, m, ttl, arp, reassembly, icmpErrorsPerSecond,
                icmpErrorBurst, udpQueuePerPort, tcp);
    }

    public DirectStackConfig withTtl(int t) {
        return new DirectStackConfig(address, prefixLength, gateway, mtu, t, arp, reassembly, icmpErrorsPerSecond,
                icmpErrorBurst, udpQueuePerPort, tcp);
    }

    public DirectStackConfig withArp(ArpLimits a) {
        return new DirectStackConfig(address, prefixLength, gateway, mtu, ttl, a, reassembly, icmpErrorsPerSecond,
                icmpErrorBurst, udpQueuePerPort, tcp);
    }

    public DirectStackConfig withReassembly(ReassemblyLimits r) {
        return new DirectStackConfig(address, prefixLength, gateway, mtu, ttl, arp, r, icmpErrorsPerSecond,
                icmpErrorBurst, udpQueuePerPort, tcp);
    }

    public DirectStackConfig withIcmpErrorRate(int perSecond, int burst) {
        return new DirectStackConfig(address, prefixLength, gateway, mtu, ttl, arp, reassembly, perSecond, burst,
                udpQueuePerPort, tcp);
    }

    public DirectStackConfig withUdpQueuePerPort(int n) {
        return new DirectStackConfig(address, prefixLength, gateway, mtu, ttl, arp, reassembly, icmpErrorsPerSecond,
                icmpErrorBurst, n, tcp);
    }

    public DirectStackConfig withTcp(TcpConfig t) {
        return new DirectStackConfig(address, prefixLength, gateway, mtu, ttl, arp, reassembly, icmpErrorsPerSecond,
                icmpErrorBurst, udpQueuePerPort, t);
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
