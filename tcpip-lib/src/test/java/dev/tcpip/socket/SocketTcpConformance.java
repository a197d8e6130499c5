package dev.tcpip.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.Keepalive;
import dev.tcpip.Stack;
import dev.tcpip.StackPair;
import dev.tcpip.TcpConformance;
import dev.tcpip.TcpFlow;
import java.net.InetAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import jdk.net.ExtendedSocketOptions;

/** The conformance suite on the socket stack: the settings are read back from the kernel's socket. */
abstract class SocketTcpConformance extends TcpConformance {

    static StackPair pairOf(Stack server, Stack client, String address) {
        InetAddress a = InetAddress.ofLiteral(address);
        return new StackPair() {
            @Override
            public Stack server() {
                return server;
            }

            @Override
            public Stack client() {
                return client;
            }

            @Override
            public InetAddress serverAddress() {
                return a;
            }
        };
    }

    @Override
    protected void assertKeepaliveApplied(TcpFlow flow, Keepalive k) throws Exception {
        SocketChannel ch = ((SocketFlow) flow).channel0();
        assertTrue(ch.getOption(StandardSocketOptions.SO_KEEPALIVE), "SO_KEEPALIVE");
        assertEquals(Keepalive.ceilSeconds(k.after()), ch.getOption(ExtendedSocketOptions.TCP_KEEPIDLE));
        assertEquals(Keepalive.ceilSeconds(k.interval()), ch.getOption(ExtendedSocketOptions.TCP_KEEPINTERVAL));
        assertEquals(k.probes(), ch.getOption(ExtendedSocketOptions.TCP_KEEPCOUNT));
    }

    @Override
    protected void assertNoDelay(TcpFlow flow, boolean expected) throws Exception {
        assertEquals(expected, ((SocketFlow) flow).noDelay(), "TCP_NODELAY");
    }
}
