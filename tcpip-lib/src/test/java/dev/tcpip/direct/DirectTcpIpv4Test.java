package dev.tcpip.direct;

import dev.tcpip.StackPair;
import dev.tcpip.direct.link.Ethernet;

/**
 * The TCP conformance suite, unchanged, on two whole direct stacks (Ethernet, ARP, IPv4, TCP) on a
 * real-time memory network.
 */
class DirectTcpIpv4Test extends DirectTcpConformance {

    @Override
    protected StackPair newPair() {
        return MemoryPair.create();
    }
}
