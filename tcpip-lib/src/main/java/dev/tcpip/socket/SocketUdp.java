package dev.tcpip.socket;

import dev.tcpip.Datagram;
import dev.tcpip.DatagramHandler;
import dev.tcpip.Ports;
import dev.tcpip.RefusedException;
import dev.tcpip.Udp;
import dev.tcpip.UdpSendOptions;
import dev.tcpip.UnreachableException;
import dev.tcpip.wire.AddressText;
import java.io.Closeable;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.ProtocolFamily;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/** UDP over java.nio datagram channels. */
public final class SocketUdp implements Udp {

    private static final System.Logger LOG = System.getLogger("dev.tcpip.socket");
    /** RFC 768 over IPv4: 65,535 minus the IPv4 (20) and UDP (8) headers. */
    static final int MAX_IPV4_PAYLOAD = 65_507;
    /** Over IPv6 without jumbograms: 65,535 minus the UDP header (the IPv6 header is not counted). */
    static final int MAX_IPV6_PAYLOAD = 65_527;

    private final SocketStack stack;
    private final PortTable<Receiver> receivers;
    /** Channels for sending from an ephemeral port, one per address family, opened on first use. */
    private final Map<ProtocolFamily, DatagramChannel> senders = new ConcurrentHashMap<>();

    SocketUdp(SocketStack stack) {
        this.stack = stack;
        this.receivers = new PortTable<>(stack);
    }

    @Override
    public void send(InetSocketAddress dst, ByteBuffer payload, UdpSendOptions options) throws IOException {
        Objects.requireNonNull(dst, "dst");
        Objects.requireNonNull(options, "options");
        stack.ensureOpen();
        if (dst.isUnresolved()) {
            throw new UnreachableException("unresolved address: " + AddressText.of(dst));
        }
        InetAddress to = dst.getAddress();
        if (!stack.serves(to)) {
            throw new UnreachableException("a " + stack.config().family() + " stack does not reach " + AddressText.of(to),
                    UnreachableException.Scope.NETWORK, null);
        }
        int max = to instanceof Inet4Address ? MAX_IPV4_PAYLOAD : MAX_IPV6_PAYLOAD;
        if (payload.remaining() > max) {
            throw new IllegalArgumentException("a UDP payload of " + payload.remaining()
                    + " bytes is larger than the " + max + " a datagram can carry");
        }
        if (options.ttl() != -1) {
            throw new UnsupportedOperationException("the socket stack cannot set a unicast TTL (java.nio has no IP_TTL)");
        }
        if (options.src() != null) {
            throw new UnsupportedOperationException(
                    "the socket stack cannot choose a datagram's source address (java.nio has no IP_PKTINFO)");
        }
        try {
            if (options.srcPort() == 0) {
                sender(to).send(payload, dst);
                return;
            }
            Receiver r = receivers.get(options.srcPort());
            if (r != null) {
                r.channel(to).send(payload, dst); // replies leave from the port being listened on
                return;
            }
            try (DatagramChannel once = DatagramChannel.open(SocketStack.familyOf(to))) {
                once.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                once.bind(new InetSocketAddress(bindAddress(to), options.srcPort()));
                once.send(payload, dst);
            }
        } catch (PortUnreachableException e) {
            // A connected port (listen with a remote) hears of an earlier datagram's ICMP port unreachable here.
            throw new RefusedException(AddressText.of(dst) + ": port unreachable", e);
        } catch (NoRouteToHostException e) {
            throw new UnreachableException("no route to " + AddressText.of(dst), e);
        } catch (SocketException e) {
            if (e.getMessage() != null && e.getMessage().contains("unreachable")) {
                throw new UnreachableException(AddressText.of(dst) + ": " + e.getMessage(), SocketTcp.scopeOf(e), e);
            }
            throw e;
        }
    }

    private DatagramChannel sender(InetAddress to) throws IOException {
        ProtocolFamily family = SocketStack.familyOf(to);
        DatagramChannel ch = senders.get(family);
        if (ch != null) {
            return ch;
        }
        synchronized (senders) {
            ch = senders.get(family);
            if (ch == null) {
                ch = DatagramChannel.open(family);
                ch.bind(new InetSocketAddress(bindAddress(to), 0));
                stack.track(ch);
                senders.put(family, ch);
            }
            return ch;
        }
    }

    private InetAddress bindAddress(InetAddress to) {
        InetAddress local = stack.localFor(to);
        if (local != null) {
            return local;
        }
        return to instanceof Inet4Address ? SocketStack.anyV4() : SocketStack.anyV6();
    }

