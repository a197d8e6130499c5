package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.FrameReceiver;
import dev.tcpip.device.NetworkDevice;
import dev.tcpip.device.OffloadReceiver;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.time.EventLoop;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A device that hands a super-segment in an array made for it alone ({@link OffloadReceiver#FRAME_OWNED}, as the TAP
 * reader does) lets TCP's receive queue keep the in-order payload there instead of copying it; a frame without the
 * mark is copied, so the device may reuse its array at once. Virtual time, a clean {@code MemoryNetwork} link with
 * offloads; the transfers are byte-exact.
 */
class ReceiveInPlaceTest {
    private static final long BYTES = 4L << 20;

    /**
     * Around the receiving stack's device: each super-segment goes up either in a fresh array marked as the stack's
     * ({@code own}), or in one reused array (as a reader's batch) that is overwritten as soon as the stack returns.
     */
    static final class Handing implements NetworkDevice {
        final NetworkDevice inner;
        final boolean own;
        int superSegments;
        private final byte[] reused = new byte[1 << 17];

        Handing(NetworkDevice inner, boolean own) {
            this.inner = inner;
            this.own = own;
        }

        @Override public long mac() { return inner.mac(); }
        @Override public int mtu() { return inner.mtu(); }
        @Override public boolean completesChecksums() { return inner.completesChecksums(); }
        @Override public int maxSuperSegment() { return inner.maxSuperSegment(); }
        @Override public void close() { inner.close(); }
        @Override public void send(byte[] frame, int off, int len) { inner.send(frame, off, len); }
        @Override public void send(byte[] frame, int off, int len, int offload) { inner.send(frame, off, len, offload); }

        @Override
        public void attach(EventLoop loop, FrameReceiver receiver) {
            OffloadReceiver up = (OffloadReceiver) receiver;
            inner.attach(loop, (OffloadReceiver) (frame, off, len, offload) -> {
                if (OffloadReceiver.gsoSize(offload) == 0) {
                    up.receive(frame, off, len, offload);
                    return;
                }
                superSegments++;
                if (own) {
                    up.receive(Arrays.copyOfRange(frame, off, off + len), 0, len, offload | OffloadReceiver.FRAME_OWNED);
                } else {
                    System.arraycopy(frame, off, reused, 0, len);
                    up.receive(reused, 0, len, offload);
                    Arrays.fill(reused, (byte) 0x5a);          // the device reuses its array: nothing may stay there
                }
            });
        }
    }

    private static long kept(boolean own, int[] superSegments) {
        Handing[] h = new Handing[1];
        // A fixed 256 KiB receive buffer keeps the flight within the link's queue (an auto-tuned window lets slow
        // start overflow it, and a segment after a loss goes to the out-of-order queue, copied).
        TcpConfig c = TcpConfig.DEFAULTS;
        TcpConfig fixed = c.withBuffers(c.sendBufferSize(), c.sendBufferMax(), c.receiveBufferSize());
        try (MemoryNetworkOffloadTest.Pair p = new MemoryNetworkOffloadTest.Pair(7, fixed,
                MemoryNetworkTcpSimulationTest.LINK,
                MemoryNetworkTcpSimulationTest.LINK, d -> d, d -> h[0] = new Handing(d, own))) {
            p.exchange(BYTES, 0);                               // a -> b, verified byte for byte
            superSegments[0] = h[0].superSegments;
            return p.b.counter(StackCounter.TCP_RX_PAYLOADS_KEPT);
        }
    }

    @Test
    void superSegmentsInArraysOfTheirOwnAreKeptInPlace() {
        int[] n = new int[1];
        long kept = kept(true, n);
        assertTrue(n[0] > 10, "super-segments handed up: " + n[0]);
        // a clean link: every super-segment arrives in order and holds more than ChunkQueue.HAND_ALONE bytes
        assertEquals(n[0], kept, "payloads kept of " + n[0] + " super-segments");
    }

    @Test
    void framesWithoutTheMarkAreCopiedSoTheDeviceMayReuseItsArray() {
        int[] n = new int[1];
        assertEquals(0, kept(false, n));
        assertTrue(n[0] > 10, "super-segments handed up: " + n[0]);
    }
}
