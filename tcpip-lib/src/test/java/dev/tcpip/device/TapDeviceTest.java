package dev.tcpip.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.PingReply;
import dev.tcpip.time.EventLoop;
import dev.tcpip.time.RealTimeLoop;
import dev.tcpip.wire.Checksum;
import dev.tcpip.wire.MacAddress;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** TAP devices in a namespace of the test's own; the kernel of that namespace is the peer. */
@Timeout(120)
class TapDeviceTest {
    private static final long MAC = 0x0200_0000_0a02L;

    @Test
    @NeedsNetAdmin
    void createsTheDeviceWithItsMtuAndItVanishesOnClose() throws Exception {
        try (NetNamespace ns = NetNamespace.create("it")) {
            ns.onThread(() -> {
                try (TapDevice tap = TapDevice.open("tap0", 1400, MAC)) {
                    assertEquals(1400, tap.mtu());
                    String link = ns.ip("-d", "link", "show", "tap0");
                    assertTrue(link.contains("mtu 1400"), link);
                    assertTrue(link.contains("tun type tap"), link);
                }
                String links = ns.ip("link", "show");
                assertTrue(!links.contains("tap0"), "the device outlived its descriptor: " + links);
                return null;
            });
        }
    }

    /**
     * {@code --netns}: the device is made inside another namespace, configured there as a guest's interface (as
     * slirp4netns --configure does), while every thread of this process stays in its own namespace, so that the
     * sockets the process opens later are the host's.
     */
    @Test
    @NeedsNetAdmin
    void opensTheDeviceInsideANamedNamespaceAndConfiguresTheGuestSideThere() throws Exception {
        try (NetNamespace ns = NetNamespace.create("guest")) {
            try (TapDevice tap = TapDevice.open(ns.name(), "tapg0", 1500, MAC, false)) {
                assertEquals(0, tap.maxSuperSegment(), "no super-segments without offloads");
                tap.configureIpv4(0x0a00_0264, 24, 0x0a00_0202);       // 10.0.2.100/24 via 10.0.2.2
                String addr = ns.ip("-4", "addr", "show", "tapg0");
                assertTrue(addr.contains("inet 10.0.2.100/24") && addr.contains("UP"), addr);
                String route = ns.ip("-4", "route", "show", "default");
                assertTrue(route.contains("default via 10.0.2.2 dev tapg0"), route);
                assertFalse(NetNamespace.exec(30, java.util.List.of("ip", "link", "show")).contains("tapg0"),
                        "the device is not in this process's namespace");
                assertEquals(java.util.List.of(), ForeignThreads.list(), "threads outside this process's namespace");
            }
            assertFalse(ns.ip("link", "show").contains("tapg0"), "the device went with its descriptor");
        }
        IOException missing = assertThrows(IOException.class,
                () -> TapDevice.open("tcpip-no-such-ns", "tapg0", 1500, MAC, false));
        assertTrue(missing.getMessage().contains("tcpip-no-such-ns"), missing.getMessage());
    }

    @Test
    @NeedsNetAdmin
    void theKernelAndTheDirectStackPingEachOtherWithFragments() throws Exception {
        try (NetNamespace ns = NetNamespace.create("it")) {
            ns.onThread(() -> {
                TapDevice tap = TapDevice.open("tap0", 1500, MAC);
                tap.setLinkUp();
                DirectStack stack = DirectStack.create(DirectStackConfig.ipv4("10.77.0.2/24"), tap);
                try {
                    ns.ip("addr", "add", "10.77.0.1/24", "dev", "tap0");
                    String out = ns.run(30, "ping", "-c", "3", "-i", "0.2", "-W", "5", "-s", "4000", "10.77.0.2");
                    assertTrue(out.contains("3 received"), out);
                    PingReply r = stack.ping(InetAddress.ofLiteral("10.77.0.1"), 4000, Duration.ofSeconds(5));
                    assertEquals(InetAddress.ofLiteral("10.77.0.1"), r.from());
                    assertTrue(tap.counters().get(Counter.RX_FRAMES) >= 6, tap.counters().toString());
                } finally {
                    stack.disconnect();                       // closes the device
                }
                assertTrue(!ns.ip("link", "show").contains("tap0"));
                return null;
            });
        }
    }

