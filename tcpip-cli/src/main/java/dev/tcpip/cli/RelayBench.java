package dev.tcpip.cli;

import dev.tcpip.device.NetNamespace;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code tcpip bench relay}: the same traffic between the same three namespaces, routed by the kernel and relayed by
 * {@code tcpip relay}, in one run. A "guest" namespace, a "host" namespace and a "far" namespace; host and far are
 * joined by a veth pair (10.79.1.0/24, the far server 10.79.1.2, which runs iperf3 and {@code tcpip serve --echo}).
 * The kernel's run: a second veth pair joins guest and host (10.79.2.0/24), the host forwards, the guest's default
 * route goes through it. The relay's runs: that route is removed and {@code tcpip relay --netns GUEST --configure}
 * in the host namespace routes everything of the guest's into its TUN device; upstream the host's sockets, then
 * microsocks (in the host namespace, on its loopback) when it is installed. Every link has the MTU of the run
 * (1500, 65520). The work: iperf3 guest-&gt;far and far-&gt;guest ({@code -R}); at MTU 1500 also TCP connects per
 * second (connect, close, one after another, from a thread in the guest namespace) and the relay's heap per idle
 * relayed connection: heap used after a full GC ({@code jcmd GC.run}, {@code GC.heap_info}) with {@code N} idle
 * connections held (each having carried one byte each way), less the same with none, over {@code N} (10,000; 2,000
 * with {@code --quick}). Needs root.
 */
final class RelayBench {
    static final String FAR = "10.79.1.2";
    private static final int ECHO_PORT = 7;
    private static final int MICROSOCKS_PORT = 1080;
    static final String KERNEL = "kernel-veth";
    static final String RELAY = "tcpip-relay";
    static final String RELAY_SOCKS = "tcpip-relay-microsocks";

    private RelayBench() {
    }

    static List<Figure> run(Bench.Settings s) throws Exception {
        String missing = NetNamespace.missingPrerequisite();
        if (missing != null) {
            throw new Bench.Skipped("relay: " + missing);
        }
        boolean iperf = GatewayBench.onPath("iperf3");
        boolean socks = GatewayBench.onPath("microsocks");
        if (!iperf) {
            note("iperf3 is not installed: no throughput figures");
        }
        if (!socks) {
            note("microsocks is not installed: no figures through a proxy");
        }
        List<Figure> figures = new ArrayList<>();
        for (int mtu : GatewayBench.MTUS) {
            try {
                figures.addAll(runAt(mtu, s, iperf, socks, mtu == GatewayBench.MTUS[0]));
            } catch (Exception e) {
                note("MTU " + mtu + " failed, its figures are missing: " + e);
            }
        }
        if (figures.isEmpty()) {
            throw new Bench.Skipped("relay: no figure could be taken");
        }
        return figures;
    }

