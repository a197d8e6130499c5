package dev.tcpip.direct;

import dev.tcpip.StackPair;
import dev.tcpip.UdpConformance;

/**
 * The UDP conformance suite on two direct stacks on a real-time memory network, each with its own
 * real-time loop (the suite blocks the JUnit thread in real time).
 */
class DirectUdpIpv4Test extends UdpConformance {

    @Override
    protected StackPair newPair() {
        return MemoryPair.create();
    }

    @Override
    protected int maxPayload() {
        return 65_507;
    }
}
