package dev.tcpip.direct.tcp;

import static dev.tcpip.direct.tcp.MemoryNetworkTcpSimulationTest.LINK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.LinkConfig;
import dev.tcpip.direct.TcpConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The send buffer grows with cwnd up to {@link TcpConfig#sendBufferMax()} (Linux's {@code tcp_sndbuf_expand}), so a
 * path whose bandwidth-delay product exceeds the initial 256 KiB is not held to one buffer per round trip; a size
 * set with {@link TcpConfig#withBuffers(int, int)} stays fixed (as {@code SO_SNDBUF} locks Linux's). Virtual time,
 * deterministic.
 */
class SendBufferGrowthTest {
    private static final long MIB = 1 << 20;
    /** 1 Gbit/s, 5 ms per link: a 10 ms round trip carries 1.25 MB, five times the initial buffer. */
    private static final LinkConfig LONG = LINK.withLatency(Duration.ofMillis(5));

    private static long oneWayMillis(TcpConfig tcp, long bytes) {
        try (var n = new MemoryNetworkTcpSimulationTest.Net(7, tcp, LONG)) {
            long t0 = n.sim.now();
            MemoryNetworkTcpSimulationTest.exchange(n.sim, n.a, n.loopA, n.b, n.loopB, n.bAddress, bytes, 0,
                    Duration.ofMinutes(10));
            return (n.sim.now() - t0) / 1_000_000;
        }
    }

    @Test
    void theDefaultBufferGrowsPastTheBandwidthDelayProduct() {
        TcpConfig d = TcpConfig.DEFAULTS;
        int rcv = 16 * d.receiveBufferSize();                  // the receiver's window does not limit either
        long grows = oneWayMillis(d.withBuffers(d.sendBufferSize(), d.sendBufferMax(), rcv), 32 * MIB);
        long fixed = oneWayMillis(d.withBuffers(d.sendBufferSize(), rcv), 32 * MIB);
        // fixed: at most 256 KiB per 10 ms round trip, about 210 Mbit/s, so 32 MiB take over 1.2 s
        assertTrue(fixed > 1_200, "a fixed 256 KiB buffer: " + fixed + " ms");
        assertTrue(grows * 2 < fixed, "growing " + grows + " ms against fixed " + fixed + " ms");
        System.out.println("SendBufferGrowthTest: 32 MiB, 1 Gbit/s, 10 ms RTT: growing " + grows + " ms, fixed 256 KiB "
                + fixed + " ms");
    }

    @Test
    void growthStopsAtTheMaximum() {
        TcpConfig d = TcpConfig.DEFAULTS;
        int rcv = 16 * d.receiveBufferSize();
        long capped = oneWayMillis(d.withBuffers(d.sendBufferSize(), 512 * 1024, rcv), 32 * MIB);
        long grows = oneWayMillis(d.withBuffers(d.sendBufferSize(), d.sendBufferMax(), rcv), 32 * MIB);
        // capped: at most 512 KiB per 10 ms round trip, so 32 MiB take at least 640 ms
        assertTrue(capped >= 640, "capped at 512 KiB: " + capped + " ms");
        assertTrue(grows < capped, "growing to 4 MiB " + grows + " ms against 512 KiB " + capped + " ms");
        System.out.println("SendBufferGrowthTest: growing to 512 KiB " + capped + " ms, to 4 MiB " + grows + " ms");
    }

    @Test
    void withBuffersFixesTheSendBuffer() {
        TcpConfig fixed = TcpConfig.DEFAULTS.withBuffers(64 * 1024, 128 * 1024);
        assertEquals(64 * 1024, fixed.sendBufferMax());
        assertEquals(4 << 20, TcpConfig.DEFAULTS.sendBufferMax());
        assertEquals(2 << 20, TcpConfig.DEFAULTS.withBuffers(1 << 20, 2 << 20, 1 << 20).sendBufferMax());
    }
}
