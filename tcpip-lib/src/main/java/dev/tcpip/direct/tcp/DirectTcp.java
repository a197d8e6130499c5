package dev.tcpip.direct.tcp;

import dev.tcpip.ClosedException;
import dev.tcpip.FlowHandler;
import dev.tcpip.FlowInfo;
import dev.tcpip.Keepalive;
import dev.tcpip.Ports;
import dev.tcpip.RefusedException;
import dev.tcpip.Tcp;
import dev.tcpip.TcpFlow;
import dev.tcpip.UnreachableException;
import dev.tcpip.direct.FlowRecording;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.direct.ip.ArrivingFrame;
import dev.tcpip.direct.ip.IcmpError;
import dev.tcpip.direct.ip.IpSender;
import dev.tcpip.direct.ip.TransportHandler;
import dev.tcpip.direct.stats.Counters;
import dev.tcpip.time.EventLoop;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.time.Timer;
import dev.tcpip.wire.AddressText;
import dev.tcpip.wire.Ecn;
import dev.tcpip.wire.IcmpQuote;
import dev.tcpip.wire.IpAddress;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.ParseException;
import dev.tcpip.wire.TcpView;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The direct stack's TCP layer: the connection table keyed by the 4-tuple (bounded by
 * {@link TcpConfig#maxConnections}), listeners with bounded backlogs and SYN cookies past them, the bounded
 * TIME-WAIT table, and demultiplexing of received segments. It depends only on an
 * {@link IpSender} below, and is the {@link TransportHandler} for protocol 6 there.
 *
 * <pre>{@code
 * DirectTcp tcp = new DirectTcp(loop, ipLayer, TcpConfig.DEFAULTS, randomSource);
 * ipLayer.register(IpProtocol.TCP, tcp);   // however the IP layer registers transports
 * }</pre>
 *
 * All state is owned by {@code loop}; the {@link Tcp} methods may be called from any application thread
 * and block on it. They must not be called on the loop itself.
 */
public final class DirectTcp implements Tcp, TransportHandler {

    /** A listening port (RFC 9293 §3.10.1 passive OPEN). */
    static final class Listener {
        final int port;
        final Keepalive keepalive;
        final FlowHandler handler;
        /** The name of each handler thread this listener starts (made once, not per connection). */
        final String threadName;
        int embryonic;
        /** The time counter of the last SYN cookie this listener sent ({@link SynCookies#counter}). */
        long lastCookieCounter = Long.MIN_VALUE;
        /** A forwarded connection's own listener: run if the handshake never completes ({@link ForwardedSyns}). */
        Runnable abandoned;

        Listener(int port, Keepalive keepalive, FlowHandler handler) {
            this.port = port;
            this.keepalive = keepalive;
            this.handler = handler;
            this.threadName = "tcp-handler-" + port;
        }

        /**
         * Whether an ACK may return a cookie of this listener: it sent one within the counters a cookie is
         * accepted for. Elsewhere an ACK in LISTEN is only answered with a RST, without hashing it.
         */
        boolean sentCookiesRecently(long now) {
            return lastCookieCounter > SynCookies.counter(now) - SynCookies.WINDOW;
        }
    }

    private final EventLoop loop;
    private final IpSender ip;
    private final TcpConfig config;
    private final IsnGenerator isn;
    private final SynCookies cookies;
    final Counters counters;
    private ArrivingFrame arriving = new ArrivingFrame();        // the stack's, once it says so
    private final PortAllocator ports;
    private final ChallengeAckLimiter challengeAcks;
    private final ConnectionTable connections;
    private final Map<Integer, Listener> listeners = new HashMap<>();
    /**
     * TIME-WAIT connections in the order of their deadlines, oldest first (RFC 9293 §3.4.2; bounded, DESIGN
     * principle 7). Every entry waits the same 2 x MSL and a restart moves it to the end, so the first entry is
     * always the next to expire and one loop timer ({@link #timeWaitSweep}) serves them all.
     */
    private final TimeWaitQueue timeWait = new TimeWaitQueue();
    /** The loop timer that ends the first TIME-WAIT entry at its deadline, or null when none is scheduled. */
    private Timer timeWaitSweep;
    private volatile boolean disconnected;
    /** Writes the segments of the stack's connections, filled per segment (loop only; {@link Segments.Writer}). */
    final Segments.Writer segmentWriter = new Segments.Writer();
    private ForwardedSyns forwarded;                      // null: forwarding off
    /** Events each new connection records, 0 for none ({@link #recordFlows}). */
    private int recordCapacity;

    /**
     * @param loop   the stack's loop, which owns all TCP state
     * @param ip     the IP layer below
     * @param config the knobs
     * @param random the source of the ISN and port-selection keys (RFC 6528, RFC 6056): a
     *               {@link java.security.SecureRandom} in production, a seeded stream in simulation
     */
    public DirectTcp(EventLoop loop, IpSender ip, TcpConfig config, RandomGenerator random) {
        this(loop, ip, config, random, new Counters());
    }

    /** As above, counting into the stack's {@code counters} (the TCP_* {@link StackCounter}s). */
    public DirectTcp(EventLoop loop, IpSender ip, TcpConfig config, RandomGenerator random, Counters counters) {
        this.loop = loop;
        this.ip = ip;
        this.config = config;
        this.counters = counters;
        this.isn = new IsnGenerator(random);
        this.connections = new ConnectionTable(isn.tableSeed());
        this.cookies = isn.cookies();
        this.ports = new PortAllocator(random, config.ephemeralLow(), config.ephemeralHigh());
        this.challengeAcks = new ChallengeAckLimiter(config.challengeAckLimit());
    }

    /** Where the stack says what the device vouched for of the frame being received (see {@link ArrivingFrame}). */
    public void arriving(ArrivingFrame frame) {
        this.arriving = frame;
    }

    TcpConfig config() {
        return config;
    }

    EventLoop loop() {
        return loop;
    }

    IpSender ip() {
        return ip;
    }

    ChallengeAckLimiter challengeAcks() {
        return challengeAcks;
    }

    SynCookies cookies() {
        return cookies;
    }

    /** RFC 7323 §5.4: the TSval offset of a connection on {@code id}. */
    int tsOffset(FourTuple id) {
        return isn.tsOffset(id);
    }

    // --- the API ---

    @Override
    public TcpFlow connect(InetSocketAddress dst) throws IOException {
        return connect(dst, null);
    }

    @Override
    public TcpFlow connect(InetSocketAddress dst, Keepalive keepalive) throws IOException {
        checkOpen();
        if (dst.isUnresolved()) {
            throw new UnreachableException("unresolved address: " + AddressText.of(dst));
        }
        IpAddress remote = IpAddress.of(dst.getAddress());
        int remotePort = Ports.check(dst.getPort());
        return loop.<DirectTcpFlow>submit((now, f) -> openActive(null, remote, remotePort, keepalive, now, f)).await();
    }

    /**
     * As {@link #connect(InetSocketAddress, Keepalive)} from the local address {@code from} (the primary address or
     * an alias of this stack; a bind before connect), so that one stack can hold more connections to one server
     * port than one address's ephemeral ports (RFC 9293 §3.3.1: the socket pair names the connection).
     *
     * @throws UnreachableException {@code from} is not one of this stack's addresses, or {@code dst} has no route
     */
    public TcpFlow connect(java.net.InetAddress from, InetSocketAddress dst, Keepalive keepalive) throws IOException {
        checkOpen();
        if (dst.isUnresolved()) {
            throw new UnreachableException("unresolved address: " + AddressText.of(dst));
        }
        IpAddress local = IpAddress.of(from);
        IpAddress remote = IpAddress.of(dst.getAddress());
        int remotePort = Ports.check(dst.getPort());
        return loop.<DirectTcpFlow>submit((now, f) -> openActive(local, remote, remotePort, keepalive, now, f)).await();
    }

    /** RFC 9293 §3.10.1 active OPEN: choose the port and ISS, send the SYN; from {@code bound} if not null. */
    private void openActive(IpAddress bound, IpAddress remote, int remotePort, Keepalive keepalive, long now,
            LoopFuture<DirectTcpFlow> f) {
        if (disconnected) {
            f.fail(new ClosedException("stack disconnected"));
            return;
        }
        IpAddress source;
        try {
            source = ip.sourceFor(now, remote);
        } catch (UnreachableException e) {
            f.fail(e);
            return;
        }
        if (bound != null && (!ip.isOwn(bound) || bound.getClass() != source.getClass())) {
            f.fail(new UnreachableException("not an address of this stack: " + bound,
                    UnreachableException.Scope.NETWORK, null));
            return;
        }
        IpAddress local = bound != null ? bound : source;
        int port = ports.allocate(new FourTuple(local, 0, remote, remotePort),
                p -> listeners.containsKey(p) || connections.contains(local, p, remote, remotePort));
        if (port < 0) {
            f.fail(new IOException("no free ephemeral port toward " + AddressText.of(remote, remotePort)));
            return;
        }
        if (!makeRoom()) {
            f.fail(new IOException("TCP connection table full: " + connections.size()
                    + " connections (TcpConfig.maxConnections)"));
            return;
        }
        Connection c = new Connection(this, new FourTuple(local, port, remote, remotePort), null, keepalive, now);
        initialize(c, now);
        c.tcb.state = TcpState.SYN_SENT;
        c.pendingConnect = f;
        add(c);
        c.sender.sendSyn(now);
        c.retransmitTimer.arm(now);
    }

    /** The send variables of a new connection (RFC 9293 §3.4.1; RFC 6528 ISS). */
    void initialize(Connection c, long now) {
        long hash = isn.hash(c.id);                        // one keyed hash for the ISS and the TSval offset
        start(c, IsnGenerator.isn(hash, now), IsnGenerator.tsOffset(hash));
    }

    /** As above with a given ISS: a SYN cookie's (RFC 4987 §3.6). */
    void initialize(Connection c, int iss, long now) {
        start(c, iss, isn.tsOffset(c.id));
    }

    private void start(Connection c, int iss, int tsOffset) {
        Tcb t = c.tcb;
        c.sender.start(iss);
        c.recovery.start(iss);
        c.segments.start(tsOffset);
        t.ourMss = Segments.ourMss(this, c.id.remote());
        t.rcvWscale = config.windowScaling() ? config.windowScaleToOffer() : 0;
        t.smss = Math.min(t.ourMss, config.defaultMss());
        if (recordCapacity > 0) {
            c.record(recordCapacity);
        }
    }

    @Override
    public int listen(int port, Keepalive keepalive, FlowHandler handler) throws IOException {
        Ports.check(port);
        checkOpen();
        return loop.<Integer>submit(f -> {
            if (disconnected) {
                f.fail(new ClosedException("stack disconnected"));
                return;
            }
            int p = port;
            if (p == 0) {
                p = ports.allocate(new FourTuple(Ipv4Address.ANY, 0, Ipv4Address.ANY, 0), listeners::containsKey);
                if (p < 0) {
                    f.fail(new IOException("no free port to listen on"));
                    return;
                }
            }
            listeners.put(p, new Listener(p, keepalive, handler)); // listening again replaces the handler
            f.complete(p);
        }).await();
    }

    @Override
    public void unlisten(int port) {
        if (loop.isClosed()) {
            return;
        }
        try {
            loop.<Void>submit(f -> {
                listeners.remove(port);
                f.complete(null);
            }).await();
        } catch (IOException e) {
            // the loop closed meanwhile: nothing listens any more
        }
    }

    /**
     * Ends every flow (with a RST to its peer) and listener; blocked calls return as the API says; later
     * connect and listen calls throw {@link ClosedException}. Idempotent. Call from an application thread
     * or from the loop.
     */
    public void disconnect() {
        disconnected = true;
        if (loop.inLoop()) {
            abortAll(loop.now());                         // the disconnect event's time, read at its entry
            return;
        }
        if (loop.isClosed()) {
            return;
        }
        try {
            loop.<Void>submit((now, f) -> {
                abortAll(now);
                f.complete(null);
            }).await();
        } catch (IOException e) {
            // the loop closed meanwhile: its state is gone anyway
        }
    }

    private void abortAll(long now) {
        listeners.clear();
        stopForwarding();
        for (Connection c : connections.snapshot()) {
            c.abort(new ClosedException("stack disconnected"), new ClosedException("stack disconnected"), true, now);
        }
        if (timeWaitSweep != null) {            // the table is empty: a loop that goes on need not keep the layer
            timeWaitSweep.cancel();
            timeWaitSweep = null;
        }
    }

    private void checkOpen() throws ClosedException {
        if (disconnected || loop.isClosed()) {
            throw new ClosedException("stack disconnected");
        }
    }

    /** Connections in the table, TIME-WAIT included (on the loop). */
    public int connectionCount() {
        return connections.size();
    }

    /**
     * The live flows (on the loop), at most {@code limit}: connections connecting or handed to the application,
     * not yet in TIME-WAIT or closed; half-open entries of a listener's backlog are not flows yet.
     */
    public List<FlowInfo> flows(int limit) {
        List<FlowInfo> out = new ArrayList<>(Math.min(limit, connections.size()));
        connections.visit(c -> {
            if (out.size() >= limit) {
                return false;
            }
            TcpState s = c.tcb.state;
            if (s != null && s != TcpState.TIME_WAIT && s != TcpState.CLOSED && (c.opened || c.pendingConnect != null)) {
                out.add(new FlowInfo(c.flow.src(), c.flow.dst(), c.info()));
            }
            return true;
        });
        return out;
    }

    // --- recording ---

    /**
     * Every connection made from now on (opened or accepted; on the loop) records up to {@code capacity} events
     * from its first SYN; 0 turns this off for later connections, leaving running recordings alone.
     */
    public void recordFlows(int capacity) {
        recordCapacity = capacity;
    }

    /**
     * Starts recording {@code flow} now (on the loop) with room for {@code capacity} events, or returns the recording
     * it already has.
     *
     * @throws IllegalArgumentException if the flow is not one of this layer's
     * @throws IllegalStateException    if it has ended without a recording
     */
    public FlowRecording record(TcpFlow flow, int capacity) {
        if (!(flow instanceof DirectTcpFlow f) || f.layer() != this) {
            throw new IllegalArgumentException("not a flow of this stack: " + flow);
        }
        FlowRecorder running = f.recording;
        if (running != null) {
            return running;
        }
        Connection c = f.connection();
        if (c.released) {
            throw new IllegalStateException("the flow has ended: nothing more to record: " + flow);
        }
        return c.record(capacity);
    }

    /** The recording of {@code flow}, if one was started (from any thread); null otherwise. */
    public FlowRecording recording(TcpFlow flow) {
        return flow instanceof DirectTcpFlow f && f.layer() == this ? f.recording : null;
    }

    /** Connections in TIME-WAIT (on the loop). */
    public int timeWaitCount() {
        return timeWait.size();
    }

    // --- forwarding ---

    /**
     * Forwarding on (on the loop): a SYN that no local listener takes, to any address, is held and {@code hook} asked
     * (see {@link ForwardedSyns}); at most {@code maxPending} at once, each for at most {@code timeoutNanos}.
     */
    public void startForwarding(dev.tcpip.direct.TcpForwarding hook, long timeoutNanos, int maxPending) {
        stopForwarding();
        forwarded = new ForwardedSyns(this, hook, timeoutNanos, maxPending);
    }

    /** Forwarding off (on the loop): held SYNs are dropped; connections already made go on. */
    public void stopForwarding() {
        if (forwarded != null) {
            forwarded.clear();
            forwarded = null;
        }
    }

    /** Forwarding's SYN counts (on the loop); zeros when it is off. */
    public ForwardedSynStats forwardedSyns() {
        return forwarded == null ? ForwardedSynStats.NONE : forwarded.stats();
    }

    // --- the IP layer's calls ---

    @Override
    public void input(long now, IpAddress src, IpAddress dst, byte[] buf, int off, int len) {
        input(now, src, dst, Ecn.NOT_ECT, buf, off, len);
    }

    @Override
    public void input(long now, IpAddress src, IpAddress dst, int ecn, byte[] buf, int off, int len) {
        TcpView seg;
        try {
            seg = arriving.checksumValid(buf, off) ? TcpView.parseChecksummed(buf, off, len) : switch (src) {
                case Ipv4Address s when dst instanceof Ipv4Address d -> TcpView.parseIpv4(buf, off, len, s.bits(), d.bits());
                case Ipv6Address s when dst instanceof Ipv6Address d -> TcpView.parseIpv6(buf, off, len, s, d);
                default -> throw new ParseException("tcp.addresses", "mixed address families");
            };
        } catch (ParseException e) {
            counters.inc(StackCounter.TCP_DROPPED_MALFORMED);
            return;
        }
        Connection c = connections.get(dst, seg.dstPort(), src, seg.srcPort());   // no key object per segment
        if (c != null) {
            c.receiver.arrivingOwned = arriving.mayKeep(buf, off);
            try {
                Arrival.segment(c, seg, ecn, arriving.segments(buf, off, seg.payloadLength()), now);
            } finally {
                c.receiver.arrivingOwned = false;
            }
            if (c.receiver.keptArriving) {
                c.receiver.keptArriving = false;
                counters.inc(StackCounter.TCP_RX_PAYLOADS_KEPT);
            }
            return;
        }
        FourTuple id = new FourTuple(dst, seg.dstPort(), src, seg.srcPort());
        Listener l = listeners.get(seg.dstPort());
        if (forwarded != null && !disconnected && (l == null || !ip.isOwn(dst))) {
            forwarded.arrive(id, seg, buf, off, len, now);      // forwarding: any address, no local listener
            return;
        }
        if (l != null && !disconnected) {
            Arrival.listen(this, l, id, seg, now);
        } else {
            counters.inc(StackCounter.TCP_RESETS_SENT);
            Segments.resetFor(this, dst, src, seg, now); // RFC 9293 §3.10.7.1: CLOSED
        }
    }

    @Override
    public void icmpError(long now, IcmpError error) {
        if (error.protocol() != IpProtocol.TCP || error.transport().length < 8) {
            return;
        }
        Connection c = connections.get(error.src(), error.srcPort(), error.dst(), error.dstPort());
        if (c == null) {
            return;
        }
        int seq = IcmpQuote.tcpSequence(error.transport());
        if (!Seq.inWindow(seq, c.sender.una(), c.sender.max() + 1)) {
            return; // RFC 5927 §4.1: the quoted sequence number must be in flight
        }
        switch (error.kind()) {
            case PORT_UNREACHABLE, PROTOCOL_UNREACHABLE -> {
                // RFC 1122 §4.2.3.9: a hard error aborts a connection being opened.
                if (c.tcb.state == TcpState.SYN_SENT) {
                    c.abort(new ClosedException("connection refused"),
                            new RefusedException("connection to " + AddressText.of(c.id.remote(), c.id.remotePort()) + " refused (ICMP "
                                    + error.kind() + ")"), false, now);
                }
            }
            case FRAGMENTATION_NEEDED, PACKET_TOO_BIG -> {
                // RFC 1191 §6.2 / RFC 8201 §5.2: lower the segment size to the reported path MTU.
                int ipHeader = c.id.remote() instanceof Ipv4Address ? 20 : 40;
                int mtu = error.nextHopMtu() > 0 ? error.nextHopMtu() : 576;
                c.sender.lowerMss(Math.max(64, mtu - ipHeader - 20 - c.tcb.optionBytesPerSegment()), now);
            }
            case NET_UNREACHABLE, HOST_UNREACHABLE, ADMINISTRATIVELY_PROHIBITED -> {
                // RFC 1122 §4.2.3.9 calls these soft, but RFC 5461 §4.1 notes that stacks abort a connection
                // still being opened when a router or host sends one, which a forwarding gateway relies on to
                // report an unreachable upstream at once. Not this stack's own delivery failures (an ARP queue
                // overflow, no ARP reply yet): the SYN is retried as before. An established connection keeps trying.
                if (c.tcb.state == TcpState.SYN_SENT && !ip.isOwn(error.reporter())) {
                    c.abort(new ClosedException("destination unreachable"),
                            new UnreachableException(AddressText.of(c.id.remote(), c.id.remotePort()) + " unreachable (ICMP "
                                    + error.kind() + " from " + error.reporter() + ")",
                                    error.kind() == IcmpError.Kind.NET_UNREACHABLE ? UnreachableException.Scope.NETWORK
                                            : UnreachableException.Scope.HOST, null), false, now);
                }
            }
            default -> { } // soft errors: RFC 1122 §4.2.3.9, report nothing, keep trying
        }
    }

    // --- the connections' calls ---

    /**
     * Makes room in the connection table for one more connection: true if there is room
     * ({@link TcpConfig#maxConnections}), if need be by ending the oldest TIME-WAIT entry early (RFC 9293
     * §3.4.2's wait is a safeguard a full table cannot afford); false, counted, if every entry is in use.
     */
    boolean makeRoom() {
        if (connections.size() < config.maxConnections()) {
            return true;
        }
        if (!timeWait.isEmpty()) {
            evictOldestTimeWait();
            return true;
        }
        counters.inc(StackCounter.TCP_TABLE_FULL);
        return false;
    }

    private void evictOldestTimeWait() {
        Connection oldest = timeWait.first();
        timeWait.remove(oldest);
        oldest.release(null);
        counters.inc(StackCounter.TCP_TIME_WAIT_EVICTED);
    }

    void add(Connection c) {
        connections.put(c);
    }

    void remove(Connection c) {
        connections.remove(c);
        timeWait.remove(c);            // a sweep scheduled for it finds the next entry, or none, and goes on
        if (c.countedEmbryonic) {
            c.countedEmbryonic = false;
            c.listener.embryonic--;
            if (c.listener.abandoned != null) {
                ForwardedSyns.runAbandoned(this, c.listener.abandoned); // a forwarded handshake that never completed
            }
        }
    }

    /** The handshake completed: hand the flow to connect's caller or to the listener's handler. */
    void established(Connection c) {
        if (c.countedEmbryonic) {
            c.countedEmbryonic = false;
            c.listener.embryonic--;
        }
        c.opened = true;
        TcpEvents.opened(c, c.pendingConnect != null);
        if (c.pendingConnect != null) {
            LoopFuture<DirectTcpFlow> f = c.pendingConnect;
            c.pendingConnect = null;
            f.complete(c.flow);
            return;
        }
        Listener current = listeners.get(c.id.localPort());
        Listener l = current != null && c.listener.abandoned == null ? current : c.listener; // forwarded: its own
        DirectTcpFlow flow = c.flow;
        loop.spawn(l.threadName, () -> {
            try {
                l.handler.handle(flow);
            } catch (Throwable e) {
                flow.abort(); // a handler that throws has its flow closed; the listener goes on
            }
        });
    }

    /**
     * RFC 6191: a SYN accepted in TIME-WAIT ends the old incarnation and is handled as in LISTEN, if a listener
     * still takes the port. Returns false (the caller answers as usual) otherwise.
     */
    boolean reopen(Connection c, TcpView syn, long now) {
        Listener l = listeners.get(c.id.localPort());
        if (l == null || disconnected || !ip.isOwn(c.id.local())) {
            return false;                                 // a forwarded connection's far address has no listener
        }
        c.release(null);
        Arrival.listen(this, l, c.id, syn, now);
        return true;
    }

    /**
     * RFC 9293 §3.4.2: TIME-WAIT for 2 x MSL; when the table is full the oldest entry goes first. The connection's
     * own timers stop (it sends nothing of its own in TIME-WAIT); the table's one sweeping timer ends it.
     */
    void enterTimeWait(Connection c, long now) {
        c.tcb.state = TcpState.TIME_WAIT;
        c.timers.stopAll();
        c.recovery.clear();
        c.timeWaitUntil = now + 2 * config.msl().toNanos();
        timeWait.add(c);
        if (timeWait.size() > config.timeWaitLimit()) {
            evictOldestTimeWait();
        }
        scheduleTimeWaitSweep();
    }

    /**
     * RFC 9293 §3.10.7.4 TIME-WAIT: a retransmission of the peer's FIN restarts the 2 MSL timeout. The entry moves
     * to the end of the table, which keeps the table in the order of the deadlines.
     */
    void restartTimeWait(Connection c, long now) {
        if (timeWait.remove(c)) {
            c.timeWaitUntil = now + 2 * config.msl().toNanos();
            timeWait.add(c);
            scheduleTimeWaitSweep();
        }
    }

    /** Schedules the sweep for the first entry's deadline, unless it is scheduled already (it reschedules itself). */
    private void scheduleTimeWaitSweep() {
        if (timeWaitSweep == null && !timeWait.isEmpty()) {
            timeWaitSweep = loop.at(timeWait.first().timeWaitUntil, this::sweepTimeWait);
        }
    }

    /** Ends the TIME-WAIT entries whose 2 x MSL is over, oldest first, then waits for the next one's deadline. */
    private void sweepTimeWait(long now) {
        timeWaitSweep = null;
        // each pass releases the first entry, which release takes out of the queue: at most size passes
        for (int n = timeWait.size(); n > 0 && timeWait.first().timeWaitUntil <= now; n--) {
            timeWait.first().release(null);
        }
        scheduleTimeWaitSweep();
    }
}
