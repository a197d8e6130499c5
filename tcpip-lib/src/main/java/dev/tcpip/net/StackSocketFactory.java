package dev.tcpip.net;

import dev.tcpip.Stack;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.Objects;
import javax.net.SocketFactory;

/**
 * A {@code javax.net.SocketFactory} whose sockets are {@link dev.tcpip.TcpFlow}s of one {@link Stack}, so that a
 * library that takes a socket factory (OkHttp, Apache HttpClient, JDBC drivers, mail clients) runs over the direct
 * stack unchanged. The sockets are {@link StackSocket}s; what each operation does:
 *
 * <ul>
 *   <li>{@code connect(address, timeout)}: {@code Tcp.connect}, bounded by the timeout (and by the stack's own
 *   connect timeout). Refused: {@code ConnectException}; timed out: {@code SocketTimeoutException}; no route:
 *   {@code NoRouteToHostException}. Host names are resolved by the JDK ({@code InetAddress}) before the stack sees
 *   them.
 *   <li>Streams: reads and writes on the flow; {@code setSoTimeout} bounds each read
 *   ({@code SocketTimeoutException}, the socket stays usable and no byte is lost). A reset reads as
 *   {@code SocketException("Connection reset")}.
 *   <li>{@code shutdownInput} / {@code shutdownOutput}: {@code TcpFlow.shutdown(READ / WRITE)} (FIN).
 *   <li>{@code setTcpNoDelay(true)}: writes go through {@code writeNodelay}.
 *   <li>{@code setKeepAlive(true)}: the stack's keep-alive with Linux's defaults (7200 s, 75 s, 9 probes), at
 *   connect or on the open flow ({@code TcpFlow.setKeepalive}).
 *   <li>{@code close}: FIN at once and return; the flow's close finishes in the background (reset if the peer has
 *   not closed within 60 s). {@code setSoLinger(true, 0)} resets instead; {@code setSoLinger(true, n)} waits up to n
 *   seconds for the peer's FIN.
 *   <li>Local and remote addresses and ports: the flow's {@code src()} and {@code dst()}.
 *   <li>Not supported: binding a local address or port before connecting (only the wildcard and port 0), urgent
 *   data, datagram sockets. Buffer sizes, {@code SO_REUSEADDR} and the traffic class are accepted and reported
 *   back but change nothing.
 * </ul>
 *
 * <p>Threads: connects, reads under a timeout and closes run on virtual threads of their own, which a
 * {@code dev.tcpip.time.Simulation} does not know of: use these sockets with stacks on real time (a memory network
 * in real time, a TAP device, the socket stack).
 */
public final class StackSocketFactory extends SocketFactory {

    private final Stack stack;

    public StackSocketFactory(Stack stack) {
        this.stack = Objects.requireNonNull(stack, "stack");
    }

    /** The stack the sockets run on. */
    public Stack stack() {
        return stack;
    }

    /** An unconnected socket; {@code connect} opens its flow. */
    @Override
    public Socket createSocket() throws SocketException {
        return new StackSocket(stack);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
    }

    private Socket connected(InetSocketAddress to, InetSocketAddress local) throws IOException {
        Socket s = createSocket();
        try {
            if (local != null) {
                s.bind(local);
            }
            s.connect(to);
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }
}
