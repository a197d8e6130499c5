package dev.tcpip.direct;

import dev.tcpip.ClosedException;
import dev.tcpip.Datagram;
import dev.tcpip.TimedOutException;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.time.Timer;
import dev.tcpip.wire.DhcpMessage;
import dev.tcpip.wire.DhcpMessage.Option;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.MacAddress;
import dev.tcpip.wire.ParseException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.random.RandomGenerator;

/**
 * A DHCPv4 client (RFC 2131 §4.4, options RFC 2132) for a {@link DirectStack} made with
 * {@link DirectStackConfig#ipv4Dynamic()} on an Ethernet link: it obtains an address, gives it to the stack with its
 * prefix and default gateway ({@link DirectStack#setIpv4}), renews and rebinds the lease, and takes the address away
 * when the lease ends. Before binding an offered address it checks with ARP probes that no other host uses it
 * (RFC 5227 §2.1.1) and declines it if one does (RFC 2131 §3.1 step 5).
 *
 * <p>States ({@link State}): INIT → SELECTING (DISCOVER broadcast, retransmitted after 4, 8, 16, 32, 64, 64... s,
 * each ±1 s, RFC 2131 §4.1) → REQUESTING on the first OFFER (REQUEST broadcast with the server identifier and the
 * requested address, the same backoff, back to INIT after {@link Config#requestAttempts()}) → PROBING on the ACK
 * (RFC 5227: wait 0..PROBE_WAIT, PROBE_NUM probes PROBE_MIN..PROBE_MAX apart, ANNOUNCE_WAIT) → BOUND. At T1
 * (option 58, default ½ of the lease) RENEWING: REQUEST unicast to the server with {@code ciaddr}; at T2 (option 59,
 * default ⅞) REBINDING: the same, broadcast; retransmitted after half the time left to T2 or to the lease's end, at
 * least 60 s (§4.4.5). At the lease's end, or on a NAK, the address is removed and the client starts again at INIT.
 * {@link #close()} sends a RELEASE when bound (§4.4.6) and removes the address.
 *
 * <p>Every reply is taken only with the client's current {@code xid} and its own {@code chaddr}. Requests set the
 * broadcast bit while the stack has no address (§4.1: it cannot take unicast before it is configured). The
 * protocol runs on the stack's loop, so it runs in virtual time in a {@link dev.tcpip.time.Simulation}; replies are
 * parsed on the UDP listener's thread and handed to the loop.
 *
 * <p>Departures: no random 1..10 s wait before the first DISCOVER (§4.4.1 SHOULD; {@link Config#startDelay()}
 * adds one); no INIT-REBOOT (leases are not kept across runs); option 26 (MTU) is recorded, not applied: the
 * stack's MTU is fixed when it is made.
 */
