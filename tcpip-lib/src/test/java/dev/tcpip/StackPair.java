package dev.tcpip;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * What a conformance test runs on: a server stack, a client stack that can reach it, and the server's
 * address as the client sees it. For the socket stack both are the host's loopback; for the direct stack,
 * two stacks on an in-memory network.
 */
public interface StackPair extends AutoCloseable {

    Stack server();

    Stack client();

    /** The server's address as the client reaches it. */
    InetAddress serverAddress();

    default InetSocketAddress server(int port) {
        return new InetSocketAddress(serverAddress(), port);
    }

    @Override
    default void close() {
        client().disconnect();
        server().disconnect();
    }
}
