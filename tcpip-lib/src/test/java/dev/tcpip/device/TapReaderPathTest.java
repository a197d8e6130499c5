package dev.tcpip.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.time.EventLoop;
import dev.tcpip.time.RealTimeLoop;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The two ways the TAP reader takes frames (io_uring, and poll(2) with read(2) when that is turned off): the
 * kernel of a namespace of the test's own sends numbered UDP datagrams of many sizes out of the device, in bursts
 * larger than the reader's buffer ring; every one must arrive intact and in order, and close() must end the
 * reader and leave no descriptor behind.
 */
@Timeout(120)
class TapReaderPathTest {
    private static final long MAC = 0x0200_0000_0a02L;
    private static final int BURST = 400;                      // more than the 256 provided buffers
    private static final int BURSTS = 10;

    @Test
    @NeedsNetAdmin
    void readsThroughIoUringIntactInOrderAndCloseLeavesNothingOpen() throws Exception {
        assertEquals("io_uring", run(null, BURSTS));
    }

    @Test
    @NeedsNetAdmin
    void thePropertyForcesPollAndRead() throws Exception {
        assertEquals("poll", run("false", 2));
    }

    /** Sends and checks {@code bursts} bursts with the property set to {@code uring}; the path the reader took. */
    private static String run(String uring, int bursts) throws Exception {
        List<String> before = descriptors();
        String path;
        try (NetNamespace ns = NetNamespace.create("rd"); EventLoop loop = RealTimeLoop.start("reader-test")) {
            path = ns.onThread(() -> {
                String was = System.getProperty(TapReader.URING_PROPERTY);
                TapDevice tap;
                BlockingQueue<byte[]> frames = new LinkedBlockingQueue<>();
                setProperty(uring);
                try {
                    tap = TapDevice.open("tap0", 1500, MAC);
                    tap.attach(loop, (f, o, l) -> {
                        if (isProbe(f, o, l)) {
                            frames.add(Arrays.copyOfRange(f, o + 42, o + l));
                        }
                    });
                } finally {
                    setProperty(was);
                }
                String chosen = tap.receivePath();
                try (tap; DatagramChannel udp = DatagramChannel.open()) {
                    tap.setLinkUp();
                    ns.ip("addr", "add", "10.77.0.1/24", "dev", "tap0");
                    ns.ip("neigh", "add", "10.77.0.2", "lladdr", "02:00:00:00:0a:02", "dev", "tap0");
                    assertEquals(chosen.equals("io_uring") ? 1 : 0, count(descriptors(), "anon_inode:[io_uring]"));
                    int seq = 0;
                    for (int b = 0; b < bursts; b++) {
                        int first = seq;
                        for (int i = 0; i < BURST; i++, seq++) {
                            udp.send(ByteBuffer.wrap(payload(seq)), new InetSocketAddress("10.77.0.2", 9));
                        }
                        for (int s = first; s < seq; s++) {
                            byte[] got = frames.poll(10, TimeUnit.SECONDS);
                            assertTrue(got != null, "datagram " + s + " did not arrive; " + tap.counters());
                            assertEquals(Arrays.toString(payload(s)), Arrays.toString(got), "datagram " + s);
                        }
                    }
                    DeviceCounters c = tap.counters();
                    assertEquals(0, c.get(Counter.DROPPED_RUNT) + c.get(Counter.DROPPED_OFFLOAD)
                            + c.get(Counter.DROPPED_TOO_BIG), c.toString());
                }
                assertFalse(readerAlive(), "close() returned with the reader still running");
                return chosen;
            });
        }
        List<String> after = descriptors();
        for (String kind : List.of("anon_inode:[io_uring]", "/dev/net/tun", "anon_inode:[eventfd]")) {
            assertEquals(count(before, kind), count(after, kind), kind + " descriptors: " + before + " -> " + after);
        }
        return path;
    }

    private static void setProperty(String value) {
        if (value == null) {
            System.clearProperty(TapReader.URING_PROPERTY);
        } else {
            System.setProperty(TapReader.URING_PROPERTY, value);
        }
    }

    /** Datagram {@code seq}: its number, then 0 to 1,399 bytes that depend on it. */
    private static byte[] payload(int seq) {
        byte[] p = new byte[4 + seq * 37 % 1400];
        ByteBuffer.wrap(p).putInt(seq);
        for (int i = 4; i < p.length; i++) {
            p[i] = (byte) (seq * 31 + i);
        }
        return p;
    }

    /** IPv4 (no options), UDP, to port 9. */
    private static boolean isProbe(byte[] f, int o, int l) {
        return l >= 42 && f[o + 12] == 0x08 && f[o + 13] == 0x00 && f[o + 14] == 0x45 && f[o + 23] == 17
                && f[o + 36] == 0 && f[o + 37] == 9;
    }

    private static boolean readerAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("tcpip-tap0"));
    }

    /** What each descriptor of this process refers to. */
    private static List<String> descriptors() throws IOException {
        List<String> out = new ArrayList<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    out.add(Files.readSymbolicLink(fd).toString());
                } catch (IOException gone) {
                    // closed meanwhile (the listing's own descriptor)
                }
            }
        }
        return out;
    }

    private static long count(List<String> fds, String kind) {
        return fds.stream().filter(kind::equals).count();
    }
}
