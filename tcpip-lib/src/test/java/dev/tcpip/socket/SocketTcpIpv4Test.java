package dev.tcpip.socket;

import dev.tcpip.StackPair;

/** The TCP conformance suite on the socket stack: IPv4 on the loopback. */
class SocketTcpIpv4Test extends SocketTcpConformance {
    @Override
    protected StackPair newPair() {
        return pairOf(SocketStack.ipv4(), SocketStack.ipv4(), "127.0.0.1");
    }
}
