package dev.tcpip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.NeedsNetAdmin;
import dev.tcpip.device.NetNamespace;
import dev.tcpip.device.PcapReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tcpip serve --tun}: the direct stack on a TUN device in a namespace of the test's own, the kernel there
 * its peer over IP only. Ping, curl GET and POST over IPv4 and IPv6, a raw-IP capture, exit 0 on SIGTERM.
 */
@NeedsNetAdmin
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ServeTunIT {
    private static final int MIB = 1 << 20;

    @Test
    void serveOnATunDeviceAnswersPingAndCurlOverIpv4AndIpv6(@TempDir Path dir) throws Exception {
        byte[] upload = new byte[8 * MIB];
        new SplittableRandom(16).nextBytes(upload);
        Path file = dir.resolve("upload");
        Files.write(file, upload);
        Path pcap = dir.resolve("tun.pcap");
        try (NetNamespace ns = NetNamespace.create("tun")) {
            ns.ip("tuntap", "add", "dev", "tun0", "mode", "tun");
            ns.ip("addr", "add", "10.0.3.1/24", "dev", "tun0");
            ns.ip("addr", "add", "fd00:3::1/64", "dev", "tun0", "nodad");
            ns.ip("link", "set", "tun0", "up");
            List<String> args = new ArrayList<>(List.of("serve", "--tun", "tun0", "--ipv4", "10.0.3.2/24", "--ipv6",
                    "fd00:3::2/64", "--http", "80", "--pcap", pcap.toString()));
            try (Cli serve = Cli.start(Cli.builder(ns.command(), args.toArray(String[]::new)))) {
                serve.awaitLine("ready");
                String bash = "set -o pipefail; ";
                for (String host : new String[] {"10.0.3.2", "fd00:3::2"}) {
                    String out = ns.run(30, "ping", "-c", "3", "-i", "0.2", "-W", "5", host);
                    assertTrue(out.contains("3 received"), out);
                    String url = "http://" + (host.contains(":") ? "[" + host + "]" : host) + "/";
                    String got = ns.run(60, "bash", "-c", bash + "curl -sSf -g " + url + "bytes/" + 8 * MIB
                            + " | sha256sum");
                    assertEquals(TapLink.sha256(TapLink.pattern(8 * MIB)), TapLink.firstWord(got), "GET via " + host);
                    String sha = ns.run(60, "curl", "-sSf", "-g", "--data-binary", "@" + file, url + "sha256");
                    assertEquals(TapLink.sha256(upload), sha.trim(), "POST via " + host);
                }
                assertEquals(0, serve.stop(20), "exit 0 on SIGTERM");
            }
        }
        try (PcapReader r = PcapReader.open(pcap)) {
            assertEquals(101, r.linkType(), "a TUN's capture is raw IP");
            PcapReader.Record first = r.next();
            assertTrue(first != null, "the capture holds the datagrams");
            int version = (first.data()[0] & 0xf0) >>> 4;
            assertTrue(version == 4 || version == 6, "a bare datagram: version " + version);
        }
    }
}
