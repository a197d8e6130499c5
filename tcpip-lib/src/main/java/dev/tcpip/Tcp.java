package dev.tcpip;

import java.io.IOException;
import java.net.InetSocketAddress;

/** The TCP layer of a {@link Stack}: the seed's {@code Mirage_protocols.TCP}. */
public interface Tcp {

    /**
     * Opens a connection to {@code dst} ({@code create_connection}). Blocks until it is established.
     *
     * @throws RefusedException     the peer answered with a reset (or ICMP port/protocol unreachable)
     * @throws TimedOutException    no answer within the stack's connect timeout
     * @throws UnreachableException no route to {@code dst}, or the address family is not served
     * @throws ClosedException      the stack was disconnected
     */
    TcpFlow connect(InetSocketAddress dst) throws IOException;

    /**
     * Opens a connection with TCP keep-alive ({@code create_connection ~keepalive}). When the
     * connection is idle, probes are sent; if {@link Keepalive#probes()} of them go unanswered the
     * connection ends: {@code read} gives {@code Eof} and {@code write} throws {@link ClosedException}.
     */
    TcpFlow connect(InetSocketAddress dst, Keepalive keepalive) throws IOException;

    /**
     * Listens on {@code port} ({@code listen ~port}). The handler runs on its own virtual thread for each
     * established flow. A handler that throws is logged and its flow closed; the listener goes on.
     * Listening again on the same port replaces the previous listener.
     *
     * @param port 0..65535; 0 picks a free port
     * @return the port actually listened on (the chosen one when {@code port} was 0)
     * @throws IllegalArgumentException {@code port} is outside 0..65535
     * @throws IOException              the port cannot be bound, or the stack was disconnected
     */
    default int listen(int port, FlowHandler handler) throws IOException {
        return listen(port, null, handler);
    }

    /**
     * Listens on {@code port} with keep-alive ({@code listen ~port ~keepalive}); the keep-alive settings
     * are applied to each flow before the handler is called. {@code keepalive} may be null (none).
     */
    int listen(int port, Keepalive keepalive, FlowHandler handler) throws IOException;

    /** Stops accepting connections on {@code port}; established flows go on. No-op if not listening. */
    void unlisten(int port);
}
