package dev.tcpip.direct;

import dev.tcpip.StackPair;

/** The TCP conformance suite on two dual-stack direct stacks, the server reached over IPv4. */
class DirectTcpDualOverIpv4Test extends DirectTcpConformance {

    @Override
    protected StackPair newPair() {
        return MemoryPair.dual("10.0.0.1");
    }
}
