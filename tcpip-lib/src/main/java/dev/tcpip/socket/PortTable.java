package dev.tcpip.socket;

import dev.tcpip.ClosedException;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The listening ports of one layer (TCP or UDP) of a socket stack: listening again on a port replaces
 * its listener, {@code unlisten} and {@code disconnect} close them.
 */
final class PortTable<L extends Closeable> {

    /** Opens an unbound channel for a local address. */
    @FunctionalInterface
    interface Opener<C> {
        C open(InetAddress address) throws IOException;
    }

    /** The channels bound for one listener, and the port they share. */
    record Bound<C>(List<C> channels, int port) {
    }

    /** Connections the kernel completes before they are accepted (Linux caps it at somaxconn). */
    static final int ACCEPT_BACKLOG = 1024;

    private final SocketStack stack;
    private final Map<Integer, L> byPort = new ConcurrentHashMap<>();

    PortTable(SocketStack stack) {
        this.stack = stack;
    }

    /**
     * Binds one channel per listening address of the stack to {@code port} (0: the first one picks a
     * port, the others take the same), closing the port's current listener first so that it can be
     * bound again. All or nothing: on failure every channel opened is closed.
     */
    <C extends NetworkChannel> Bound<C> bind(int port, Opener<C> opener) throws IOException {
        if (port != 0) {
            unlisten(port);
        }
        List<C> channels = new ArrayList<>(2);
        int bound = port;
        try {
            for (InetAddress addr : stack.listenAddresses()) {
                C ch = opener.open(addr);
                channels.add(ch);
                ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                InetSocketAddress local = new InetSocketAddress(addr, bound);
                if (ch instanceof ServerSocketChannel server) {
                    server.bind(local, ACCEPT_BACKLOG);
                } else {
                    ch.bind(local);
                }
                bound = ((InetSocketAddress) ch.getLocalAddress()).getPort();
            }
        } catch (IOException e) {
            channels.forEach(SocketStack::closeQuietly);
            throw e;
        }
        return new Bound<>(channels, bound);
    }

    /** Makes {@code listener} the one for {@code port}, replacing (and closing) any other. */
    void put(int port, L listener) throws ClosedException {
        L previous = byPort.put(port, listener);
        if (previous != null) {
            SocketStack.closeQuietly(previous);
        }
        stack.track(listener);
    }

    L get(int port) {
        return byPort.get(port);
    }

    /** Called by a listener that closes itself. */
    void closed(int port, L listener) {
        stack.untrack(listener);
        byPort.remove(port, listener);
    }

    void unlisten(int port) {
        L l = byPort.remove(port);
        if (l != null) {
            SocketStack.closeQuietly(l);
        }
    }

    void closeAll() {
        for (L l : List.copyOf(byPort.values())) {
            SocketStack.closeQuietly(l);
        }
        byPort.clear();
    }

    /** Waits (bounded) for a listener's threads to finish, so that its port is free when close returns. */
    static void join(List<Thread> threads) {
        for (Thread t : threads) {
            if (t != null && t != Thread.currentThread()) {
                try {
                    t.join(Duration.ofSeconds(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