    @Test
    @NeedsNetAdmin
    void framesFromTheKernelArriveWithoutTheVirtioHeader() throws Exception {
        try (NetNamespace ns = NetNamespace.create("it"); EventLoop loop = RealTimeLoop.start("tap-test")) {
            ns.onThread(() -> {
                try (TapDevice tap = TapDevice.open("tap0", 1500, MAC);
                     DatagramChannel udp = DatagramChannel.open()) {
                    BlockingQueue<byte[]> frames = new LinkedBlockingQueue<>();
                    tap.attach(loop, (f, o, l) -> frames.add(Arrays.copyOfRange(f, o, o + l)));
                    tap.setLinkUp();
                    ns.ip("addr", "add", "10.77.0.1/24", "dev", "tap0");
                    // The kernel asks who has 10.77.0.2 before it can send there: a broadcast ARP request.
                    udp.send(ByteBuffer.wrap(new byte[] {1}), new InetSocketAddress("10.77.0.2", 9));
                    byte[] arp = null;
                    for (int i = 0; i < 50 && arp == null; i++) {          // IPv6 and MLD frames may come first
                        byte[] f = frames.poll(5, TimeUnit.SECONDS);
                        assertTrue(f != null, "no ARP request from the kernel");
                        arp = f.length >= 42 && f[12] == 0x08 && f[13] == 0x06 ? f : null;
                    }
                    assertTrue(arp != null, "no ARP request among 50 frames");
                    assertEquals(0xffff_ffff_ffffL, MacAddress.readBits(arp, 0), "the frame begins with its destination");
                    assertEquals(kernelMac(ns), MacAddress.readBits(arp, 6));
                    assertArrayEquals(new byte[] {10, 77, 0, 2}, Arrays.copyOfRange(arp, 38, 42));
                    assertEquals(0, tap.counters().get(Counter.DROPPED_OFFLOAD), tap.counters().toString());
                }
                return null;
            });
        }
    }

    @Test
    @NeedsNetAdmin
    void theKernelVerifiesUdpChecksumsUnlessTheDeviceOffloadsThem() throws Exception {
        withKernelUdp((ns, kernel, to) -> {
            try (TapDevice tap = TapDevice.open("tap0", 0, MAC)) {
                assertFalse(tap.offloadsChecksums());
                long errors = udpChecksumErrors(ns);
                send(tap, udp(to, "corrupted", true));
                send(tap, udp(to, "sound", false));
                assertEquals("sound", receive(kernel), "the kernel dropped the frame with a wrong checksum");
                assertEquals(errors + 1, udpChecksumErrors(ns));
            }
            try (TapDevice tap = TapDevice.open("tap0", 0, MAC, true)) {
                assertTrue(tap.offloadsChecksums());
                long errors = udpChecksumErrors(ns);
                send(tap, udp(to, "sound", false));
                assertEquals("sound", receive(kernel));
                // Why offload needs frames nobody alters: the kernel no longer checks, and takes this one.
                send(tap, udp(to, "corrupted", true));
                assertEquals("corrupted", receive(kernel));
                assertEquals(errors, udpChecksumErrors(ns));
            }
        });
    }

    @Test
    @NeedsNetAdmin
    void smallFramesWrittenInlineAndFramesThroughTheWriterArriveInTheOrderSent() throws Exception {
        withKernelUdp((ns, kernel, to) -> {
            for (boolean offload : new boolean[] {false, true}) {
                try (TapDevice tap = TapDevice.open("tap0", 0, MAC, offload)) {
                    // Rounds of 60 datagrams (about 120 KB of socket buffer at most), one in three too big to
                    // go inline: a small one after it finds the writer busy or idle, whichever comes first. The
                    // very first is small and finds a fresh device's ring empty: it goes inline whatever the load.
                    int seq = 0;
                    for (int round = 0; round < 5; round++) {
                        int first = seq;
                        for (int i = 0; i < 60; i++, seq++) {
                            String text = String.format("%06d", seq);
                            int size = seq % 3 == 1 ? TapWriter.INLINE_DEFAULT + 200 : 10;
                            send(tap, udp(to, text + " ".repeat(size - text.length()), false));
                        }
                        for (int want = first; want < seq; want++) {
                            assertEquals(String.format("%06d", want), receive(kernel, 6), "in order, none lost");
                        }
                    }
                    DeviceCounters c = tap.counters();
                    assertEquals(300, c.get(Counter.TX_FRAMES), c.toString());
                    assertTrue(c.get(Counter.TX_INLINE_WRITES) > 0, "the first frame, small, went inline: " + c);
                    assertTrue(c.get(Counter.TX_INLINE_WRITES) <= 200, "only small frames go inline: " + c);
                }
            }
        });
    }

