package dev.tcpip.forward;

import dev.tcpip.Datagram;
import dev.tcpip.Direction;
import dev.tcpip.ReadResult;
import dev.tcpip.Stack;
import dev.tcpip.TcpFlow;
import dev.tcpip.UdpSendOptions;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.time.Timer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * The gateway's DNS forwarder: port 53 of one address of a {@link DirectStack} (the guest's side), over UDP and
 * TCP (RFC 1035 §4.2.1, §4.2.2; RFC 7766), relayed to an upstream resolver through another {@link Stack} (the
 * host's sockets in production, a direct stack in a simulation). It reads nothing of a message but the header's
 * ID: a UDP response of any size passes through as received.
 *
 * <p><b>UDP.</b> Each query leaves from one upstream port with a fresh random ID (RFC 5452 §9.2), so that the
 * guests' IDs cannot collide; the response gets the query's ID back and leaves from the address and port the query
 * was sent to. Responses from anywhere but the upstream, or with an ID not in flight, are dropped. A query not
 * answered within {@link Config#timeout()} is forgotten and <em>nothing</em> is sent back: the guest's resolver
 * retries or tries its next server, as after a lost datagram (a SERVFAIL would end its search at once).
 *
 * <p><b>TCP.</b> Each guest connection is relayed byte for byte to a connection of its own to the upstream,
 * half-closes included (pipelined queries go through unchanged). A connection idle for {@link Config#timeout()}
 * both ways is ended.
 *
 * <p><b>Bounds.</b> At most {@link Config#maxInFlight()} UDP queries and TCP connections together; beyond it a UDP
 * query is dropped and a TCP connection reset ({@link Stats#droppedFull()}).
 */
public final class DnsForwarder implements AutoCloseable {
    public static final int PORT = 53;
    /** RFC 1035 §4.1.1: the header is 12 bytes, the ID its first two. */
    static final int HEADER = 12;

    /**
     * @param upstream the resolver queries go to ({@link ResolvConf#first()} by default)
     * @param maxInFlight UDP queries waiting for an answer plus open TCP connections, 1..65536. Default 256
     * @param timeout how long a UDP query waits for its answer, and a TCP connection may idle. Default 5 s (the
     *     C library's resolver waits 5 s per try)
     */
    public record Config(InetSocketAddress upstream, int maxInFlight, Duration timeout) {
        public static final int DEFAULT_MAX_IN_FLIGHT = 256;
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

        public Config {
            Objects.requireNonNull(upstream, "upstream");
            if (maxInFlight < 1 || maxInFlight > 65_536) {
                throw new IllegalArgumentException("maxInFlight must be 1..65536: " + maxInFlight);
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive: " + timeout);
            }
        }

        public static Config of(InetSocketAddress upstream) {
            return new Config(upstream, DEFAULT_MAX_IN_FLIGHT, DEFAULT_TIMEOUT);
        }

        public Config withMaxInFlight(int n) {
            return new Config(upstream, n, timeout);
        }

        public Config withTimeout(Duration d) {
            return new Config(upstream, maxInFlight, d);
        }
    }

    /** Counts: queries relayed, answers returned, queries timed out, refused over the bound, dropped as malformed. */
    public record Stats(long udpQueries, long udpAnswers, long tcpConnections, long timeouts, long droppedFull,
                        long droppedOther) {
    }

    /** A UDP query waiting for its answer. */
    private record Pending(InetSocketAddress client, int clientId, Timer timer) {
    }

    private final DirectStack guest;
    private final InetAddress address;
    private final Stack upstream;
    private final Config config;
    private final RandomGenerator random;
    private final ConcurrentHashMap<Integer, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicInteger tcpOpen = new AtomicInteger();
    private final AtomicLong udpQueries = new AtomicLong();
    private final AtomicLong udpAnswers = new AtomicLong();
    private final AtomicLong tcpConnections = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong droppedFull = new AtomicLong();
    private final AtomicLong droppedOther = new AtomicLong();
    private volatile int upstreamPort;
    private volatile boolean closed;

    private DnsForwarder(DirectStack guest, InetAddress address, Stack upstream, Config config, RandomGenerator random) {
        this.guest = guest;
        this.address = address;
        this.upstream = upstream;
        this.config = config;
        this.random = random;
    }

    /**
     * Serves DNS on {@code address} port 53 of {@code guest} (an address of that stack, its primary or an alias),
     * relaying to {@code config.upstream()} through {@code upstream}. {@code random} draws the upstream IDs (a
     * simulation's seeded generator, or null for a {@link SecureRandom}).
     */
    public static DnsForwarder start(DirectStack guest, InetAddress address, Stack upstream, Config config,
                                     RandomGenerator random) throws IOException {
        DnsForwarder f = new DnsForwarder(guest, address, upstream, config,
                random == null ? new SecureRandom() : random);
        f.upstreamPort = upstream.udp().listen(0, f::answer);
        guest.udp().listen(PORT, f::query);
        guest.tcp().listen(PORT, f::relay);
        return f;
    }

    public Stats stats() {
        return new Stats(udpQueries.get(), udpAnswers.get(), tcpConnections.get(), timeouts.get(), droppedFull.get(),
                droppedOther.get());
    }

    /** The upstream stack's UDP port queries leave from. */
    public int upstreamPort() {
        return upstreamPort;
    }

    /** UDP queries waiting for an answer plus open TCP connections. */
    public int inFlight() {
        return pending.size() + tcpOpen.get();
    }

    @Override
    public void close() {
        closed = true;
        guest.udp().unlisten(PORT);
        guest.tcp().unlisten(PORT);
        upstream.udp().unlisten(upstreamPort);
        pending.clear();
    }

    // ---- UDP (RFC 1035 §4.2.1) ----

    /** A guest's query: on the guest's UDP listener thread, one at a time. */
    private void query(Datagram d) throws IOException {
        ByteBuffer msg = d.payload();
        if (closed || !d.dst().getAddress().equals(address) || msg.remaining() < HEADER) {
            droppedOther.incrementAndGet();
            return;
        }
        if (inFlight() >= config.maxInFlight()) {
            droppedFull.incrementAndGet();
            return;
        }
        int id = freeId();
        int clientId = msg.getShort(msg.position()) & 0xffff;
        Timer timer = guest.loop().scheduleAfter(config.timeout().toNanos(), () -> expire(id));
        pending.put(id, new Pending(d.src(), clientId, timer));
        msg.putShort(msg.position(), (short) id);
        udpQueries.incrementAndGet();
        try {
            upstream.udp().send(config.upstream(), msg, UdpSendOptions.fromPort(upstreamPort));
        } catch (IOException e) {
            forget(id);                                   // unreachable upstream: as if it timed out, sooner
            droppedOther.incrementAndGet();
        }
    }

    /** A random ID not in flight; the bound keeps at least 1/1 of the 65,536 free, so a few draws find one. */
    private int freeId() {
        for (int i = 0; i < 64; i++) {
            int id = random.nextInt(65_536);
            if (!pending.containsKey(id)) {
                return id;
            }
        }
        for (int id = 0; id < 65_536; id++) {             // bounded: one pass
            if (!pending.containsKey(id)) {
                return id;
            }
        }
        throw new IllegalStateException("every DNS ID is in flight");
    }

    private void expire(int id) {
        if (pending.remove(id) != null) {
            timeouts.incrementAndGet();
        }
    }

    private void forget(int id) {
        Pending p = pending.remove(id);
        if (p != null) {
            guest.loop().execute(p.timer()::cancel);     // timers belong to the loop
        }
    }

    /** An upstream response: on the upstream's UDP listener thread. */
    private void answer(Datagram d) throws IOException {
        ByteBuffer msg = d.payload();
        if (!d.src().equals(config.upstream()) || msg.remaining() < HEADER) {
            droppedOther.incrementAndGet();
            return;
        }
        int id = msg.getShort(msg.position()) & 0xffff;
        Pending p = pending.remove(id);
        if (p == null) {
            droppedOther.incrementAndGet();               // late (timed out), duplicated or forged
            return;
        }
        guest.loop().execute(p.timer()::cancel);
        msg.putShort(msg.position(), (short) p.clientId());
        udpAnswers.incrementAndGet();
        guest.udp().send(p.client(), msg, UdpSendOptions.fromPort(PORT).withSource(address));
    }

    // ---- TCP (RFC 1035 §4.2.2, RFC 7766) ----

    /** A guest's connection: relayed to a connection of its own to the upstream. Throwing resets the guest's. */
    private void relay(TcpFlow flow) throws IOException {
        if (closed || !flow.src().getAddress().equals(address)) {
            throw new IOException("not the DNS forwarder's address: " + flow.src());
        }
        if (inFlight() >= config.maxInFlight()) {
            droppedFull.incrementAndGet();
            throw new IOException("too many DNS queries in flight");
        }
        tcpOpen.incrementAndGet();
        try {
            tcpConnections.incrementAndGet();
            TcpFlow up = upstream.tcp().connect(config.upstream());
            AtomicLong lastActive = new AtomicLong(guest.loop().now());
            AtomicBoolean idle = new AtomicBoolean();
            Runnable[] watch = new Runnable[1];
            long timeout = config.timeout().toNanos();
            Timer[] timer = new Timer[1];
            watch[0] = () -> {
                long quiet = guest.loop().now() - lastActive.get();
                if (quiet >= timeout) {
                    idle.set(true);
                    // On the loop: the flows' calls wait for the loop, so end them from a thread of their own.
                    guest.loop().spawn("dns-tcp-idle", () -> endBoth(flow, up));
                } else {
                    timer[0] = guest.loop().scheduleAfter(timeout - quiet, watch[0]);
                }
            };
            timer[0] = guest.loop().scheduleAfter(timeout, watch[0]);
            LoopFuture<Void> toUpstream = guest.loop().spawn("dns-tcp-up", () -> pump(flow, up, lastActive));
            pump(up, flow, lastActive);
            toUpstream.await();
            guest.loop().execute(() -> timer[0].cancel());
            if (idle.get()) {
                throw new IOException("idle for " + config.timeout());   // the guest's flow is reset
            }
            up.close();
            flow.close();
        } finally {
            tcpOpen.decrementAndGet();
        }
    }

    /** Copies {@code from} to {@code to} until {@code from} ends, then half-closes {@code to}. */
    private void pump(TcpFlow from, TcpFlow to, AtomicLong lastActive) throws IOException {
        try {
            while (true) {                                // ends at Eof: the peer's FIN, a reset, or endBoth
                ReadResult r = from.read();
                if (!(r instanceof ReadResult.Data data)) {
                    break;
                }
                lastActive.set(guest.loop().now());
                to.write(data.bytes());
            }
            to.shutdown(Direction.WRITE);
        } catch (IOException e) {
            endBoth(from, to);
        }
    }

    private static void endBoth(TcpFlow a, TcpFlow b) {
        for (TcpFlow f : new TcpFlow[] {a, b}) {
            try {
                f.shutdown(Direction.BOTH);
            } catch (IOException e) {
                // already ended
            }
        }
    }
}
