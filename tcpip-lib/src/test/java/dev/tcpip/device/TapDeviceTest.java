package dev.tcpip.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.PingReply;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** TAP devices in a namespace of the test's own; the kernel of that namespace is the peer. */
@Timeout(120)
class TapDeviceTest {
    private static final long MAC = 0x0200_0000_0a02L;

    @Test
    @NeedsNetAdmin
    void createsTheDeviceWithItsMtuAndItVanishesOnClose() throws Exception {
        try (Netns ns = Netns.create()) {
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

    @Test
    @NeedsNetAdmin
    void theKernelAndTheDirectStackPingEachOtherWithFragments() throws Exception {
        try (Netns ns = Netns.create()) {
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
    void attachesToAPersistentDeviceWhichOutlivesTheDescriptor() throws Exception {
        try (Netns ns = Netns.create()) {
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
        try (Netns ns = Netns.create()) {
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
        assertTrue(TapDevice.openError(Posix.EPERM).getMessage().contains("root or CAP_NET_ADMIN"));
        assertTrue(TapDevice.openError(Posix.EACCES).getMessage().contains("root or CAP_NET_ADMIN"));
        assertTrue(TapDevice.openError(Posix.ENOENT).getMessage().contains("/dev/net/tun does not exist"));
        assertTrue(TapDevice.setIffError("t", Posix.EPERM).getMessage().contains("root or CAP_NET_ADMIN"));
        assertTrue(TapDevice.setIffError("t", Posix.EBUSY).getMessage().contains("in use"));
        assertTrue(TapDevice.setIffError("t", Posix.EINVAL).getMessage().contains("not a TAP device"));
    }

    @Test
    void randomMacsAreLocallyAdministeredUnicast() {
        for (int i = 0; i < 100; i++) {
            long mac = TapDevice.randomMac();
            assertEquals(0x0200_0000_0000L, mac & 0x0300_0000_0000L);
        }
    }
}
