package dev.tcpip.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.time.EventLoop;
import dev.tcpip.time.RealTimeLoop;
import dev.tcpip.wire.Checksum;
import dev.tcpip.wire.MacAddress;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The kernel takes the merged frames TapDevice writes with segmentation offload: a hand-made TCP connection
 * to a kernel socket in a namespace of the test's own, whose data segments the writer merges when it finds
 * several in its ring, or whose super-segments (TSO from TCP) it writes whole; the socket reads every byte in order.
 */
@Timeout(120)
class TapGsoTest {
    private static final long MAC = 0x0200_0000_0a02L;
    private static final int PORT = 7777;
    private static final int SEGMENT = 1000;
    private static final int BURST = 16;
    private static final int MAX_BURSTS = 200;

    @Test
    @NeedsNetAdmin
    void theKernelReadsInOrderWhatWentAsMergedFrames() throws Exception {
        overAConnection((tap, flow, in) -> {
            DeviceCounters c = tap.counters();
            for (int b = 0; b < MAX_BURSTS && c.get(Counter.TX_GSO_WRITES) == 0; b++) {
                int first = flow.seq;
                for (int i = 0; i < BURST; i++) {            // faster than the writer's write(2)s
                    flow.send(0x10, SEGMENT);
                }
                byte[] read = in.readNBytes(BURST * SEGMENT);
                assertArrayEquals(payload(first, BURST * SEGMENT), read, "burst " + b);
            }
            assertTrue(c.get(Counter.TX_GSO_WRITES) > 0, "no burst was merged: " + c);
            assertEquals(0, c.get(Counter.DROPPED_QUEUE_FULL), c.toString());
        });
    }

    /** TSO from TCP: super-segments handed to the device (a GSO size in the offload word) go as one write each. */
    @Test
    @NeedsNetAdmin
    void theKernelReadsInOrderWhatWasSentAsSuperSegments() throws Exception {
        overAConnection((tap, flow, in) -> {
            assertEquals(65_535, tap.maxSuperSegment());
            DeviceCounters c = tap.counters();
            int rounds = 20;
            int pieces = 32;
            for (int r = 0; r < rounds; r++) {
                int first = flow.seq;
                flow.sendSuperSegment(pieces * SEGMENT, SEGMENT);
                byte[] read = in.readNBytes(pieces * SEGMENT);
                assertArrayEquals(payload(first, pieces * SEGMENT), read, "super-segment " + r);
            }
            tap.close();                       // joins the writer: it counts a write after the kernel took it
            assertEquals(rounds, c.get(Counter.TX_GSO_WRITES), "one GSO write each: " + c);
            assertEquals(rounds, c.get(Counter.TX_TSO_WRITES), "each written whole as TCP made it: " + c);
            assertEquals(rounds * pieces, c.get(Counter.TX_FRAMES) - 2, "counted as their pieces: " + c);
            assertEquals(0, c.get(Counter.DROPPED_QUEUE_FULL) + c.get(Counter.DROPPED_OFFLOAD), c.toString());
        });
    }

    interface Body {
        void run(TapDevice tap, Flow flow, InputStream in) throws Exception;
    }

