package dev.tcpip.direct;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tcpip.Keepalive;
import dev.tcpip.StackPair;
import dev.tcpip.TcpConformance;
import dev.tcpip.TcpFlow;
import dev.tcpip.direct.tcp.DirectTcpFlow;

/**
 * The TCP conformance suite, unchanged, on two whole direct stacks (Ethernet, ARP, IPv4, TCP) on a
 * real-time memory network.
 */
class DirectTcpIpv4Test extends TcpConformance {

    @Override
    protected StackPair newPair() {
        return MemoryPair.create();
    }

    @Override
    protected void assertKeepaliveApplied(TcpFlow flow, Keepalive k) {
        assertEquals(k, ((DirectTcpFlow) flow).keepalive());
    }

    @Override
    protected void assertNoDelay(TcpFlow flow, boolean expected) {
        assertEquals(expected, ((DirectTcpFlow) flow).noDelay());
    }
}
