package dev.tcpip;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/** The UDP layer of a {@link Stack}: the seed's {@code Mirage_protocols.UDP}. */
public interface Udp {

    /** Sends one datagram from an ephemeral port with the default TTL / hop limit. */
    default void send(InetSocketAddress dst, ByteBuffer payload) throws IOException {
        send(dst, payload, UdpSendOptions.DEFAULT);
    }

    /**
     * Sends one datagram ({@code write ?src_port ?ttl ~dst ~dst_port}). The payload must not be reused.
     *
     * @throws UnreachableException no route, or the neighbour could not be resolved
     * @throws IllegalArgumentException the payload is larger than a datagram can carry (65,507 bytes over IPv4)
     */
    void send(InetSocketAddress dst, ByteBuffer payload, UdpSendOptions options) throws IOException;

    /**
     * Delivers every datagram that arrives on {@code port} to {@code handler}, one at a time in arrival
     * order, on a thread of the stack's (a virtual thread). Listening again on a port replaces the
     * handler. A handler that throws is logged; delivery goes on.
     *
     * @param port 0..65535; 0 picks a free port
     * @return the port actually listened on
     * @throws IllegalArgumentException {@code port} is outside 0..65535
     */
    int listen(int port, DatagramHandler handler) throws IOException;

    /**
     * Listens on {@code port} for datagrams from {@code remote} only (a connected socket: others are dropped), and
     * reports ICMP errors about datagrams sent from this port to it through
     * {@link DatagramHandler#unreachable}. Send to {@code remote} with {@link UdpSendOptions#fromPort} of the port
     * returned. For a flow with one peer, such as a forwarded UDP flow.
     */
    default int listen(int port, InetSocketAddress remote, DatagramHandler handler) throws IOException {
        return listen(port, new DatagramHandler() {
            @Override
            public void handle(Datagram d) throws Exception {
                if (d.src().equals(remote)) {
                    handler.handle(d);
                }
            }

            @Override
            public void unreachable(InetSocketAddress dst, TcpipException error) throws Exception {
                handler.unreachable(dst, error);
            }
        });
    }

    /** Stops delivering datagrams for {@code port}. No-op if not listening. */
    void unlisten(int port);
}
