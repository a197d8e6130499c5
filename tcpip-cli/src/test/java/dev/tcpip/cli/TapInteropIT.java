package dev.tcpip.cli;

import static dev.tcpip.cli.TapLink.KERNEL;
import static dev.tcpip.cli.TapLink.STACK;
import static dev.tcpip.cli.TapLink.count;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.NeedsNetAdmin;
import dev.tcpip.device.NetNamespace;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The direct stack against the Linux kernel over a TAP device: each test makes its own namespace (see
 * {@link TapLink}), runs {@code tcpip} inside it as a separate process and Linux tools (ping, curl, nc, socat,
 * wrk) or Java sockets on a thread inside the namespace as the peer, and deletes everything afterwards.
 */
@NeedsNetAdmin
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class TapInteropIT {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void arpAndPingBothWaysIncludingFragments() throws Exception {
        try (TapLink link = TapLink.create()) {
            Cli serve = link.serve("--udp-echo", "7");
            String out = link.sh(60, "ping -c 3 -i 0.2 -W 5 " + STACK + " && ping -c 3 -i 0.2 -W 5 -s 4000 " + STACK);
            assertEquals(2, count(out, "3 received"), out);
            String neigh = link.ns.ip("neigh", "show", STACK);
            assertTrue(neigh.contains("lladdr " + TapLink.STACK_MAC), "the kernel resolved the stack by ARP: " + neigh);
            assertEquals(0, serve.stop(20));
            // the stack's own pings: another process attaches to the same persistent device
            Cli.Result r = Cli.run(60, link.tcpip("ping", "-c", "3", "-i", "0.2", "-s", "4000", KERNEL));
            assertEquals(0, r.code(), r.err());
            assertEquals(3, count(r.out(), "4008 bytes from " + KERNEL), r.out());
        }
    }

    @Test
    void curlGetsAndPostsAndKeepsTheConnectionAlive() throws Exception {
        try (TapLink link = TapLink.create()) {
            link.serve("--http", "80");
            transfers(link).curl(100 * MIB, 64 * MIB);
            String connects = link.sh(30, "curl -sS -m 20 -o /dev/null -o /dev/null -w '%{num_connects}\\n' "
                    + transfers(link).url(80, "/") + " " + transfers(link).url(80, "/bytes/1000"));
            assertEquals(List.of("1", "0"), connects.lines().toList(), "the second request reused the connection");
        }
    }

    @Test
    void linuxNcToEchoWithHalfClose() throws Exception {
        try (TapLink link = TapLink.create()) {
            link.serve("--echo", "7");
            transfers(link).echo(16 * MIB);
        }
    }

    @Test
    void tcpipNcAgainstLinuxBothWaysAndBothRoles() throws Exception {
        try (TapLink link = TapLink.create()) {
            transfers(link).ncBothRoles(64 * MIB);
        }
    }

    @Test
    void udpEchoPortUnreachableAndRstFromClosedPort() throws Exception {
        try (TapLink link = TapLink.create()) {
            link.serve("--udp-echo", "7");
            link.ns.onThread(() -> {
                try (DatagramSocket s = new DatagramSocket()) {
                    s.setSoTimeout(5000);
                    s.connect(new InetSocketAddress(STACK, 7));
                    SplittableRandom rnd = new SplittableRandom(7);
                    byte[] in = new byte[2048];
                    // from 1 byte: the JDK's connected DatagramSocket does not send an empty datagram
                    for (int size = 1; size <= 1400; size = size < 64 ? size + 1 : size == 1400 ? 1401 : Math.min(size + 37, 1400)) {
                        byte[] data = new byte[size];
                        rnd.nextBytes(data);
                        s.send(new DatagramPacket(data, size));
                        DatagramPacket p = new DatagramPacket(in, in.length);
                        try {
                            s.receive(p);
                        } catch (java.net.SocketTimeoutException e) {
                            throw new AssertionError("no echo of a datagram of " + size + " bytes; "
                                    + link.ns.ip("-s", "link", "show", "tap0"), e);
                        }
                        assertArrayEquals(data, Arrays.copyOf(in, p.getLength()), "datagram of " + size + " bytes");
                    }
                }
                try (DatagramSocket s = new DatagramSocket()) {
                    s.setSoTimeout(5000);
                    s.connect(new InetSocketAddress(STACK, 9));   // nothing listens: ICMP port unreachable
                    s.send(new DatagramPacket(new byte[10], 10));
                    assertThrows(PortUnreachableException.class, () -> s.receive(new DatagramPacket(in(), 100)));
                }
                long t0 = System.nanoTime();
                try (SocketChannel c = SocketChannel.open()) {
                    ConnectException e = assertThrows(ConnectException.class,
                            () -> c.connect(new InetSocketAddress(STACK, 81)));
                    assertTrue(e.getMessage().contains("refused"), "a RST, not a timeout: " + e.getMessage());
                }
                assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(3), "refused at once");
                return null;
            });
        }
    }

    @Test
    void benchTapAndTapLossReportBothStacks() throws Exception {
        Cli.Result r = Cli.run(300, "bench", "tap", "tap-loss", "--quick");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("direct-tap") && r.out().contains("kernel-veth"), r.out());
        assertTrue(r.out().contains("direct-tap (cold)"), r.out());
        assertTrue(r.out().contains("tcp-rr-1byte") && r.out().contains("kernel-veth-same-cpu")
                && r.out().contains("ratio direct-tap/kernel-veth-same-cpu"), r.out());
        assertTrue(r.out().contains("tap-loss 8MiB 2% each way") && r.out().contains("direct-sender")
                && r.out().contains("kernel-sender") && r.out().contains("direct/kernel"), r.out());
        // the warm-up transfers' figures apart from the measured rounds' (the JIT's cost is not the sender's)
        assertTrue(r.out().contains("direct-sender (cold)") && r.out().contains(", cold)"), r.out());
    }

    @Test
    void wrkWithFiftyConnectionsForTenSecondsHasNoErrors() throws Exception {
        try (TapLink link = TapLink.create()) {
            link.serve("--http", "80");
            String out = link.sh(60, "wrk -t 2 -c 50 -d 10s http://" + STACK + "/");
            assertFalse(out.contains("Socket errors"), out);
            assertFalse(out.contains("Non-2xx"), out);
            Matcher m = Pattern.compile("(\\d+) requests in").matcher(out);
            assertTrue(m.find() && Long.parseLong(m.group(1)) > 1000, out);
            System.out.println("wrk against tcpip serve --tap:\n" + out);
        }
    }

    @Test
    void thePcapHasNoMalformedPacketAndNoBadChecksum() throws Exception {
        Path pcap = dir.resolve("serve.pcap");
        try (TapLink link = TapLink.create()) {
            Cli serve = link.serve("--http", "80", "--echo", "7", "--udp-echo", "7", "--pcap", pcap.toString());
            link.sh(120, "ping -c 2 -i 0.2 -W 5 -s 4000 " + STACK
                    + " && curl -sS -m 30 -o /dev/null http://" + STACK + "/bytes/1048576"
                    + " && head -c 1048576 /dev/urandom | curl -sS -m 30 --data-binary @- http://" + STACK + "/sha256"
                    + " && head -c 1048576 /dev/urandom | nc -N -w 10 " + STACK + " 7 > /dev/null"
                    + " && echo hello | nc -u -w 1 " + STACK + " 7"
                    // the closed UDP port's answer is an ICMP error nc may or may not report; the closed TCP
                    // port must refuse (RST), so nc -z fails there
                    + " && { echo closed | nc -u -w 1 " + STACK + " 9 || true; }"
                    + " && ! nc -z -w 2 " + STACK + " 81");
            assertEquals(0, serve.stop(20));
        }
        // Each frame is judged on its own: TCP stream reassembly is off, since a retransmission whose
        // segment boundaries differ from the original (normal TCP) reads as a reassembly "error" there.
        List<String> tshark = List.of("tshark", "-n", "-r", pcap.toString(), "-o", "ip.check_checksum:TRUE",
                "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
                "-o", "tcp.desegment_tcp_streams:FALSE");
        long total = NetNamespace.exec(60, tshark).lines().count();
        List<String> bad = new java.util.ArrayList<>(tshark);
        bad.addAll(List.of("-Y", "_ws.malformed || ip.checksum.status == 0"
                + " || tcp.checksum.status == 0 || udp.checksum.status == 0 || icmp.checksum.status == 0"));
        String found = NetNamespace.exec(60, bad);
        assertTrue(total > 500, "the capture holds the run: " + total + " frames");
        assertEquals("", found, "malformed packets or bad checksums");
        String icmp = NetNamespace.exec(60, List.of("tshark", "-n", "-r", pcap.toString(), "-Y",
                "icmp.type == 3 && icmp.code == 3"));
        assertTrue(icmp.lines().count() >= 1, "port unreachable for the closed UDP port is in the capture");
        String rst = NetNamespace.exec(60, List.of("tshark", "-n", "-r", pcap.toString(), "-Y",
                "tcp.srcport == 81 && tcp.flags.reset == 1"));
        assertTrue(rst.lines().count() >= 1, "RST for the closed TCP port is in the capture");
    }

    /**
     * {@code kill -9} in the middle of a transfer: the capture must still be a file tshark reads to its end
     * (whole records only, flushed every 100 ms), holding the traffic before the kill.
     */
    @Test
    void thePcapSurvivesKillMinus9MidTransfer() throws Exception {
        Path pcap = dir.resolve("killed.pcap");
        try (TapLink link = TapLink.create()) {
            Cli serve = link.serve("--http", "80", "--pcap", pcap.toString());
            long pid = serve.process.pid();
            // The kill comes from inside the transfer: once curl has received 8 MiB of a 1 GiB body.
            link.sh(120, "curl -sS -m 60 http://" + STACK + "/bytes/1073741824"
                    + " | { head -c 8388608 > /dev/null; kill -9 " + pid + "; } ; true");
            assertEquals(137, serve.waitFor(20), "serve was killed by SIGKILL");
        }
        long frames = NetNamespace.exec(60, List.of("tshark", "-n", "-r", pcap.toString())).lines().count();
        assertTrue(frames > 1000, "the capture holds the transfer up to the kill: " + frames + " frames");
    }

    /*
     * The same transfers, at the same sizes, through the fault-injecting wrapper dropping 2 % of frames each way
     * (the stack's sending and receiving both meet the loss; the kernel's TCP recovers what it sends).
     */

    @Test
    void curlIsByteExactWithTwoPercentLoss() throws Exception {
        try (TapLink link = TapLink.create()) {
            link.serve("--http", "80", "--loss", "2", "--seed", "20");
            transfers(link).curl(100 * MIB, 64 * MIB);
        }
    }

    @Test
    void echoIsByteExactWithTwoPercentLoss() throws Exception {
        try (TapLink link = TapLink.create()) {
            link.serve("--echo", "7", "--loss", "2", "--seed", "20");
            transfers(link).echo(16 * MIB);
        }
    }

    @Test
    void ncBothRolesAreByteExactWithTwoPercentLoss() throws Exception {
        try (TapLink link = TapLink.create()) {
            transfers(link).ncBothRoles(64 * MIB, "--loss", "2", "--seed", "21");
        }
    }

    private TapTransfers transfers(TapLink link) {
        return new TapTransfers(link, dir, STACK, KERNEL);
    }

    private static byte[] in() {
        return new byte[100];
    }
}
