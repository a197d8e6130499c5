package dev.tcpip.direct.stats;

import dev.tcpip.direct.StackCounter;
import dev.tcpip.jfr.TcpipEvents;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/** The stack's counters: written by its loop only, readable from any thread. */
public final class Counters {
    private static final StackCounter[] ALL = StackCounter.values();
    /** {@link StackCounter#isDrop()} by ordinal: a drop is also a JFR event. */
    private static final boolean[] DROP = new boolean[ALL.length];

    static {
        for (StackCounter c : ALL) {
            DROP[c.ordinal()] = c.isDrop();
        }
    }
    private final AtomicLongArray values = new AtomicLongArray(ALL.length);

    public void inc(StackCounter c) {
        add(c, 1);
    }

    public void add(StackCounter c, long n) {
        int i = c.ordinal();
        values.setRelease(i, values.getPlain(i) + n); // one writer: the loop
        if (DROP[i]) {
            TcpipEvents.frameDropped(c, n);
        }
    }

    public long get(StackCounter c) {
        return values.getAcquire(c.ordinal());
    }

    public Map<StackCounter, Long> snapshot() {
        Map<StackCounter, Long> m = new EnumMap<>(StackCounter.class);
        for (StackCounter c : ALL) {
            m.put(c, get(c));
        }
        return m;
    }
}
