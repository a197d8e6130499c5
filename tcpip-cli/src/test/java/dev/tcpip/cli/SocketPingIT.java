package dev.tcpip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.NeedsNetAdmin;
import dev.tcpip.device.NetNamespace;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code tcpip ping} without {@code --tap}: the host's ICMP echo sockets, run inside a namespace of the test's own
 * whose {@code net.ipv4.ping_group_range} it sets (a new namespace starts with "1 0", no group allowed).
 */
@NeedsNetAdmin
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SocketPingIT {

    private static final Pattern REPLY =
            Pattern.compile("(?m)^64 bytes from (127\\.0\\.0\\.1|::1): icmp_seq=\\d+ time=\\d+\\.\\d{3} ms$");

    @Test
    void pingsLoopbackOverBothFamiliesAndNamesTheSysctlWhenItForbids() throws Exception {
        try (NetNamespace ns = NetNamespace.create("sping")) {
            ns.run(10, "sh", "-c", "echo '0 2147483647' > /proc/sys/net/ipv4/ping_group_range");
            for (String host : new String[] {"127.0.0.1", "::1"}) {
                Cli.Result r = Cli.run(60, Cli.builder(ns.command(), "ping", "-c", "2", "-i", "0.2", host));
                assertEquals(0, r.code(), r.out() + r.err());
                assertTrue(r.out().startsWith("PING " + host + ": 56 data bytes\n"), r.out());
                assertEquals(2, REPLY.matcher(r.out()).results().count(), r.out());
                assertTrue(r.out().endsWith("2 received\n"), r.out());
            }
            ns.run(10, "sh", "-c", "echo '1 0' > /proc/sys/net/ipv4/ping_group_range");
            Cli.Result r = Cli.run(60, Cli.builder(ns.command(), "ping", "-c", "1", "127.0.0.1"));
            assertEquals(1, r.code(), r.out() + r.err());
            assertTrue(r.err().startsWith("tcpip ping: ")
                    && r.err().contains("net.ipv4.ping_group_range is \"1 0\"")
                    && r.err().contains("sysctl -w net.ipv4.ping_group_range=\"0 2147483647\""), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
        }
    }
}
