package dev.tcpip.socket;

import dev.tcpip.StackPair;

/** The TCP conformance suite on the socket stack: a dual stack reached over IPv6. */
class SocketTcpDualOverIpv6Test extends SocketTcpConformance {
    @Override
    protected StackPair newPair() {
        return pairOf(SocketStack.dual(), SocketStack.dual(), "::1");
    }
}
