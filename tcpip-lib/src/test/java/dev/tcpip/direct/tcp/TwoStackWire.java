package dev.tcpip.direct.tcp;

import dev.tcpip.UnreachableException;
import dev.tcpip.direct.IpSender;
import dev.tcpip.time.Simulation;
import dev.tcpip.time.SimulatedLoop;
import dev.tcpip.wire.IpAddress;
import dev.tcpip.wire.Ipv4Address;
import java.util.random.RandomGenerator;

/**
 * Two {@link DirectTcp} layers on two loops of one {@link Simulation}, joined by a fake IP layer that
 * delivers each datagram to the other side after a latency, with seeded loss, loss bursts, duplication,
 * reordering and corruption. Stands in for the real IP layer and MemoryNetwork.
 */
final class TwoStackWire {
    /** Fault rates, each per datagram. */
    record Faults(double loss, double duplicate, double reorder, double corrupt, double burst) {
        static final Faults NONE = new Faults(0, 0, 0, 0, 0);
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
        final Faults faults;
        final RandomGenerator random;
        Side peer;
        DirectTcp tcp;
        int burstLeft;
        long lastDeliveryAt;

        Side(Ipv4Address address, SimulatedLoop loop, int mtu, long latency, Faults faults, RandomGenerator random) {
            this.address = address;
            this.loop = loop;
            this.mtu = mtu;
            this.latency = latency;
            this.faults = faults;
            this.random = random;
        }

        @Override
        public IpAddress sourceFor(IpAddress dst) throws UnreachableException {
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
        public void send(IpAddress src, IpAddress dst, int protocol, byte[] payload, int off, int len) {
            if (cut || !dst.equals(peer.address)) {
                dropped++;
                return;
            }
            if (burstLeft > 0) {
                burstLeft--;
                dropped++;
                return;
            }
            if (faults.burst() > 0 && random.nextDouble() < faults.burst()) {
                burstLeft = 2 + random.nextInt(8);
                dropped++;
                return;
            }
            if (faults.loss() > 0 && random.nextDouble() < faults.loss()) {
                dropped++;
                return;
            }
            int copies = faults.duplicate() > 0 && random.nextDouble() < faults.duplicate() ? 2 : 1;
            for (int i = 0; i < copies; i++) {
                byte[] b = java.util.Arrays.copyOfRange(payload, off, off + len);
                if (faults.corrupt() > 0 && random.nextDouble() < faults.corrupt()) {
                    b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
                }
                long at = loop.now() + latency;
                if (faults.reorder() > 0 && random.nextDouble() < faults.reorder()) {
                    at += random.nextLong(latency + 1);
                }
                DirectTcp to = peer.tcp;
                SimulatedLoop toLoop = peer.loop;
                toLoop.schedule(at, () -> {
                    delivered++;
                    if (!cut) {
                        to.input(toLoop.now(), src, dst, b, 0, b.length);
                    }
                });
            }
        }
    }
}