public final class DhcpClient implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.tcpip.direct.dhcp");
    public static final int CLIENT_PORT = 68;
    public static final int SERVER_PORT = 67;
    /** RFC 2132 §9.8: the options the client asks for. */
    private static final int OPT_PARAMETER_LIST = 55;
    private static final long SECOND = 1_000_000_000L;
    // RFC 5227 §1.1 constants.
    private static final long PROBE_WAIT = SECOND;
    private static final long PROBE_MIN = SECOND;
    private static final long PROBE_MAX = 2 * SECOND;
    private static final long ANNOUNCE_WAIT = 2 * SECOND;

    /** RFC 2131 §4.4 figure 5, with RFC 5227's probing between the ACK and BOUND; STOPPED after {@link #close}. */
    public enum State { INIT, SELECTING, REQUESTING, PROBING, BOUND, RENEWING, REBINDING, STOPPED }

    /**
     * The client's settings.
     *
     * @param probes ARP probes before binding (RFC 5227 PROBE_NUM 3); 0 binds without probing
     * @param requestAttempts REQUESTs sent in REQUESTING before starting over at INIT (§3.1 step 3). Default 4
     * @param maxBackoff the retransmission delay's cap (§4.1: 64 s)
     * @param declineWait after a DECLINE, the wait before INIT again (§3.1 step 5: at least 10 s)
     * @param startDelay the longest random wait before the first DISCOVER (§4.4.1: 1..10 s); zero for none, the default
     */
    public record Config(int probes, int requestAttempts, Duration maxBackoff, Duration declineWait,
                         Duration startDelay) {
        public static final Config DEFAULTS = new Config(3, 4, Duration.ofSeconds(64), Duration.ofSeconds(10),
                Duration.ZERO);

        public Config {
            if (probes < 0 || probes > 10) {
                throw new IllegalArgumentException("probes must be 0..10: " + probes);
            }
            if (requestAttempts < 1 || requestAttempts > 10) {
                throw new IllegalArgumentException("requestAttempts must be 1..10: " + requestAttempts);
            }
            if (maxBackoff.compareTo(Duration.ofSeconds(4)) < 0 || maxBackoff.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("maxBackoff must be 4 s..1 h: " + maxBackoff);
            }
            if (declineWait.isNegative() || startDelay.isNegative()) {
                throw new IllegalArgumentException("waits must not be negative");
            }
        }

        public Config withProbes(int n) {
            return new Config(n, requestAttempts, maxBackoff, declineWait, startDelay);
        }
    }

    /**
     * A lease as bound.
     *
     * @param address the address (yiaddr)
     * @param prefixLength from option 1; the class's natural mask without it
     * @param router the first address of option 3 on the prefix, or null
     * @param dns option 6 (empty without)
     * @param mtu option 26, or 0 without
     * @param server the server identifier (option 54)
     * @param leaseTime option 51
     * @param boundNanos when the ACK came, loop time
     * @param t1Nanos, t2Nanos, expiresNanos renewing, rebinding and the end, loop time
     */
    public record Lease(Ipv4Address address, int prefixLength, Ipv4Address router, List<Ipv4Address> dns, int mtu,
                        Ipv4Address server, Duration leaseTime, long boundNanos, long t1Nanos, long t2Nanos,
                        long expiresNanos) {
        public Lease {
            dns = List.copyOf(dns);
        }
    }

    /** Messages sent and received, and how leases ended. */
    public record Stats(long discovers, long requests, long declines, long releases, long offers, long acks,
                        long naks, long ignored, long conflicts, long expiries) {
    }

    /** Told on the loop of each state change, with the lease (null outside PROBING..REBINDING). */
    @FunctionalInterface
    public interface Listener {
        void changed(State state, Lease lease);
    }

    private final DirectStack stack;
    private final Config config;
    private final MacAddress mac;
    private final RandomGenerator random;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** How many times the client entered BOUND from a state without a lease (loop only). */
    private int bindings;
    private final AtomicLong discovers = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong declines = new AtomicLong();
    private final AtomicLong releases = new AtomicLong();
    private final AtomicLong offers = new AtomicLong();
    private final AtomicLong acks = new AtomicLong();
    private final AtomicLong naks = new AtomicLong();
    private final AtomicLong ignored = new AtomicLong();
    private final AtomicLong conflicts = new AtomicLong();
    private final AtomicLong expiries = new AtomicLong();

    // Loop state.
    private volatile State state = State.INIT;
    private volatile Lease lease;               // the lease bound or being probed
    private int xid;
    private long started;                       // when this exchange began (secs field)
    private Ipv4Address offered;                // SELECTING → REQUESTING
    private Ipv4Address offerServer;
    private int attempts;
    private long backoff;                       // the next retransmission's base delay
    private Timer timer;                        // the one pending retransmission or probe
    private Timer t1;
    private Timer t2;
    private Timer expiry;
    private final List<LoopFuture<Lease>> waiting = new ArrayList<>();

    private DhcpClient(DirectStack stack, Config config) {
        this.stack = stack;
        this.config = config;
        this.mac = stack.mac();
        this.random = stack.random();
    }

    /**
     * Starts DHCP on {@code stack} (made with {@link DirectStackConfig#ipv4Dynamic()}): listens on UDP port 68 and
     * sends the first DISCOVER. Close it before the stack.
     */
    public static DhcpClient start(DirectStack stack, Config config) throws IOException {
        Objects.requireNonNull(config, "config");
        if (!stack.config().dynamicIpv4()) {
            throw new IllegalArgumentException("DHCP needs a stack made with DirectStackConfig.ipv4Dynamic(): " + stack);
        }
        DhcpClient c = new DhcpClient(stack, config);
        stack.udp().listen(CLIENT_PORT, c::receive);
        stack.loop().execute(() -> {
            long now = stack.loop().now();
            long delay = config.startDelay().isZero() ? 0 : c.random.nextLong(config.startDelay().toNanos() + 1);
            c.timer = stack.loop().at(now + delay, c::init);
        });
        return c;
    }

    public Config config() {
        return config;
    }

    public State state() {
        return state;
    }

    /** The lease bound (BOUND, RENEWING, REBINDING), or null. */
    public Lease lease() {
        Lease l = lease;
        return l != null && (state == State.BOUND || state == State.RENEWING || state == State.REBINDING) ? l : null;
    }

    public Stats stats() {
        return new Stats(discovers.get(), requests.get(), declines.get(), releases.get(), offers.get(), acks.get(),
                naks.get(), ignored.get(), conflicts.get(), expiries.get());
    }

    /** Adds a listener, told on the loop of every state change from now on. */
    public void addListener(Listener l) {
        listeners.add(Objects.requireNonNull(l, "listener"));
    }

    /**
     * Waits (on an application thread) until the client is bound and returns the lease.
     *
     * @throws TimedOutException not bound within {@code timeout}
     */
    public Lease awaitLease(Duration timeout) throws IOException {
        long nanos = timeout.toNanos();
        return stack.loop().<Lease>submit((now, f) -> {
            Lease l = lease();
            if (l != null) {
                f.complete(l);
                return;
            }
            if (state == State.STOPPED) {
                f.fail(new ClosedException("the DHCP client was closed"));
                return;
            }
            waiting.add(f);
            stack.loop().at(now + nanos, t -> {
                if (waiting.remove(f)) {
                    f.fail(new TimedOutException("no DHCP lease within " + timeout.toMillis() + " ms"));
                }
            });
        }).await();
    }

    /** Stops: a RELEASE to the server if bound (RFC 2131 §4.4.6), the address removed, port 68 closed. */
    @Override
    public void close() {
        if (state == State.STOPPED || stack.loop().isClosed()) {
            return;
        }
        try {
            stack.loop().<Void>submit((now, f) -> {
                Lease l = lease();
                if (l != null) {
                    releases.incrementAndGet();
                    send(now, DhcpMessage.RELEASE, l.address(), null, l.server(), l.server(), newXid());
                }
                stop(now);
                enter(now, State.STOPPED, null);
                for (LoopFuture<Lease> w : waiting) {
                    w.fail(new ClosedException("the DHCP client was closed"));
                }
                waiting.clear();
                f.complete(null);
            }).await();
        } catch (IOException e) {
            // the stack closed meanwhile
        }
        stack.udp().unlisten(CLIENT_PORT);
    }

    // ---- the state machine, on the loop ----

    private void receive(Datagram d) {
        byte[] b = new byte[d.payload().remaining()];
        d.payload().get(b);
        DhcpMessage m;
        try {
            m = DhcpMessage.parse(b, 0, b.length);
        } catch (ParseException e) {
            ignored.incrementAndGet();
            return;
        }
        stack.loop().execute(() -> input(stack.loop().now(), m));
    }

    private void input(long now, DhcpMessage m) {
        if (m.op() != DhcpMessage.BOOTREPLY || m.xid() != xid || !m.chaddr().equals(mac)) {
            ignored.incrementAndGet();                    // RFC 2131 §4.4.1: not an answer to our transaction
            return;
        }
        Ipv4Address server = m.address(DhcpMessage.OPT_SERVER_ID);
        switch (state) {
            case SELECTING -> {
                if (m.messageType() != DhcpMessage.OFFER || server == null || !usable(m.yiaddr())) {
                    ignored.incrementAndGet();
                    return;
                }
                offers.incrementAndGet();                 // §4.4.1: the first acceptable offer
                offered = m.yiaddr();
                offerServer = server;
                enter(now, State.REQUESTING, null);
                attempts = 0;
                backoff = 4 * SECOND;
                request(now);
            }
            case REQUESTING, RENEWING, REBINDING -> {
                if (m.messageType() == DhcpMessage.NAK) {
                    naks.incrementAndGet();               // §4.4.1, §4.4.5: start over
                    LOG.log(Level.INFO, "DHCP NAK from {0}: starting over", server);
                    restart(now, 0);
                    return;
                }
                if (m.messageType() != DhcpMessage.ACK || !usable(m.yiaddr())
                        || state == State.REQUESTING && !m.yiaddr().equals(offered)) {
                    ignored.incrementAndGet();
                    return;
                }
                acks.incrementAndGet();
                Lease l = leaseOf(now, m, server == null ? offerServer : server);
                if (state == State.REQUESTING) {
                    probe(now, l);
                } else {
                    bind(now, l);
                }
            }
            default -> ignored.incrementAndGet();
        }
    }

    private static boolean usable(Ipv4Address a) {
        int b = a.bits();
        return b != 0 && b != -1 && !a.isMulticast() && (b >>> 24) != 127;
    }

    /** INIT: a fresh transaction, DISCOVER, SELECTING. */
    private void init(long now) {
        timer = null;
        xid = newXid();
        started = now;
        offered = null;
        offerServer = null;
        enter(now, State.INIT, null);
        enter(now, State.SELECTING, null);
        backoff = 4 * SECOND;
        discover(now);
    }

    private void discover(long now) {
        if (state != State.SELECTING) {
            return;
        }
        discovers.incrementAndGet();
        send(now, DhcpMessage.DISCOVER, Ipv4Address.ANY, null, null, Ipv4Address.BROADCAST, xid);
        timer = stack.loop().at(now + nextDelay(), this::discover);
    }

    private void request(long now) {
        if (state != State.REQUESTING) {
            return;
        }
        if (attempts++ == config.requestAttempts()) {
            LOG.log(Level.DEBUG, "DHCP: no answer to REQUEST for {0}: starting over", offered);
            restart(now, 0);                              // §3.1 step 3: neither ACK nor NAK
            return;
        }
        requests.incrementAndGet();
        send(now, DhcpMessage.REQUEST, Ipv4Address.ANY, offered, offerServer, Ipv4Address.BROADCAST, xid);
        timer = stack.loop().at(now + nextDelay(), this::request);
    }

    /** §4.1: 4 s, doubled each time up to the cap, each randomized by ±1 s. */
    private long nextDelay() {
        long d = backoff + random.nextLong(-SECOND, SECOND + 1);
        backoff = Math.min(backoff * 2, config.maxBackoff().toNanos());
        return Math.max(d, 0);
    }

    /** RFC 5227 §2.1.1: probe {@code l.address()} before using it. */
    private void probe(long now, Lease l) {
        cancel();
        if (config.probes() == 0) {
            bind(now, l);
            return;
        }
        enter(now, State.PROBING, l);
        stack.arpWatch(l.address(), () -> conflict(stack.loop().now(), l));
        int[] sent = {0};
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            long t = stack.loop().now();
            if (state != State.PROBING || lease != l) {
                return;
            }
            if (sent[0] == config.probes()) {             // ANNOUNCE_WAIT passed without a conflict
                stack.arpWatch(null, null);
                bind(t, l);
                return;
            }
            stack.arpProbe(l.address());
            sent[0]++;
            long wait = sent[0] == config.probes() ? ANNOUNCE_WAIT : random.nextLong(PROBE_MIN, PROBE_MAX + 1);
            timer = stack.loop().schedule(t + wait, next[0]);
        };
        timer = stack.loop().schedule(now + random.nextLong(PROBE_WAIT + 1), next[0]);
    }

    /** Another host uses the address we probe: DECLINE it (§4.4.1) and start over after a wait (§3.1 step 5). */
    private void conflict(long now, Lease l) {
        if (state != State.PROBING || lease != l) {
            return;
        }
        stack.arpWatch(null, null);
        conflicts.incrementAndGet();
        declines.incrementAndGet();
        LOG.log(Level.INFO, "DHCP: {0} is in use on the link: declined", l.address());
        send(now, DhcpMessage.DECLINE, Ipv4Address.ANY, l.address(), l.server(), Ipv4Address.BROADCAST, xid);
        restart(now, config.declineWait().toNanos());
    }

    private void bind(long now, Lease l) {
        cancel();
        Lease old = lease;
        boolean changed = old == null || state == State.PROBING || !old.address().equals(l.address())
                || old.prefixLength() != l.prefixLength() || !Objects.equals(old.router(), l.router());
        if (changed) {
            stack.setIpv4OnLoop(now, l.address(), l.prefixLength(), l.router());
        }
        enter(now, State.BOUND, l);
        t1 = stack.loop().at(l.t1Nanos(), this::renew);
        t2 = stack.loop().at(l.t2Nanos(), this::rebind);
        expiry = stack.loop().at(l.expiresNanos(), this::expire);
        for (LoopFuture<Lease> f : waiting) {
            f.complete(l);
        }
        waiting.clear();
    }

    /** T1: RENEWING, unicast to the server (§4.4.5). */
    private void renew(long now) {
        t1 = null;
        if (state != State.BOUND) {
            return;
        }
        xid = newXid();
        started = now;
        enter(now, State.RENEWING, lease);
        renewing(now);
    }

    private void renewing(long now) {
        if (state == State.RENEWING) {
            requestAgainUntil(now, lease.server(), lease.t2Nanos(), this::renewing);
        }
    }

    /** T2: REBINDING, broadcast (§4.4.5). */
    private void rebind(long now) {
        t2 = null;
        if (state != State.BOUND && state != State.RENEWING) {
            return;
        }
        cancelTimer();
        xid = newXid();
        enter(now, State.REBINDING, lease);
        rebinding(now);
    }

    private void rebinding(long now) {
        if (state == State.REBINDING) {
            requestAgainUntil(now, Ipv4Address.BROADCAST, lease.expiresNanos(), this::rebinding);
        }
    }

    /**
     * A REQUEST for the lease's address to {@code to}, and {@code again} after half the time left until
     * {@code deadline}, at least 60 s (RFC 2131 §4.4.5).
     */
    private void requestAgainUntil(long now, Ipv4Address to, long deadline, LongConsumer again) {
        requests.incrementAndGet();
        send(now, DhcpMessage.REQUEST, lease.address(), null, null, to, xid);
        timer = stack.loop().at(now + Math.max((deadline - now) / 2, 60 * SECOND), again);
    }

    /** The lease ended without renewal: the address goes, INIT again (§4.4.5). */
    private void expire(long now) {
        expiry = null;
        expiries.incrementAndGet();
        LOG.log(Level.INFO, "DHCP lease of {0} expired", lease == null ? null : lease.address());
        restart(now, 0);
    }

    /** Drops any lease and its address, then INIT after {@code delay}. */
    private void restart(long now, long delay) {
        stop(now);
        enter(now, State.INIT, null);
        timer = stack.loop().at(now + delay, this::init);
    }

    private void stop(long now) {
        cancel();
        stack.arpWatch(null, null);
        if (stack.address() != null) {
            stack.setIpv4OnLoop(now, Ipv4Address.ANY, 0, null);
        }
        lease = null;
    }

    private void cancel() {
        cancelTimer();
        for (Timer t : new Timer[] {t1, t2, expiry}) {
            if (t != null) {
                t.cancel();
            }
        }
        t1 = t2 = expiry = null;
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    private void enter(long now, State s, Lease l) {
        State was = state;
        lease = l;
        state = s;
        if (was == s) {
            return;
        }
        if (s == State.BOUND && was != State.RENEWING && was != State.REBINDING) {
            // The first lease reaches the application through awaitLease (the CLI prints it): logged at DEBUG so it
            // is not printed twice. A later one (after a NAK, an expiry or a declined address) is news: INFO.
            LOG.log(bindings++ == 0 ? Level.DEBUG : Level.INFO, "DHCP bound {0}/{1} router {2} dns {3} from {4}, "
                    + "lease {5} s", l.address(), l.prefixLength(), l.router(), l.dns(), l.server(),
                    l.leaseTime().toSeconds());
        } else {
            LOG.log(Level.DEBUG, "DHCP {0} -> {1}", was, s);
        }
        for (Listener x : listeners) {
            x.changed(s, l);
        }
    }

    private int newXid() {
        return random.nextInt();
    }

    /** The lease an ACK gives, its times from {@code now} (RFC 2131 §4.4.5 defaults for T1 and T2). */
    private Lease leaseOf(long now, DhcpMessage m, Ipv4Address server) {
        long secs = m.uint32(DhcpMessage.OPT_LEASE_TIME);
        if (secs < 0 || secs == 0xffff_ffffL) {
            secs = 0xffff_fffeL;                          // none, or infinite: as long as we can count
        }
        secs = Math.max(secs, 1);
        long leaseNanos = Math.min(secs, Long.MAX_VALUE / 2 / SECOND) * SECOND;
        long t1s = m.uint32(DhcpMessage.OPT_RENEWAL_TIME);
        long t2s = m.uint32(DhcpMessage.OPT_REBINDING_TIME);
        long t1n = t1s < 0 ? leaseNanos / 2 : Math.min(t1s, secs) * SECOND;
        long t2n = t2s < 0 ? leaseNanos / 8 * 7 : Math.min(t2s, secs) * SECOND;
        if (!(t1n <= t2n && t2n <= leaseNanos)) {         // inconsistent: the defaults
            t1n = leaseNanos / 2;
            t2n = leaseNanos / 8 * 7;
        }
        Ipv4Address maskAddr = m.address(DhcpMessage.OPT_SUBNET_MASK);
        int prefix = maskAddr == null ? natural(m.yiaddr()) : prefixOf(maskAddr.bits());
        if (prefix < 1 || prefix > 30) {
            prefix = natural(m.yiaddr());
        }
        int mask = -1 << (32 - prefix);
        Ipv4Address router = null;
        Option r = m.option(DhcpMessage.OPT_ROUTER);
        if (r != null) {
            byte[] d = r.data();
            for (int i = 0; i + 4 <= d.length; i += 4) {
                Ipv4Address a = Ipv4Address.read(d, i);
                if (((a.bits() ^ m.yiaddr().bits()) & mask) == 0 && !a.equals(m.yiaddr()) && usable(a)) {
                    router = a;                           // RFC 2132 §3.5: in order of preference; the first on-link
                    break;
                }
            }
        }
        List<Ipv4Address> dns = new ArrayList<>();
        Option o = m.option(DhcpMessage.OPT_DNS);
        if (o != null) {
            byte[] d = o.data();
            for (int i = 0; i + 4 <= d.length && dns.size() < 8; i += 4) {
                dns.add(Ipv4Address.read(d, i));
            }
        }
        Option mtuOpt = m.option(DhcpMessage.OPT_MTU);
        int mtu = 0;
        if (mtuOpt != null && mtuOpt.data().length == 2) {
            int v = ((mtuOpt.data()[0] & 0xff) << 8) | (mtuOpt.data()[1] & 0xff);
            mtu = v >= 68 ? v : 0;                        // RFC 2132 §5.1: at least 68
        }
        return new Lease(m.yiaddr(), prefix, router, dns, mtu, server, Duration.ofSeconds(secs), now, now + t1n,
                now + t2n, now + leaseNanos);
    }

    /** The prefix length of a contiguous mask, or -1. */
    private static int prefixOf(int mask) {
        int n = Integer.bitCount(mask);
        return n > 0 && mask == -1 << (32 - n) ? n : -1;
    }

    /** RFC 791's class of {@code a}: the mask a host without option 1 assumes. */
    private static int natural(Ipv4Address a) {
        int top = a.bits() >>> 24;
        return top < 128 ? 8 : top < 192 ? 16 : 24;
    }

    /**
     * Sends one message of {@code type} (RFC 2131 §4.4.1 table 5): {@code ciaddr} as given, the requested address
     * (option 50) and server identifier (option 54) when not null, to {@code dst} port 67, from {@code ciaddr}.
     */
    private void send(long now, int type, Ipv4Address ciaddr, Ipv4Address requested, Ipv4Address server,
                      Ipv4Address dst, int id) {
        List<Option> o = new ArrayList<>();
        o.add(Option.ofByte(DhcpMessage.OPT_MESSAGE_TYPE, type));
        if (requested != null) {
            o.add(Option.ofAddresses(DhcpMessage.OPT_REQUESTED_ADDRESS, List.of(requested)));
        }
        if (server != null) {
            o.add(Option.ofAddresses(DhcpMessage.OPT_SERVER_ID, List.of(server)));
        }
        if (type == DhcpMessage.DISCOVER || type == DhcpMessage.REQUEST) {
            o.add(new Option(OPT_PARAMETER_LIST, new byte[] {DhcpMessage.OPT_SUBNET_MASK, DhcpMessage.OPT_ROUTER,
                    DhcpMessage.OPT_DNS, DhcpMessage.OPT_MTU, DhcpMessage.OPT_LEASE_TIME,
                    DhcpMessage.OPT_RENEWAL_TIME, DhcpMessage.OPT_REBINDING_TIME}));
        }
        int secs = (int) Math.min((now - started) / SECOND, 0xffff);
        boolean broadcast = ciaddr.bits() == 0;           // §4.1: we cannot take unicast before we have an address
        DhcpMessage m = new DhcpMessage(DhcpMessage.BOOTREQUEST, id, Math.max(secs, 0), broadcast, ciaddr,
                Ipv4Address.ANY, Ipv4Address.ANY, Ipv4Address.ANY, mac, o);
        stack.sendUdpOnLoop(now, ciaddr, CLIENT_PORT, dst, SERVER_PORT, m.toBytes());
    }
}