    /** One MTU: the namespaces, the kernel's figures, then the relay's, direct and through microsocks. */
    private static List<Figure> runAt(int mtu, Bench.Settings s, boolean iperf, boolean socks, boolean small)
            throws Exception {
        List<Figure> figures = new ArrayList<>();
        int seconds = s.quick() ? 2 : 10;
        int connects = s.quick() ? 300 : 3_000;
        Path log = Files.createTempFile("tcpip-bench-relay-", ".log");
        List<Process> servers = new ArrayList<>();
        try (NetNamespace host = NetNamespace.create("rlbench-host");
             NetNamespace far = NetNamespace.create("rlbench-far");
             NetNamespace guest = NetNamespace.create("rlbench-guest")) {
            String m = String.valueOf(mtu);
            host.ip("link", "add", "rbf0", "mtu", m, "type", "veth", "peer", "name", "rbf1", "mtu", m, "netns",
                    far.name());
            host.ip("addr", "add", "10.79.1.1/24", "dev", "rbf0");
            host.ip("link", "set", "rbf0", "up");
            far.ip("addr", "add", FAR + "/24", "dev", "rbf1");
            far.ip("link", "set", "rbf1", "up");
            far.ip("route", "add", "default", "via", "10.79.1.1");
            host.ip("link", "add", "rbg0", "mtu", m, "type", "veth", "peer", "name", "rbg1", "mtu", m, "netns",
                    guest.name());
            host.ip("addr", "add", "10.79.2.1/24", "dev", "rbg0");
            host.ip("link", "set", "rbg0", "up");
            guest.ip("addr", "add", "10.79.2.2/24", "dev", "rbg1");
            guest.ip("link", "set", "rbg1", "up");
            guest.ip("route", "add", "default", "via", "10.79.2.1");
            host.run(10, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
            Process echo = GatewayBench.startReady(new ProcessBuilder(far.command(
                    GatewayBench.self("serve", "--echo", String.valueOf(ECHO_PORT)).toArray(String[]::new)))
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())), "tcpip serve --echo", log);
            servers.add(echo);
            if (iperf) {
                Process p = new ProcessBuilder(far.command("iperf3", "-s", "-p",
                        String.valueOf(GatewayBench.IPERF_PORT))).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                servers.add(p);
                GatewayBench.awaitListening(far, GatewayBench.IPERF_PORT, p);
            }
            figures.addAll(measure(KERNEL, guest, mtu, seconds, iperf, small ? connects : 0));
            guest.ip("route", "del", "default");
            Process relay = startRelay(host, guest, mtu, log);
            try {
                figures.addAll(measure(RELAY, guest, mtu, seconds, iperf, small ? connects : 0));
                if (small) {
                    figures.add(heapPerIdleConnection(relay, guest, s.quick() ? 2_000 : 10_000));
                }
            } finally {
                stop(relay);
            }
            if (socks) {
                Process proxy = new ProcessBuilder(host.command("bash", "-c", "ulimit -n 8192; exec microsocks -i"
                        + " 127.0.0.1 -p " + MICROSOCKS_PORT)).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                servers.add(proxy);
                GatewayBench.awaitListening(host, MICROSOCKS_PORT, proxy);
                relay = startRelay(host, guest, mtu, log, "--socks5", "127.0.0.1:" + MICROSOCKS_PORT);
                try {
                    figures.addAll(measure(RELAY_SOCKS, guest, mtu, seconds, iperf, small ? connects : 0));
                } finally {
                    stop(relay);
                }
            }
            note("MTU " + mtu + " done");
        } finally {
            for (Process p : servers) {
                stop(p);
            }
            Files.deleteIfExists(log);
        }
        return figures;
    }

    /** iperf3 both ways and, when {@code connects} > 0, connects per second, from the guest to the far server. */
    private static List<Figure> measure(String system, NetNamespace guest, int mtu, int seconds, boolean iperf,
                                        int connects) throws Exception {
        List<Figure> figures = new ArrayList<>();
        if (iperf) {
            String device = system.equals(KERNEL) ? "rbg1" : "tun0";
            long[] before = frames(guest, device);
            figures.add(new Figure("relay guest->far MTU " + mtu, system,
                    GatewayBench.iperf3(guest, FAR, seconds, false) / 1e9, "Gbit/s"));
            long[] after = frames(guest, device);
            figures.add(new Figure("relay guest->far MTU " + mtu + " ACKs", system,
                    (double) (after[0] - before[0]) / Math.max(1, after[1] - before[1]),
                    "ACKs/data frame (guest's frames in/out)"));
            figures.add(new Figure("relay far->guest MTU " + mtu, system,
                    GatewayBench.iperf3(guest, FAR, seconds, true) / 1e9, "Gbit/s"));
        }
        if (connects > 0) {
            figures.add(new Figure("relay connects", system, connectsPerSecond(guest, connects, 30), "/s"));
        }
        return figures;
    }

    /**
     * {frames received, frames sent} by the guest's {@code device}. While the guest sends, the frames it receives
     * are the receiver's ACKs (the kernel's in far, or the relay's), those it sends the data (GSO frames count
     * once), iperf3's control connection aside.
     */
    private static long[] frames(NetNamespace guest, String device) throws Exception {
        String dir = "/sys/class/net/" + device + "/statistics/";
        String[] v = guest.run(10, "cat", dir + "rx_packets", dir + "tx_packets").trim().split("\\s+");
        return new long[] {Long.parseLong(v[0]), Long.parseLong(v[1])};
    }

    /** The relay in the host namespace for the guest's TUN device, ready; any flow count it may need. */
    private static Process startRelay(NetNamespace host, NetNamespace guest, int mtu, Path log, String... more)
            throws IOException {
        List<String> args = new ArrayList<>(List.of("relay", "--tun", "tun0", "--netns", guest.name(), "--configure",
                "--mtu", String.valueOf(mtu), "--dns-upstream", "127.0.0.1:53", "--max-flows", "30000"));
        args.addAll(List.of(more));
        return GatewayBench.startReady(new ProcessBuilder(host.command(
                GatewayBench.self(args.toArray(String[]::new)).toArray(String[]::new)))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())), "tcpip relay", log);
    }

    /**
     * {@code count} connects to the far echo, each closed at once, one after another from a thread in the guest
     * namespace, after 20 unmeasured ones; connects per second. Bounded by {@code limitSeconds}.
     */
    private static double connectsPerSecond(NetNamespace guest, int count, int limitSeconds) throws Exception {
        return guest.onThread(() -> {
            InetSocketAddress far = new InetSocketAddress(FAR, ECHO_PORT);
            for (int i = 0; i < 20; i++) {
                SocketChannel.open(far).close();
            }
            long t0 = System.nanoTime();
            long deadline = t0 + TimeUnit.SECONDS.toNanos(limitSeconds);
            int done = 0;
            while (done < count && System.nanoTime() < deadline) {
                SocketChannel.open(far).close();
                done++;
            }
            return done / ((System.nanoTime() - t0) / 1e9);
        });
    }

    /**
     * The relay's heap per idle relayed connection, in KiB: {@code count} connections from the guest to the far
     * echo, each carrying one byte each way (so that both of its halves are up), held; heap after a full GC with
     * them, less before them, over {@code count}.
     */
    private static Figure heapPerIdleConnection(Process relay, NetNamespace guest, int count) throws Exception {
        InetSocketAddress far = new InetSocketAddress(FAR, ECHO_PORT);
        List<SocketChannel> held = new ArrayList<>();
        try {
            guest.onThread(() -> {
                for (int i = 0; i < 20; i++) {                   // warm-up: threads, classes, pools
                    try (SocketChannel c = SocketChannel.open(far)) {
                        pingPong(c);
                    }
                }
                return null;
            });
            long before = heapUsedAfterGc(relay.pid());
            guest.onThread(() -> {
                for (int i = 0; i < count; i++) {
                    held.add(SocketChannel.open(far));
                }
                for (SocketChannel c : held) {
                    pingPong(c);
                }
                return null;
            });
            long after = heapUsedAfterGc(relay.pid());
            note(count + " idle connections: relay heap " + before / 1024 + " KiB -> " + after / 1024 + " KiB");
            return new Figure("relay heap per idle connection", RELAY, (after - before) / 1024.0 / count, "KiB");
        } finally {
            for (SocketChannel c : held) {
                c.close();
            }
        }
    }

    private static void pingPong(SocketChannel c) throws IOException {
        c.write(ByteBuffer.wrap(new byte[] {'x'}));
        ByteBuffer one = ByteBuffer.allocate(1);
        while (one.hasRemaining()) {
            if (c.read(one) < 0) {
                throw new IOException("the echo closed the connection");
            }
        }
    }

    /** Bytes of heap in use in process {@code pid} after a full GC, by {@code jcmd}. */
    static long heapUsedAfterGc(long pid) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        NetNamespace.exec(60, List.of(jcmd, Long.toString(pid), "GC.run"));
        return heapUsed(NetNamespace.exec(60, List.of(jcmd, Long.toString(pid), "GC.heap_info")));
    }

    /** The heap's "used NNNK" in {@code jcmd GC.heap_info}'s output, in bytes. */
    static long heapUsed(String heapInfo) throws IOException {
        Matcher m = Pattern.compile("\\bused (\\d+)K").matcher(heapInfo);
        if (!m.find()) {
            throw new IOException("no 'used NK' in jcmd GC.heap_info: " + heapInfo);
        }
        return Long.parseLong(m.group(1)) * 1024;
    }

    /** SIGTERM, then up to 15 s (then SIGKILL). */
    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(15, TimeUnit.SECONDS);
            note("a process did not exit within 15 s of SIGTERM; killed");
        }
    }

    private static void note(String line) {
        System.err.println("tcpip bench: relay: " + line);
    }
}
