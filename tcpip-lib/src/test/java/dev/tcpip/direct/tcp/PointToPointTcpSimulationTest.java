package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tcpip.TcpFlow;
import dev.tcpip.device.CapturingDevice;
import dev.tcpip.device.FrameDirection;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.LinkType;
import dev.tcpip.device.MemoryRecorder;
import dev.tcpip.device.Faults;
import dev.tcpip.device.PcapReader;
import dev.tcpip.device.PcapWriter;
import dev.tcpip.device.PointToPointLink;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.InterfaceAddress;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.time.SimulatedLoop;
import dev.tcpip.time.Simulation;
import dev.tcpip.time.SimulationConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two whole direct stacks on a {@link PointToPointLink}, the in-memory stand-in for a TUN device: bare IP datagrams,
 * no Ethernet, no ARP, no Neighbor Discovery. TCP byte-exact both ways at once over IPv4 and IPv6 under loss and
 * corruption, in virtual time, over several seeds; a capture of the link written as raw-IP pcap and read back.
 */
class PointToPointTcpSimulationTest {
    static final int SEEDS = Integer.getInteger("tcpip.sim.seeds", 4);
    static final long BYTES = 1L << 20;
    /** 1 ms one way at 1 Gbit/s. */
    static final LinkConfig LINK = LinkConfig.DEFAULTS.withLatency(Duration.ofMillis(1)).withBitsPerSecond(1_000_000_000L);

    /** Two stacks on one simulated point-to-point link, a's end captured. */
    static final class P2p implements AutoCloseable {
        final Simulation sim;
        final PointToPointLink link;
        final SimulatedLoop loopA;
        final SimulatedLoop loopB;
        final MemoryRecorder capture = new MemoryRecorder(1 << 20);
        final DirectStack a;
        final DirectStack b;
        final InetAddress bAddress;

        P2p(long seed, LinkConfig config, boolean ipv6) {
            sim = new Simulation(SimulationConfig.withSeed(seed).maxStepsPerRun(200_000_000L));
            link = PointToPointLink.simulated(sim, config);
            loopA = sim.newLoop("a");
            loopB = sim.newLoop("b");
            // Plain configurations: on a point-to-point link no address waits for duplicate address detection.
            DirectStackConfig ca = ipv6 ? DirectStackConfig.ipv6("fd00:3::2/64") : DirectStackConfig.ipv4("10.0.3.2/24");
            DirectStackConfig cb = ipv6 ? DirectStackConfig.ipv6("fd00:3::1/64") : DirectStackConfig.ipv4("10.0.3.1/24");
            a = DirectStack.create(ca, new CapturingDevice(link.a().device(), capture, sim.clock()), loopA);
            b = DirectStack.create(cb, link.b().device(), loopB);
            bAddress = InetAddress.ofLiteral(ipv6 ? "fd00:3::1" : "10.0.3.1");
        }

        @Override
        public void close() {
            link.close();
            sim.close();
        }
    }

    static void bidirectional(long seed, Faults faults, boolean ipv6) {
        System.out.println("seed " + seed + " (replay: -Dtcpip.seed=" + seed + ")");
        try (P2p n = new P2p(seed, LINK.withFaults(faults, Faults.NONE), ipv6)) {
            MemoryNetworkTcpSimulationTest.exchange(n.sim, n.a, n.loopA, n.b, n.loopB, n.bAddress, BYTES, BYTES,
                    Duration.ofMinutes(5));
            for (DirectStack s : List.of(n.a, n.b)) {
                assertEquals(0, s.counter(StackCounter.ETH_TX_FRAMES), s + " sent Ethernet frames");
                assertEquals(0, s.counter(StackCounter.ARP_TX_REQUESTS), s + " asked ARP");
                assertEquals(0, s.counter(StackCounter.NDP_NS_TX), s + " solicited a neighbour");
                assertEquals(0, s.counter(StackCounter.NDP_DAD_PROBES_TX), s + " probed for duplicates");
                assertEquals(0, s.counter(StackCounter.MLD_REPORTS_TX), s + " reported groups");
                assertTrue(s.counter(StackCounter.IPLINK_TX_FRAMES) > 0, s + " sent nothing on the link");
            }
            for (MemoryRecorder.Frame f : n.capture.frames()) {
                assertEquals(ipv6 ? 6 : 4, (f.bytes()[0] & 0xf0) >>> 4, "every frame is a bare datagram");
                assertTrue(f.bytes().length <= LINK.mtu(), "no frame beyond the MTU: " + f.bytes().length);
            }
            if (faults.loss() > 0) {
                assertTrue(n.link.a().egressFaults().get(dev.tcpip.device.Counter.DROPPED_LOSS) > 0, "nothing was lost");
            }
        } catch (RuntimeException | AssertionError e) {
            throw new AssertionError("failed with seed " + seed + ": " + e, e);
        }
    }

