package dev.tcpip.device;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tcpip.time.Seeds;
import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class MacTableTest {

    /** Random learns, lookups, ageing and port removals against a HashMap model. */
    @Test
    void agreesWithAMapModelUnderChurn() {
        RandomGenerator rnd = Seeds.random(7, "mac-table");
        int capacity = 64;
        long ageing = 1_000;
        MacTable table = new MacTable(capacity, ageing);
        Map<Long, Object> port = new HashMap<>();
        Map<Long, Long> seen = new HashMap<>();
        Object[] ports = {"p0", "p1", "p2"};
        long now = 0;
        for (int step = 0; step < 200_000; step++) {
            now += rnd.nextInt(3);
            long mac = rnd.nextLong(200);                   // more addresses than the table holds
            long t = now;
            switch (rnd.nextInt(10)) {
                case 0 -> {
                    Object p = ports[rnd.nextInt(3)];
                    table.removePort(p);
                    port.values().removeIf(v -> v == p);
                    seen.keySet().retainAll(port.keySet());
                }
                case 1, 2, 3, 4 -> {
                    Object p = ports[rnd.nextInt(3)];
                    boolean known = port.containsKey(mac);
                    if (!known && port.size() >= capacity) {
                        seen.entrySet().removeIf(e -> t - e.getValue() > ageing);
                        port.keySet().retainAll(seen.keySet());
                    }
                    boolean learned = table.learn(mac, p, now);
                    assertEquals(known || port.size() < capacity, learned, "learn at step " + step);
                    if (learned) {
                        port.put(mac, p);
                        seen.put(mac, now);
                    }
                }
                default -> {
                    Object expected = port.get(mac);
                    if (expected != null && now - seen.get(mac) > ageing) {
                        expected = null;
                        port.remove(mac);
                        seen.remove(mac);
                    }
                    assertEquals(expected, table.lookup(mac, now), "lookup at step " + step);
                }
            }
            assertEquals(port.size(), table.size(), "size at step " + step);
        }
    }
}
