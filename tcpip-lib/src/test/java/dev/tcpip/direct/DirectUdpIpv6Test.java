package dev.tcpip.direct;

import dev.tcpip.StackPair;
import dev.tcpip.UdpConformance;

/** The UDP conformance suite on two IPv6-only direct stacks: datagrams up to 65,527 bytes, fragmented. */
class DirectUdpIpv6Test extends UdpConformance {

    @Override
    protected StackPair newPair() {
        return MemoryPair.ipv6();
    }

    @Override
    protected int maxPayload() {
        return 65_527;
    }
}
