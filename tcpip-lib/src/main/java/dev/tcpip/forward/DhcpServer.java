package dev.tcpip.forward;

import dev.tcpip.Datagram;
import dev.tcpip.UdpSendOptions;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.wire.DhcpMessage;
import dev.tcpip.wire.DhcpMessage.Option;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.MacAddress;
import dev.tcpip.wire.ParseException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A DHCPv4 server (RFC 2131, options RFC 2132) on UDP port 67 of a {@link DirectStack}: the gateway hands its guest
 * an address from a small pool, with the subnet mask, router, DNS servers, MTU and lease times. The pool is a fixed
 * array of {@link Config#poolSize()} addresses (at most {@link Config#MAX_POOL}); a client keeps the address it had
 * as long as nobody else took it after expiry; with every address leased or offered, a DISCOVER goes unanswered
 * ({@link Stats#exhausted()}). Leases are kept in memory only.
 *
 * <p>Replies go where RFC 2131 §4.1 says: to a relay's {@code giaddr} (port 67); a NAK without relay is broadcast;
 * to {@code ciaddr} when the client has an address; broadcast (255.255.255.255, ff:ff:ff:ff:ff:ff) when the client
 * set the broadcast bit; otherwise unicast to {@code yiaddr} at {@code chaddr} without ARP (a client without an
 * address cannot answer it): a static ARP entry held only while the reply is sent.
 *
 * <p>Runs on the UDP listener's thread (one datagram at a time); state is read by {@link #leases()} under a lock.
 */
public final class DhcpServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.tcpip.forward");
    public static final int SERVER_PORT = 67;
    public static final int CLIENT_PORT = 68;

    /**
     * What the server hands out.
     *
     * @param server the server identifier (option 54): an address of the stack, the gateway's own
     * @param prefixLength the subnet's prefix (option 1 as a mask)
     * @param router the default router (option 3); null for none
     * @param dns DNS servers (option 6), at most 8
     * @param poolStart the pool's first address
     * @param poolSize consecutive addresses in the pool, 1..{@link #MAX_POOL}. Default 16 (.100-.115)
     * @param leaseTime option 51, with T1 = 1/2 and T2 = 7/8 of it (RFC 2131 §4.4.5). Default 1 h
     * @param offerHold how long an offered address is kept for the client that was offered it. Default 60 s
     * @param mtu the interface MTU (option 26), 68..65535, or 0 to send none
     */
    public record Config(Ipv4Address server, int prefixLength, Ipv4Address router, List<Ipv4Address> dns,
                         Ipv4Address poolStart, int poolSize, Duration leaseTime, Duration offerHold, int mtu) {
        public static final int MAX_POOL = 256;

        public Config {
            Objects.requireNonNull(server, "server");
            if (prefixLength < 1 || prefixLength > 30) {
                throw new IllegalArgumentException("prefixLength must be 1..30: " + prefixLength);
            }
            dns = List.copyOf(dns);
            if (dns.size() > 8) {
                throw new IllegalArgumentException("at most 8 DNS servers: " + dns.size());
            }
            if (poolSize < 1 || poolSize > MAX_POOL) {
                throw new IllegalArgumentException("poolSize must be 1.." + MAX_POOL + ": " + poolSize);
            }
            int mask = prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
            for (int i = 0; i < poolSize; i++) {
                int a = poolStart.bits() + i;
                boolean hostPart = (a & ~mask) != 0 && (a | mask) != -1;
                if (((a ^ server.bits()) & mask) != 0 || !hostPart || a == server.bits()
                        || router != null && a == router.bits() || dns.contains(new Ipv4Address(a))) {
                    throw new IllegalArgumentException("pool address " + new Ipv4Address(a) + " is not a free host of "
                            + server + "/" + prefixLength);
                }
            }
            if (leaseTime.toSeconds() < 60 || leaseTime.toSeconds() > 0xffff_fffeL) {
                throw new IllegalArgumentException("leaseTime must be 60 s..136 years: " + leaseTime);
            }
            if (offerHold.isNegative() || offerHold.isZero()) {
                throw new IllegalArgumentException("offerHold must be positive: " + offerHold);
            }
            if (mtu != 0 && (mtu < 68 || mtu > 65_535)) {
                throw new IllegalArgumentException("mtu must be 68..65535 or 0: " + mtu);
            }
        }

        /** slirp4netns's network: server and router 10.0.2.2/24, DNS 10.0.2.3, pool 10.0.2.100-115, 1 h leases. */
        public static Config slirp() {
            Ipv4Address gw = Ipv4Address.parse("10.0.2.2");
            return new Config(gw, 24, gw, List.of(Ipv4Address.parse("10.0.2.3")), Ipv4Address.parse("10.0.2.100"), 16,
                    Duration.ofHours(1), Duration.ofSeconds(60), 0);
        }

        public Config withPool(String start, int size) {
            return new Config(server, prefixLength, router, dns, Ipv4Address.parse(start), size, leaseTime, offerHold,
                    mtu);
        }

        public Config withLeaseTime(Duration d) {
            return new Config(server, prefixLength, router, dns, poolStart, poolSize, d, offerHold, mtu);
        }

        public Config withMtu(int m) {
            return new Config(server, prefixLength, router, dns, poolStart, poolSize, leaseTime, offerHold, m);
        }

        Ipv4Address mask() {
            return new Ipv4Address(-1 << (32 - prefixLength));
        }
    }

    /** A pool address given to {@code client}: offered (not yet {@code bound}) or leased, until {@code expires}. */
    public record Lease(Ipv4Address address, MacAddress client, boolean bound, long expiresNanos) {
    }

    /** What the server did: replies by kind, DISCOVERs it could not answer, messages it ignored. */
    public record Stats(long offers, long acks, long naks, long exhausted, long ignored) {
    }

    /** One pool address. */
    private static final class Slot {
        final Ipv4Address address;
        MacAddress client;          // the last client it was given to; null if never, or declined
        boolean bound;
        long expires;               // free from then on (0: never used)

        Slot(Ipv4Address address) {
            this.address = address;
        }

        boolean free(long now) {
            return now >= expires;
        }
    }

    private final DirectStack stack;
    private final Config config;
    private final Slot[] pool;
    private final AtomicLong offers = new AtomicLong();
    private final AtomicLong acks = new AtomicLong();
    private final AtomicLong naks = new AtomicLong();
    private final AtomicLong exhausted = new AtomicLong();
    private final AtomicLong ignored = new AtomicLong();

    private DhcpServer(DirectStack stack, Config config) {
        this.stack = stack;
        this.config = config;
        this.pool = new Slot[config.poolSize()];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = new Slot(new Ipv4Address(config.poolStart().bits() + i));
        }
    }

    /** Serves {@code config} on port 67 of {@code stack}, whose addresses must include {@code config.server()}. */
    public static DhcpServer start(DirectStack stack, Config config) throws IOException {
        if (stack.address() == null || !stack.config().ownsIpv4(config.server())) {
            throw new IllegalArgumentException("the server identifier " + config.server()
                    + " is not an address of the stack");
        }
        DhcpServer s = new DhcpServer(stack, config);
        stack.udp().listen(SERVER_PORT, s::receive);
        return s;
    }

    public Config config() {
        return config;
    }

    /** The stack it serves on. */
    public DirectStack stack() {
        return stack;
    }

    /** The addresses given out (offered or leased, expired ones too while they remember their client). */
    public synchronized List<Lease> leases() {
        List<Lease> out = new ArrayList<>();
        for (Slot s : pool) {
            if (s.client != null) {
                out.add(new Lease(s.address, s.client, s.bound, s.expires));
            }
        }
        return out;
    }

    public Stats stats() {
        return new Stats(offers.get(), acks.get(), naks.get(), exhausted.get(), ignored.get());
    }

    @Override
    public void close() {
        stack.udp().unlisten(SERVER_PORT);
    }

    private void receive(Datagram d) throws IOException {
        DhcpMessage m;
        try {
            byte[] b = new byte[d.payload().remaining()];
            d.payload().get(b);
            m = DhcpMessage.parse(b, 0, b.length);
        } catch (ParseException e) {
            ignored.incrementAndGet();
            return;
        }
        if (m.op() != DhcpMessage.BOOTREQUEST) {
            ignored.incrementAndGet();
            return;
        }
        DhcpMessage reply;
        synchronized (this) {
            reply = answer(stack.loop().now(), m);
        }
        if (reply == null) {
            return;
        }
        switch (reply.messageType()) {
            case DhcpMessage.OFFER -> offers.incrementAndGet();
            case DhcpMessage.ACK -> acks.incrementAndGet();
            default -> naks.incrementAndGet();
        }
        send(m, reply);
    }

    /** The reply to {@code m} at {@code now}, or null for none; updates the pool. */
    private DhcpMessage answer(long now, DhcpMessage m) {
        MacAddress mac = m.chaddr();
        Ipv4Address requested = m.address(DhcpMessage.OPT_REQUESTED_ADDRESS);
        Ipv4Address serverId = m.address(DhcpMessage.OPT_SERVER_ID);
        switch (m.messageType()) {
            case DhcpMessage.DISCOVER -> {                 // RFC 2131 §4.3.1
                Slot s = allocate(now, mac, requested);
                if (s == null) {
                    exhausted.incrementAndGet();
                    LOG.log(Level.DEBUG, "DHCP pool exhausted: no offer for {0}", mac);
                    return null;
                }
                s.client = mac;
                s.bound = false;
                s.expires = now + config.offerHold().toNanos();
                return reply(m, DhcpMessage.OFFER, s.address, true);
            }
            case DhcpMessage.REQUEST -> {                  // RFC 2131 §4.3.2
                Slot mine = find(mac);
                if (serverId != null) {                    // SELECTING
                    if (!serverId.equals(config.server())) {
                        if (mine != null && !mine.bound) {
                            mine.expires = now;            // the client took another server's offer
                        }
                        return null;
                    }
                    return mine != null && mine.address.equals(requested) && m.ciaddr().bits() == 0
                            ? bind(now, m, mine) : nak(m);
                }
                if (requested != null) {                   // INIT-REBOOT
                    if (mine != null && mine.address.equals(requested)) {
                        return bind(now, m, mine);
                    }
                    Slot s = slot(requested);
                    if (mine == null && s != null && s.free(now)) {
                        return null;                       // "no record of this client": remain silent
                    }
                    return nak(m);                         // wrong address or wrong network
                }
                if (m.ciaddr().bits() != 0) {              // RENEWING or REBINDING
                    if (mine != null && mine.address.equals(m.ciaddr())) {
                        return bind(now, m, mine);
                    }
                    Slot s = slot(m.ciaddr());
                    if (mine == null && s != null && s.free(now)) {
                        s.client = mac;                    // a lease from before a restart: keep it going
                        return bind(now, m, s);
                    }
                    return nak(m);
                }
                ignored.incrementAndGet();
                return null;
            }
            case DhcpMessage.DECLINE -> {                  // RFC 2131 §4.3.3: the address is in use on the link
                Slot s = requested == null ? null : slot(requested);
                if (s != null && mac.equals(s.client)) {
                    s.client = null;
                    s.bound = false;
                    s.expires = now + config.leaseTime().toNanos();
                }
                return null;
            }
            case DhcpMessage.RELEASE -> {                  // RFC 2131 §4.3.4
                Slot s = find(mac);
                if (s != null && s.address.equals(m.ciaddr())) {
                    s.bound = false;
                    s.expires = now;                       // free, still remembered for this client
                }
                return null;
            }
            case DhcpMessage.INFORM -> {                   // RFC 2131 §4.3.5: parameters only, no lease
                return m.ciaddr().bits() == 0 ? null : reply(m, DhcpMessage.ACK, Ipv4Address.ANY, false);
            }
            default -> {
                ignored.incrementAndGet();
                return null;
            }
        }
    }

    private DhcpMessage bind(long now, DhcpMessage m, Slot s) {
        s.bound = true;
        s.expires = now + config.leaseTime().toNanos();
        return reply(m, DhcpMessage.ACK, s.address, true);
    }

    /** The client's slot: an address handed to it before, offered, leased or expired but not reused. */
    private Slot find(MacAddress mac) {
        for (Slot s : pool) {
            if (mac.equals(s.client)) {
                return s;
            }
        }
        return null;
    }

    private Slot slot(Ipv4Address a) {
        long i = (a.bits() & 0xffff_ffffL) - (config.poolStart().bits() & 0xffff_ffffL);
        return i >= 0 && i < pool.length ? pool[(int) i] : null;
    }

    /** The client's own address, else the one it asks for if free, else a never-used one, else the longest free. */
    private Slot allocate(long now, MacAddress mac, Ipv4Address requested) {
        Slot mine = find(mac);
        if (mine != null) {
            return mine;
        }
        Slot asked = requested == null ? null : slot(requested);
        if (asked != null && asked.free(now)) {
            return asked;
        }
        Slot best = null;
        for (Slot s : pool) {
            if (s.free(now) && (best == null || s.expires < best.expires)) {
                best = s;
            }
        }
        return best;
    }

    private DhcpMessage nak(DhcpMessage m) {
        List<Option> o = List.of(Option.ofByte(DhcpMessage.OPT_MESSAGE_TYPE, DhcpMessage.NAK),
                Option.ofAddresses(DhcpMessage.OPT_SERVER_ID, List.of(config.server())));
        return new DhcpMessage(DhcpMessage.BOOTREPLY, m.xid(), 0, m.broadcast(), Ipv4Address.ANY, Ipv4Address.ANY,
                Ipv4Address.ANY, m.giaddr(), m.chaddr(), o);
    }

    /** An OFFER or ACK (RFC 2131 §4.3.1 table 3) with the configured parameters; {@code lease} adds 51, 58, 59. */
    private DhcpMessage reply(DhcpMessage m, int type, Ipv4Address yiaddr, boolean lease) {
        List<Option> o = new ArrayList<>();
        o.add(Option.ofByte(DhcpMessage.OPT_MESSAGE_TYPE, type));
        o.add(Option.ofAddresses(DhcpMessage.OPT_SERVER_ID, List.of(config.server())));
        if (lease) {
            long secs = config.leaseTime().toSeconds();
            o.add(Option.ofInt(DhcpMessage.OPT_LEASE_TIME, secs));
            o.add(Option.ofInt(DhcpMessage.OPT_RENEWAL_TIME, secs / 2));          // RFC 2131 §4.4.5: T1 = 0.5
            o.add(Option.ofInt(DhcpMessage.OPT_REBINDING_TIME, secs * 7 / 8));    // T2 = 0.875
        }
        o.add(Option.ofAddresses(DhcpMessage.OPT_SUBNET_MASK, List.of(config.mask())));
        if (config.router() != null) {
            o.add(Option.ofAddresses(DhcpMessage.OPT_ROUTER, List.of(config.router())));
        }
        if (!config.dns().isEmpty()) {
            o.add(Option.ofAddresses(DhcpMessage.OPT_DNS, config.dns()));
        }
        if (config.mtu() != 0) {
            o.add(Option.ofShort(DhcpMessage.OPT_MTU, config.mtu()));
        }
        Ipv4Address ciaddr = type == DhcpMessage.ACK ? m.ciaddr() : Ipv4Address.ANY;
        return new DhcpMessage(DhcpMessage.BOOTREPLY, m.xid(), 0, m.broadcast(), ciaddr, yiaddr, Ipv4Address.ANY,
                m.giaddr(), m.chaddr(), o);
    }

    /** Sends {@code reply} to where RFC 2131 §4.1 says for {@code request}. */
    private void send(DhcpMessage request, DhcpMessage reply) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(reply.toBytes());
        UdpSendOptions from = UdpSendOptions.fromPort(SERVER_PORT).withSource(config.server().toInetAddress());
        if (request.giaddr().bits() != 0) {
            stack.udp().send(new InetSocketAddress(request.giaddr().toInetAddress(), SERVER_PORT), bytes, from);
        } else if (reply.messageType() == DhcpMessage.NAK || reply.yiaddr().bits() == 0 && request.ciaddr().bits() == 0
                || (request.broadcast() || request.chaddr().isMulticast()) && request.ciaddr().bits() == 0) {
            stack.udp().send(new InetSocketAddress(Ipv4Address.BROADCAST.toInetAddress(), CLIENT_PORT), bytes, from);
        } else if (request.ciaddr().bits() != 0) {
            stack.udp().send(new InetSocketAddress(request.ciaddr().toInetAddress(), CLIENT_PORT), bytes, from);
        } else {
            // The client has no address yet and cannot answer ARP: address the frame to chaddr directly.
            stack.addStaticArp(reply.yiaddr(), request.chaddr());
            try {
                stack.udp().send(new InetSocketAddress(reply.yiaddr().toInetAddress(), CLIENT_PORT), bytes, from);
            } finally {
                stack.removeArp(reply.yiaddr());
            }
        }
    }
}
