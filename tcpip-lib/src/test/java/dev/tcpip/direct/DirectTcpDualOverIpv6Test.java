package dev.tcpip.direct;

import dev.tcpip.StackPair;

/** The TCP conformance suite on two dual-stack direct stacks, the server reached over IPv6. */
class DirectTcpDualOverIpv6Test extends DirectTcpConformance {

    @Override
    protected StackPair newPair() {
        return MemoryPair.dual("2001:db8::1");
    }
}
