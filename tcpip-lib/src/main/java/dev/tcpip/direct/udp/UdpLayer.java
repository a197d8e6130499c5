package dev.tcpip.direct.udp;

import dev.tcpip.ClosedException;
import dev.tcpip.Datagram;
import dev.tcpip.DatagramHandler;
import dev.tcpip.RefusedException;
import dev.tcpip.TcpipException;
import dev.tcpip.UdpSendOptions;
import dev.tcpip.UnreachableException;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.ip.ArrivingFrame;
import dev.tcpip.direct.ip.Delivery;
import dev.tcpip.direct.ip.IcmpError;
import dev.tcpip.direct.ip.IpLayer;
import dev.tcpip.direct.ip.TransportHandler;
import dev.tcpip.direct.stats.Counters;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.wire.IpAddress;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.ParseException;
import dev.tcpip.wire.UdpHeader;
import dev.tcpip.wire.UdpView;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * UDP on the loop (RFC 768, RFC 1122 §4.1): per-port listeners with bounded receive queues, checksums
 * checked and generated, port unreachable for closed ports. ICMP errors about datagrams sent are counted and
 * kept in a bounded log ({@code DirectStack.udpErrors()}): without connected sockets there is no caller left
 * to tell once {@code send} has returned.
 */
public final class UdpLayer implements TransportHandler {
    /** RFC 6335 §6: the dynamic ports. */
    static final int EPHEMERAL_FIRST = 49_152;
    static final int ERROR_LOG = 64;

    /** One listening port. Its worker thread takes batches with {@link #take}; the loop fills them. */
    static final class Listener {
        final int port;
        final DatagramHandler handler;
        /** Received {@link Datagram}s and {@link Unreachable} reports, in arrival order. */
        private final ArrayDeque<Object> queue = new ArrayDeque<>();
        /** Payload bytes of the queued datagrams. */
        private long queuedBytes;
        private LoopFuture<List<Object>> waiting;
        volatile boolean closed;

        Listener(int port, DatagramHandler handler) {
            this.port = port;
            this.handler = handler;
        }

        /** On the loop: completes {@code f} with every queued datagram, now or when one arrives. */
        void take(LoopFuture<List<Object>> f) {
            if (closed) {
                f.fail(new ClosedException("port " + port + " is no longer listened on"));
            } else if (queue.isEmpty()) {
                waiting = f;
            } else {
                List<Object> batch = new ArrayList<>(queue);
                queue.clear();
                queuedBytes = 0;
                f.complete(batch);
            }
        }

        private void close() {
            closed = true;
            queue.clear();
            queuedBytes = 0;
            if (waiting != null) {
                waiting.fail(new ClosedException("port " + port + " is no longer listened on"));
                waiting = null;
            }
        }
    }

    private final IpLayer ip;
    private final Counters counters;
    private final int queueLimit;
    private final int queueBytesLimit;
    private final Map<Integer, Listener> listeners = new HashMap<>();
    private final ArrayDeque<IcmpError> errors = new ArrayDeque<>();
    private int nextEphemeral = EPHEMERAL_FIRST;
    /** Forwarding: takes datagrams to other addresses, and to ports of ours nobody listens on (null: off). */
    private Listener forward;
    private ArrivingFrame arriving = new ArrivingFrame();

    /**
     * @param queueLimit datagrams queued per port at most
     * @param queueBytesLimit payload bytes queued per port at most (a batch the handler's thread took is no
     *     longer counted: it holds at most one queue's worth more while it works through it)
     */
    public UdpLayer(IpLayer ip, Counters counters, int queueLimit, int queueBytesLimit) {
        this.ip = ip;
        this.counters = counters;
        this.queueLimit = queueLimit;
        this.queueBytesLimit = queueBytesLimit;
    }

    /** Where the stack says what the device vouched for of the frame being received (see {@link ArrivingFrame}). */
    public void arriving(ArrivingFrame frame) {
        this.arriving = frame;
    }