    @Test
    @NeedsNetAdmin
    void attachesToAPersistentDeviceWhichOutlivesTheDescriptor() throws Exception {
        try (NetNamespace ns = NetNamespace.create("it")) {
            ns.ip("tuntap", "add", "dev", "ptap", "mode", "tap");
            ns.onThread(() -> {
                TapDevice.open("ptap", 0, MAC).close();
                assertTrue(ns.ip("link", "show", "ptap").contains("ptap"));
                return null;
            });
        }
    }

    @Test
    @NeedsNetAdmin
    void refusesADeviceOfAnotherTypeAndOneInUse() throws Exception {
        try (NetNamespace ns = NetNamespace.create("it")) {
            ns.ip("tuntap", "add", "dev", "tun0", "mode", "tun");
            ns.onThread(() -> {
                IOException wrongType = assertThrows(IOException.class, () -> TapDevice.open("tun0", 0, MAC));
                assertTrue(wrongType.getMessage().contains("exists and is not a TAP device"), wrongType.getMessage());
                IOException notTun = assertThrows(IOException.class, () -> TapDevice.open("lo", 0, MAC));
                assertTrue(notTun.getMessage().contains("not a TAP device"), notTun.getMessage());
                try (TapDevice first = TapDevice.open("tap1", 0, MAC)) {
                    IOException busy = assertThrows(IOException.class, () -> TapDevice.open("tap1", 0, MAC));
                    assertTrue(busy.getMessage().contains("in use"), busy.getMessage());
                }
                return null;
            });
        }
    }

    /** The kernel's side of a test: namespace, tap0 10.77.0.1/24 up, a UDP socket on port 7777, tap0's MAC. */
    private interface KernelUdp {
        void run(NetNamespace ns, DatagramSocket kernel, long kernelMac) throws Exception;
    }

    /** Runs {@code body} inside a namespace of its own with tap0 (persistent, up) and the kernel's UDP socket. */
    private static void withKernelUdp(KernelUdp body) throws Exception {
        try (NetNamespace ns = NetNamespace.create("it")) {
            ns.ip("tuntap", "add", "dev", "tap0", "mode", "tap");
            ns.ip("addr", "add", "10.77.0.1/24", "dev", "tap0");
            ns.ip("link", "set", "tap0", "up");
            ns.onThread(() -> {
                try (DatagramSocket kernel = new DatagramSocket(new InetSocketAddress("10.77.0.1", 7777))) {
                    kernel.setSoTimeout(10_000);
                    body.run(ns, kernel, kernelMac(ns));
                }
                return null;
            });
        }
    }

    /** The MAC address of the kernel's side of tap0. */
    static long kernelMac(NetNamespace ns) throws Exception {
        String link = ns.ip("link", "show", "tap0");
        int at = link.indexOf("link/ether ");
        assertTrue(at >= 0, link);
        return HexFormat.fromHexDigitsToLong(link.substring(at + 11, at + 28).replace(":", ""));
    }