    @Override
    public int listen(int port, DatagramHandler handler) throws IOException {
        Ports.check(port);
        Objects.requireNonNull(handler, "handler");
        stack.ensureOpen();
        PortTable.Bound<DatagramChannel> b = receivers.bind(port, a -> DatagramChannel.open(SocketStack.familyOf(a)));
        Receiver r = new Receiver(b.port(), b.channels(), handler);
        receivers.put(b.port(), r);
        r.start();
        return b.port();
    }

    /**
     * A connected port: the kernel reports ICMP port unreachable only to a connected UDP socket (as
     * {@link PortUnreachableException} on a receive or send), so this port's channel is connected to {@code remote}.
     */
    @Override
    public int listen(int port, InetSocketAddress remote, DatagramHandler handler) throws IOException {
        Ports.check(port);
        Objects.requireNonNull(remote, "remote");
        Objects.requireNonNull(handler, "handler");
        stack.ensureOpen();
        InetAddress to = remote.getAddress();
        if (to == null || !stack.serves(to)) {
            throw new UnreachableException("a " + stack.config().family() + " stack does not reach " + AddressText.of(remote),
                    UnreachableException.Scope.NETWORK, null);
        }
        if (port != 0) {
            receivers.unlisten(port);
        }
        DatagramChannel ch = DatagramChannel.open(SocketStack.familyOf(to));
        int bound;
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(new InetSocketAddress(bindAddress(to), port));
            ch.connect(remote);
            bound = ((InetSocketAddress) ch.getLocalAddress()).getPort();
        } catch (IOException e) {
            SocketStack.closeQuietly(ch);
            throw e;
        }
        Receiver r = new Receiver(bound, List.of(ch), handler);
        receivers.put(bound, r);
        r.start();
        return bound;
    }

    @Override
    public void unlisten(int port) {
        receivers.unlisten(port);
    }

    void closeAll() {
        receivers.closeAll();
        senders.values().forEach(SocketStack::closeQuietly);
        senders.clear();
    }

    /** One listening port: its channels, each with a receiving virtual thread calling the handler in order. */
    private final class Receiver implements Closeable {
        private final int port;
        private final List<DatagramChannel> channels;
        private final DatagramHandler handler;
        private final List<Thread> threads = new ArrayList<>(2);

        Receiver(int port, List<DatagramChannel> channels, DatagramHandler handler) {
            this.port = port;
            this.channels = channels;
            this.handler = handler;
        }

        private static InetSocketAddress remoteOf(DatagramChannel ch) {
            try {
                return (InetSocketAddress) ch.getRemoteAddress();
            } catch (IOException e) {
                return null;
            }
        }

        DatagramChannel channel(InetAddress to) {
            if (channels.size() == 1) {
                return channels.getFirst();
            }
            return to instanceof Inet4Address ? channels.get(0) : channels.get(1);
        }

        void start() {
            for (DatagramChannel ch : channels) {
                threads.add(Thread.ofVirtual().name("tcpip-udp-" + port).start(() -> receiveLoop(ch)));
            }
        }

        private void receiveLoop(DatagramChannel ch) {
            ByteBuffer buf = ByteBuffer.allocateDirect(65_536);
            InetSocketAddress local;
            try {
                local = (InetSocketAddress) ch.getLocalAddress();
            } catch (IOException e) {
                return;
            }
            while (ch.isOpen()) {
                InetSocketAddress from;
                buf.clear();
                try {
                    from = (InetSocketAddress) ch.receive(buf);
                } catch (ClosedChannelException e) {
                    return;
                } catch (PortUnreachableException e) {
                    InetSocketAddress remote = remoteOf(ch);
                    if (remote != null) {                   // a connected port: ICMP port unreachable came back
                        try {
                            handler.unreachable(remote, new RefusedException(remote + ": port unreachable", e));
                        } catch (Throwable t) {
                            LOG.log(Level.WARNING, "UDP handler for port " + port + " failed", t);
                        }
                    }
                    continue;
                } catch (IOException e) {
                    // ICMP errors from earlier sends surface here on Linux (ECONNREFUSED): not fatal.
                    continue;
                }
                if (from == null || !stack.serves(from.getAddress())) {
                    continue;
                }
                buf.flip();
                ByteBuffer payload = ByteBuffer.allocate(buf.remaining());
                payload.put(buf).flip();
                try {
                    handler.handle(new Datagram(from, local, payload));
                } catch (Throwable t) {
                    LOG.log(Level.WARNING, "UDP handler for port " + port + " failed", t);
                }
            }
        }

        @Override
        public void close() {
            receivers.closed(port, this);
            channels.forEach(SocketStack::closeQuietly);
            PortTable.join(threads);
        }
    }
}
