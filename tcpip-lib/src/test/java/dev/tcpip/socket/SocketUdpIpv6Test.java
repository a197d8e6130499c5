package dev.tcpip.socket;

import dev.tcpip.StackPair;
import dev.tcpip.UdpConformance;

/** The UDP conformance suite on the socket stack over IPv6 loopback. */
class SocketUdpIpv6Test extends UdpConformance {
    @Override
    protected StackPair newPair() {
        return SocketTcpConformance.pairOf(SocketStack.ipv6(), SocketStack.ipv6(), "::1");
    }

    @Override
    protected int maxPayload() {
        return 65_527;
    }
}
