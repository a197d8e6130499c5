package dev.tcpip.direct.tcp;

import static dev.tcpip.direct.tcp.MemoryNetworkTcpSimulationTest.B;
import static dev.tcpip.direct.tcp.MemoryNetworkTcpSimulationTest.LINK;
import static dev.tcpip.direct.tcp.MemoryNetworkTcpSimulationTest.replayable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.TcpFlow;
import dev.tcpip.TcpInfo;
import dev.tcpip.device.CapturingDevice;
import dev.tcpip.device.Counter;
import dev.tcpip.device.DeviceCounters;
import dev.tcpip.device.Faults;
import dev.tcpip.device.FrameReceiver;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.LinkType;
import dev.tcpip.device.MemoryNetwork;
import dev.tcpip.device.MemoryRecorder;
import dev.tcpip.device.NetworkDevice;
import dev.tcpip.device.OffloadReceiver;
import dev.tcpip.device.PcapReader;
import dev.tcpip.device.PcapWriter;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.time.Clock;
import dev.tcpip.time.EventLoop;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.time.SimulatedLoop;
import dev.tcpip.wire.Checksum;
import dev.tcpip.wire.FrameLayout;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offloads on a {@link MemoryNetwork} link ({@link LinkConfig#offloads()}) and TSO from TCP: super-segments cross a
 * clean link whole; a link with offloads off, ingress faults or a capture gets wire frames with complete checksums;
 * TCP's bookkeeping stays per segment, and a piece lost after the cut goes again as one segment.
 */
class MemoryNetworkOffloadTest {
    static final long MIB = 1 << 20;
    static final int WIRE_FRAME = 1500 + NetworkDevice.ETHERNET_HEADER;

    /** Two stacks a and b, each on its own link, their devices wrapped by {@code wrapA} and {@code wrapB}. */
    static final class Pair extends MemoryNetworkTcpSimulationTest.Net {
        Pair(long seed, LinkConfig linkA, LinkConfig linkB, UnaryOperator<NetworkDevice> wrapA,
             UnaryOperator<NetworkDevice> wrapB) {
            this(seed, TcpConfig.DEFAULTS, linkA, linkB, wrapA, wrapB);
        }

        Pair(long seed, TcpConfig tcp, LinkConfig linkA, LinkConfig linkB, UnaryOperator<NetworkDevice> wrapA,
             UnaryOperator<NetworkDevice> wrapB) {
            super(seed, tcp, tcp, linkA, linkB, false, wrapA, wrapB);
        }

        DeviceCounters port(String name) {
            return net.link(name).port();
        }

        void exchange(long up, long down) {
            MemoryNetworkTcpSimulationTest.exchange(sim, a, loopA, b, loopB, B, up, down, Duration.ofMinutes(10));
        }
    }

    @Test
    void aCleanLinkCarriesSuperSegmentsWholeAndTheTransferIsByteExact() {
        try (Pair p = new Pair(1, LINK, LINK, d -> d, d -> d)) {
            p.exchange(4 * MIB, 4 * MIB);
            for (String sender : List.of("a", "b")) {
                String receiver = sender.equals("a") ? "b" : "a";
                assertTrue(p.port(sender).get(Counter.TX_GSO_WRITES) > 0, sender + " sent no super-segment");
                assertTrue(p.port(receiver).get(Counter.RX_GSO_FRAMES) > 0, receiver + " got no super-segment");
                assertEquals(0, p.port(receiver).get(Counter.RX_GSO_SEGMENTED), receiver + " got them cut");
                // the port counts a super-segment's pieces as frames sent, and as many as went: more than written
                assertTrue(p.port(sender).get(Counter.TX_FRAMES) > p.port(receiver).get(Counter.RX_FRAMES));
                System.out.printf("%s sent %d segments (ACKs included) as %d frames, %d of them super-segments%n",
                        sender, p.port(sender).get(Counter.TX_FRAMES), p.port(receiver).get(Counter.RX_FRAMES),
                        p.port(sender).get(Counter.TX_GSO_WRITES));
            }
        }
    }

    /**
     * A receiver acknowledges a super-segment with one stretch ACK; slow start counts every byte it acknowledges
     * (CongestionControl.slowStart), so the same transfer over the same 1 ms, 1 Gbit/s links takes at most a quarter
     * longer with offloads than without (327 against 279 ms; with one SMSS per ACK it took 1.8 times as long). What
     * remains is not explained; a super-segment is delivered once its last piece has crossed, which delays the ACK.
     */
    @Test
    void stretchAcksOfSuperSegmentsDoNotSlowTheTransfer() {
        long on = oneWayNanos(LINK, 16 * MIB);
        long off = oneWayNanos(LINK.withOffloads(false), 16 * MIB);
        assertTrue(on <= off * 5 / 4, "with offloads " + on / 1_000_000 + " ms, without " + off / 1_000_000 + " ms");
    }

    private static long oneWayNanos(LinkConfig link, long bytes) {
        try (Pair p = new Pair(3, link, link, d -> d, d -> d)) {
            long t0 = p.sim.now();
            p.exchange(bytes, 0);
            return p.sim.now() - t0;
        }
    }

    @Test
    void superSegmentsCarryIpv6Too() {
        try (var n = new MemoryNetworkTcpSimulationTest.Net(5, TcpConfig.DEFAULTS, TcpConfig.DEFAULTS, LINK, LINK, true,
                d -> d, d -> d)) {
            MemoryNetworkTcpSimulationTest.exchange(n.sim, n.a, n.loopA, n.b, n.loopB, n.bAddress, 2 * MIB, 2 * MIB,
                    Duration.ofMinutes(10));
            assertTrue(n.net.link("a").port().get(Counter.TX_GSO_WRITES) > 0, "a sent no IPv6 super-segment");
            assertTrue(n.net.link("b").port().get(Counter.RX_GSO_FRAMES) > 0, "b got no IPv6 super-segment");
        }
    }

    @Test
    void offloadsOffSendNoSuperSegmentAndCompleteChecksums() {
        LinkConfig off = LINK.withOffloads(false);
        // a's capture is inside its device, as on the wire; b sends with offloads off, so a must get wire frames
        try (Pair p = new Pair(2, LINK, off, d -> d, d -> d)) {
            p.exchange(2 * MIB, 2 * MIB);
            assertEquals(0, p.port("b").get(Counter.TX_GSO_WRITES), "b has offloads off");
            assertEquals(0, p.port("a").get(Counter.RX_GSO_FRAMES), "a got a super-segment from b");
            assertEquals(0, p.port("b").get(Counter.RX_GSO_FRAMES), "b has offloads off: a's are cut");
            assertTrue(p.port("b").get(Counter.RX_GSO_SEGMENTED) > 0, "a sent no super-segment to cut");
        }
    }

    @Test
    void aCaptureSeesOnlyWireFramesWithValidChecksums(@TempDir Path dir) throws IOException {
        MemoryRecorder seen = new MemoryRecorder(200_000);
        // b sends super-segments (no wrapper); a's capture makes its port cut them, and a itself sums in full
        try (Pair p = new Pair(3, LINK, LINK, d -> new CapturingDevice(d, seen, Clock.system()), d -> d)) {
            p.exchange(2 * MIB, 2 * MIB);
            assertTrue(p.port("b").get(Counter.TX_GSO_WRITES) > 0, "b sent no super-segment");
            assertTrue(p.port("a").get(Counter.RX_GSO_SEGMENTED) > 0, "a's port cut nothing");
            assertEquals(0, p.port("a").get(Counter.TX_GSO_WRITES), "a's capture takes no super-segments");
        }
        assertEquals(0, seen.discarded());
        Path file = dir.resolve("a.pcap");
        try (PcapWriter w = PcapWriter.open(file, PcapWriter.LinkType.of(LinkType.ETHERNET),
                PcapWriter.Precision.NANOS)) {
            for (MemoryRecorder.Frame f : seen.frames()) {
                w.write(f.epochNanos(), f.bytes(), 0, f.bytes().length);
            }
        }
        int tcp = 0;
        FrameLayout layout = new FrameLayout(NetworkDevice.ETHERNET_HEADER);
        try (PcapReader r = PcapReader.open(file)) {
            for (PcapReader.Record rec = r.next(); rec != null; rec = r.next()) {
                byte[] f = rec.data();
                assertTrue(f.length <= WIRE_FRAME, "a frame of " + f.length + " bytes in the capture");
                if (layout.locate(f, 0, f.length) && layout.isTcp()) {
                    tcp++;
                    assertTrue(Checksum.verifies(Checksum.ones(f, layout.l4Offset(), layout.l4Length(),
                            layout.pseudoHeaderSum())), "a TCP checksum in the capture does not verify");
                }
            }
        }
        assertTrue(tcp > 2 * 2 * MIB / 1500, "too few TCP frames captured: " + tcp);
        assertTrue(Files.size(file) > 4 * MIB);
    }

    /**
     * Faults on b's ingress only: a sends super-segments through a clean egress, b's port cuts them for the
     * injector, which loses, reorders, duplicates or corrupts pieces; every stream arrives byte-exact, and what a
     * lost, and had to send again, went as single segments of at most the MSS.
     */
    @Test
    void piecesLostAfterTheCutGoAgainAsSingleSegments() {
        List<Faults> kinds = List.of(Faults.NONE.withLoss(0.02), Faults.NONE.withReorder(0.05, Duration.ofMillis(2)),
                Faults.NONE.withDuplicate(0.05), Faults.NONE.withCorrupt(0.02, 1));
        long seed = 10;
        for (Faults f : kinds) {
            long s = seed++;
            replayable(s, () -> {
                try (Pair p = new Pair(s, LINK, LINK.withFaults(Faults.NONE, f), d -> d, d -> d)) {
                    AtomicLong got = new AtomicLong(-1);
                    LoopFuture<Void> listening = p.sim.spawn("listen", () -> p.b.tcp().listen(80, fl -> {
                        got.set(Patterns.readAndVerify(fl, 1));
                        fl.close();
                    }));
                    p.sim.runUntil(listening::isDone, Duration.ofSeconds(1));
                    AtomicReference<TcpInfo> info = new AtomicReference<>();
                    LoopFuture<Void> client = p.sim.spawn("client", () -> {
                        TcpFlow fl = p.a.tcp().connect(new InetSocketAddress(B, 80));
                        Patterns.write(fl, 1, 4 * MIB, 65_536);
                        fl.close();
                        info.set(fl.info());
                    });
                    p.sim.runUntil(() -> client.isDone() && got.get() >= 0, Duration.ofMinutes(10));
                    client.getNow();
                    assertEquals(4 * MIB, got.get(), "bytes a -> b under " + f);
                    assertTrue(p.port("a").get(Counter.TX_GSO_WRITES) > 0, "a sent no super-segment");
                    assertTrue(p.port("b").get(Counter.RX_GSO_SEGMENTED) > 0, "b's port cut nothing");
                    assertEquals(0, p.port("b").get(Counter.RX_GSO_FRAMES), "b's injector got a super-segment");
                    TcpInfo i = info.get();
                    if (f.loss() > 0 || f.corrupt() > 0) {
                        assertTrue(i.retransmissions() > 0, "nothing retransmitted under " + f);
                        assertTrue(i.bytesRetransmitted() <= i.retransmissions() * (long) i.mss(),
                                "a retransmission larger than a segment under " + f);
                    }
                }
            });
        }
    }

    /**
     * A burst of N full segments leaves as one frame with gso_size = the MSS, and the scoreboard holds N segments:
     * the first flight on a long path, seen before any ACK can return.
     */
    @Test
    void aBurstLeavesAsOneSuperSegmentWhileTheScoreboardHoldsEachSegment() {
        LinkConfig slow = LinkConfig.DEFAULTS.withLatency(Duration.ofMillis(50));
        List<int[]> sent = new ArrayList<>();           // {length, gso size} of each frame a sent; on a's loop
        try (Pair p = new Pair(4, slow, slow, d -> new Spy(d, sent), d -> d)) {
            AtomicReference<TcpFlow> flow = new AtomicReference<>();
            LoopFuture<Void> listening = p.sim.spawn("listen", () -> p.b.tcp().listen(80,
                    f -> Patterns.readAndVerify(f, 1)));
            p.sim.runUntil(listening::isDone, Duration.ofSeconds(1));
            p.sim.spawn("client", () -> {
                TcpFlow f = p.a.tcp().connect(new InetSocketAddress(B, 80));
                flow.set(f);
                Patterns.write(f, 1, 256 * 1024, 65_536);
            });
            p.sim.runUntil(() -> sent.stream().anyMatch(s -> s[1] > 0), Duration.ofSeconds(2));
            int[] sup = sent.stream().filter(s -> s[1] > 0).findFirst().orElseThrow();
            DirectTcpFlow f = (DirectTcpFlow) flow.get();
            int mss = onLoop(p, p.loopA, () -> f.info().mss());
            int held = onLoop(p, p.loopA, () -> f.connection().recovery.scoreboard().size());
            assertEquals(mss, sup[1], "gso_size is the MSS");
            int headers = NetworkDevice.ETHERNET_HEADER + 20 + 32;       // IPv4, TCP with timestamps
            int pieces = (sup[0] - headers) / mss;
            assertEquals(sup[0], headers + pieces * mss, "a super-segment of whole segments");
            assertTrue(pieces >= 2 && sup[0] > WIRE_FRAME, "a super-segment of " + pieces + " pieces");
            assertEquals(pieces, held, "the scoreboard holds each segment of the super-segment");
        }
    }

    static int onLoop(Pair p, SimulatedLoop loop, java.util.function.IntSupplier task) {
        LoopFuture<Integer> f = loop.submit(fut -> fut.complete(task.getAsInt()));
        p.sim.runUntil(f::isDone, Duration.ofSeconds(1));
        return f.getNow();
    }

    /** Records what a stack hands its device: each frame's length and GSO size; passes offloads through. */
    static final class Spy implements NetworkDevice {
        final NetworkDevice inner;
        final List<int[]> sent;

        Spy(NetworkDevice inner, List<int[]> sent) {
            this.inner = inner;
            this.sent = sent;
        }

        @Override public long mac() { return inner.mac(); }
        @Override public int mtu() { return inner.mtu(); }
        @Override public void attach(EventLoop loop, FrameReceiver receiver) { inner.attach(loop, receiver); }
        @Override public boolean completesChecksums() { return inner.completesChecksums(); }
        @Override public int maxSuperSegment() { return inner.maxSuperSegment(); }
        @Override public void close() { inner.close(); }

        @Override
        public void send(byte[] frame, int off, int len) {
            sent.add(new int[] {len, 0});
            inner.send(frame, off, len);
        }

        @Override
        public void send(byte[] frame, int off, int len, int offload) {
            sent.add(new int[] {len, OffloadReceiver.gsoSize(offload)});
            inner.send(frame, off, len, offload);
        }
    }
}
