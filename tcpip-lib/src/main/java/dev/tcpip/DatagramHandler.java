package dev.tcpip;

/** The callback of {@link Udp#listen}. */
@FunctionalInterface
public interface DatagramHandler {
    void handle(Datagram datagram) throws Exception;

    /**
     * An ICMP destination unreachable came back about a datagram sent from this port to {@code dst} (port unreachable
     * gives {@link RefusedException}, others {@link UnreachableException}). Called on the same thread as
     * {@link #handle}. Ignored by default. The direct stack reports it for every listener; the socket stack only on a
     * port listened on with {@link Udp#listen(int, java.net.InetSocketAddress, DatagramHandler)}, since the kernel
     * reports it only to a connected socket.
     */
    default void unreachable(java.net.InetSocketAddress dst, TcpipException error) throws Exception {
    }
}
