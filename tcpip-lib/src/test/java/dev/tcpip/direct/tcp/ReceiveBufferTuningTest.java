package dev.tcpip.direct.tcp;

import static dev.tcpip.direct.tcp.MemoryNetworkTcpSimulationTest.LINK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.TcpFlow;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.time.LoopFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Receive-buffer auto-tuning ({@link TcpConfig#receiveBufferMax()}): a receiver whose application keeps up grows its
 * buffer, and so the window it offers, to about twice what the application reads per receiver round trip, up to the
 * maximum; a receiver whose application does not read keeps the initial size; {@link TcpConfig#withBuffers} fixes the
 * size. The window offered never exceeds what the buffer holds. Virtual time, deterministic: a bulk transfer a to b
 * over 1 Gbit/s links of 5 ms each way (a 10 ms round trip carries 1.25 MB, five times the initial 256 KiB).
 */
class ReceiveBufferTuningTest {
    private static final int KIB = 1024;
    private static final long MIB = 1 << 20;
    private static final LinkConfig LONG = LINK.withLatency(Duration.ofMillis(5));
    /** The window field's granularity at the default shift of 7 (RFC 7323 §2.3): an offer may round up by this. */
    private static final int UNIT = 1 << TcpConfig.DEFAULTS.windowScaleToOffer();

    /** What one transfer showed; the buffer and windows sampled while b was ESTABLISHED (its close grows it). */
    record Run(long millis, long maxPeerWindow, int bufferPeak, long maxOverBuffer, int growths, long rcvRtt) {
    }

    /**
     * a sends {@code bytes} to b, whose handler waits {@code readAfter} before reading (zero: at once) and then reads
     * to the end as fast as it comes. Samples every millisecond the window a was offered (a's SND.WND) and b's buffer.
     */
    private static Run transfer(TcpConfig receiver, LinkConfig link, long bytes, Duration readAfter,
                                Duration sampleFor) {
        return transfer(receiver, link, bytes, readAfter, sampleFor, null);
    }

    /** As above; with {@code closeAfter}, b also calls close that long after the connection opened (and reads on). */
    private static Run transfer(TcpConfig receiver, LinkConfig link, long bytes, Duration readAfter,
                                Duration sampleFor, Duration closeAfter) {
        TcpConfig sender = TcpConfig.DEFAULTS;
        try (var n = new MemoryNetworkTcpSimulationTest.Net(11, sender, receiver, link, false)) {
            AtomicLong got = new AtomicLong(-1);
            long[] peak = {0, 0, 0};                                 // buffer peak, window over buffer, window peak
            Connection[] server = {null};
            LoopFuture<Void> l = n.sim.spawn("listen", () -> n.b.tcp().listen(80, flow -> {
                server[0] = ((DirectTcpFlow) flow).connection();
                if (closeAfter != null) {
                    n.loopB.spawn("closer", () -> {
                        n.loopB.sleep(closeAfter);
                        flow.close();
                    });
                }
                if (!readAfter.isZero()) {
                    n.loopB.sleep(readAfter);
                }
                got.set(Patterns.readAndVerify(flow, 1));
                flow.close();
            }));
            n.sim.runUntil(l::isDone, Duration.ofSeconds(1));
            long t0 = n.sim.now();
            long[] took = {0};
            LoopFuture<Void> c = n.sim.spawn("client", () -> {
                TcpFlow f = n.a.tcp().connect(new InetSocketAddress(n.bAddress, 80));
                Connection a = ((DirectTcpFlow) f).connection();
                n.loopA.spawn("sampler", () -> {
                    for (int i = 0; i < sampleFor.toMillis() && got.get() < 0; i++) {
                        Connection b = server[0];
                        boolean sampled = closeAfter != null ? b != null && !b.released
                                : b != null && b.tcb.state == TcpState.ESTABLISHED;
                        if (sampled) {
                            int size = b.receiver.bufferSize();
                            peak[0] = Math.max(peak[0], size);
                            peak[1] = Math.max(peak[1], a.sender.wnd() - size);
                            peak[2] = Math.max(peak[2], a.sender.wnd());
                        }
                        n.loopA.sleep(Duration.ofMillis(1));
                    }
                });
                Patterns.write(f, 1, bytes, 65_536);
                f.close();
            });
            n.sim.runUntil(() -> c.isDone() && got.get() >= 0, Duration.ofMinutes(5));
            c.getNow();
            assertEquals(bytes, got.get(), "bytes a -> b");
            took[0] = n.sim.now() - t0;
            Receiver r = server[0].receiver;
            ReceiveTuning tuning = r.tuning();
            return new Run(took[0] / 1_000_000, peak[2], (int) peak[0], peak[1],
                    tuning == null ? 0 : tuning.growths, tuning == null ? 0 : tuning.rtt());
        }
    }

    private static Run transfer(TcpConfig receiver, long bytes) {
        return transfer(receiver, LONG, bytes, Duration.ZERO, Duration.ofSeconds(30));
    }

    @Test
    void aReaderThatKeepsUpGrowsTheWindowToTheBandwidthDelayProduct() {
        TcpConfig d = TcpConfig.DEFAULTS;
        Run auto = transfer(d, 32 * MIB);
        Run fixed = transfer(d.withBuffers(d.sendBufferSize(), d.sendBufferMax(), d.receiveBufferSize()), 32 * MIB);
        System.out.println("ReceiveBufferTuningTest: 32 MiB, 1 Gbit/s, 10 ms RTT: auto-tuned " + auto + ", fixed "
                + fixed);
        // fixed: at most 256 KiB per 10 ms round trip, about 210 Mbit/s: 32 MiB take over 1.2 s
        assertTrue(fixed.millis() > 1_200, "fixed 256 KiB: " + fixed);
        assertEquals(256 * KIB, fixed.bufferPeak(), "withBuffers fixes the receive buffer");
        assertEquals(0, fixed.growths());
        assertTrue(fixed.maxPeerWindow() <= 256 * KIB + UNIT, "fixed: window " + fixed.maxPeerWindow());
        assertTrue(auto.millis() * 2 < fixed.millis(), "auto-tuned " + auto + " against fixed " + fixed);
        // the path holds 1.25 MB per round trip: the window offered reached about that and stayed within the max
        assertTrue(auto.maxPeerWindow() >= 1_250_000, "auto-tuned window " + auto.maxPeerWindow());
        assertTrue(auto.bufferPeak() <= d.receiveBufferMax(), "buffer " + auto.bufferPeak());
        assertTrue(auto.maxPeerWindow() <= d.receiveBufferMax() + UNIT, "window " + auto.maxPeerWindow());
        // the receiver's round trip: 10 ms of path, the serialisation of what is queued ahead
        assertTrue(auto.rcvRtt() >= 10_000_000 && auto.rcvRtt() < 40_000_000, "receiver RTT " + auto.rcvRtt());
        assertTrue(auto.maxOverBuffer() <= UNIT, "offered beyond the buffer by " + auto.maxOverBuffer());
    }

    @Test
    void growthStopsAtTheMaximum() {
        TcpConfig d = TcpConfig.DEFAULTS;
        Run capped = transfer(d.withReceiveBuffer(d.receiveBufferSize(), 512 * KIB), 32 * MIB);
        Run auto = transfer(d, 32 * MIB);
        System.out.println("ReceiveBufferTuningTest: growing to 512 KiB " + capped + ", to 4 MiB " + auto);
        assertEquals(512 * KIB, capped.bufferPeak());
        assertTrue(capped.maxPeerWindow() <= 512 * KIB + UNIT, "capped window " + capped.maxPeerWindow());
        // at most 512 KiB per 10 ms round trip: 32 MiB take at least 640 ms
        assertTrue(capped.millis() >= 640, "capped at 512 KiB: " + capped);
        assertTrue(auto.millis() < capped.millis(), "4 MiB " + auto + " against 512 KiB " + capped);
    }

    @Test
    void withoutTimestampsTheRoundTripComesFromTheTimeToReceiveAWindow() {
        TcpConfig d = TcpConfig.DEFAULTS.withOptions(true, false, true);
        Run auto = transfer(d, 32 * MIB);
        Run fixed = transfer(d.withBuffers(d.sendBufferSize(), d.sendBufferMax(), d.receiveBufferSize()), 32 * MIB);
        System.out.println("ReceiveBufferTuningTest: no timestamps: auto-tuned " + auto + ", fixed " + fixed);
        assertTrue(auto.growths() > 0 && auto.rcvRtt() >= 10_000_000, "auto-tuned " + auto);
        assertTrue(auto.millis() * 2 < fixed.millis(), "auto-tuned " + auto + " against fixed " + fixed);
        assertTrue(auto.maxPeerWindow() >= 1_250_000, "auto-tuned window " + auto.maxPeerWindow());
        assertTrue(auto.maxOverBuffer() <= UNIT, "offered beyond the buffer by " + auto.maxOverBuffer());
    }

    @Test
    void aReaderThatDoesNotReadKeepsTheInitialBuffer() {
        // b's application reads nothing for 3 s while a has 8 MiB to send: the window stays the initial buffer's, the
        // buffer does not grow (its memory stays bounded by 256 KiB); then it reads, and the transfer completes.
        TcpConfig d = TcpConfig.DEFAULTS;
        Run r = transfer(d, LONG, 8 * MIB, Duration.ofSeconds(3), Duration.ofSeconds(3));
        System.out.println("ReceiveBufferTuningTest: no reads for 3 s: " + r);
        assertEquals(256 * KIB, r.bufferPeak(), "buffer while nobody reads");
        assertTrue(r.maxPeerWindow() <= 256 * KIB + UNIT, "window while nobody reads " + r.maxPeerWindow());
        assertTrue(r.maxOverBuffer() <= UNIT, "offered beyond the buffer by " + r.maxOverBuffer());
    }

    @Test
    void aSmallFixedBufferIsNeverOfferedBeyondItsSize() {
        // A receiver set to 32 KiB (withBuffers) offers at most 32 KiB, however fast its application reads.
        TcpConfig d = TcpConfig.DEFAULTS;
        Run r = transfer(d.withBuffers(d.sendBufferSize(), 32 * KIB), LINK, 8 * MIB, Duration.ZERO,
                Duration.ofSeconds(30));
        System.out.println("ReceiveBufferTuningTest: 32 KiB fixed: " + r);
        assertEquals(32 * KIB, r.bufferPeak());
        assertTrue(r.maxPeerWindow() <= 32 * KIB + UNIT, "window " + r.maxPeerWindow());
        assertEquals(0, r.growths());
    }

    @Test
    void aClosingReceiverOffersWhatItsCloseLimitHolds() {
        // A 32 KiB receiver that calls close while the peer still sends offers up to closeBufferLimit (4 MiB): close
        // raises the buffer's limit so that a peer blocked on the window can still send its FIN (TcpConfig
        // closeBufferLimit). What it offers stays within what the buffer may then hold.
        TcpConfig d = TcpConfig.DEFAULTS;
        Run r = transfer(d.withBuffers(d.sendBufferSize(), 32 * KIB), LINK, 8 * MIB, Duration.ZERO,
                Duration.ofSeconds(30), Duration.ofMillis(20));
        System.out.println("ReceiveBufferTuningTest: 32 KiB fixed, close after 20 ms: " + r);
        assertEquals(d.closeBufferLimit(), r.bufferPeak());
        assertTrue(r.maxPeerWindow() > 32 * KIB, "window " + r.maxPeerWindow());
        assertTrue(r.maxOverBuffer() <= UNIT, "offered beyond the buffer by " + r.maxOverBuffer());
        assertEquals(0, r.growths());
    }

    @Test
    void theWindowScaleOfferedAllowsTheMaximum() {
        // RFC 7323 §2.3: the shift is fixed on the SYN; 0xffff << shift must cover the largest buffer.
        TcpConfig d = TcpConfig.DEFAULTS;
        assertTrue(0xffffL << d.windowScaleToOffer() >= d.receiveBufferMax());
        TcpConfig big = d.withReceiveBuffer(256 * KIB, 64 << 20);
        assertTrue(0xffffL << big.windowScaleToOffer() >= 64 << 20, "shift " + big.windowScaleToOffer());
        assertEquals(11, big.windowScaleToOffer());         // 0xffff << 10 is 1,024 bytes short of 64 MiB
        assertEquals(64 * KIB, d.withBuffers(64 * KIB, 64 * KIB).receiveBufferMax());
    }
}
