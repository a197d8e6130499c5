package dev.tcpip.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.NeedsNetAdmin;
import dev.tcpip.device.NetNamespace;
import dev.tcpip.device.TapDevice;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DHCP server against a real client: busybox {@code udhcpc} on the kernel side of a TAP device in a namespace of
 * the test's own, the direct stack with the server on the other side. Needs root and busybox (apt {@code busybox}).
 */
@Timeout(120)
@NeedsNetAdmin
class DhcpInteropTest {
    private static final long MAC = 0x0200_0000_0a02L;

    static void needBusybox() {
        if (!Files.isExecutable(Path.of("/usr/bin/busybox")) && !Files.isExecutable(Path.of("/bin/busybox"))) {
            if ("true".equals(System.getenv("CI"))) {
                throw new IllegalStateException("CI=true, but busybox (udhcpc) is missing: apt-get install busybox");
            }
            org.junit.jupiter.api.Assumptions.abort("skipped: busybox (udhcpc) is missing; apt-get install busybox");
        }
    }

    private static String lease(Path dir, boolean broadcast) throws Exception {
        needBusybox();
        Path script = dir.resolve("udhcpc.sh");
        // udhcpc runs the script with the lease in its environment; "bound" is the event of a new lease.
        Files.writeString(script, """
                #!/bin/sh
                if [ "$1" = bound ]; then echo "lease ip=$ip router=$router dns=$dns subnet=$subnet lease=$lease"; fi
                exit 0
                """);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        try (NetNamespace ns = NetNamespace.create("dhcp")) {
            return ns.onThread(() -> {
                TapDevice tap = TapDevice.open("tap0", 1500, MAC);
                tap.setLinkUp();
                DirectStack gw = DirectStack.create(DirectStackConfig.ipv4("10.0.2.2/24").withIpv4Alias("10.0.2.3"),
                        tap);
                try (DhcpServer server = DhcpServer.start(gw, DhcpServer.Config.slirp().withMtu(1500))) {
                    String out = ns.run(60, broadcast
                            ? new String[] {"busybox", "udhcpc", "-i", "tap0", "-n", "-q", "-f", "-B", "-t", "5", "-T", "1",
                                    "-s", script.toString()}
                            : new String[] {"busybox", "udhcpc", "-i", "tap0", "-n", "-q", "-f", "-t", "5", "-T", "1",
                                    "-s", script.toString()});
                    assertEquals(1, server.stats().offers(), server.stats().toString());
                    assertEquals(1, server.stats().acks(), server.stats().toString());
                    return out;
                } finally {
                    gw.disconnect();
                }
            });
        }
    }

    @Test
    void udhcpcGetsTheGuestAddressRouterDnsAndMaskByUnicast(@TempDir Path dir) throws Exception {
        String out = lease(dir, false);
        assertTrue(out.contains("lease ip=10.0.2.100 router=10.0.2.2 dns=10.0.2.3 subnet=255.255.255.0 lease=3600"), out);
    }

    @Test
    void udhcpcAskingForBroadcastRepliesGetsTheSameLease(@TempDir Path dir) throws Exception {
        String out = lease(dir, true);
        assertTrue(out.contains("lease ip=10.0.2.100 router=10.0.2.2 dns=10.0.2.3 subnet=255.255.255.0 lease=3600"), out);
    }
}
