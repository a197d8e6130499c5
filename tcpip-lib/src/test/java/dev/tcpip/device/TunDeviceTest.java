package dev.tcpip.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.Payloads;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.PingReply;
import dev.tcpip.direct.StackCounter;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** TUN devices in a namespace of the test's own; the kernel of that namespace is the peer, over IP only. */
@Timeout(180)
class TunDeviceTest {
    private static final int KERNEL_V4 = 0x0a00_0301;          // 10.0.3.1
    private static final int MIB4 = 4 << 20;

    /** No thread of this process is left in a namespace a test made: devices are opened from threads made for it. */
    @AfterEach
    void noThreadStaysInAnotherNamespace() throws IOException {
        assertEquals(java.util.List.of(), ForeignThreads.list(), "threads in another namespace");
    }

    @Test
    @NeedsNetAdmin
    void createsATunDeviceInsideANamespaceWithAddressAndRouteAndItVanishesOnClose() throws Exception {
        try (NetNamespace ns = NetNamespace.create("tun")) {
            try (TunDevice tun = TunDevice.open(ns.name(), "tun0", 1400, false)) {
                assertEquals(LinkType.IP, tun.linkType());
                assertEquals(1400, tun.mtu());
                assertEquals(1400, tun.maxFrame(), "an IP link's frame is at most the MTU");
                assertEquals(0, tun.maxSuperSegment(), "no super-segments without offloads");
                String link = ns.ip("-d", "link", "show", "tun0");
                assertTrue(link.contains("mtu 1400") && link.contains("tun type tun") && link.contains("POINTOPOINT")
                        && link.contains("NOARP"), link);
                tun.configureIpv4(KERNEL_V4, 24);
                tun.addRoute(0xc633_6400, 24);                         // 198.51.100.0/24 into the device
                String addr = ns.ip("-4", "addr", "show", "tun0");
                assertTrue(addr.contains("inet 10.0.3.1/24") && addr.contains("UP"), addr);
                String route = ns.ip("-4", "route", "show", "198.51.100.0/24");
                assertTrue(route.contains("198.51.100.0/24 dev tun0"), route);
                assertFalse(NetNamespace.exec(30, java.util.List.of("ip", "link", "show")).contains("tun0:"),
                        "the device is not in this process's namespace");
            }
            assertFalse(ns.ip("link", "show").contains("tun0"), "the device went with its descriptor");
            ns.ip("tuntap", "add", "dev", "tap9", "mode", "tap");
            IOException wrongType = assertThrows(IOException.class, () -> TunDevice.open(ns.name(), "tap9", 0, false));
            assertTrue(wrongType.getMessage().contains("not a TUN device"), wrongType.getMessage());
        }
    }

    /**
     * The kernel pings the direct stack over the TUN and is pinged back, over IPv4 and IPv6, and curl moves 4 MiB
     * each way over each, byte-exact: with checksum and segmentation offload, as the relay will run it.
     */
    @Test
    @NeedsNetAdmin
    void theKernelPingsAndCurlsTheDirectStackOverIpv4AndIpv6ByteExact(@TempDir Path dir) throws Exception {
        byte[] upload = Payloads.random(16, MIB4);
        Path file = dir.resolve("upload");
        Files.write(file, upload);
        String downloadSha = Payloads.sha256(TinyHttp.pattern(MIB4));
        try (NetNamespace ns = NetNamespace.create("tun")) {
            TunDevice tun = TunDevice.open(ns.name(), "tun0", 1500, true);
            DirectStack stack;
            try {
                assertTrue(tun.offloadsChecksums() && tun.offloadsSegmentation());
                assertEquals(65_535, tun.maxSuperSegment(), "TCP's super-segments go whole (TSO)");
                tun.configureIpv4(KERNEL_V4, 24);
                ns.ip("-6", "addr", "add", "fd00:3::1/64", "dev", "tun0", "nodad");
                stack = DirectStack.create(DirectStackConfig.ipv4("10.0.3.2/24").withIpv6("fd00:3::2/64"), tun);
            } catch (IOException | RuntimeException e) {
                tun.close();
                throw e;
            }
            try {
                TinyHttp.serve(stack, 8080);
                for (String peer : new String[] {"10.0.3.2", "fd00:3::2"}) {
                    String out = ns.run(30, "ping", "-c", "3", "-i", "0.2", "-W", "5", peer);
                    assertTrue(out.contains("3 received"), out);
                }
                for (String kernel : new String[] {"10.0.3.1", "fd00:3::1"}) {
                    PingReply r = stack.ping(InetAddress.ofLiteral(kernel), 2000, Duration.ofSeconds(5));
                    assertEquals(InetAddress.ofLiteral(kernel), r.from());
                }
                for (String host : new String[] {"10.0.3.2", "[fd00:3::2]"}) {
                    String url = "http://" + host + ":8080/";
                    String got = ns.run(60, "sh", "-c", "curl -sf -g " + url + "bytes/" + MIB4 + " | sha256sum");
                    assertEquals(downloadSha, got.split(" ")[0], "4 MiB from the direct stack via " + host);
                    String sha = ns.run(60, "curl", "-sf", "-g", "--data-binary", "@" + file, url + "sha256");
                    assertEquals(Payloads.sha256(upload), sha.trim(), "4 MiB to the direct stack via " + host);
                }
                assertEquals(0, stack.counter(StackCounter.ETH_TX_FRAMES));
                assertEquals(0, stack.counter(StackCounter.NDP_NS_TX), "no neighbour resolution on a TUN");
                assertTrue(tun.counters().get(Counter.TX_GSO_WRITES) > 0, "segments went merged: " + tun.counters());
                assertTrue(tun.counters().get(Counter.TX_TSO_WRITES) > 0, "TCP sent super-segments: " + tun.counters());
                assertEquals(0, tun.counters().get(Counter.DROPPED_OFFLOAD), tun.counters().toString());
            } finally {
                stack.disconnect();                                    // closes the device
            }
            assertFalse(ns.ip("link", "show").contains("tun0"), "the device went with the stack");
        }
    }

