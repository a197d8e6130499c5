package dev.tcpip.direct;

import dev.tcpip.StackPair;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.MemoryNetwork;
import java.net.InetAddress;

/**
 * Two direct stacks (10.0.0.1 serving, 10.0.0.2 connecting) on a real-time memory network, each with its
 * own real-time loop: what the conformance suites run on, since they block the JUnit thread in real time.
 */
record MemoryPair(MemoryNetwork net, DirectStack server, DirectStack client) implements StackPair {

    static MemoryPair create() {
        MemoryNetwork net = MemoryNetwork.realTime(1);
        DirectStack server = DirectStack.create(DirectStackConfig.ipv4("10.0.0.1/24"),
                net.connect("server", LinkConfig.DEFAULTS).device());
        DirectStack client = DirectStack.create(DirectStackConfig.ipv4("10.0.0.2/24"),
                net.connect("client", LinkConfig.DEFAULTS).device());
        return new MemoryPair(net, server, client);
    }

    @Override
    public InetAddress serverAddress() {
        return server.address().toInetAddress();
    }

    @Override
    public void close() {
        StackPair.super.close();
        net.close();
    }

}
