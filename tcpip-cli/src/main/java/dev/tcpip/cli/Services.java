package dev.tcpip.cli;

import dev.tcpip.Datagram;
import dev.tcpip.ReadResult;
import dev.tcpip.Stack;
import dev.tcpip.TcpFlow;
import dev.tcpip.UdpSendOptions;
import java.io.IOException;
import java.nio.ByteBuffer;

/** The simple services of {@code tcpip serve}. */
final class Services {

    private Services() {
    }

    /** RFC 862: sends back every byte; when the peer half-closes, finishes echoing and closes. */
    static void echo(TcpFlow flow) throws IOException {
        while (flow.read() instanceof ReadResult.Data(ByteBuffer bytes)) {
            flow.write(bytes); // read hands over a fresh buffer, which write may keep
        }
        flow.close();
    }

    /** RFC 863: reads and drops everything; closes when the peer closes. */
    static void discard(TcpFlow flow) throws IOException {
        while (flow.read() instanceof ReadResult.Data) {
            // dropped
        }
        flow.close();
    }

    /** Sends a datagram back to where it came from, from the port it arrived on. */
    static void udpEcho(Stack stack, int port, Datagram d) throws IOException {
        stack.udp().send(d.src(), d.payload(), UdpSendOptions.fromPort(port));
    }
}
