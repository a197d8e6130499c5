package dev.tcpip.cli;

import dev.tcpip.Datagram;
import dev.tcpip.Stack;
import dev.tcpip.UdpSendOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code --publish udp:HOSTPORT:GUESTPORT}: the host's stack listens on HOSTPORT; each host source is a session
 * with a port of its own on the guest side, so that the guest's replies find their way back to that source. At most
 * {@link #MAX_SESSIONS} sessions (datagrams from further sources are dropped, counted); a session idle for the UDP
 * timeout ends, its guest-side port closed.
 */
final class PublishedUdp implements AutoCloseable {
    static final int MAX_SESSIONS = 256;

    private record Session(int guestSidePort, AtomicLong lastUsed) {
    }

    private final Stack host;
    private final Stack guestSide;
    private final InetSocketAddress guest;
    private final int hostPort;
    private final long idleNanos;
    private final Map<InetSocketAddress, Session> sessions = new ConcurrentHashMap<>();
    private final Thread sweeper;
    final AtomicLong dropped = new AtomicLong();
    private volatile boolean closed;

    private PublishedUdp(Stack host, Stack guestSide, InetSocketAddress guest, int hostPort, Duration idle) {
        this.host = host;
        this.guestSide = guestSide;
        this.guest = guest;
        this.hostPort = hostPort;
        this.idleNanos = idle.toNanos();
        this.sweeper = Thread.ofVirtual().name("publish-udp-" + hostPort).unstarted(this::sweep);
    }

    static PublishedUdp start(Stack host, Stack guestSide, InetSocketAddress guest, int hostPort, Duration idle)
            throws IOException {
        PublishedUdp p = new PublishedUdp(host, guestSide, guest, hostPort, idle);
        host.udp().listen(hostPort, p::fromHost);
        p.sweeper.start();
        return p;
    }

    private void fromHost(Datagram d) throws IOException {
        Session s = sessions.get(d.src());
        if (s == null) {
            if (closed || sessions.size() >= MAX_SESSIONS) {
                dropped.incrementAndGet();
                return;
            }
            InetSocketAddress source = d.src();
            int port = guestSide.udp().listen(0, guest, reply -> host.udp().send(source, reply.payload(),
                    new UdpSendOptions(hostPort, -1, null)));
            s = new Session(port, new AtomicLong());
            sessions.put(source, s);
        }
        s.lastUsed.set(System.nanoTime());
        guestSide.udp().send(guest, d.payload(), new UdpSendOptions(s.guestSidePort(), -1, null));
    }

    /** Ends sessions idle for longer than the timeout; checks once a second. */
    private void sweep() {
        while (!closed) {
            try {
                Thread.sleep(Duration.ofSeconds(1));            // a periodic check, not synchronisation
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            sessions.entrySet().removeIf(e -> {
                boolean idle = now - e.getValue().lastUsed().get() > idleNanos;
                if (idle) {
                    guestSide.udp().unlisten(e.getValue().guestSidePort());
                }
                return idle;
            });
        }
    }

    @Override
    public void close() {
        closed = true;
        sweeper.interrupt();
        host.udp().unlisten(hostPort);
        sessions.values().forEach(s -> guestSide.udp().unlisten(s.guestSidePort()));
        sessions.clear();
    }
}
