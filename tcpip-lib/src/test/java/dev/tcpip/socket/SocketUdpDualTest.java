package dev.tcpip.socket;

import dev.tcpip.StackPair;
import dev.tcpip.UdpConformance;

/** The UDP conformance suite on the socket stack: a dual stack reached over IPv4. */
class SocketUdpDualTest extends UdpConformance {
    @Override
    protected StackPair newPair() {
        return SocketTcpConformance.pairOf(SocketStack.dual(), SocketStack.dual(), "127.0.0.1");
    }

    @Override
    protected int maxPayload() {
        return 65_507;
    }
}
