package dev.tcpip.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.PingReply;
import dev.tcpip.TimedOutException;
import dev.tcpip.UnreachableException;
import dev.tcpip.device.NeedsNetAdmin;
import dev.tcpip.device.NetNamespace;
import java.net.InetAddress;
import java.net.SocketException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link SocketStack#ping} through Linux ping sockets, in a namespace of the test's own, whose
 * {@code net.ipv4.ping_group_range} it sets: allowed, echo to its loopback over IPv4 and IPv6 and the errors;
 * forbidden ("1 0", what a new namespace starts with), the message naming the sysctl.
 */
@NeedsNetAdmin
@Timeout(60)
class SocketPingTest {

    private static void groupRange(NetNamespace ns, String range) throws Exception {
        ns.run(10, "sh", "-c", "echo '" + range + "' > /proc/sys/net/ipv4/ping_group_range");
        assertEquals(range, ns.run(10, "cat", "/proc/sys/net/ipv4/ping_group_range").trim().replaceAll("\\s+", " "));
    }

    @Test
    void echoesOnLoopbackOverBothFamiliesWhenTheRangeAllows() throws Exception {
        try (NetNamespace ns = NetNamespace.create("ping")) {
            groupRange(ns, "0 2147483647");
            // A silent network: a TAP device that no process reads, so nothing sent through it is answered.
            ns.ip("tuntap", "add", "mode", "tap", "tap0");
            ns.ip("addr", "add", "10.9.0.1/24", "dev", "tap0");
            ns.ip("link", "set", "tap0", "up");
            ns.onThread(() -> {
                try (SocketStack stack = SocketStack.dual()) {
                    PingReply v4 = stack.ping(InetAddress.ofLiteral("127.0.0.1"), 56, Duration.ofSeconds(2));
                    assertEquals(InetAddress.ofLiteral("127.0.0.1"), v4.from());
                    assertEquals(56, v4.size());
                    assertTrue(v4.rtt().compareTo(Duration.ofSeconds(2)) < 0);
                    PingReply second = stack.ping(InetAddress.ofLiteral("127.0.0.1"), 1000, Duration.ofSeconds(2));
                    assertEquals(1000, second.size());
                    assertEquals(v4.sequence() + 1, second.sequence());
                    PingReply v6 = stack.ping(InetAddress.ofLiteral("::1"), 0, Duration.ofSeconds(2));
                    assertEquals(InetAddress.ofLiteral("::1"), v6.from());
                    assertEquals(0, v6.size());
                    // No reply within the timeout: the address is routed (via tap0) but nobody answers.
                    long start = System.nanoTime();
                    TimedOutException t = assertThrows(TimedOutException.class,
                            () -> stack.ping(InetAddress.ofLiteral("10.9.0.2"), 56, Duration.ofMillis(300)));
                    assertTrue(System.nanoTime() - start >= 290_000_000L);
                    assertEquals("no echo reply from 10.9.0.2 within 300 ms", t.getMessage());
                    // No route at all.
                    UnreachableException u = assertThrows(UnreachableException.class,
                            () -> stack.ping(InetAddress.ofLiteral("192.0.2.1"), 56, Duration.ofSeconds(1)));
                    assertTrue(u.getMessage().startsWith("ping 192.0.2.1: "), u.getMessage());
                }
                return null;
            });
        }
    }

    @Test
    void aForbiddingRangeIsReportedWithTheSysctlsName() throws Exception {
        try (NetNamespace ns = NetNamespace.create("ping")) {
            groupRange(ns, "1 0");
            for (String dst : new String[] {"127.0.0.1", "::1"}) {
                Exception e = ns.onThread(() -> {
                    try (SocketStack stack = SocketStack.dual()) {
                        return assertThrows(SocketException.class,
                                () -> stack.ping(InetAddress.ofLiteral(dst), 56, Duration.ofSeconds(1)));
                    }
                });
                assertInstanceOf(SocketException.class, e);
                assertEquals("ICMP echo sockets are not permitted for this process's groups:"
                        + " net.ipv4.ping_group_range is \"1 0\" (group IDs from the first to the second may open them);"
                        + " allow them with sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"", e.getMessage());
            }
        }
    }
}