    /**
     * A descriptor opened elsewhere, as Android's VpnService hands one over: /dev/net/tun opened and attached here
     * through FFM (blocking, no virtio-net header), then given to the device, which checks what the caller says.
     */
    @Test
    @NeedsNetAdmin
    void takesOverADescriptorOpenedElsewhere() throws Exception {
        try (NetNamespace ns = NetNamespace.create("tunfd")) {
            int fd = ns.onThread(() -> openTun("tunfd0", TapControl.IFF_TUN | TapControl.IFF_NO_PI));
            IOException mismatch = assertThrows(IOException.class, () -> TunDevice.fromDescriptor(fd, 1500, true, false));
            assertTrue(mismatch.getMessage().contains("without IFF_VNET_HDR"), mismatch.getMessage());
            assertThrows(IllegalArgumentException.class, () -> TunDevice.fromDescriptor(fd, 1500, false, true));
            TunDevice tun = TunDevice.fromDescriptor(fd, 1500, false, false);
            assertEquals("tunfd0", tun.name(), "the name comes from TUNGETIFF");
            assertFalse(tun.offloadsChecksums());
            DirectStack stack = DirectStack.create(DirectStackConfig.ipv4("10.0.4.2/24"), tun);
            try {
                ns.ip("addr", "add", "10.0.4.1/24", "dev", "tunfd0");
                ns.ip("link", "set", "tunfd0", "up");
                TinyHttp.serve(stack, 80);
                String out = ns.run(30, "ping", "-c", "3", "-i", "0.2", "-W", "5", "-s", "3000", "10.0.4.2");
                assertTrue(out.contains("3 received"), out);
                String got = ns.run(60, "sh", "-c", "curl -sf http://10.0.4.2/bytes/" + (1 << 20) + " | sha256sum");
                assertEquals(Payloads.sha256(TinyHttp.pattern(1 << 20)), got.split(" ")[0]);
            } finally {
                stack.disconnect();
            }
            assertFalse(ns.ip("link", "show").contains("tunfd0"), "closing the device closed the descriptor");
        }
        assertThrows(IOException.class, () -> {
            int devNull = openPath("/dev/null");
            try {
                TunDevice.fromDescriptor(devNull, 1500, false, false);
            } finally {
                closeFd(devNull);
            }
        }, "a descriptor of no TUN device");
    }

    /** open(2) of /dev/net/tun (blocking) and TUNSETIFF with {@code flags}, through FFM as another program would. */
    private static int openTun(String name, int flags) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Posix.errnoSegment(a);
            int fd = Posix.open(st, a.allocateFrom("/dev/net/tun"), Posix.O_RDWR);
            if (fd < 0) {
                throw new IOException("open: " + Posix.strerror(Posix.errno(st)));
            }
            MemorySegment ifr = a.allocate(40, 8);
            byte[] n = name.getBytes(StandardCharsets.US_ASCII);
            MemorySegment.copy(n, 0, ifr, ValueLayout.JAVA_BYTE, 0, n.length);
            ifr.set(ValueLayout.JAVA_SHORT, 16, (short) flags);
            if (Posix.ioctl(st, fd, 0x400454caL, ifr) < 0) {             // TUNSETIFF
                String e = Posix.strerror(Posix.errno(st));
                Posix.close(st, fd);
                throw new IOException("TUNSETIFF: " + e);
            }
            return fd;
        }
    }

    private static int openPath(String path) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Posix.errnoSegment(a);
            int fd = Posix.open(st, a.allocateFrom(path), Posix.O_RDWR);
            if (fd < 0) {
                throw new IOException("open " + path + ": " + Posix.strerror(Posix.errno(st)));
            }
            return fd;
        }
    }

    private static void closeFd(int fd) {
        try (Arena a = Arena.ofConfined()) {
            Posix.close(Posix.errnoSegment(a), fd);
        }
    }
}
