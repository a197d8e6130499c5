package dev.tcpip.device;

import dev.tcpip.time.Clock;
import dev.tcpip.wire.MacAddress;
import java.util.Arrays;

/**
 * The learning switch at the centre of a {@link MemoryNetwork}. It runs inline, on whichever thread hands it
 * a frame (the sender's loop), under its own lock for the MAC table only: forwarding copies into the
 * destination link's ring outside the lock. Floods broadcast, multicast (group bit) and unknown unicast to
 * every other port in the order the ports were connected.
 */
final class Switch {
    private final Clock clock;
    private final MacTable table;
    private final DeviceCounters counters = new DeviceCounters();
    private volatile MemoryPort[] ports = new MemoryPort[0];
    private long agedOutCounted;

    Switch(Clock clock, SwitchConfig config) {
        this.clock = clock;
        this.table = new MacTable(config.macTableCapacity(), config.ageing().toNanos());
    }

    DeviceCounters counters() {
        return counters;
    }

    synchronized int macTableSize() {
        return table.size();
    }

    synchronized void add(MemoryPort port) {
        MemoryPort[] p = Arrays.copyOf(ports, ports.length + 1);
        p[p.length - 1] = port;
        ports = p;
    }

    synchronized void remove(MemoryPort port) {
        ports = Arrays.stream(ports).filter(p -> p != port).toArray(MemoryPort[]::new);
        table.removePort(port);
    }

    /** Takes a frame (at least an Ethernet header long) from {@code from}, with its {@link OffloadReceiver} word. */
    void forward(MemoryPort from, byte[] frame, int off, int len, int offload) {
        long dst = MacAddress.readBits(frame, off);
        long src = MacAddress.readBits(frame, off + 6);
        MemoryPort out;
        synchronized (this) {
            long now = clock.nanos();
            if (!MacAddress.isGroup(src) && !table.learn(src, from, now)) {
                counters.increment(Counter.MAC_TABLE_FULL);
            }
            out = MacAddress.isGroup(dst) ? null : (MemoryPort) table.lookup(dst, now);
            long aged = table.agedOut();
            if (aged != agedOutCounted) {
                counters.add(Counter.MAC_AGED_OUT, aged - agedOutCounted);
                agedOutCounted = aged;
            }
        }
        if (out == from) {
            counters.increment(Counter.FILTERED);
        } else if (out != null) {
            counters.increment(Counter.SWITCHED);
            out.deliver(from, frame, off, len, offload);
        } else {
            counters.increment(Counter.FLOODED);
            for (MemoryPort p : ports) {
                if (p != from) {
                    p.deliver(from, frame, off, len, offload);
                }
            }
        }
    }
}
