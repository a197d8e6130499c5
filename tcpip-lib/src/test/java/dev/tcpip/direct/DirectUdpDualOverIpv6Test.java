package dev.tcpip.direct;

import dev.tcpip.StackPair;
import dev.tcpip.UdpConformance;

/** The UDP conformance suite on two dual-stack direct stacks, the server reached over IPv6. */
class DirectUdpDualOverIpv6Test extends UdpConformance {

    @Override
    protected StackPair newPair() {
        return MemoryPair.dual("2001:db8::1");
    }

    @Override
    protected int maxPayload() {
        return 65_527;
    }
}
