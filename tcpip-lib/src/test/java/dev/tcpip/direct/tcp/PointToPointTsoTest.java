package dev.tcpip.direct.tcp;

import static dev.tcpip.direct.tcp.PointToPointTcpSimulationTest.BYTES;
import static dev.tcpip.direct.tcp.PointToPointTcpSimulationTest.LINK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.FrameReceiver;
import dev.tcpip.device.LinkType;
import dev.tcpip.device.NetworkDevice;
import dev.tcpip.device.OffloadReceiver;
import dev.tcpip.device.PointToPointLink;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.time.EventLoop;
import dev.tcpip.time.SimulatedLoop;
import dev.tcpip.time.Simulation;
import dev.tcpip.time.SimulationConfig;
import dev.tcpip.wire.GsoSegmenter;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * TSO from TCP on an IP link (the {@code PointToPoint} link layer a TUN device gets): over a device that takes
 * super-segments, as a {@code TunDevice} with segmentation offload does, TCP over IPv4 and IPv6 sends them, each a
 * bare datagram of whole segments with {@code gso_size} the MSS, and the transfer is byte-exact after the device cuts
 * them back as the kernel would.
 */
class PointToPointTsoTest {

    /**
     * Around an IP link's end: answers as a TUN device with segmentation offload (completes checksums, takes
     * super-segments of 65,535 bytes) and hands the link what a wire carries, recording each super-segment's length
     * and GSO size.
     */
    static final class TsoShim implements NetworkDevice {
        final NetworkDevice inner;
        final List<int[]> superSegments = new ArrayList<>();
        final GsoSegmenter cutter;
        private final GsoSegmenter.Sink wire;

        TsoShim(NetworkDevice inner) {
            this.inner = inner;
            this.cutter = new GsoSegmenter(0, inner.mtu());
            this.wire = inner::send;
        }

        @Override public long mac() { return inner.mac(); }
        @Override public int mtu() { return inner.mtu(); }
        @Override public LinkType linkType() { return inner.linkType(); }
        @Override public void attach(EventLoop loop, FrameReceiver receiver) { inner.attach(loop, receiver); }
        @Override public boolean completesChecksums() { return true; }
        @Override public int maxSuperSegment() { return 65_535; }
        @Override public void close() { inner.close(); }

        @Override
        public void send(byte[] frame, int off, int len) {
            if (!cutter.complete(frame, off, len, wire)) {
                inner.send(frame, off, len);                  // not TCP: as it is
            }
        }

        @Override
        public void send(byte[] frame, int off, int len, int offload) {
            int gso = OffloadReceiver.gsoSize(offload);
            if (gso == 0) {
                send(frame, off, len);
                return;
            }
            superSegments.add(new int[] {len, gso});
            assertTrue(cutter.segment(frame, off, len, gso, wire) >= 2, "a super-segment of two segments or more");
        }
    }

    @Test
    void tcpSendsSuperSegmentsOnAnIpLinkWhoseDeviceTakesThem() {
        for (boolean ipv6 : new boolean[] {false, true}) {
            Simulation sim = new Simulation(SimulationConfig.withSeed(5).maxStepsPerRun(200_000_000L));
            try (PointToPointLink link = PointToPointLink.simulated(sim, LINK)) {
                SimulatedLoop loopA = sim.newLoop("a");
                SimulatedLoop loopB = sim.newLoop("b");
                TsoShim shimA = new TsoShim(link.a().device());
                DirectStack a = DirectStack.create(ipv6 ? DirectStackConfig.ipv6("fd00:3::2/64")
                        : DirectStackConfig.ipv4("10.0.3.2/24"), shimA, loopA);
                DirectStack b = DirectStack.create(ipv6 ? DirectStackConfig.ipv6("fd00:3::1/64")
                        : DirectStackConfig.ipv4("10.0.3.1/24"), link.b().device(), loopB);
                MemoryNetworkTcpSimulationTest.exchange(sim, a, loopA, b, loopB,
                        InetAddress.ofLiteral(ipv6 ? "fd00:3::1" : "10.0.3.1"), BYTES, BYTES, Duration.ofMinutes(5));
                String which = ipv6 ? "IPv6" : "IPv4";
                assertTrue(shimA.superSegments.size() > 0, which + ": no super-segment sent");
                int headers = (ipv6 ? 40 : 20) + 32;          // IP, TCP with timestamps; no link header
                int mss = LINK.mtu() - headers;
                for (int[] s : shimA.superSegments) {
                    assertEquals(mss, s[1], which + ": gso_size is the MSS");
                    assertEquals(0, (s[0] - headers) % mss, which + ": whole segments, " + s[0]);
                    assertTrue(s[0] > LINK.mtu() && s[0] <= 65_535, which + ": " + s[0]);
                }
            } finally {
                sim.close();
            }
        }
    }
}
