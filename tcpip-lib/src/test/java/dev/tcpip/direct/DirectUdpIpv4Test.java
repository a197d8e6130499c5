package dev.tcpip.direct;

import dev.tcpip.Stack;
import dev.tcpip.StackPair;
import dev.tcpip.UdpConformance;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.MemoryNetwork;
import java.net.InetAddress;

/**
 * The UDP conformance suite on two direct stacks on a real-time memory network, each with its own
 * real-time loop (the suite blocks the JUnit thread in real time).
 */
class DirectUdpIpv4Test extends UdpConformance {

    @Override
    protected StackPair newPair() {
        MemoryNetwork net = MemoryNetwork.realTime(1);
        DirectStack server = DirectStack.create(DirectStackConfig.ipv4("10.0.0.1/24"),
                net.connect("server", LinkConfig.DEFAULTS).device());
        DirectStack client = DirectStack.create(DirectStackConfig.ipv4("10.0.0.2/24"),
                net.connect("client", LinkConfig.DEFAULTS).device());
        return new StackPair() {
            @Override
            public Stack server() {
                return server;
            }

            @Override
            public Stack client() {
                return client;
            }

            @Override
            public InetAddress serverAddress() {
                return InetAddress.ofLiteral("10.0.0.1");
            }

            @Override
            public void close() {
                StackPair.super.close();
                net.close();
            }
        };
    }

    @Override
    protected int maxPayload() {
        return 65_507;
    }
}
