package dev.tcpip;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;

/** Servers the tests run on a stack, and a loopback port that nobody listens on. */
public final class TestServers {

    private TestServers() {
    }

    /** TCP echo that writes back each read as it comes, then closes after the peer's FIN; returns the port. */
    public static int tcpEcho(Stack stack) throws IOException {
        return stack.tcp().listen(0, flow -> {
            while (flow.read() instanceof ReadResult.Data(ByteBuffer b)) {
                flow.write(b);
            }
            flow.close();
        });
    }

    /** TCP echo that reads everything (at most 4 MiB) up to the peer's FIN, then writes it back and closes. */
    public static int halfCloseEcho(Stack stack) throws IOException {
        return stack.tcp().listen(0, flow -> {
            byte[] all = Payloads.readToEof(flow, 4 << 20);
            flow.write(ByteBuffer.wrap(all));
            flow.close();
        });
    }

    /** UDP echo: each datagram back to its source from the port it came to; returns the port. */
    public static int udpEcho(Stack stack) throws IOException {
        return stack.udp().listen(0, d -> stack.udp().send(d.src(), d.payload(),
                UdpSendOptions.fromPort(d.dst().getPort())));
    }

    /** A port of 127.0.0.1 that was free a moment ago: bound, then closed, so nobody listens there now. */
    public static int closedLoopbackPort() throws IOException {
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            probe.bind(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0));
            return ((InetSocketAddress) probe.getLocalAddress()).getPort();
        }
    }
}