    @Override
    public void input(long now, IpAddress src, IpAddress dst, byte[] buf, int off, int len) {
        counters.inc(StackCounter.UDP_RX);
        UdpView udp;
        try {
            udp = arriving.checksumValid(buf, off) ? UdpView.parseChecksummed(buf, off, len) : switch (src) {
                case Ipv4Address s when dst instanceof Ipv4Address d -> UdpView.parseIpv4(buf, off, len, s.bits(), d.bits());
                case Ipv6Address s when dst instanceof Ipv6Address d -> UdpView.parseIpv6(buf, off, len, s, d);
                default -> throw new ParseException("udp.addresses", "mixed address families");
            };
        } catch (ParseException e) {
            counters.inc(e.field().equals("udp.checksum") ? StackCounter.UDP_DROPPED_CHECKSUM
                    : StackCounter.UDP_DROPPED_MALFORMED);
            return;
        }
        Listener l = listeners.get(udp.dstPort());
        if (forward != null && (l == null || !ip.isOwn(dst))) {
            l = forward;
        }
        if (l == null) {
            counters.inc(StackCounter.UDP_DROPPED_NO_LISTENER);
            ip.portUnreachable(now);                      // RFC 1122 §4.1.3.1, RFC 4443 §3.1: port unreachable
            return;
        }
        if (l.queue.size() >= queueLimit || l.queuedBytes + udp.payloadLength() > queueBytesLimit) {
            counters.inc(StackCounter.UDP_DROPPED_QUEUE_FULL);
            return;
        }
        ByteBuffer payload = ByteBuffer.allocate(udp.payloadLength());
        payload.put(buf, udp.payloadOffset(), udp.payloadLength()).flip();
        offer(l, new Datagram(new InetSocketAddress(src.toInetAddress(), udp.srcPort()),
                new InetSocketAddress(dst.toInetAddress(), udp.dstPort()), payload));
    }

    /** An ICMP error about a datagram a listener's port sent, for its {@code DatagramHandler.unreachable}. */
    record Unreachable(InetSocketAddress dst, TcpipException error) {
    }

    private static void offer(Listener l, Object event) {
        if (l.waiting != null) {
            LoopFuture<List<Object>> w = l.waiting;
            l.waiting = null;
            w.complete(List.of(event));
        } else {
            l.queue.add(event);
            if (event instanceof Datagram d) {
                l.queuedBytes += d.payload().remaining();
            }
        }
    }

    @Override
    public void icmpError(long now, IcmpError error) {
        counters.inc(StackCounter.UDP_ICMP_ERRORS);
        if (errors.size() == ERROR_LOG) {
            errors.removeFirst();
        }
        errors.addLast(error);
        // The listener on the quoted source port hears destination unreachable (bounded by its queue).
        Listener l = listeners.get(error.srcPort());
        if (l != null && l.queue.size() < queueLimit && ip.isOwn(error.src())) {
            InetSocketAddress to = new InetSocketAddress(error.dst().toInetAddress(), error.dstPort());
            String why = to + ": " + error.kind() + " (reported by " + error.reporter() + ")";
            switch (error.kind()) {
                case PORT_UNREACHABLE -> offer(l, new Unreachable(to, new RefusedException(why)));
                case NET_UNREACHABLE -> offer(l, new Unreachable(to,
                        new UnreachableException(why, UnreachableException.Scope.NETWORK, null)));
                case HOST_UNREACHABLE, PROTOCOL_UNREACHABLE, ADMINISTRATIVELY_PROHIBITED ->
                        offer(l, new Unreachable(to, new UnreachableException(why)));
                default -> { }
            }
        }
    }

    /** Datagrams queued over every port (on the loop). */
    public int queuedDatagrams() {
        int n = 0;
        for (Listener l : listeners.values()) {
            n += l.queue.size();
        }
        return n;
    }

    /** The most payload bytes queued at one port (on the loop). */
    public long maxQueuedBytes() {
        long max = 0;
        for (Listener l : listeners.values()) {
            max = Math.max(max, l.queuedBytes);
        }
        return max;
    }

    public List<IcmpError> errors() {
        return List.copyOf(errors);
    }

    /** Listens on {@code port} (0: a free dynamic port), replacing and closing a previous listener. */
    Listener listen(int port, DatagramHandler handler) {
        int p = port == 0 ? freePort() : port;
        if (p < 0) {
            throw new IllegalStateException("every dynamic port is in use");
        }
        Listener l = new Listener(p, handler);
        Listener old = listeners.put(p, l);
        if (old != null) {
            old.close();
        }
        return l;
    }

