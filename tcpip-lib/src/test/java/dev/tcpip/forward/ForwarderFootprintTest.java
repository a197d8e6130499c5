package dev.tcpip.forward;

import static dev.tcpip.forward.GatewayPath.SERVER;
import static dev.tcpip.forward.GatewayPath.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.TcpFlow;
import dev.tcpip.device.LinkConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Heap per idle relayed connection: {@value #FLOWS} idle connections through the gateway, heap measured after a GC
 * before and after. The figure covers the whole path in this JVM (the guest's, the gateway's two, the upstream's and
 * the server's connection state, the relay's two parked virtual threads and the server's handler thread), so the
 * relay alone costs less. Printed; asserted only against a loose bound (a leak of a buffer per flow would break it).
 */
class ForwarderFootprintTest {
    static final int FLOWS = 500;

    @Test
    void heapPerIdleRelayedConnection() throws Exception {
        try (GatewayPath p = new GatewayPath(41, ForwarderConfig.DEFAULTS, LinkConfig.DEFAULTS)) {
            p.call("listen", () -> p.server.tcp().listen(7, GatewayPath::echo));
            List<TcpFlow> flows = new ArrayList<>();
            p.call("warm-up", () -> flows.add(p.guest.tcp().connect(at(SERVER, 7))));
            p.sim.runFor(Duration.ofSeconds(1));
            long before = usedAfterGc();
            p.call("connect", () -> {
                for (int i = 0; i < FLOWS; i++) {
                    flows.add(p.guest.tcp().connect(at(SERVER, 7)));
                }
                return null;
            });
            p.sim.runFor(Duration.ofSeconds(1));                 // every relay established and idle
            assertEquals(FLOWS + 1, p.forwarder.relayCount());
            long after = usedAfterGc();
            long perFlow = (after - before) / FLOWS;
            System.out.println("heap per idle relayed connection (whole path): " + perFlow + " bytes");
            assertTrue(perFlow < 64 * 1024, "heap per idle relayed connection: " + perFlow + " bytes");
            assertEquals(FLOWS + 1, flows.size());             // keeps the flows reachable until measured
        }
    }

    private static long usedAfterGc() {
        Runtime r = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {                            // bounded: the smallest of three collections
            System.gc();
            used = Math.min(used, r.totalMemory() - r.freeMemory());
        }
        return used;
    }
}
