package dev.tcpip.net;

import dev.tcpip.Stack;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Objects;

/**
 * A {@code java.net.ServerSocket} over {@code Tcp.listen} of a {@link Stack}: {@link #accept()} returns
 * {@link StackSocket}s from a bounded accept queue (the backlog; a flow arriving when it is full is reset). Made by
 * {@link StackServerSocketFactory}. {@code SO_TIMEOUT} bounds {@code accept} ({@code SocketTimeoutException}); close
 * stops listening, resets the flows not yet accepted and wakes a blocked {@code accept} with a
 * {@code SocketException}.
 */
public final class StackServerSocket extends ServerSocket {

    private final Stack stack;
    private final ListenerSocketImpl impl;

    StackServerSocket(Stack stack) {
        this(stack, new ListenerSocketImpl(stack));
    }

    private StackServerSocket(Stack stack, ListenerSocketImpl impl) {
        super(impl);
        this.stack = Objects.requireNonNull(stack, "stack");
        this.impl = impl;
    }

    @Override
    public Socket accept() throws IOException {
        if (isClosed()) {
            throw new SocketException("Socket is closed");
        }
        if (!isBound()) {
            throw new SocketException("Socket is not bound yet");
        }
        StackSocket s = new StackSocket(stack);
        implAccept(s);
        return s;
    }

    /** Connections reset because the accept queue was full. */
    public long refused() {
        return impl.refused();
    }
}
