package dev.tcpip.cli;

import static dev.tcpip.cli.TapLink.KERNEL;
import static dev.tcpip.cli.TapLink.KERNEL6;
import static dev.tcpip.cli.TapLink.STACK;
import static dev.tcpip.cli.TapLink.count;
import static dev.tcpip.cli.TapLink.STACK6;
import static dev.tcpip.cli.TapLink.STACK_LINK_LOCAL;
import static dev.tcpip.cli.TapLink.STACK_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.NeedsNetAdmin;
import dev.tcpip.device.NetNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The direct stack's IPv6 against the Linux kernel over a TAP device, in a namespace of its own per test (see
 * {@link TapLink}): ping -6 both ways with fragments, curl -6, nc and socat both ways, SLAAC from radvd's
 * router advertisements, and one dual-stack service reached over both families.
 */
@NeedsNetAdmin
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class Ipv6InteropIT {
    private static final int MIB = 1 << 20;
    /** The prefix radvd advertises, and the address SLAAC forms in it from {@link TapLink#STACK_MAC}. */
    private static final String RA_PREFIX = "2001:db8:78::";
    private static final String STACK_SLAAC = "2001:db8:78::ff:fe77:2";

    @TempDir
    Path dir;

    private static TapLink v6Link() throws Exception {
        return TapLink.create().stackAddressing("--ipv6", STACK6 + "/64");
    }

    @Test
    void pingBothWaysOnLinkLocalAndStaticAddressesIncludingFragments() throws Exception {
        Path pcap = dir.resolve("ping6.pcap");
        try (TapLink link = v6Link()) {
            // the ready line comes once duplicate address detection has finished: the addresses answer at once
            Cli serve = link.serve("--udp-echo", "7", "--pcap", pcap.toString());
            String out = link.sh(60, "ping -6 -c 3 -i 0.2 -W 5 " + STACK_LINK_LOCAL + "%tap0"
                    + " && ping -6 -c 3 -i 0.2 -W 5 " + STACK6 + " && ping -6 -c 3 -i 0.2 -W 5 -s 4000 " + STACK6);
            assertEquals(3, count(out, "3 received"), out);
            assertEquals(3, count(out, "4008 bytes from " + STACK6), out);
            for (String a : List.of(STACK6, STACK_LINK_LOCAL)) {
                String neigh = link.ns.ip("-6", "neigh", "show", a, "dev", "tap0");
                assertTrue(neigh.contains("lladdr " + STACK_MAC), "the kernel resolved " + a + " by NDP: " + neigh);
            }
            assertEquals(0, serve.stop(20));
            // the stack's own pings, to the kernel's static and link-local addresses
            Cli.Result r = Cli.run(60, link.tcpip("ping", "-c", "3", "-i", "0.2", "-s", "4000", KERNEL6));
            assertEquals(0, r.code(), r.err());
            assertEquals(3, count(r.out(), "4008 bytes from " + KERNEL6 + ":"), r.out());
            String kernelLinkLocal = kernelLinkLocal(link);
            r = Cli.run(60, link.tcpip("ping", "-c", "2", "-i", "0.2", kernelLinkLocal + "%tap0"));
            assertEquals(0, r.code(), r.err());
            assertEquals(2, count(r.out(), "64 bytes from " + kernelLinkLocal), r.out());
        }
        // the kernel's 4,000-byte requests and the stack's replies went as fragments (next header 44)
        assertTrue(fragments(pcap, KERNEL6, STACK6) >= 6, "the kernel's requests were fragmented");
        assertTrue(fragments(pcap, STACK6, KERNEL6) >= 6, "the stack's replies were fragmented");
        // and every frame (NDP, MLDv2 reports, echoes, fragments) decodes with good checksums
        String bad = NetNamespace.exec(60, List.of("tshark", "-n", "-r", pcap.toString(), "-Y",
                "_ws.malformed || _ws.expert.severity == error || icmpv6.checksum.status == 0"));
        assertEquals("", bad, "malformed packets or bad checksums");
        String mld = NetNamespace.exec(60, List.of("tshark", "-n", "-r", pcap.toString(), "-Y",
                "icmpv6.type == 143 && eth.src == " + STACK_MAC));
        assertTrue(mld.lines().count() >= 2, "the stack's MLDv2 reports are in the capture");
    }

    @Test
    void curlGetsAndPostsOverIpv6() throws Exception {
        try (TapLink link = v6Link()) {
            link.serve("--http", "80");
            new TapTransfers(link, dir, STACK6, KERNEL6).curl(16 * MIB, 8 * MIB);
            assertEquals("hello from tcpip\n", link.sh(20,
                    "curl -g -sS -m 10 'http://[" + STACK_LINK_LOCAL + "%25tap0]:80/'"), "over the link-local address");
        }
    }

    @Test
    void linuxClientsToEchoWithHalfCloseOverIpv6() throws Exception {
        try (TapLink link = v6Link()) {
            link.serve("--echo", "7");
            TapTransfers t = new TapTransfers(link, dir, STACK6, KERNEL6);
            t.echoBySocat(16 * MIB);
            t.echo(4 * MIB);
        }
    }

    @Test
    void tcpipNcAgainstLinuxBothWaysAndBothRolesOverIpv6() throws Exception {
        try (TapLink link = v6Link()) {
            new TapTransfers(link, dir, STACK6, KERNEL6).ncBothRoles(16 * MIB);
        }
    }

    @Test
    void slaacFromRadvdsRouterAdvertisement() throws Exception {
        Path conf = dir.resolve("radvd.conf");
        Files.writeString(conf, """
                interface tap0 {
                    AdvSendAdvert on;
                    MinRtrAdvInterval 3;
                    MaxRtrAdvInterval 4;
                    prefix %s/64 {
                        AdvOnLink on;
                        AdvAutonomous on;
                    };
                };
                """.formatted(RA_PREFIX));
        try (TapLink link = TapLink.create().stackAddressing("--slaac")) {
            link.ns.ip("addr", "add", RA_PREFIX + "1/64", "dev", "tap0", "nodad");
            link.ns.run(10, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1");   // radvd wants a router
            link.serve("--http", "80");
            link.start(new ProcessBuilder(link.ns.command("radvd", "-n", "-m", "stderr", "-C", conf.toString(),
                    "-p", dir.resolve("radvd.pid").toString())));
            // no event tells the kernel side that the stack formed the address and finished its DAD: a bounded
            // retry loop of pings (the stack solicits a router within 1 s; radvd answers; DAD takes 1-2 s)
            String out = link.sh(60, "for i in $(seq 1 30); do ping -6 -c 1 -W 1 " + STACK_SLAAC
                    + " > /dev/null && exit 0; done; echo 'no answer from " + STACK_SLAAC + "' >&2; exit 1");
            assertEquals("", out);
            String ping = link.sh(30, "ping -6 -c 3 -i 0.2 -W 5 " + STACK_SLAAC);
            assertTrue(ping.contains("3 received"), ping);
            assertEquals("hello from tcpip\n", link.sh(20, "curl -g -sS -m 10 'http://[" + STACK_SLAAC + "]:80/'"));
            String neigh = link.ns.ip("-6", "neigh", "show", STACK_SLAAC, "dev", "tap0");
            assertTrue(neigh.contains("lladdr " + STACK_MAC), "the kernel's neighbour cache: " + neigh);
        }
    }

    @Test
    void oneDualStackServiceOverBothFamilies() throws Exception {
        try (TapLink link = TapLink.create().stackAddressing("--ipv4", STACK + "/24", "--ipv6", STACK6 + "/64")) {
            link.serve("--http", "80", "--echo", "7");
            String out = link.sh(60, "ping -4 -c 2 -i 0.2 -W 5 " + STACK + " && ping -6 -c 2 -i 0.2 -W 5 " + STACK6);
            assertEquals(2, count(out, "2 received"), out);
            for (String[] ends : new String[][] {{STACK, KERNEL}, {STACK6, KERNEL6}}) {
                TapTransfers t = new TapTransfers(link, dir, ends[0], ends[1]);
                t.curl(4 * MIB, 4 * MIB);
                t.echo(4 * MIB);
            }
        }
    }

    /** The kernel's link-local address on tap0 (from its random MAC). */
    private static String kernelLinkLocal(TapLink link) throws Exception {
        String out = link.ns.ip("-6", "-o", "addr", "show", "dev", "tap0", "scope", "link");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("inet6 (fe80::[0-9a-f:]+)/64").matcher(out);
        assertTrue(m.find(), out);
        return m.group(1);
    }

    /** How many IPv6 fragments from {@code src} to {@code dst} the capture holds. */
    private static long fragments(Path pcap, String src, String dst) throws Exception {
        return NetNamespace.exec(60, List.of("tshark", "-n", "-r", pcap.toString(), "-Y",
                "ipv6.nxt == 44 && ipv6.src == " + src + " && ipv6.dst == " + dst)).lines().count();
    }
}
