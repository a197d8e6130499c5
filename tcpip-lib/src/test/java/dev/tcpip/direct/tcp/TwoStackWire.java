package dev.tcpip.direct.tcp;

import dev.tcpip.UnreachableException;
import dev.tcpip.device.FaultModel;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.direct.ip.IpSender;
import dev.tcpip.time.SimulatedLoop;
import dev.tcpip.time.Simulation;
import dev.tcpip.wire.IpAddress;
import dev.tcpip.wire.Ipv4Address;
import java.time.Duration;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Two {@link DirectTcp} layers on two loops of one {@link Simulation}, joined by a fake IP layer that
 * delivers each datagram to the other side after a latency, with seeded loss, loss bursts, duplication,
 * reordering and corruption decided by the device layer's {@link FaultModel}. Stands in for the real IP layer
 * and MemoryNetwork.
 */
final class TwoStackWire {
    /**
     * Fault rates, each per datagram: a shorthand for {@link dev.tcpip.device.Faults} (see {@link #model}).
     * {@code burst} is the chance that a loss burst begins, which then lasts 6.5 datagrams on average.
     */
    record Faults(double loss, double duplicate, double reorder, double corrupt, double burst) {
        static final Faults NONE = new Faults(0, 0, 0, 0, 0);
        /** The chance per datagram that a burst ends: 1 / 6.5, so bursts last 6.5 datagrams on average. */
        private static final double BURST_END = 2.0 / 13;

        /**
         * These rates as the device layer's faults: a reordered datagram is held back by one more
         * {@code latency}; a corrupted one gets one flipped bit anywhere.
         */
        dev.tcpip.device.Faults model(long latency) {
            return dev.tcpip.device.Faults.NONE.withLoss(loss).withDuplicate(duplicate)
                    .withReorder(reorder, Duration.ofNanos(latency)).withCorrupt(corrupt, 1)
                    .withBurst(burst == 0 ? dev.tcpip.device.Faults.Burst.NONE
                            : new dev.tcpip.device.Faults.Burst(burst, BURST_END, 1.0));
        }
    }

    static final Ipv4Address A = Ipv4Address.parse("10.0.0.1");
    static final Ipv4Address B = Ipv4Address.parse("10.0.0.2");

    final Simulation sim;
    final SimulatedLoop loopA;
    final SimulatedLoop loopB;
    final DirectTcp a;
    final DirectTcp b;
    private final Side sideA;
    private final Side sideB;
    long delivered;
    long dropped;
    /** When true, nothing is delivered in either direction (a vanished peer). */
    volatile boolean cut;

    TwoStackWire(Simulation sim, TcpConfig config, int mtu, long latencyNanos, Faults faults) {
        this.sim = sim;
        this.loopA = sim.newLoop("a");
        this.loopB = sim.newLoop("b");
        this.sideA = new Side(A, loopA, mtu, latencyNanos, faults, sim.random("wire-a"));
        this.sideB = new Side(B, loopB, mtu, latencyNanos, faults, sim.random("wire-b"));
        this.a = new DirectTcp(loopA, sideA, config, sim.random("tcp-a"));
        this.b = new DirectTcp(loopB, sideB, config, sim.random("tcp-b"));
        sideA.peer = sideB;
        sideB.peer = sideA;
        sideA.tcp = a;
        sideB.tcp = b;
    }

    final class Side implements IpSender {
        final Ipv4Address address;
        final SimulatedLoop loop;
        final int mtu;
        final long latency;
        final FaultModel faults;
        final long reorderDelay;
        Side peer;
        DirectTcp tcp;

        Side(Ipv4Address address, SimulatedLoop loop, int mtu, long latency, Faults faults, RandomGenerator random) {
            this.address = address;
            this.loop = loop;
            this.mtu = mtu;
            this.latency = latency;
            this.faults = new FaultModel(faults.model(latency), random, 0);
            this.reorderDelay = this.faults.faults().reorderDelay().toNanos();
        }

        @Override
        public IpAddress sourceFor(long now, IpAddress dst) throws UnreachableException {
            if (!dst.equals(peer.address) && !dst.equals(Ipv4Address.parse("10.9.9.9"))) {
                throw new UnreachableException("no route to " + dst);
            }
            return address;
        }

        @Override
        public int maxPayload(IpAddress dst) {
            return mtu - 20;
        }

        @Override
        public void send(long now, IpAddress src, IpAddress dst, int protocol, int ecn, byte[] payload, int off,
                         int len) {
            if (cut || !dst.equals(peer.address)) {
                dropped++;
                return;
            }
            switch (faults.next(payload, off, len)) {
                case FaultModel.Drop d -> dropped++;
                case FaultModel.Pass p -> {
                    long at = loop.now() + latency + (p.reordered() ? reorderDelay : 0);
                    DirectTcp to = peer.tcp;
                    SimulatedLoop toLoop = peer.loop;
                    for (int i = 0; i < (p.duplicate() ? 2 : 1); i++) {
                        byte[] b = Arrays.copyOfRange(p.buf(), p.off(), p.off() + p.len());   // each copy its own
                        toLoop.schedule(at, () -> {
                            delivered++;
                            if (!cut) {
                                to.input(toLoop.now(), src, dst, ecn, b, 0, b.length);
                            }
                        });
                    }
                }
            }
        }
    }
}