    /** An Ethernet frame to the kernel with a UDP datagram 10.77.0.2:5555 -> 10.77.0.1:7777. */
    private static byte[] udp(long to, String text, boolean wrongChecksum) {
        byte[] payload = text.getBytes(StandardCharsets.US_ASCII);
        int udpLength = 8 + payload.length;
        byte[] f = new byte[14 + 20 + udpLength];
        new MacAddress(to).write(f, 0);
        new MacAddress(MAC).write(f, 6);
        f[12] = 0x08;
        f[14] = 0x45;
        put16(f, 16, 20 + udpLength);
        f[22] = 64;
        f[23] = 17;
        System.arraycopy(new byte[] {10, 77, 0, 2, 10, 77, 0, 1}, 0, f, 26, 8);
        put16(f, 24, Checksum.compute(f, 14, 20));
        put16(f, 34, 5555);
        put16(f, 36, 7777);
        put16(f, 38, udpLength);
        System.arraycopy(payload, 0, f, 42, payload.length);
        int sum = Checksum.finish(Checksum.ones(f, 34, udpLength, Checksum.ones(f, 26, 8, 17 + udpLength)));
        put16(f, 40, (sum == 0 ? 0xffff : sum) ^ (wrongChecksum ? 0x0101 : 0));
        return f;
    }

    private static void put16(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 8);
        b[i + 1] = (byte) v;
    }

    /**
     * Sends from this thread, the device's only producer. The writer writes frames in order and the kernel
     * takes each inside its write(2), so a datagram received proves that every frame before it was handled.
     */
    private static void send(TapDevice tap, byte[] frame) {
        tap.send(frame, 0, frame.length);
    }

    private static String receive(DatagramSocket s) throws IOException {
        return receive(s, 64);
    }

    /** The first {@code chars} characters of the next datagram. */
    private static String receive(DatagramSocket s, int chars) throws IOException {
        DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
        try {
            s.receive(p);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the kernel delivered no datagram", e);
        }
        return new String(p.getData(), 0, Math.min(chars, p.getLength()), StandardCharsets.US_ASCII);
    }

    /** Udp InCsumErrors from the namespace's /proc/net/snmp. */
    private static long udpChecksumErrors(NetNamespace ns) throws Exception {
        String[] lines = ns.run(10, "cat", "/proc/net/snmp").lines().filter(l -> l.startsWith("Udp:"))
                .toArray(String[]::new);
        int column = Arrays.asList(lines[0].split(" ")).indexOf("InCsumErrors");
        return Long.parseLong(lines[1].split(" ")[column]);
    }

    @Test
    void refusesNamesTheKernelWouldNot() {
        var tooLong = assertThrows(IllegalArgumentException.class, () -> TapDevice.open("a-very-long-name0", 0, MAC));
        assertTrue(tooLong.getMessage().contains("1..15 bytes"), tooLong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TapDevice.open("", 0, MAC));
        assertThrows(IllegalArgumentException.class, () -> TapDevice.open("a/b", 0, MAC));
        assertThrows(IllegalArgumentException.class, () -> TapDevice.open("a b", 0, MAC));
        assertThrows(IllegalArgumentException.class, () -> TapDevice.open("tap0", 0, 0x0100_0000_0000L));
        assertThrows(IllegalArgumentException.class, () -> TapDevice.open("tap0", 67, MAC));
    }

    @Test
    void errorsSayWhatIsNeeded() {
        assertTrue(TapErrors.openError(Posix.EPERM).getMessage().contains("root or CAP_NET_ADMIN"));
        assertTrue(TapErrors.openError(Posix.EACCES).getMessage().contains("root or CAP_NET_ADMIN"));
        assertTrue(TapErrors.openError(Posix.ENOENT).getMessage().contains("/dev/net/tun does not exist"));
        assertTrue(TapErrors.setIffError("t", LinkType.ETHERNET, Posix.EPERM).getMessage().contains("root or CAP_NET_ADMIN"));
        assertTrue(TapErrors.setIffError("t", LinkType.ETHERNET, Posix.EBUSY).getMessage().contains("in use"));
        assertTrue(TapErrors.setIffError("t", LinkType.ETHERNET, Posix.EINVAL).getMessage().contains("not a TAP device"));
        assertTrue(TapErrors.setIffError("t", LinkType.IP, Posix.EINVAL).getMessage().contains("not a TUN device"));
    }

    @Test
    void randomMacsAreLocallyAdministeredUnicast() {
        for (int i = 0; i < 100; i++) {
            long mac = TapDevice.randomMac();
            assertEquals(0x0200_0000_0000L, mac & 0x0300_0000_0000L);
        }
    }
}
