package dev.tcpip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.NeedsNetAdmin;
import dev.tcpip.device.NeedsTool;
import dev.tcpip.device.NetNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tcpip ping --tap --dhcp} against dnsmasq: a namespace of the test's own holds a persistent TAP device with
 * 10.77.0.1/24 and dnsmasq serving 10.77.0.100-150; the direct stack opens the TAP, gets its lease by DHCP, pings
 * the server and releases the lease on exit.
 */
@NeedsNetAdmin
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DhcpIT {

    @Test
    void pingWithDhcpGetsALeaseFromDnsmasqPingsTheServerAndReleases(@TempDir Path dir) throws Exception {
        NeedsTool.need("dnsmasq", "dnsmasq-base");
        Path log = dir.resolve("dnsmasq.log");
        try (NetNamespace ns = NetNamespace.create("dhcp")) {
            ns.ip("tuntap", "add", "dev", "tdh0", "mode", "tap");
            ns.ip("addr", "add", "10.77.0.1/24", "dev", "tdh0");
            ns.ip("link", "set", "tdh0", "up");
            Process dnsmasq = new ProcessBuilder(ns.command("dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv",
                    "--no-hosts", "--port=0", "--interface=tdh0", "--bind-interfaces", "--pid-file=",
                    "--user=root", "--log-dhcp", "--log-facility=" + log,
                    "--dhcp-range=10.77.0.100,10.77.0.150,2m", "--dhcp-option=6,10.77.0.53"))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                Cli.Result r = Cli.run(90, Cli.builder(ns.command(), "ping", "--tap", "tdh0", "--dhcp", "-c", "3",
                        "-i", "0.2", "10.77.0.1"));
                assertEquals(0, r.code(), r.out() + r.err());
                assertTrue(r.out().contains("3 received"), r.out());
                assertTrue(r.err().matches("(?s).*tcpip: dhcp lease 10\\.77\\.0\\.1[0-5]\\d/24 router 10\\.77\\.0\\.1"
                        + " dns 10\\.77\\.0\\.53 server 10\\.77\\.0\\.1 lease 120s.*"), r.err());
            } finally {
                dnsmasq.destroy();
                dnsmasq.waitFor(10, TimeUnit.SECONDS);
            }
            String seen = Files.readString(log);
            for (String m : new String[] {"DHCPDISCOVER(tdh0)", "DHCPREQUEST(tdh0)", "DHCPACK(tdh0)",
                    "DHCPRELEASE(tdh0)"}) {
                assertTrue(seen.contains(m), m + " in dnsmasq's log:\n" + seen);
            }
        }
    }
}
