package dev.tcpip.direct;

import dev.tcpip.StackPair;
import dev.tcpip.UdpConformance;

/** The UDP conformance suite on two dual-stack direct stacks, the server reached over IPv4. */
class DirectUdpDualOverIpv4Test extends UdpConformance {

    @Override
    protected StackPair newPair() {
        return MemoryPair.dual("10.0.0.1");
    }

    @Override
    protected int maxPayload() {
        return 65_507;
    }
}
