package dev.tcpip.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.NeedsNetAdmin;
import dev.tcpip.device.NeedsTool;
import dev.tcpip.device.NetNamespace;
import dev.tcpip.device.TapDevice;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.socket.SocketStack;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The DNS forwarder between real ends: dig in a namespace of the test's own asks 10.0.2.3 over a TAP device; the
 * forwarder relays through the socket stack to dnsmasq on the host's loopback. Needs root, dnsmasq and dig
 * (apt {@code dnsmasq-base}, {@code bind9-dnsutils}).
 */
@Timeout(120)
@NeedsNetAdmin
class DnsForwarderInteropTest {
    private static final long MAC = 0x0200_0000_0a02L;

    @Test
    void digOverUdpAndTcpGetsDnsmasqsAnswersIncludingOneLargerThan512Bytes() throws Exception {
        NeedsTool.need("dnsmasq", "dnsmasq-base");
        NeedsTool.need("dig", "bind9-dnsutils");
        String big = "x".repeat(200);
        Dnsmasq started = startDnsmasq(big);
        Process dnsmasq = started.process();
        int port = started.port();
        try (NetNamespace ns = NetNamespace.create("dns");
             SocketStack host = SocketStack.ipv4()) {
            TapDevice tap = ns.onThread(() -> TapDevice.open("tap0", 1500, MAC));
            DirectStack gw = DirectStack.create(DirectStackConfig.ipv4("10.0.2.2/24").withIpv4Alias("10.0.2.3"), tap);
            // Made on this thread (the host's namespace), so the upstream side reaches the host's loopback.
            try (DnsForwarder fwd = DnsForwarder.start(gw, InetAddress.ofLiteral("10.0.2.3"), host,
                    DnsForwarder.Config.of(new InetSocketAddress("127.0.0.1", port)), null)) {
                ns.ip("addr", "add", "10.0.2.100/24", "dev", "tap0");
                ns.ip("link", "set", "tap0", "up");
                String udp = ns.run(30, "dig", "+short", "+tries=2", "+time=3", "@10.0.2.3", "example.test", "A");
                assertEquals("192.0.2.7", udp.strip());
                String tcp = ns.run(30, "dig", "+short", "+tcp", "+tries=2", "+time=3", "@10.0.2.3", "example.test", "A");
                assertEquals("192.0.2.7", tcp.strip());
                String large = ns.run(30, "dig", "+bufsize=4096", "+ignore", "+tries=2", "+time=3", "@10.0.2.3",
                        "big.test", "TXT");
                assertTrue(large.contains(big) && !large.contains("flags: qr aa tc") && !large.contains(" tc "),
                        "not truncated: " + large);
                assertTrue(large.matches("(?s).*MSG SIZE\\s+rcvd: (\\d{4}|[6-9]\\d\\d).*"), "over 512 bytes: " + large);
                assertEquals(2, fwd.stats().udpAnswers(), fwd.stats().toString());
                assertEquals(1, fwd.stats().tcpConnections(), fwd.stats().toString());
            } finally {
                gw.disconnect();
            }
        } finally {
            dnsmasq.destroy();
            dnsmasq.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private record Dnsmasq(Process process, int port) { }

    /**
     * Starts dnsmasq on a free loopback port, both UDP and TCP. A port free for UDP can still be taken for TCP (an
     * ephemeral port of another connection on loopback), and dnsmasq then ends with "Address already in use": up to
     * five ports are tried, each bounded at 20 s.
     */
    private static Dnsmasq startDnsmasq(String big) throws Exception {
        String last = "";
        for (int attempt = 0; attempt < 5; attempt++) {
            int port;
            try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                port = probe.getLocalPort();
            }
            Process dnsmasq = new ProcessBuilder("dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                    "--listen-address=127.0.0.1", "--bind-interfaces", "--port=" + port, "--pid-file=",
                    "--log-facility=-", "--user=root", "--address=/example.test/192.0.2.7",
                    "--txt-record=big.test," + big + "," + big + "," + big).redirectErrorStream(true).start();
            String outcome = awaitStarted(dnsmasq);
            if (outcome == null) {
                return new Dnsmasq(dnsmasq, port);
            }
            dnsmasq.destroy();
            dnsmasq.waitFor(10, TimeUnit.SECONDS);
            if (!outcome.contains("Address already in use")) {
                throw new IllegalStateException("dnsmasq ended: " + outcome);
            }
            last = outcome;
        }
        throw new IllegalStateException("dnsmasq found no free port in 5 tries: " + last);
    }

    /**
     * dnsmasq logs "started" once it listens; read its output for that, bounded at 20 s. Null once started, else what
     * it printed before it ended.
     */
    private static String awaitStarted(Process dnsmasq) throws Exception {
        CompletableFuture<String> started = CompletableFuture.supplyAsync(() -> {
            StringBuilder seen = new StringBuilder();
            BufferedReader r = new BufferedReader(new InputStreamReader(dnsmasq.getInputStream(), StandardCharsets.UTF_8));
            try {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    seen.append(line).append('\n');
                    if (line.contains("started")) {
                        Thread.ofVirtual().start(() -> r.lines().forEach(l -> { }));   // drained until it exits
                        return null;
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return seen.toString();
        });
        return started.get(20, TimeUnit.SECONDS);
    }
}
