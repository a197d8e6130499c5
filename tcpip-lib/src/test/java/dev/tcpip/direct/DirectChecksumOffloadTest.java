package dev.tcpip.direct;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.Direction;
import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.NetworkDevice;
import dev.tcpip.device.FrameReceiver;
import dev.tcpip.device.LinkType;
import dev.tcpip.time.EventLoop;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.wire.Checksum;
import dev.tcpip.wire.FrameLayout;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Checksum offload on send ({@link NetworkDevice#completesChecksums()}): over a device that completes checksums the
 * stack's TCP segments carry only the folded pseudo-header sum, which, completed as the kernel completes a
 * {@code NEEDS_CSUM} frame, is the right checksum (the transfer arrives byte-exact at a stack that verifies);
 * over a device that does not (and over any wrapper) every segment is complete.
 */
class DirectChecksumOffloadTest {

    @Test
    void segmentsCarryThePseudoHeaderSumOnlyOverADeviceThatCompletesThem() throws Exception {
        for (boolean v6 : new boolean[] {false, true}) {
            SimKit.run(kit -> {
                Completing dev = new Completing(kit.net.connect("a", LinkConfig.DEFAULTS).device(), true);
                DirectStack a = DirectStack.create(v6 ? DirectStackConfig.ipv6("2001:db8::1/64")
                        : DirectStackConfig.ipv4("10.0.0.1/24"), dev, kit.sim.newLoop("a"));
                DirectStack b = kit.stack("b", v6 ? DirectStackConfig.ipv6("2001:db8::2/64")
                        : DirectStackConfig.ipv4("10.0.0.2/24"), LinkConfig.DEFAULTS);
                kit.sim.runFor(Duration.ofSeconds(3));                        // past duplicate address detection
                echoThrough(kit, a, b, v6 ? "2001:db8::2" : "10.0.0.2");
                assertTrue(dev.partial > 100, "segments left to the device: " + dev.partial);
                assertEquals(0, dev.complete, "TCP segments summed by the stack although the device would");
            });
        }
    }

    @Test
    void aDeviceThatDoesNotCompleteChecksumsGetsCompleteOnes() throws Exception {
        SimKit.run(kit -> {
            Completing dev = new Completing(kit.net.connect("a", LinkConfig.DEFAULTS).device(), false);
            DirectStack a = DirectStack.create(DirectStackConfig.ipv4("10.0.0.1/24"), dev, kit.sim.newLoop("a"));
            DirectStack b = kit.stack("b", "10.0.0.2/24");
            echoThrough(kit, a, b, "10.0.0.2");
            assertEquals(0, dev.partial);
            assertTrue(dev.complete > 100, "complete segments: " + dev.complete);
        });
    }

    /** 256 KiB from a to an echo server on b and back, byte for byte. */
    private static void echoThrough(SimKit kit, DirectStack a, DirectStack b, String server) throws Exception {
        int port = b.tcp().listen(7, f -> {
            for (int i = 0; i < 100_000 && f.read() instanceof ReadResult.Data(ByteBuffer d); i++) {
                f.write(d);
            }
            f.close();
        });
        byte[] data = new byte[256 * 1024];
        new Random(1).nextBytes(data);
        LoopFuture<Void> run = kit.sim.spawn("client", () -> {
            try (TcpFlow f = a.tcp().connect(SimKit.at(server, port))) {
                f.write(ByteBuffer.wrap(data.clone()));
                f.shutdown(Direction.WRITE);
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                for (int i = 0; i < 100_000 && got.size() < data.length; i++) {
                    ByteBuffer d = assertInstanceOf(ReadResult.Data.class, f.read()).bytes();
                    byte[] chunk = new byte[d.remaining()];
                    d.get(chunk);
                    got.write(chunk);
                }
                assertArrayEquals(data, got.toByteArray());
            }
        });
        kit.sim.runUntil(run::isDone, Duration.ofSeconds(60));
        run.getNow();
    }

    /**
     * A device that says whether it completes checksums and, when it does, completes each TCP segment's as the
     * kernel completes a NEEDS_CSUM frame, counting the segments that came with only the pseudo-header sum.
     */
    private static final class Completing implements NetworkDevice {
        private final NetworkDevice inner;
        private final boolean completes;
        private final FrameLayout layout = new FrameLayout();
        int partial;
        int complete;

        Completing(NetworkDevice inner, boolean completes) {
            this.inner = inner;
            this.completes = completes;
        }

        @Override
        public long mac() {
            return inner.mac();
        }

        @Override
        public int mtu() {
            return inner.mtu();
        }

        @Override
        public LinkType linkType() {
            return inner.linkType();
        }

        @Override
        public void attach(EventLoop loop, FrameReceiver receiver) {
            inner.attach(loop, receiver);
        }

        @Override
        public void close() {
            inner.close();
        }

        @Override
        public boolean completesChecksums() {
            return completes;
        }

        @Override
        public void send(byte[] frame, int off, int len) {
            byte[] f = java.util.Arrays.copyOfRange(frame, off, off + len);
            if (layout.locate(f, 0, len) && layout.isTcp()) {
                int field = layout.checksum();
                int pseudo = Checksum.fold(layout.pseudoHeaderSum());
                layout.setChecksum(0);
                int sum = Checksum.finish(Checksum.ones(f, layout.l4Offset(), layout.l4Length(),
                        layout.pseudoHeaderSum()));
                // One segment in 65,536 has a complete sum equal to its pseudo-header's: it counts as neither.
                if (field == pseudo && field != sum) {
                    partial++;
                } else if (field == sum && field != pseudo) {
                    complete++;
                } else if (field != sum) {
                    throw new AssertionError("a TCP checksum neither complete nor partial: " + field);
                }
                layout.setChecksum(sum);                      // what the kernel does before the frame leaves
            }
            inner.send(f, 0, len);
        }
    }
}
