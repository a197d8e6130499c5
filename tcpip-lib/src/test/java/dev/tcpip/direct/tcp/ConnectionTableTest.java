package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.direct.TcpConfig;
import dev.tcpip.wire.IpAddress;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.Ipv6Address;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The connection table ({@link ConnectionTable}): lookups by the four fields, removal by identity, growth and shrinking. */
class ConnectionTableTest {
    private static final IpAddress A = Ipv4Address.parse("10.0.0.1");
    private static final IpAddress B = Ipv4Address.parse("10.0.0.2");
    private static final IpAddress A6 = Ipv6Address.parse("2001:db8::1");
    private static final IpAddress B6 = Ipv6Address.parse("2001:db8::2");

    private static Connection connection(ScriptedPeer p, IpAddress local, int lport, IpAddress remote, int rport) {
        return new Connection(p.tcp, new FourTuple(local, lport, remote, rport), null, null, 0);
    }

    @Test
    void findsEachConnectionByItsFourFieldsThroughGrowthAndShrinking() throws Exception {
        try (ScriptedPeer p = new ScriptedPeer(TcpConfig.DEFAULTS)) {
            ConnectionTable t = new ConnectionTable(42);
            List<Connection> all = new ArrayList<>();
            for (int i = 0; i < 3_000; i++) {       // both directions of port use, both families
                Connection c = switch (i % 3) {
                    case 0 -> connection(p, A, 80, B, 10_000 + i);
                    case 1 -> connection(p, B, 40_000 + i, A, 443);
                    default -> connection(p, A6, 80, B6, 10_000 + i);
                };
                t.put(c);
                all.add(c);
            }
            assertEquals(3_000, t.size());
            for (Connection c : all) {
                assertSame(c, t.get(c.id.local(), c.id.localPort(), c.id.remote(), c.id.remotePort()));
            }
            assertNull(t.get(A, 80, B, 9_999));
            assertNull(t.get(B, 80, A, 10_000));             // local and remote swapped
            assertNull(t.get(A6, 80, B6, 10_001));            // that port is an IPv4 entry's (i = 1 is 40,001)
            for (int i = 0; i < all.size(); i += 2) {
                assertTrue(t.remove(all.get(i)));
                assertFalse(t.remove(all.get(i)));
            }
            assertEquals(1_500, t.size());
            for (int i = 0; i < all.size(); i++) {
                Connection c = all.get(i);
                Connection found = t.get(c.id);
                if (i % 2 == 0) {
                    assertNull(found);
                } else {
                    assertSame(c, found);
                }
            }
            for (int i = 1; i < all.size() - 4; i += 2) {    // down to two entries: the buckets shrink
                assertTrue(t.remove(all.get(i)));
            }
            assertEquals(2, t.size());
            assertSame(all.get(all.size() - 1), t.get(all.get(all.size() - 1).id));
            Set<Connection> seen = new HashSet<>();
            t.visit(seen::add);
            assertEquals(Set.of(all.get(all.size() - 1), all.get(all.size() - 3)), seen);
            assertEquals(2, t.snapshot().size());
        }
    }

    @Test
    void aSecondConnectionOfTheSameFourTupleReplacesTheFirst() throws Exception {
        try (ScriptedPeer p = new ScriptedPeer(TcpConfig.DEFAULTS)) {
            ConnectionTable t = new ConnectionTable(7);
            Connection first = connection(p, A, 80, B, 5_000);
            Connection second = connection(p, A, 80, B, 5_000);
            t.put(first);
            t.put(second);
            assertEquals(1, t.size());
            assertSame(second, t.get(A, 80, B, 5_000));
            assertFalse(t.remove(first));                      // removal is by identity: the entry stays
            assertSame(second, t.get(A, 80, B, 5_000));
            assertTrue(t.remove(second));
            assertEquals(0, t.size());
            int[] visited = {0};
            t.visit(c -> ++visited[0] > 0);
            assertEquals(0, visited[0]);
        }
    }

    @Test
    void visitStopsWhenAsked() throws Exception {
        try (ScriptedPeer p = new ScriptedPeer(TcpConfig.DEFAULTS)) {
            ConnectionTable t = new ConnectionTable(1);
            for (int i = 0; i < 50; i++) {
                t.put(connection(p, A, 80, B, 20_000 + i));
            }
            int[] visited = {0};
            t.visit(c -> ++visited[0] < 5);
            assertEquals(5, visited[0]);
        }
    }
}
