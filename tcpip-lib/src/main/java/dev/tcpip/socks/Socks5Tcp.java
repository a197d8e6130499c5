package dev.tcpip.socks;

import dev.tcpip.FlowHandler;
import dev.tcpip.Keepalive;
import dev.tcpip.Ports;
import dev.tcpip.Tcp;
import dev.tcpip.TcpFlow;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * TCP through the proxy: each {@code connect} is a SOCKS5 CONNECT (RFC 1928 §4) on a connection of its own. An
 * unresolved address ({@link InetSocketAddress#createUnresolved}, or {@link #connect(String, int)}) is sent as a
 * domain name for the proxy to resolve; a resolved one as its IPv4 or IPv6 address. No BIND: {@link #listen} throws.
 */
public final class Socks5Tcp implements Tcp {
    private final Socks5Stack stack;

    Socks5Tcp(Socks5Stack stack) {
        this.stack = stack;
    }

    @Override
    public TcpFlow connect(InetSocketAddress dst) throws IOException {
        return connect(dst, null);
    }

    /** See {@link Socks5Stack} for the exceptions a failure reply becomes. */
    @Override
    public TcpFlow connect(InetSocketAddress dst, Keepalive keepalive) throws IOException {
        Objects.requireNonNull(dst, "dst");
        stack.ensureOpen();
        Counters c = stack.counters();
        Handshake.Granted g;
        try {
            g = Handshake.run(stack.underlying(), stack.config(), c, keepalive, Socks5Wire.CMD_CONNECT, f -> dst);
        } catch (IOException | RuntimeException e) {
            c.connectFailures.incrementAndGet();
            throw e;
        }
        c.connects.incrementAndGet();
        return stack.track(g.flow(), dst, g.leftover());
    }

    /** A CONNECT to a host name the proxy resolves (ATYP 3, RFC 1928 §5); {@code dst()} is the unresolved name. */
    public TcpFlow connect(String host, int port) throws IOException {
        return connect(InetSocketAddress.createUnresolved(host, Ports.check(port)), null);
    }

    /** As {@link #connect(String, int)}, with TCP keep-alive on the connection to the proxy. */
    public TcpFlow connect(String host, int port, Keepalive keepalive) throws IOException {
        return connect(InetSocketAddress.createUnresolved(host, Ports.check(port)), keepalive);
    }

    /** Not offered: SOCKS5 BIND accepts one connection per request, not a listener. */
    @Override
    public int listen(int port, Keepalive keepalive, FlowHandler handler) {
        throw new UnsupportedOperationException(
                "a SOCKS5 stack cannot listen: BIND (RFC 1928 §4) is not implemented; listen on the underlying stack");
    }

    @Override
    public void unlisten(int port) {
        // nothing listens
    }
}