    @TestFactory
    Stream<DynamicTest> tcpByteExactBothWaysOverIpv4AndIpv6WithLossAndCorruption() {
        Faults loss = Faults.NONE.withLoss(0.02);
        Faults corrupt = Faults.NONE.withCorrupt(0.02, 1);   // from byte 0: there is no link header to spare
        return Stream.of(false, true).flatMap(ipv6 -> LongStream.rangeClosed(1, SEEDS).boxed().flatMap(seed -> Stream.of(
                DynamicTest.dynamicTest((ipv6 ? "IPv6" : "IPv4") + " 2 % loss, seed " + seed,
                        () -> bidirectional(seed, loss, ipv6)),
                DynamicTest.dynamicTest((ipv6 ? "IPv6" : "IPv4") + " 2 % single-bit corruption, seed " + seed,
                        () -> bidirectional(seed, corrupt, ipv6)))));
    }

    /** RFC 4862 §5.4 lets a point-to-point link skip DAD: the addresses are preferred as the stack starts. */
    @Test
    void ipv6AddressesArePreferredAtOnceAndTheLinksDevicesAreIpLinks() throws Exception {
        try (P2p n = new P2p(7, LINK, true)) {
            assertEquals(LinkType.IP, n.link.a().device().linkType());
            List<List<InterfaceAddress>> got = new ArrayList<>();
            LoopFuture<Void> addresses = n.sim.spawn("addresses",
                    () -> got.add(n.a.awaitIpv6Addresses(Duration.ofMillis(1))));
            n.sim.runUntil(addresses::isDone, Duration.ofSeconds(1));
            addresses.getNow();
            List<InterfaceAddress> list = got.getFirst();
            assertEquals(2, list.size(), list.toString());
            for (InterfaceAddress ia : list) {
                assertEquals(InterfaceAddress.State.PREFERRED, ia.state(), list.toString());
            }
        }
    }

    /** A capture of an IP link goes to a raw-IP pcap (LINKTYPE_RAW), read back whole by PcapReader and by tshark. */
    @Test
    void theCaptureOfAnIpLinkIsARawIpPcapThatReadsBack(@TempDir Path dir) throws Exception {
        List<MemoryRecorder.Frame> frames = new ArrayList<>();
        for (boolean ipv6 : new boolean[] {false, true}) {
            try (P2p n = new P2p(3, LINK, ipv6)) {
                LoopFuture<Void> listening = n.sim.spawn("listen", () -> n.b.tcp().listen(7, flow -> {
                    Patterns.readAndVerify(flow, 1);
                    flow.close();
                }));
                n.sim.runUntil(listening::isDone, Duration.ofSeconds(1));
                LoopFuture<Void> client = n.sim.spawn("client", () -> {
                    TcpFlow f = n.a.tcp().connect(new InetSocketAddress(n.bAddress, 7));
                    Patterns.write(f, 1, 10_000, 1000);
                    f.close();
                });
                n.sim.runUntil(client::isDone, Duration.ofSeconds(30));
                client.getNow();
                frames.addAll(n.capture.frames());
            }
        }
        Path file = dir.resolve("tun.pcap");
        try (PcapWriter w = PcapWriter.open(file, PcapWriter.LinkType.of(LinkType.IP), PcapWriter.Precision.NANOS)) {
            for (MemoryRecorder.Frame f : frames) {
                w.write(f.epochNanos(), f.bytes(), 0, f.bytes().length);
            }
        }
        try (PcapReader r = PcapReader.open(file)) {
            assertEquals(101, r.linkType(), "LINKTYPE_RAW");
            for (MemoryRecorder.Frame f : frames) {
                PcapReader.Record rec = r.next();
                assertEquals(f.epochNanos(), rec.epochNanos());
                assertEquals(f.bytes().length, rec.originalLength());
                assertTrue(java.util.Arrays.equals(f.bytes(), rec.data()), "record " + f);
            }
            assertEquals(null, r.next(), "no record more");
        }
        assertTrue(frames.stream().anyMatch(f -> f.direction() == FrameDirection.RECEIVED));
        Path tshark = dev.tcpip.wire.TsharkTest.tshark();
        if (tshark == null) {
            if ("true".equals(System.getenv("CI"))) {
                fail("tshark is not installed; CI must install it (apt-get install tshark)");
            }
            Assumptions.abort("tshark is not installed (apt-get install tshark): skipping its reading of the file");
        }
        Process p = new ProcessBuilder(tshark.toString(), "-n", "-r", file.toString(), "-o", "tcp.check_checksum:TRUE",
                "-T", "fields", "-e", "ip.version", "-e", "ipv6.version", "-e", "tcp.checksum.status",
                "-e", "_ws.malformed").redirectError(dir.resolve("stderr").toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "tshark finished within 60 s");
        assertEquals(0, p.exitValue(), () -> "tshark failed: " + readQuietly(dir.resolve("stderr")));
        String[] lines = new String(out, StandardCharsets.UTF_8).split("\n");
        assertEquals(frames.size(), lines.length, "tshark read every datagram");
        for (int i = 0; i < lines.length; i++) {
            String[] cols = lines[i].split("\t", -1);
            boolean v6 = (frames.get(i).bytes()[0] & 0xf0) == 0x60;
            assertEquals(v6 ? "6" : "4", cols[0], "line " + (i + 1) + ": " + lines[i]);   // IPv6 fills ip.version too
            assertEquals(v6 ? "6" : "", cols[1], "line " + (i + 1) + ": " + lines[i]);
            assertEquals("1", cols[2], "a good TCP checksum, line " + (i + 1) + ": " + lines[i]);
            assertEquals("", cols[3], "not malformed, line " + (i + 1));
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
