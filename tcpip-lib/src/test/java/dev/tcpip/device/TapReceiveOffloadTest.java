package dev.tcpip.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.ReadResult;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.tcp.DirectTcpFlow;
import dev.tcpip.direct.tcp.TcpStats;
import dev.tcpip.time.Clock;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Receive offloads on a TAP device at MTU 1500: a kernel socket in a namespace of the test's own sends a bulk
 * stream to the direct stack, and the kernel hands the device TCP super-segments, larger than the MTU. The stack
 * takes them whole (the device counts them; TCP counts the segments they stand for) and reads every byte
 * (SHA-256 of both ends); a capture around the device sees only wire-sized frames, cut in software; with the
 * system property the offloads stay off and no super-segment comes.
 */
@Timeout(180)
class TapReceiveOffloadTest {
    private static final long BYTES = 32L << 20;
    private static final int CHUNK = 1 << 16;
    private static final int PORT = 7000;
    private static final int WIRE_FRAME = 1514;

    @Test
    @NeedsNetAdmin
    void theStackTakesTheKernelsSuperSegmentsWholeAndReadsEveryByte() throws Exception {
        Run r = run(null, false);
        assertTrue(r.receiveOffloads);
        assertTrue(r.gsoFrames > 0, "no super-segment came: " + r.counters);
        assertEquals(0, r.counters.get(Counter.RX_GSO_SEGMENTED), "the stack takes them whole");
        assertEquals(0, r.counters.get(Counter.DROPPED_OFFLOAD) + r.counters.get(Counter.DROPPED_TOO_BIG),
                r.counters.toString());
        assertTrue(r.meanFrame() > WIRE_FRAME, "frames handed to the stack averaged " + r.meanFrame() + " bytes");
        // TCP counts a super-segment as the segments it stands for: at least one per gso_size bytes
        assertTrue(r.stats.dataSegmentsReceived() >= BYTES / 1448, r.stats.toString());
        assertTrue(r.stats.dataSegmentsReceived() > r.counters.get(Counter.RX_FRAMES) - 10, r.stats + " " + r.counters);
    }

    @Test
    @NeedsNetAdmin
    void aCaptureAroundTheDeviceSeesOnlyWireFrames() throws Exception {
        Run r = run(null, true);
        assertTrue(r.gsoFrames > 0, "no super-segment came: " + r.counters);
        assertTrue(r.counters.get(Counter.RX_GSO_SEGMENTED) > r.gsoFrames, r.counters.toString());
        assertTrue(r.largestCaptured <= WIRE_FRAME, "a captured frame of " + r.largestCaptured + " bytes");
        assertEquals(0, r.counters.get(Counter.DROPPED_OFFLOAD), r.counters.toString());
    }

    @Test
    @NeedsNetAdmin
    void thePropertyLeavesReceiveOffloadsOff() throws Exception {
        Run r = run("false", false);
        assertFalse(r.receiveOffloads);
        assertEquals(0, r.gsoFrames, r.counters.toString());
        assertTrue(r.meanFrame() <= WIRE_FRAME, "frames averaged " + r.meanFrame() + " bytes");
    }

    private record Run(boolean receiveOffloads, long gsoFrames, int largestCaptured, TcpStats stats,
                       DeviceCounters counters) {
        long meanFrame() {
            return counters.get(Counter.RX_BYTES) / Math.max(1, counters.get(Counter.RX_FRAMES));
        }
    }

    /** Sends {@code BYTES} from the kernel to the stack with the property set to {@code rxOffload}. */
    private static Run run(String rxOffload, boolean capture) throws Exception {
        try (NetNamespace ns = NetNamespace.create("rx")) {
            ns.ip("tuntap", "add", "dev", "tap0", "mode", "tap");
            ns.ip("addr", "add", "10.77.0.1/24", "dev", "tap0");
            ns.ip("link", "set", "tap0", "up");
            String was = System.getProperty(TapDevice.RX_OFFLOAD_PROPERTY);
            TapDevice tap;
            setProperty(rxOffload);
            try {
                tap = ns.start("rx-open", () -> TapDevice.open("tap0", 1500, TapDevice.randomMac(), true))
                        .get(30, TimeUnit.SECONDS);
            } finally {
                setProperty(was);
            }
            AtomicInteger largest = new AtomicInteger();
            NetworkDevice device = tap;
            if (capture) {
                device = new CapturingDevice(tap, (t, f, o, l, d) -> {
                    if (d == FrameDirection.RECEIVED) {
                        largest.accumulateAndGet(l, Math::max);
                    }
                }, Clock.system());
            }
            NetworkDevice stackDevice = device;
            DirectStack stack = ns.start("rx-stack",
                    () -> DirectStack.create(DirectStackConfig.ipv4("10.77.0.2/24"), stackDevice))
                    .get(30, TimeUnit.SECONDS);
            try {
                CompletableFuture<byte[]> digest = new CompletableFuture<>();
                CompletableFuture<TcpStats> stats = new CompletableFuture<>();
                stack.tcp().listen(PORT, flow -> {
                    try {
                        MessageDigest sha = MessageDigest.getInstance("SHA-256");
                        while (flow.read() instanceof ReadResult.Data(ByteBuffer b)) {
                            sha.update(b);
                        }
                        stats.complete(((DirectTcpFlow) flow).stats());
                        digest.complete(sha.digest());
                        flow.close();
                    } catch (Exception e) {
                        digest.completeExceptionally(e);
                        stats.completeExceptionally(e);
                    }
                });
                byte[] sent = ns.start("rx-send", () -> send(new InetSocketAddress("10.77.0.2", PORT)))
                        .get(120, TimeUnit.SECONDS);
                assertArrayEquals(sent, digest.get(60, TimeUnit.SECONDS), "SHA-256 of the stream");
                DeviceCounters c = tap.counters();
                return new Run(tap.receiveOffloads(), c.get(Counter.RX_GSO_FRAMES), largest.get(),
                        stats.get(10, TimeUnit.SECONDS), c);
            } finally {
                stack.disconnect();
                tap.close();
            }
        }
    }

    /** Writes {@code BYTES} of a pattern to {@code to}; the SHA-256 of what it wrote. */
    private static byte[] send(InetSocketAddress to) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] chunk = new byte[CHUNK];
        try (SocketChannel ch = SocketChannel.open(to)) {
            for (long sent = 0; sent < BYTES; sent += CHUNK) {
                for (int i = 0; i < CHUNK; i++) {
                    chunk[i] = (byte) ((sent + i) * 31 + ((sent + i) >>> 9));
                }
                sha.update(chunk);
                ByteBuffer buf = ByteBuffer.wrap(chunk);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
            ch.shutdownOutput();
            ByteBuffer one = ByteBuffer.allocate(1);
            while (ch.read(one.clear()) >= 0) {
                // until the stack closes
            }
        }
        return sha.digest();
    }

    private static void setProperty(String value) {
        if (value == null) {
            System.clearProperty(TapDevice.RX_OFFLOAD_PROPERTY);
        } else {
            System.setProperty(TapDevice.RX_OFFLOAD_PROPERTY, value);
        }
    }
}
