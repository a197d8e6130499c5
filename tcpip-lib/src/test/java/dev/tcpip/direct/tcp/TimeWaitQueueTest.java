package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.direct.TcpConfig;
import dev.tcpip.wire.Ipv4Address;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The TIME-WAIT queue ({@link TimeWaitQueue}): insertion order, removal anywhere, a restart moving to the end. */
class TimeWaitQueueTest {
    private static List<Connection> drain(TimeWaitQueue q) {
        List<Connection> out = new ArrayList<>();
        for (int n = q.size(); n > 0; n--) {
            Connection c = q.first();
            assertTrue(q.remove(c));
            out.add(c);
        }
        return out;
    }

    @Test
    void keepsInsertionOrderThroughRemovalsAndMoves() throws Exception {
        try (ScriptedPeer p = new ScriptedPeer(TcpConfig.DEFAULTS)) {
            List<Connection> c = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                c.add(new Connection(p.tcp, new FourTuple(Ipv4Address.parse("10.0.0.1"), 80,
                        Ipv4Address.parse("10.0.0.2"), 30_000 + i), null, null, 0));
            }
            TimeWaitQueue q = new TimeWaitQueue();
            assertTrue(q.isEmpty());
            assertNull(q.first());
            c.forEach(q::add);
            q.add(c.get(2));                                   // queued already: stays in place
            assertEquals(5, q.size());
            assertTrue(q.remove(c.get(2)));                    // the middle
            assertFalse(q.remove(c.get(2)));
            assertTrue(q.remove(c.get(0)));                    // a restart: out and in again, now last
            q.add(c.get(0));
            assertTrue(q.remove(c.get(4)));                    // the last before it
            assertSame(c.get(1), q.first());
            assertEquals(List.of(c.get(1), c.get(3), c.get(0)), drain(q));
            assertTrue(q.isEmpty());
            assertNull(q.first());
            q.add(c.get(4));                                   // usable again once empty
            assertEquals(List.of(c.get(4)), drain(q));
        }
    }
}
