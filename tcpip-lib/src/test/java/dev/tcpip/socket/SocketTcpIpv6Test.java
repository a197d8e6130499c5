package dev.tcpip.socket;

import dev.tcpip.StackPair;

/** The TCP conformance suite on the socket stack: IPv6 on the loopback. */
class SocketTcpIpv6Test extends SocketTcpConformance {
    @Override
    protected StackPair newPair() {
        return pairOf(SocketStack.ipv6(), SocketStack.ipv6(), "::1");
    }
}
