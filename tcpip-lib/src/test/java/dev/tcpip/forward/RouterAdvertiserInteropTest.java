package dev.tcpip.forward;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.NeedsNetAdmin;
import dev.tcpip.device.NetNamespace;
import dev.tcpip.device.TapDevice;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Router advertisements to a real host: the kernel side of a TAP device in a namespace of the test's own configures
 * an address by SLAAC from the direct stack's advertisements, a default route via the stack's link-local address,
 * and pings the gateway's IPv6 address.
 */
@Timeout(120)
@NeedsNetAdmin
class RouterAdvertiserInteropTest {
    private static final long MAC = 0x0200_0000_0a02L;

    @Test
    void linuxGetsASlaacAddressAndADefaultRouteAndPingsTheGateway() throws Exception {
        try (NetNamespace ns = NetNamespace.create("ra")) {
            ns.onThread(() -> {
                TapDevice tap = TapDevice.open("tap0", 1500, MAC);
                DirectStack gw = DirectStack.create(DirectStackConfig.ipv4("10.0.2.2/24").withIpv6("fd00:2::2/64"), tap);
                try (RouterAdvertiser ra = RouterAdvertiser.start(gw, RouterAdvertiser.defaults(gw.config()))) {
                    tap.setLinkUp();
                    gw.awaitIpv6Addresses(Duration.ofSeconds(10));
                    // The kernel acts on its own schedule (DAD of its link-local address, then a solicitation):
                    // wait for the address it forms, bounded at 20 s.
                    String addr = "";
                    for (int i = 0; i < 80 && !addr.contains("inet6 fd00:2:"); i++) {
                        addr = ns.ip("-6", "addr", "show", "dev", "tap0");
                        if (!addr.contains("inet6 fd00:2:")) {
                            LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
                        }
                    }
                    assertTrue(addr.contains("inet6 fd00:2:") && addr.contains("scope global"), addr);
                    String route = ns.ip("-6", "route", "show", "default");
                    assertTrue(route.contains("via " + gw.linkLocalAddress() + " dev tap0"), route);
                    String ping = ns.run(30, "ping", "-6", "-c", "2", "-i", "0.2", "-W", "5", "fd00:2::2");
                    assertTrue(ping.contains("2 received"), ping);
                } finally {
                    gw.disconnect();
                }
                return null;
            });
        }
    }
}
