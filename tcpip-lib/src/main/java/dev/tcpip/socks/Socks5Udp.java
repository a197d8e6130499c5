package dev.tcpip.socks;

import dev.tcpip.ClosedException;
import dev.tcpip.Datagram;
import dev.tcpip.DatagramHandler;
import dev.tcpip.Ports;
import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import dev.tcpip.Udp;
import dev.tcpip.UdpSendOptions;
import dev.tcpip.wire.ParseException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * UDP through the proxy (RFC 1928 §7). A port of this layer is a port of the underlying stack's UDP; datagrams sent
 * from it go to the proxy's relay with the RSV/FRAG/ATYP/DST header in front, and datagrams from the relay are
 * delivered with their header's address as the source. Each port has at most one association: a UDP ASSOCIATE on a
 * control connection of its own, set up by the port's first send (the datagrams sent meanwhile wait in a bounded
 * queue) and ended when the control connection closes, after {@code udpIdleTimeout} without a datagram either way,
 * or by {@code unlisten}; the port's next send sets up a new one. Sending from port 0 uses one shared port whose
 * replies are dropped. ICMP errors are not reported ({@link DatagramHandler#unreachable} is never called): the relay
 * does not pass them on.
 */
final class Socks5Udp implements Udp {
    /** The largest SOCKS5 UDP datagram to the relay: the IPv4 bound, whatever the relay's family. */
    private static final int MAX_DATAGRAM = 65_507;

    private final Socks5Stack stack;
    private final Counters counters;
    private final Map<Integer, Port> ports = new ConcurrentHashMap<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private Port ephemeral;                                    // guarded by this

    Socks5Udp(Socks5Stack stack) {
        this.stack = stack;
        this.counters = stack.counters();
    }

    @Override
    public void send(InetSocketAddress dst, ByteBuffer payload, UdpSendOptions options) throws IOException {
        Objects.requireNonNull(dst, "dst");
        Objects.requireNonNull(options, "options");
        if (options.ttl() != -1 || options.src() != null) {
            throw new UnsupportedOperationException("a SOCKS5 relay chooses the TTL and source address itself");
        }
        stack.ensureOpen();
        int header = Socks5Wire.UDP_PREFIX + Socks5Wire.addressLength(dst);
        if (header + payload.remaining() > MAX_DATAGRAM) {
            throw new IllegalArgumentException("a UDP payload of " + payload.remaining() + " bytes and its "
                    + header + "-byte SOCKS5 header exceed the " + MAX_DATAGRAM + " a datagram can carry");
        }
        Port p = options.srcPort() == 0 ? ephemeral() : ports.get(options.srcPort());
        if (p == null) {
            throw new IllegalArgumentException("port " + options.srcPort()
                    + " is not listened on by this SOCKS5 stack: listen first, or send from port 0");
        }
        p.send(Socks5Wire.udpDatagram(dst, payload));
    }

    @Override
    public synchronized int listen(int port, DatagramHandler handler) throws IOException {
        Ports.check(port);
        Objects.requireNonNull(handler, "handler");
        stack.ensureOpen();
        Port existing = port == 0 ? null : ports.get(port);
        if (existing != null) {
            existing.handler = handler;                         // listening again replaces the handler
            return port;
        }
        if (ports.size() >= stack.config().maxUdpPorts()) {
            throw new IOException("a SOCKS5 stack listens on at most " + stack.config().maxUdpPorts() + " UDP ports");
        }
        Port p = new Port(handler);
        p.port = stack.underlying().udp().listen(port, p::fromRelay);
        ports.put(p.port, p);
        return p.port;
    }

    @Override
    public synchronized void unlisten(int port) {
        Port p = ports.remove(port);
        if (p != null) {
            stack.underlying().udp().unlisten(port);
            p.end();
        }
    }

    private synchronized Port ephemeral() throws IOException {
        if (ephemeral == null) {
            Port p = new Port(null);
            p.port = stack.underlying().udp().listen(0, p::fromRelay);
            ephemeral = p;
        }
        return ephemeral;
    }

    /** Every port and association ends. */
    synchronized void close() {
        for (int port : new ArrayList<>(ports.keySet())) {
            unlisten(port);
        }
        if (ephemeral != null) {
            stack.underlying().udp().unlisten(ephemeral.port);
            ephemeral.end();
            ephemeral = null;
        }
    }

    /** One port of this layer: its handler, its association and the datagrams waiting for one. */
    private final class Port {
        volatile DatagramHandler handler;                      // null: the shared sending port, replies dropped
        volatile int port;
        private volatile Association live;                     // the association with a relay, sending directly
        private volatile Association receiving;                // the association whose relay's datagrams we take
        private Association pending;                           // guarded by this: set up, or sending what waited
        private final ArrayDeque<byte[]> queue = new ArrayDeque<>();   // guarded by this
        private boolean ended;                                 // guarded by this

        Port(DatagramHandler handler) {
            this.handler = handler;
        }

        void send(byte[] datagram) throws IOException {
            Association a;
            synchronized (this) {
                if (ended) {
                    throw new ClosedException("SOCKS5 UDP port " + port + " is closed");
                }
                a = live;
                if (a == null) {
                    if (queue.size() >= stack.config().maxQueuedDatagrams() || !reserve(datagram.length)) {
                        counters.dropped.incrementAndGet();
                        return;
                    }
                    queue.add(datagram);
                    if (pending == null) {
                        Association fresh = new Association(this);
                        pending = fresh;
                        stack.config().threads().execute(fresh::run);
                    }
                    return;
                }
            }
            a.send(datagram);
        }

        /** A datagram on the underlying port: from the relay, with the SOCKS5 header (RFC 1928 §7). */
        void fromRelay(Datagram d) throws Exception {
            Association a = receiving;
            if (a == null || !d.src().equals(a.relay)) {
                counters.stray.incrementAndGet();
                return;
            }
            ByteBuffer b = d.payload();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            Socks5Wire.UdpHeader h;
            try {
                h = Socks5Wire.parseUdp(bytes, 0, bytes.length);
            } catch (ParseException e) {
                counters.malformed.incrementAndGet();
                return;
            }
            if (h.frag() != 0) {                                 // RFC 1928 §7: may drop what it will not reassemble
                counters.fragments.incrementAndGet();
                return;
            }
            a.touch();
            DatagramHandler to = handler;
            if (to == null) {
                counters.stray.incrementAndGet();
                return;
            }
            counters.received.incrementAndGet();
            to.handle(new Datagram(h.src(), d.dst(),
                    ByteBuffer.wrap(bytes, h.payloadOffset(), bytes.length - h.payloadOffset()).slice()));
        }

        /** Unlistened or the stack closed: the association ends, queued datagrams are dropped. */
        void end() {
            Association a;
            synchronized (this) {
                ended = true;
                a = live != null ? live : pending;
                drop();
            }
            if (a != null) {
                a.end();
            }
        }

        /** Drops the queue. Holds this. */
        private void drop() {
            for (byte[] q : queue) {
                queuedBytes.addAndGet(-q.length);
            }
            counters.dropped.addAndGet(queue.size());
            queue.clear();
        }
    }

    private boolean reserve(int n) {
        if (queuedBytes.addAndGet(n) > stack.config().maxQueuedBytes()) {
            queuedBytes.addAndGet(-n);
            return false;
        }
        return true;
    }

    /** A UDP ASSOCIATE: its control connection and the relay's address. */
    private final class Association {
        private final Port port;
        private volatile InetSocketAddress relay;
        private volatile long lastActive;
        private TcpFlow control;                               // guarded by port
        private Runnable cancelIdle = () -> { };               // guarded by port
        private boolean ended;                                 // guarded by port

        Association(Port port) {
            this.port = port;
        }

        /** On a thread of its own: sets the association up, sends what waited, then watches the control connection. */
        void run() {
            Handshake.Granted g;
            try {
                g = Handshake.run(stack.underlying(), stack.config(), counters, null, Socks5Wire.CMD_UDP_ASSOCIATE,
                        // RFC 1928 §6, §7: the address and port the client will send its datagrams from
                        f -> new InetSocketAddress(f.src().getAddress(), port.port));
            } catch (IOException | RuntimeException e) {
                failed();
                return;
            }
            InetSocketAddress bound = g.bound();
            if (bound.isUnresolved()) {                          // a relay named by a host name: nothing to send to
                counters.protocolErrors.incrementAndGet();
                g.flow().abort();
                failed();
                return;
            }
            // RFC 1928 §6 gives the relay's address in BND.ADDR; an unspecified one means the proxy's own.
            relay = bound.getAddress().isAnyLocalAddress()
                    ? new InetSocketAddress(g.flow().dst().getAddress(), bound.getPort()) : bound;
            synchronized (port) {
                if (port.ended || port.pending != this) {
                    g.flow().abort();
                    return;
                }
                control = g.flow();
                port.receiving = this;                           // answers to what waited may come at once
                counters.associations.incrementAndGet();
                counters.associationsOpen.incrementAndGet();
                touch();
                armIdle(stack.config().udpIdleTimeout());
            }
            // What waited goes first, in order: until the queue is empty this association stays pending, so a
            // datagram sent meanwhile queues behind the waiting ones instead of overtaking them.
            while (true) {
                List<byte[]> waiting;
                synchronized (port) {
                    if (ended || port.pending != this) {
                        return;                                  // ended meanwhile; end() dropped the queue
                    }
                    if (port.queue.isEmpty()) {
                        port.pending = null;
                        port.live = this;
                        break;
                    }
                    waiting = new ArrayList<>(port.queue);
                    for (byte[] q : waiting) {
                        queuedBytes.addAndGet(-q.length);
                    }
                    port.queue.clear();
                }
                for (byte[] d : waiting) {
                    try {
                        send(d);
                    } catch (IOException | RuntimeException e) {
                        counters.dropped.incrementAndGet();
                    }
                }
            }
            watch(g.flow());
        }

        /** RFC 1928 §7: the association ends with its control connection; the proxy sends nothing on it. */
        private void watch(TcpFlow flow) {
            try {
                while (flow.read() instanceof ReadResult.Data) {  // ends with the connection; bytes are discarded
                    continue;
                }
            } catch (IOException e) {
                // ended
            }
            end();
        }

        private void failed() {
            synchronized (port) {
                if (port.pending == this) {
                    port.pending = null;
                    port.drop();
                }
            }
        }

        void send(byte[] datagram) throws IOException {
            touch();
            counters.sent.incrementAndGet();                   // before: the answer may be delivered before send returns
            try {
                stack.underlying().udp().send(relay, ByteBuffer.wrap(datagram), UdpSendOptions.fromPort(port.port));
            } catch (IOException | RuntimeException e) {
                counters.sent.decrementAndGet();
                throw e;
            }
        }

        void touch() {
            lastActive = stack.config().timer().nanos();
        }

        /** Holds port. */
        private void armIdle(Duration after) {
            cancelIdle = stack.config().timer().schedule(after, this::idleCheck);
        }

        private void idleCheck() {
            long idle = stack.config().timer().nanos() - lastActive;
            long limit = stack.config().udpIdleTimeout().toNanos();
            if (idle >= limit) {
                end();
                return;
            }
            synchronized (port) {
                if (!ended) {
                    armIdle(Duration.ofNanos(limit - idle));
                }
            }
        }

        void end() {
            TcpFlow c;
            synchronized (port) {
                if (ended) {
                    return;
                }
                ended = true;
                if (port.live == this) {
                    port.live = null;
                }
                if (port.receiving == this) {
                    port.receiving = null;
                }
                if (port.pending == this) {
                    port.pending = null;
                }
                c = control;
                cancelIdle.run();
            }
            if (c != null) {
                c.abort();
                counters.associationsOpen.decrementAndGet();
            }
        }
    }
}
