package dev.tcpip.forward;

import dev.tcpip.Datagram;
import dev.tcpip.DatagramHandler;
import dev.tcpip.RefusedException;
import dev.tcpip.Stack;
import dev.tcpip.TcpipException;
import dev.tcpip.UdpSendOptions;
import dev.tcpip.UnreachableException;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.Refusal;
import dev.tcpip.time.EventLoop;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * UDP forwarding: datagrams from the guest to any address become sessions keyed by (guest address and port, far
 * address and port), each with one upstream UDP port of its own (a {@code listen(0)} on the upstream stack, sent
 * from), so replies find their way back; they go to the guest from the far address. A session ends after
 * {@code udpIdleTimeout} without a datagram either way. Sessions count against {@code maxFlows}; beyond it the
 * guest hears ICMP administratively prohibited. Replies are taken only from the address the session sends to, as a
 * connected socket would (endpoint-dependent filtering); the upstream port is a connected one
 * ({@code Udp.listen(port, remote, handler)}), so an ICMP port unreachable the upstream hears (the socket stack: as
 * {@code PortUnreachableException} on its connected channel) goes back to the guest as ICMP port unreachable.
 */
final class UdpForwarding {
    private record Key(InetSocketAddress guest, InetSocketAddress far) {
    }

    private final class Session implements DatagramHandler {
        final Key key;
        final InetSocketAddress to;
        volatile int port;
        volatile long lastActive;
        volatile boolean ended;

        Session(Key key, InetSocketAddress to) {
            this.key = key;
            this.to = to;
        }

        void touch() {
            lastActive = loop().now();
        }

        /** On the loop: the session's idle check, re-armed to the last activity plus the timeout. */
        void check(long now) {
            if (ended) {
                return;
            }
            long due = lastActive + idleNanos;
            if (now - due >= 0) {
                loop().spawn("udp-forward-expire", this::end);
            } else {
                loop().at(due, this::check);
            }
        }

        @Override
        public void handle(Datagram d) throws IOException {
            if (ended || !d.src().equals(to)) {
                return;                                       // only the far end we send to answers
            }
            touch();
            guestSide.sendUdpFrom(key.far(), key.guest(), d.payload());
        }

        /** The upstream reported an ICMP error about our datagram to the far end: the guest hears it too. */
        @Override
        public void unreachable(InetSocketAddress dst, TcpipException error) throws IOException {
            if (!ended) {
                refuse(key, error, 0);
            }
        }

        void end() {
            if (!sessions.remove(key, this)) {
                return;
            }
            ended = true;
            if (port != 0) {
                upstream.udp().unlisten(port);
            }
            forwarder.releaseSlot();
        }
    }

    private final Forwarder forwarder;
    private final DirectStack guestSide;
    private final Stack upstream;
    private final ForwarderConfig config;
    private final long idleNanos;
    private final ConcurrentHashMap<Key, Session> sessions = new ConcurrentHashMap<>();
    final AtomicLong opened = new AtomicLong();
    final AtomicLong portUnreachable = new AtomicLong();

    UdpForwarding(Forwarder forwarder, DirectStack guestSide, Stack upstream, ForwarderConfig config) {
        this.forwarder = forwarder;
        this.guestSide = guestSide;
        this.upstream = upstream;
        this.config = config;
        this.idleNanos = config.udpIdleTimeout().toNanos();
    }

    private EventLoop loop() {
        return guestSide.loop();
    }

    int sessions() {
        return sessions.size();
    }

    /** A datagram from the guest (on the direct stack's forwarding thread, in arrival order). */
    void fromGuest(Datagram d) throws IOException {
        if (forwarder.isClosed()) {
            return;
        }
        int length = d.payload().remaining();
        Key k = new Key(d.src(), d.dst());
        Session s = sessions.get(k);
        if (s == null) {
            InetSocketAddress to = config.destinations().apply(d.dst());
            if (to == null || !forwarder.takeSlot()) {
                guestSide.udpUnreachable(d.src(), d.dst(), Refusal.ADMINISTRATIVELY_PROHIBITED, length);
                return;
            }
            Session fresh = new Session(k, to);
            sessions.put(k, fresh);
            try {
                fresh.port = upstream.udp().listen(0, to, fresh); // connected: ICMP errors come back
            } catch (IOException | RuntimeException e) {
                fresh.end();
                return;
            }
            opened.incrementAndGet();
            fresh.touch();
            loop().at(fresh.lastActive + idleNanos, fresh::check);
            s = fresh;
        }
        s.touch();
        try {
            upstream.udp().send(s.to, d.payload(), UdpSendOptions.fromPort(s.port));
        } catch (RefusedException | UnreachableException e) {
            refuse(k, (TcpipException) e, length);
        } catch (IOException e) {
            // the upstream could not send it (closed meanwhile): UDP may lose a datagram
        }
    }

    /** An upstream error about the flow {@code k}, said to the guest as ICMP: port, net or host unreachable. */
    private void refuse(Key k, TcpipException error, int length) throws IOException {
        Refusal how;
        if (error instanceof UnreachableException u) {
            forwarder.upstreamUnreachable.incrementAndGet();
            how = Forwarder.refusalFor(u);
        } else {
            portUnreachable.incrementAndGet();
            how = Refusal.PORT_UNREACHABLE;
        }
        guestSide.udpUnreachable(k.guest(), k.far(), how, length);
    }

    /** Ends every session: upstream ports closed, slots freed. */
    void close() {
        for (Session s : new ArrayList<>(sessions.values())) {
            s.end();
        }
    }
}
