package dev.tcpip.socket;

import dev.tcpip.StackPair;

/** The TCP conformance suite on the socket stack: a dual stack reached over IPv4. */
class SocketTcpDualOverIpv4Test extends SocketTcpConformance {
    @Override
    protected StackPair newPair() {
        return pairOf(SocketStack.dual(), SocketStack.dual(), "127.0.0.1");
    }
}
