package dev.tcpip.cli;

import static dev.tcpip.cli.GatewayWorld.DNS;
import static dev.tcpip.cli.GatewayWorld.FAR;
import static dev.tcpip.cli.GatewayWorld.FAR_ECHO;
import static dev.tcpip.cli.GatewayWorld.FAR_HTTP;
import static dev.tcpip.cli.GatewayWorld.GATEWAY;
import static dev.tcpip.cli.GatewayWorld.GATEWAY6;
import static dev.tcpip.cli.GatewayWorld.GUEST;
import static dev.tcpip.cli.GatewayWorld.HOST_HTTP;
import static dev.tcpip.cli.GatewayWorld.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.NeedsNetAdmin;
import dev.tcpip.device.NetNamespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tcpip gateway} as its users run it (CLI.md, issue 15): a guest namespace gets its network from the gateway
 * (DHCP, SLAAC, DNS), reaches the host loopback through the gateway address and any other address through the host's
 * sockets, with every flow byte-exact, failures reported as a router would, limits kept, and a clean stop.
 * Everything runs in namespaces of the test's own ({@link GatewayWorld}).
 */
@NeedsNetAdmin
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class GatewayIT {
    private static final int MIB = 1 << 20;
    private static final int PUBLISHED = 18080;
    private static final int GUEST_HTTP = 8000;
    private static final int GUEST_UDP_ECHO = 8007;

    @TempDir
    Path dir;

    private GatewayWorld world;
    private NetNamespace guest;

    @BeforeAll
    void start() throws Exception {
        world = GatewayWorld.create();
        guest = world.guest();
        world.gateway(guest, "--ipv6", GATEWAY6 + "/64", "--publish", PUBLISHED + ":" + GUEST_HTTP,
                "--publish", "udp:" + PUBLISHED + ":" + GUEST_UDP_ECHO);
    }

    @AfterAll
    void stop() throws Exception {
        if (world != null) {
            world.close();
        }
    }

    @Test
    void theGuestPingsTheGateway() throws Exception {
        String out = sh(guest, 30, "ping -c 3 -W 2 " + GATEWAY);
        assertTrue(out.contains("3 received"), out);
    }

    @Test
    void dhcpHandsTheGuestItsAddressRouterAndDns() throws Exception {
        Path script = dir.resolve("udhcpc.sh");
        Files.writeString(script, "#!/bin/sh\n[ \"$1\" = bound ] && echo \"lease ip=$ip router=$router dns=$dns"
                + " subnet=$subnet\"\nexit 0\n");
        script.toFile().setExecutable(true);
        String out = sh(guest, 60, "busybox udhcpc -i tap0 -n -q -f -t 5 -T 2 -s " + script);
        assertTrue(out.contains("ip=" + GUEST + " ") && out.contains("router=" + GATEWAY + " ")
                && out.contains("dns=" + DNS) && out.contains("subnet=255.255.255.0"), out);
    }

    @Test
    void curlGetsAndPostsThroughTheGatewayToTheHostLoopback() throws Exception {
        curlBothWays("http://" + GATEWAY + ":" + HOST_HTTP);
    }

    @Test
    void curlGetsAndPostsToAFarServer() throws Exception {
        curlBothWays("http://" + FAR + ":" + FAR_HTTP);
    }

    @Test
    void halfCloseEchoOfSixteenMebibytesToAFarServer() throws Exception {
        Path f = random("echo", 16 * MIB);
        String echoed = sh(guest, 120, "nc -N -w 60 " + FAR + " " + FAR_ECHO + " < " + f + " | sha256sum");
        assertEquals(TapLink.sha256(Files.readAllBytes(f)), TapLink.firstWord(echoed), "the echo of 16 MiB");
    }

    @Test
    void udpEchoOfEverySizeAndAFragmentedDatagram() throws Exception {
        String py = "import socket,os\n"
                + "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.settimeout(5)\n"
                + "s.connect(('" + FAR + "'," + FAR_ECHO + "))\n"
                + "for n in [1,2,100,512,1000,1400,1472,8000]:\n"
                + "    d=os.urandom(n); s.send(d); r=s.recv(65535)\n"
                + "    assert r==d, (n,len(r))\n"
                + "print('udp ok')\n";
        assertTrue(python(guest, "udp", py).contains("udp ok"));
    }

    @Test
    void dnsOverUdpAndTcpThroughTheForwarder() throws Exception {
        assertEquals(FAR, sh(guest, 30, "dig +short +time=3 +tries=2 @" + DNS + " far.test").strip());
        assertEquals(FAR, sh(guest, 30, "dig +tcp +short +time=3 +tries=2 @" + DNS + " far.test").strip());
    }

    @Test
    void aClosedFarPortIsRefusedAtOnce() throws Exception {
        // curl's exit 7 is "couldn't connect"; a timeout (28) would mean the refusal never reached the guest.
        String code = sh(guest, 30, "curl -s -o /dev/null -m 2 http://" + FAR + ":81/; echo $?");
        assertEquals("7", code.strip(), "refused within 2 s (RST from the gateway)");
    }

    @Test
    void anAddressThatExistsNowhereIsReportedUnreachable() throws Exception {
        // The host namespace has no route to 10.98.0.0/16 (the host's connect: ENETUNREACH, so ICMP net
        // unreachable) and no one answers ARP for 10.99.0.77 (EHOSTUNREACH, ICMP host unreachable): the guest's
        // connect fails with the matching error, at once, not after a timeout.
        String py = "import socket,errno\n"
                + "for a in ['10.98.0.1','10.99.0.77']:\n"
                + "    s=socket.socket(); s.settimeout(20)\n"
                + "    try:\n"
                + "        s.connect((a,80)); print(a,'connected')\n"
                + "    except socket.timeout:\n"
                + "        print(a,'timeout')\n"
                + "    except OSError as e:\n"
                + "        print(a,errno.errorcode.get(e.errno))\n";
        String out = python(guest, "unreachable", py);
        assertTrue(out.contains("10.98.0.1 ENETUNREACH"), out);
        assertTrue(out.contains("10.99.0.77 EHOSTUNREACH"), out);
    }

    @Test
    void wrkWithTwoHundredConnectionsForTenSecondsHasNoErrors() throws Exception {
        String out = sh(guest, 60, "wrk -t 2 -c 200 -d 10s http://" + GATEWAY + ":" + HOST_HTTP + "/");
        assertFalse(out.contains("Socket errors"), out);
        assertFalse(out.contains("Non-2xx"), out);
        Matcher m = Pattern.compile("(\\d+) requests in").matcher(out);
        assertTrue(m.find() && Long.parseLong(m.group(1)) > 1000, out);
        System.out.println("wrk through tcpip gateway:\n" + out);
    }

    @Test
    void ipv6BySlaacAndCurlToTheGateway() throws Exception {
        String addr = "";
        for (int i = 0; i < 100 && !addr.contains("fd00:2:"); i++) {   // SLAAC and DAD take a second or two
            addr = guest.ip("-6", "addr", "show", "dev", "tap0", "scope", "global", "-tentative");
            if (!addr.contains("fd00:2:")) {
                TimeUnit.MILLISECONDS.sleep(100);                        // polling the kernel, bounded
            }
        }
        assertTrue(addr.contains("fd00:2:"), "a SLAAC address from the gateway's prefix: " + addr);
        String body = sh(guest, 30, "curl -sS -6 -m 10 http://[" + GATEWAY6 + "]:" + HOST_HTTP + "/");
        assertEquals("hello from tcpip", body.strip());
    }

    @Test
    void publishRelaysAHostPortToTheGuest() throws Exception {
        Cli server = world.serve(guest, "--http", String.valueOf(GUEST_HTTP), "--udp-echo",
                String.valueOf(GUEST_UDP_ECHO));
        try {
            String py = "import socket,os\n"
                    + "for i in range(3):\n"
                    + "    s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.settimeout(5)\n"
                    + "    s.connect(('127.0.0.1'," + PUBLISHED + "))\n"
                    + "    for n in [1,1000,1400]:\n"
                    + "        d=os.urandom(n); s.send(d); assert s.recv(65535)==d\n"
                    + "print('published udp ok')\n";
            assertTrue(python(world.host, "publishudp", py).contains("published udp ok"));
            String body = sh(world.host, 30, "curl -sS -m 10 http://127.0.0.1:" + PUBLISHED + "/");
            assertEquals("hello from tcpip", body.strip());
            String sha = sh(world.host, 60, "curl -sS -m 30 http://127.0.0.1:" + PUBLISHED + "/bytes/" + 8 * MIB
                    + " | sha256sum");
            assertEquals(TapLink.sha256(TapLink.pattern(8 * MIB)), TapLink.firstWord(sha));
        } finally {
            server.close();
        }
    }

    @Test
    void maxFlowsRefusesBeyondItsLimitWhileExistingFlowsGoOn() throws Exception {
        NetNamespace g = world.guest();
        world.gateway(g, "--max-flows", "3");
        String py = "import socket,errno\n"
                + "held=[socket.create_connection(('" + FAR + "'," + FAR_ECHO + "),timeout=5) for _ in range(3)]\n"
                + "try:\n"
                + "    socket.create_connection(('" + FAR + "'," + FAR_ECHO + "),timeout=5); print('4th accepted')\n"
                + "except ConnectionRefusedError:\n"
                + "    print('4th refused')\n"
                + "u=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); u.settimeout(5); u.connect(('" + FAR + "',"
                + FAR_ECHO + "))\n"
                + "try:\n"
                + "    u.send(b'x'); u.recv(10); print('udp answered')\n"
                + "except OSError as e:\n"
                + "    print('udp refused', errno.errorcode.get(e.errno))\n"
                + "for i,s in enumerate(held):\n"
                + "    s.sendall(b'abc%d' % i); assert s.recv(10)==b'abc%d' % i\n"
                + "print('held flows ok')\n";
        String out = python(g, "maxflows", py);
        assertTrue(out.contains("4th refused"), out);
        assertTrue(out.contains("udp refused EHOSTUNREACH"), out);   // ICMP administratively prohibited (code 13)
        assertTrue(out.contains("held flows ok"), out);
    }

    @Test
    void sigintStopsTheGatewayWithExitZeroAndTheTapDeviceGone() throws Exception {
        NetNamespace g = world.guest();
        Cli gw = world.gateway(g);
        assertTrue(g.ip("link", "show").contains("tap0"));
        long t0 = System.nanoTime();
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(gw.process.pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0);
        assertEquals(0, gw.waitFor(10));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms <= 2_000, "stopped within 2 s: " + ms + " ms");
        assertFalse(g.ip("link", "show").contains("tap0"), "the TAP device is gone");
    }

    @Test
    void aNetnsThatDoesNotExistIsAUsageError() throws Exception {
        Cli.Result r = Cli.run(60, Cli.builder(world.host.command(), "gateway", "--tap", "tap0", "--netns",
                "tcpip-no-such-ns"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("tcpip-no-such-ns"), r.err());
    }

    private void curlBothWays(String base) throws Exception {
        String got = sh(guest, 240, "curl -sS -m 200 " + base + "/bytes/" + 100 * MIB + " | sha256sum");
        assertEquals(TapLink.sha256(TapLink.pattern(100 * MIB)), TapLink.firstWord(got), "GET 100 MiB from " + base);
        Path f = random("post", 64 * MIB);
        String posted = sh(guest, 240, "curl -sS -m 200 --data-binary @" + f + " -H 'Content-Type:"
                + " application/octet-stream' " + base + "/sha256");
        assertEquals(TapLink.sha256(Files.readAllBytes(f)), posted.strip(), "POST 64 MiB to " + base);
    }

    private Path random(String name, int bytes) throws IOException {
        return GatewayWorld.random(dir, name, bytes);
    }

    private String python(NetNamespace ns, String name, String program) throws Exception {
        return GatewayWorld.python(ns, dir, name, program);
    }
}
