package dev.tcpip.device;

import dev.tcpip.time.Clock;
import dev.tcpip.time.EventLoop;
import dev.tcpip.time.Seeds;
import dev.tcpip.time.Simulation;
import dev.tcpip.wire.MacAddress;
import java.util.Objects;

/**
 * An in-memory point-to-point IP link: two devices of {@link LinkType#IP}, whose frames are bare IPv4 or IPv6
 * datagrams of at most the MTU, each delivered to the other end. It stands in for a TUN device and the kernel
 * behind it, so that a direct stack on a "simulated TUN" runs in virtual time under a {@link Simulation} (or in
 * real time), with {@link FaultInjectingDevice} and {@link CapturingDevice} around either end as around any
 * device.
 *
 * <p>Each direction is one {@link Pipe} with the {@link LinkConfig}'s rate, latency and queue: a datagram's one-way
 * delay is its transmission time plus the latency once (a {@link MemoryNetwork} frame crosses two links). The
 * config's faults apply to each end as on a memory network's link, seeded from the seed and the end's name ("a",
 * "b"), so a run replays exactly. Ends' {@link NetworkDevice#mac()} identifiers are 02:00:00:00:00:01 and :02.
 *
 * <pre>{@code
 * PointToPointLink link = PointToPointLink.simulated(sim, LinkConfig.DEFAULTS.withFaults(Faults.NONE.withLoss(0.01)));
 * DirectStack a = DirectStack.create(DirectStackConfig.ipv4("10.0.3.2/24"), link.a().device(), sim.newLoop("a"));
 * DirectStack b = DirectStack.create(DirectStackConfig.ipv4("10.0.3.1/24"), link.b().device(), sim.newLoop("b"));
 * }</pre>
 */
public final class PointToPointLink implements AutoCloseable {

    /**
     * One end: its device (with the link's fault injector around it), what it sent and received ({@code port}:
     * TX/RX, drops for size, queue, detachment) and what the faults did each way.
     */
    public record End(String name, NetworkDevice device, DeviceCounters port, DeviceCounters egressFaults,
                      DeviceCounters ingressFaults) {}

    private final Port portA;
    private final Port portB;
    private final End a;
    private final End b;

    /** A link on {@code clock} with {@code config}; faults draw from streams derived from {@code seed}. */
    public PointToPointLink(Clock clock, long seed, LinkConfig config) {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(config, "config");
        this.portA = new Port("a", 0x0200_0000_0001L, config, clock);
        this.portB = new Port("b", 0x0200_0000_0002L, config, clock);
        portA.peer = portB;
        portB.peer = portA;
        this.a = end(portA, config, seed);
        this.b = end(portB, config, seed);
    }

    /** A link in {@code sim}'s virtual time, seeded from {@code sim}'s seed. */
    public static PointToPointLink simulated(Simulation sim, LinkConfig config) {
        return new PointToPointLink(sim.clock(), Seeds.derive(sim.seed(), "point-to-point"), config);
    }

    private static End end(Port port, LinkConfig config, long seed) {
        DeviceCounters egress = new DeviceCounters(), ingress = new DeviceCounters();
        NetworkDevice device = new FaultInjectingDevice(port, config.egressFaults(), config.ingressFaults(),
                Seeds.derive(seed, "link/" + port.name), egress, ingress);
        return new End(port.name, device, port.counters, egress, ingress);
    }

    /** The first end ("a"). */
    public End a() {
        return a;
    }

    /** The other end ("b"). */
    public End b() {
        return b;
    }

    /** Closes both ends. */
    @Override
    public void close() {
        portA.close();
        portB.close();
    }

    /** One end: frames sent go into the peer's pipe; its own pipe hands frames to its receiver on its loop. */
    private static final class Port implements NetworkDevice {
        final String name;
        final long id;
        final int mtu;
        final DeviceCounters counters = new DeviceCounters();
        final Pipe in;
        private final PipeInlet inlet;
        Port peer;
        private volatile boolean closed;

        Port(String name, long id, LinkConfig config, Clock clock) {
            this.name = name;
            this.id = id;
            this.mtu = config.mtu();
            this.in = new Pipe(clock, config, counters, LinkType.IP);
            this.inlet = new PipeInlet(name, in, counters);
        }

        @Override
        public long mac() {
            return id;
        }

        @Override
        public int mtu() {
            return mtu;
        }

        @Override
        public LinkType linkType() {
            return LinkType.IP;
        }

        @Override
        public void attach(EventLoop loop, FrameReceiver rx) {
            inlet.attach(loop, rx);
        }

        @Override
        public void send(byte[] frame, int off, int len) {
            Objects.checkFromIndexSize(off, len, frame.length);
            if (closed) {
                counters.increment(Counter.DROPPED_DETACHED);
            } else if (len < LinkType.IP.minFrame()) {
                counters.increment(Counter.DROPPED_RUNT);
            } else if (len > mtu) {
                counters.increment(Counter.DROPPED_TOO_BIG);
            } else {
                counters.increment(Counter.TX_FRAMES);
                counters.add(Counter.TX_BYTES, len);
                switch (peer.in.offer(frame, off, len)) {
                    case QUEUED -> { }
                    case FULL -> counters.increment(Counter.DROPPED_QUEUE_FULL);
                    case UNBOUND -> counters.increment(Counter.DROPPED_DETACHED);
                }
            }
        }

        @Override
        public void close() {
            closed = true;
            inlet.close();
        }

        @Override
        public String toString() {
            return "PointToPointLink.End[" + name + ", " + new MacAddress(id) + ", mtu " + mtu + "]";
        }
    }
}
