package dev.tcpip.direct;

import dev.tcpip.StackPair;

/** The TCP conformance suite, unchanged, on two IPv6-only direct stacks (NDP, IPv6, TCP) on a memory network. */
class DirectTcpIpv6Test extends DirectTcpConformance {

    @Override
    protected StackPair newPair() {
        return MemoryPair.ipv6();
    }
}