    /** Forwarding on: one catch-all listener, which takes what no listener of ours does (and anything not for us). */
    Listener forward(DatagramHandler handler) {
        stopForwarding();
        forward = new Listener(0, handler);
        return forward;
    }

    void stopForwarding() {
        if (forward != null) {
            forward.close();
            forward = null;
        }
    }

    /**
     * Answers a forwarded datagram {@code src:srcPort → dst:dstPort} of {@code length} payload bytes with an ICMP
     * destination unreachable (its UDP header rebuilt for the quote, checksum 0: RFC 768 "no checksum").
     */
    void unreachable(long now, IcmpError.Kind kind, IpAddress src, int srcPort, IpAddress dst, int dstPort,
                     int length) {
        int total = Math.min(length + UdpView.HEADER_LENGTH, 0xffff);
        byte[] header = {(byte) (srcPort >>> 8), (byte) srcPort, (byte) (dstPort >>> 8), (byte) dstPort,
                (byte) (total >>> 8), (byte) total, 0, 0};
        ip.unreachable(now, kind, src, dst, IpProtocol.UDP, header);
    }

    void unlisten(int port) {
        Listener l = listeners.remove(port);
        if (l != null) {
            l.close();
        }
    }

    private int freePort() {
        for (int i = 0; i < 65_536 - EPHEMERAL_FIRST; i++) { // bounded: one pass over the range
            int p = nextEphemeral;
            nextEphemeral = p == 65_535 ? EPHEMERAL_FIRST : p + 1;
            if (!listeners.containsKey(p)) {
                return p;
            }
        }
        return -1;
    }

    /**
     * Sends {@code msg[8..]} as the payload of one datagram; {@code msg[0..8)} is room for the header. The
     * future completes when the datagram left (possibly after ARP), or fails with {@link UnreachableException}.
     */
    void send(long now, IpAddress dst, int dstPort, UdpSendOptions options, byte[] msg, LoopFuture<Void> done) {
        IpAddress src;
        try {
            src = ip.sourceFor(now, dst);
            if (options.src() != null) {
                IpAddress chosen = IpAddress.of(options.src());
                if (!ip.isLocal(chosen) || chosen.getClass() != src.getClass()) {
                    done.fail(new IllegalArgumentException("not an address of this stack for " + dst + ": " + chosen));
                    return;
                }
                src = chosen;                             // RFC 1122 §4.1.3.5: the address the request came to
            }
        } catch (UnreachableException e) {
            counters.inc(StackCounter.IP_DROPPED_NO_ROUTE);
            done.fail(e);
            return;
        }
        int srcPort = options.srcPort() != 0 ? options.srcPort() : freePort();
        sendFrom(now, src, srcPort, dst, dstPort, options, msg, done);
    }

    /**
     * {@link #send} from a given address and port, which need not be this stack's: forwarding answers a guest from
     * the far address it wrote to.
     */
    public void sendFrom(long now, IpAddress src, int srcPort, IpAddress dst, int dstPort, UdpSendOptions options,
                  byte[] msg, LoopFuture<Void> done) {
        UdpHeader h = new UdpHeader(srcPort, dstPort, msg.length - UdpView.HEADER_LENGTH);
        switch (src) {
            case Ipv4Address s -> h.emitIpv4(msg, 0, s, (Ipv4Address) dst);
            case Ipv6Address s -> h.emitIpv6(msg, 0, s, (Ipv6Address) dst);   // RFC 8200 §8.1: checksum required
        }
        counters.inc(StackCounter.UDP_TX);
        int ttl = options.ttl() == -1 ? ip.defaultHopLimit(dst) : options.ttl();
        ip.output(now, src, dst, IpProtocol.UDP, ttl, msg, 0, msg.length, new Delivery() {
            @Override
            public void sent() {
                done.complete(null);
            }

            @Override
            public void failed(long t, IcmpError.Kind kind, String why) {
                done.fail(new UnreachableException(why));
            }
        });
    }

    public void close() {
        listeners.values().forEach(Listener::close);
        listeners.clear();
        stopForwarding();
    }
}
