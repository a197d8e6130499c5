package dev.tcpip.device;

import dev.tcpip.time.Clock;
import dev.tcpip.time.Seeds;
import dev.tcpip.time.Simulation;
import dev.tcpip.wire.MacAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An in-memory Ethernet: devices connected by links ({@link LinkConfig}: MTU, latency, rate, queue, faults)
 * to one learning switch ({@link SwitchConfig}). It runs in virtual time under a {@link Simulation} (every
 * frame handed over in one deterministic order, fault decisions drawn from generators derived from the
 * seed and each link's name) and in real time at full speed (a frame costs one copy into the receiver's
 * ring and, at most, one wake-up of the receiving loop).
 *
 * <pre>{@code
 * MemoryNetwork net = MemoryNetwork.simulated(sim);                   // or MemoryNetwork.realTime(seed)
 * NetworkDevice a = net.connect("a", LinkConfig.DEFAULTS).device();
 * NetworkDevice b = net.connect("b", LinkConfig.DEFAULTS.withLatency(Duration.ofMillis(5))
 *         .withFaults(Faults.NONE.withLoss(0.01))).device();
 * a.attach(loopA, stackA::input);  b.attach(loopB, stackB::input);
 * }</pre>
 */
public final class MemoryNetwork implements AutoCloseable {

    /**
     * One connected device and its counters: {@code port} counts the link (TX/RX, drops for MTU, queue,
     * detachment), {@code egressFaults} and {@code ingressFaults} what the fault injector did each way.
     */
    public record Link(String name, NetworkDevice device, DeviceCounters port, DeviceCounters egressFaults,
                       DeviceCounters ingressFaults) {}

    private final Clock clock;
    private final long seed;
    private final Switch sw;
    private final Map<String, Link> links = new LinkedHashMap<>();   // guarded by this
    private final List<MemoryPort> ports = new ArrayList<>();        // guarded by this
    private long nextMac = 0x0200_0000_0001L;                        // locally administered, unicast

    /**
     * A network on {@code clock}; fault injectors draw from streams derived from {@code seed} and each link's
     * name, so a run with the same seed, names and traffic is identical.
     */
    public MemoryNetwork(Clock clock, long seed, SwitchConfig config) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.seed = seed;
        this.sw = new Switch(clock, Objects.requireNonNull(config, "config"));
    }

    /** A network in {@code sim}'s virtual time, seeded from {@code sim}'s seed. */
    public static MemoryNetwork simulated(Simulation sim) {
        return new MemoryNetwork(sim.clock(), Seeds.derive(sim.seed(), "memory-network"), SwitchConfig.DEFAULTS);
    }

    /** A network in real time ({@link Clock#system()}). */
    public static MemoryNetwork realTime(long seed) {
        return new MemoryNetwork(Clock.system(), seed, SwitchConfig.DEFAULTS);
    }

    public Clock clock() {
        return clock;
    }

    /** Connects a device with the next free address 02:00:00:00:00:01, :02, ... */
    public Link connect(String name, LinkConfig link) {
        long mac;
        synchronized (this) {
            mac = nextMac++;
        }
        return connect(name, mac, link);
    }

    /**
     * Connects a device with address {@code mac} (48 bits, see {@link NetworkDevice#mac()}).
     *
     * @throws IllegalArgumentException if {@code name} is taken: names seed the link's faults
     */
    public synchronized Link connect(String name, long mac, LinkConfig link) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(link, "link");
        if (links.containsKey(name)) {
            throw new IllegalArgumentException("a device named " + name + " is already connected");
        }
        MemoryPort port = new MemoryPort(name, new MacAddress(mac).bits(), link, sw, clock);
        sw.add(port);
        ports.add(port);
        Link l = wrap(name, port, link);
        links.put(name, l);
        return l;
    }

    /** The link's faults are the same wrapper any device can use, seeded by the network's seed and the name. */
    private Link wrap(String name, MemoryPort port, LinkConfig link) {
        DeviceCounters egress = new DeviceCounters(), ingress = new DeviceCounters();
        NetworkDevice device = new FaultInjectingDevice(port, link.egressFaults(), link.ingressFaults(),
                Seeds.derive(seed, "link/" + name), egress, ingress);
        return new Link(name, device, port.counters(), egress, ingress);
    }

    /** The link connected as {@code name}, or null. */
    public synchronized Link link(String name) {
        return links.get(name);
    }

    /**
     * The queueing delay of frames toward device {@code name} in its link's {@link CoDel} queue: the sojourn time
     * that fraction {@code q} (0..1) of the frames dequeued so far did not exceed, in nanoseconds at 100 µs
     * resolution; 0 before the first frame.
     *
     * @throws IllegalArgumentException if no device of that name has a link with CoDel
     */
    public long queueDelay(String name, double q) {
        CoDelQueue queue = null;
        synchronized (this) {
            for (MemoryPort p : ports) {
                if (p.name().equals(name)) {
                    queue = p.downQueue();
                }
            }
        }
        if (queue == null) {
            throw new IllegalArgumentException("no device " + name + " with a CoDel link");
        }
        return queue.sojournPercentile(q);
    }

    /** The switch's counters: switched, flooded, filtered, table full, aged out. */
    public DeviceCounters switchCounters() {
        return sw.counters();
    }

    /** Addresses the switch has learned and not yet forgotten. */
    public int macTableSize() {
        return sw.macTableSize();
    }

    /** Closes every device. */
    @Override
    public void close() {
        List<MemoryPort> all;
        synchronized (this) {
            all = List.copyOf(ports);
        }
        all.forEach(MemoryPort::close);
    }
}
