package dev.tcpip.device;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/** Counters of one component (a link, a fault injector, the switch); safe to read from any thread. */
public final class DeviceCounters {
    private static final Counter[] ALL = Counter.values();
    private final AtomicLongArray values = new AtomicLongArray(ALL.length);

    DeviceCounters() {}

    public long get(Counter c) {
        return values.get(c.ordinal());
    }

    /** The sum of every {@code DROPPED_*} counter. */
    public long dropped() {
        long sum = 0;
        for (Counter c : ALL) {
            if (c.name().startsWith("DROPPED_")) {
                sum += get(c);
            }
        }
        return sum;
    }

    /** A snapshot of the non-zero counters. */
    public Map<Counter, Long> snapshot() {
        Map<Counter, Long> m = new EnumMap<>(Counter.class);
        for (Counter c : ALL) {
            long v = get(c);
            if (v != 0) {
                m.put(c, v);
            }
        }
        return m;
    }

    void increment(Counter c) {
        values.getAndIncrement(c.ordinal());
    }

    void add(Counter c, long n) {
        values.getAndAdd(c.ordinal(), n);
    }

    @Override
    public String toString() {
        return snapshot().toString();
    }
}
