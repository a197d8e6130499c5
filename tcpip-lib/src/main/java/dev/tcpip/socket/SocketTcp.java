package dev.tcpip.socket;

import dev.tcpip.FlowHandler;
import dev.tcpip.Keepalive;
import dev.tcpip.Ports;
import dev.tcpip.RefusedException;
import dev.tcpip.Tcp;
import dev.tcpip.TcpFlow;
import dev.tcpip.TimedOutException;
import dev.tcpip.UnreachableException;
import dev.tcpip.wire.AddressText;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import jdk.net.ExtendedSocketOptions;

/** TCP over java.nio sockets. */
public final class SocketTcp implements Tcp {

    private static final System.Logger LOG = System.getLogger("dev.tcpip.socket");

    private final SocketStack stack;
    private final PortTable<Listener> listeners;

    SocketTcp(SocketStack stack) {
        this.stack = stack;
        this.listeners = new PortTable<>(stack);
    }

    @Override
    public TcpFlow connect(InetSocketAddress dst) throws IOException {
        return connect(dst, null);
    }

    @Override
    public TcpFlow connect(InetSocketAddress dst, Keepalive keepalive) throws IOException {
        Objects.requireNonNull(dst, "dst");
        stack.ensureOpen();
        if (dst.isUnresolved()) {
            throw new UnreachableException("unresolved address: " + AddressText.of(dst));
        }
        InetAddress to = dst.getAddress();
        if (!stack.serves(to)) {
            throw new UnreachableException("a " + stack.config().family() + " stack does not reach " + AddressText.of(to),
                    UnreachableException.Scope.NETWORK, null);
        }
        SocketChannel ch = SocketChannel.open(SocketStack.familyOf(to));
        try {
            InetAddress local = stack.localFor(to);
            if (local != null) {
                ch.bind(new InetSocketAddress(local, 0));
            }
            if (keepalive != null) {
                applyKeepalive(ch, keepalive);
            }
            long millis = Math.max(1, stack.config().connectTimeout().toMillis());
            ch.socket().connect(dst, (int) Math.min(millis, Integer.MAX_VALUE));
            return SocketFlow.open(stack, ch, true);
        } catch (IOException | UnresolvedAddressException | UnsupportedAddressTypeException e) {
            SocketStack.closeQuietly(ch);
            throw mapConnectError(dst, e);
        }
    }

    /** The kernel's connect errors as the seed's typed errors. */
    static IOException mapConnectError(InetSocketAddress dst, Exception e) {
        String to = AddressText.of(dst);
        return switch (e) {
            case ConnectException c when c.getMessage() != null && c.getMessage().contains("refused") ->
                    new RefusedException("connection to " + to + " refused", e);
            case SocketTimeoutException t -> new TimedOutException("connection to " + to + " timed out", e);
            // EHOSTUNREACH is NoRouteToHostException; ENETUNREACH a SocketException "Network is unreachable".
            case NoRouteToHostException n -> new UnreachableException("no route to " + to, e);
            case SocketException s when s.getMessage() != null && s.getMessage().contains("unreachable") ->
                    new UnreachableException(to + ": " + s.getMessage(), scopeOf(s), e);
            case UnresolvedAddressException u -> new UnreachableException("unresolved address: " + to, e);
            case UnsupportedAddressTypeException u -> new UnreachableException("unsupported address: " + to, e);
            case IOException io -> io;
            default -> new IOException(e);
        };
    }

    /** ENETUNREACH ("Network is unreachable") or else a host. */
    static UnreachableException.Scope scopeOf(SocketException e) {
        return e.getMessage() != null && e.getMessage().startsWith("Network")
                ? UnreachableException.Scope.NETWORK : UnreachableException.Scope.HOST;
    }

    static void applyKeepalive(SocketChannel ch, Keepalive k) throws IOException {
        ch.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        ch.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, Keepalive.ceilSeconds(k.after()));
        ch.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, Keepalive.ceilSeconds(k.interval()));
        ch.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, k.probes());
    }

    @Override
    public int listen(int port, Keepalive keepalive, FlowHandler handler) throws IOException {
        Ports.check(port);
        Objects.requireNonNull(handler, "handler");
        stack.ensureOpen();
        PortTable.Bound<ServerSocketChannel> b = listeners.bind(port,
                addr -> ServerSocketChannel.open(SocketStack.familyOf(addr)));
        Listener l = new Listener(b.port(), b.channels(), keepalive, handler);
        listeners.put(b.port(), l);
        l.start();
        return b.port();
    }

    @Override
    public void unlisten(int port) {
        listeners.unlisten(port);
    }

    void closeListeners() {
        listeners.closeAll();
    }

    /** One listening port: one or two server sockets, each with an accepting virtual thread. */
    private final class Listener implements java.io.Closeable {
        private final int port;
        private final List<ServerSocketChannel> channels;
        private final Keepalive keepalive;
        private final FlowHandler handler;
        private final List<Thread> acceptors = new ArrayList<>(2);

        Listener(int port, List<ServerSocketChannel> channels, Keepalive keepalive, FlowHandler handler) {
            this.port = port;
            this.channels = channels;
            this.keepalive = keepalive;
            this.handler = handler;
        }

        void start() {
            for (ServerSocketChannel ch : channels) {
                acceptors.add(Thread.ofVirtual().name("tcpip-accept-" + port).start(() -> acceptLoop(ch)));
            }
        }

        private void acceptLoop(ServerSocketChannel server) {
            while (server.isOpen()) {
                SocketChannel ch;
                try {
                    ch = server.accept();
                } catch (ClosedChannelException e) {
                    return; // unlisten or disconnect
                } catch (IOException e) {
                    // Out of file descriptors, say: back off a little rather than spin.
                    LOG.log(Level.WARNING, "accept on port " + port + " failed: " + e);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                    continue;
                }
                accepted(ch);
            }
        }

        private void accepted(SocketChannel ch) {
            SocketFlow flow;
            try {
                InetSocketAddress peer = (InetSocketAddress) ch.getRemoteAddress();
                if (!stack.serves(peer.getAddress())) {
                    SocketStack.closeQuietly(ch); // e.g. an IPv4 peer on an IPv6-only stack's :: socket
                    return;
                }
                if (keepalive != null) {
                    applyKeepalive(ch, keepalive);
                }
                flow = SocketFlow.open(stack, ch, false);
            } catch (IOException e) {
                SocketStack.closeQuietly(ch);
                return;
            }
            Thread.ofVirtual().name("tcpip-flow-" + port).start(() -> {
                try {
                    handler.handle(flow);
                } catch (Throwable t) {
                    LOG.log(Level.WARNING, "handler for port " + port + " failed; closing its flow", t);
                    flow.closeNow();
                }
            });
        }

        @Override
        public void close() {
            listeners.closed(port, this);
            channels.forEach(SocketStack::closeQuietly);
            PortTable.join(acceptors); // only then is the port free to bind again
        }
    }
}
