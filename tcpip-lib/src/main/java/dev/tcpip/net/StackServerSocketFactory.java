package dev.tcpip.net;

import dev.tcpip.Stack;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Objects;
import javax.net.ServerSocketFactory;

/**
 * A {@code javax.net.ServerSocketFactory} whose server sockets listen on one {@link Stack} ({@code Tcp.listen}) and
 * accept {@link StackSocket}s: see {@link StackServerSocket}. Port 0 picks a free port
 * ({@code getLocalPort()} tells which).
 */
public final class StackServerSocketFactory extends ServerSocketFactory {

    private final Stack stack;

    public StackServerSocketFactory(Stack stack) {
        this.stack = Objects.requireNonNull(stack, "stack");
    }

    /** An unbound server socket; {@code bind} listens. */
    @Override
    public ServerSocket createServerSocket() {
        return new StackServerSocket(stack);
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
        return bound(port, 50, null);
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog) throws IOException {
        return bound(port, backlog, null);
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress ifAddress) throws IOException {
        return bound(port, backlog, ifAddress);
    }

    private ServerSocket bound(int port, int backlog, InetAddress address) throws IOException {
        ServerSocket s = createServerSocket();
        try {
            s.bind(address == null ? new InetSocketAddress(port) : new InetSocketAddress(address, port), backlog);
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }
}
