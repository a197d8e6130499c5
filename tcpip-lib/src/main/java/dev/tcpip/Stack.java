package dev.tcpip;

/**
 * A network stack: a TCP layer and a UDP layer over one implementation, either the host's sockets
 * ({@code dev.tcpip.socket.SocketStack}) or the pure-Java direct stack. Application code written
 * against this interface runs unchanged on both.
 */
public interface Stack extends AutoCloseable {

    /** The TCP layer of this stack. */
    Tcp tcp();

    /** The UDP layer of this stack. */
    Udp udp();

    /** The most rows {@link #flows()} returns. */
    int FLOWS_LIMIT = 1024;

    /**
     * The live TCP flows of this stack with their info, at most {@link #FLOWS_LIMIT} of them: flows connecting or
     * handed to the application that have not ended (a flow in TIME-WAIT, closed or aborted is no longer listed).
     * Stack-wide counters are not here (the direct stack's {@code counters()}). Never throws; empty once the stack
     * is disconnected.
     */
    java.util.List<FlowInfo> flows();

    /**
     * Closes every listener and every flow of this stack and releases its resources. Blocked calls on
     * its flows return ({@code read} gives {@code Eof}, {@code write} throws {@link ClosedException});
     * later {@code connect} and {@code listen} calls throw {@link ClosedException}. Idempotent.
     */
    void disconnect();

    /** The same as {@link #disconnect()}, so that a stack can sit in try-with-resources. */
    @Override
    default void close() {
        disconnect();
    }
}
