package dev.tcpip.net;

import dev.tcpip.Stack;
import dev.tcpip.TcpFlow;
import java.net.Socket;
import java.net.SocketException;

/**
 * A {@code java.net.Socket} whose connection is a {@link TcpFlow} of a {@link Stack} (see {@link StackSocketFactory}
 * for what it does and does not do). Made by {@link StackSocketFactory} and by {@link StackServerSocket#accept()}.
 */
public final class StackSocket extends Socket {

    private final FlowSocketImpl impl;

    StackSocket(Stack stack) throws SocketException {
        this(new FlowSocketImpl(stack));
    }

    private StackSocket(FlowSocketImpl impl) throws SocketException {
        super(impl);
        this.impl = impl;
    }

    /** The flow under this socket, for its {@link TcpFlow#info()}; null until connected. */
    public TcpFlow flow() {
        return impl.flow();
    }
}
