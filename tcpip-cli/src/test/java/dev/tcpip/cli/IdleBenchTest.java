package dev.tcpip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code bench idle-1m} at a small size: every connection established and held at once, the sample echoed, all
 * closed and both connection tables empty once TIME-WAIT has run out; the figures carry the names the issue fixes.
 */
class IdleBenchTest {

    @Test
    void establishesHoldsEchoesAndClosesEveryConnection() throws Exception {
        IdleBench.Result r = IdleBench.run(2_000, Duration.ofSeconds(1), IdleBench.LINUX_KEEPALIVE);
        assertEquals(2_000, r.requested());
        assertEquals(2_000, r.connections(), "connections established in both tables after the idle period");
        assertEquals(1_000, r.sampled());
        assertEquals(1_000, r.echoed(), "sampled connections that echoed their byte");
        assertEquals(0, r.tablesAtEnd(), "connections left in the two tables after close and TIME-WAIT");
        assertTrue(r.heapBytesPerConnection() > 0 && r.establishedPerSecond() > 0 && r.closedPerSecond() > 0,
                r.toString());
        List<Figure> figures = r.figures();
        assertEquals(List.of("connections", "heap bytes per connection", "establishment rate", "sample echoed",
                "close rate", "tables at end"), figures.stream().map(Figure::system).toList());
        assertTrue(figures.stream().allMatch(f -> f.work().equals(IdleBench.WORK)));
    }

    /**
     * As at a million: more than one server port, so a client address and port may serve two connections; with
     * keep-alive probing during the idle second, answered.
     */
    @Test
    void spreadOverServerPortsWithKeepaliveProbes() throws Exception {
        assertEquals(2, IdleBench.serverPorts(1_000_000, IdleBench.PORTS_PER_ADDRESS));
        assertEquals(4, IdleBench.serverPorts(2_000, 32));
        IdleBench.Result r = IdleBench.run(2_000, Duration.ofSeconds(1),
                new dev.tcpip.Keepalive(Duration.ofMillis(300), Duration.ofSeconds(1), 5), 32);
        assertEquals(2_000, r.connections());
        assertEquals(1_000, r.echoed());
        assertEquals(0, r.tablesAtEnd());
    }
}
