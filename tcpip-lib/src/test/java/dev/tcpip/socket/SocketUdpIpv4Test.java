package dev.tcpip.socket;

import dev.tcpip.StackPair;
import dev.tcpip.UdpConformance;

/** The UDP conformance suite on the socket stack over IPv4 loopback. */
class SocketUdpIpv4Test extends UdpConformance {
    @Override
    protected StackPair newPair() {
        return SocketTcpConformance.pairOf(SocketStack.ipv4(), SocketStack.ipv4(), "127.0.0.1");
    }

    @Override
    protected int maxPayload() {
        return 65_507;
    }
}
