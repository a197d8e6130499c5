package dev.tcpip.direct;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tcpip.Keepalive;
import dev.tcpip.TcpConformance;
import dev.tcpip.TcpFlow;
import dev.tcpip.direct.tcp.DirectTcpFlow;

/** The TCP conformance suite on two direct stacks on a real-time memory network: the hooks only it can answer. */
abstract class DirectTcpConformance extends TcpConformance {

    @Override
    protected void assertKeepaliveApplied(TcpFlow flow, Keepalive k) {
        assertEquals(k, ((DirectTcpFlow) flow).keepalive());
    }

    @Override
    protected void assertNoDelay(TcpFlow flow, boolean expected) {
        assertEquals(expected, ((DirectTcpFlow) flow).noDelay());
    }
}