    /** A TAP device with checksum offload and a hand-made connection to a kernel socket in a namespace. */
    private static void overAConnection(Body body) throws Exception {
        try (NetNamespace ns = NetNamespace.create("it"); EventLoop loop = RealTimeLoop.start("tap-gso-test")) {
            ns.ip("tuntap", "add", "dev", "tap0", "mode", "tap");
            ns.ip("addr", "add", "10.77.0.1/24", "dev", "tap0");
            ns.ip("link", "set", "tap0", "up");
            ns.ip("neigh", "add", "10.77.0.2", "lladdr", new MacAddress(MAC).toString(), "dev", "tap0", "nud", "permanent");
            ns.onThread(() -> {
                try (ServerSocket server = new ServerSocket();
                     TapDevice tap = TapDevice.open("tap0", 0, MAC, true)) {
                    server.bind(new InetSocketAddress("10.77.0.1", PORT));
                    server.setSoTimeout(10_000);
                    assertTrue(tap.offloadsSegmentation());
                    BlockingQueue<byte[]> frames = new LinkedBlockingQueue<>();
                    tap.attach(loop, (f, o, l) -> {
                        if (frames.size() < 1000) {                    // the kernel's ACKs: bounded, unread
                            frames.add(Arrays.copyOfRange(f, o, o + l));
                        }
                    });
                    Flow flow = new Flow(tap, TapDeviceTest.kernelMac(ns));
                    flow.send(0x02, 0);                                  // SYN
                    byte[] synAck = null;
                    for (int i = 0; i < 50 && synAck == null; i++) {     // IPv6 and MLD frames may come first
                        byte[] f = frames.poll(5, TimeUnit.SECONDS);
                        assertNotNull(f, "no SYN-ACK from the kernel");
                        synAck = f.length >= 54 && f[12] == 0x08 && f[23] == 6 && (f[47] & 0x12) == 0x12 ? f : null;
                    }
                    assertNotNull(synAck, "no SYN-ACK among 50 frames");
                    flow.seq++;
                    flow.ack = (int) (u32(synAck, 38) + 1);
                    flow.send(0x10, 0);                                  // ACK
                    try (Socket s = server.accept()) {
                        s.setSoTimeout(10_000);
                        body.run(tap, flow, s.getInputStream());
                    }
                }
                return null;
            });
        }
    }

    /** A TCP connection 10.77.0.2:5555 -> 10.77.0.1:7777 made by hand: no options, a fixed window. */
    private static final class Flow {
        final TapDevice tap;
        final long to;
        int seq = 0x7fff_ff00;                               // the sequence numbers wrap on the way
        int ack;
        int id = 0xfff0;                                     // and so do the IPv4 identifications

        Flow(TapDevice tap, long to) {
            this.tap = tap;
            this.to = to;
        }

        void send(int flags, int len) {
            tap.send(segment(flags, len), 0, 54 + len);
        }

        /** One super-segment of {@code len} bytes to be cut into pieces of {@code gso} (ACK only). */
        void sendSuperSegment(int len, int gso) {
            tap.send(segment(0x10, len), 0, 54 + len, OffloadReceiver.of(true, gso));
        }

        private byte[] segment(int flags, int len) {
            byte[] f = new byte[54 + len];
            new MacAddress(to).write(f, 0);
            new MacAddress(MAC).write(f, 6);
            f[12] = 0x08;
            f[14] = 0x45;
            put16(f, 16, 40 + len);
            put16(f, 18, id++);
            f[20] = 0x40;                                    // DF
            f[22] = 64;
            f[23] = 6;
            System.arraycopy(new byte[] {10, 77, 0, 2, 10, 77, 0, 1}, 0, f, 26, 8);
            put16(f, 24, Checksum.compute(f, 14, 20));
            put16(f, 34, 5555);
            put16(f, 36, PORT);
            put32(f, 38, seq);
            put32(f, 42, (flags & 0x10) != 0 ? ack : 0);
            f[46] = 0x50;
            f[47] = (byte) flags;
            put16(f, 48, 65_535);
            System.arraycopy(payload(seq, len), 0, f, 54, len);
            put16(f, 50, Checksum.finish(Checksum.ones(f, 34, 20 + len, Checksum.ones(f, 26, 8, 6 + 20 + len))));
            seq += len;
            return f;
        }
    }

    /** The bytes from sequence number {@code seq} on: a pattern by sequence number. */
    private static byte[] payload(int seq, int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) ((seq + i) * 31 + ((seq + i) >>> 8));
        }
        return b;
    }

    private static long u32(byte[] b, int i) {
        return ((b[i] & 0xffL) << 24) | (b[i + 1] & 0xff) << 16 | (b[i + 2] & 0xff) << 8 | b[i + 3] & 0xff;
    }

    private static void put16(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 8);
        b[i + 1] = (byte) v;
    }

    private static void put32(byte[] b, int i, int v) {
        put16(b, i, v >>> 16);
        put16(b, i + 2, v);
    }
}
