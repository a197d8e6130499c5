package dev.tcpip.cli;

import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import dev.tcpip.device.NetNamespace;
import dev.tcpip.socket.SocketStack;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code tcpip bench gateway}: the same work through three user-mode gateways in one run, slirp4netns, pasta and
 * {@code tcpip gateway}. Each system gets its own pair of namespaces for each MTU: a "host" namespace whose loopback
 * stands for the host's (the gateway process and every server run there) and a "guest" namespace that gets the
 * system's TAP device {@code tap0} (10.0.2.100/24, default route via 10.0.2.2, configured by the system itself). Every
 * system maps the gateway 10.0.2.2 to the host's loopback, so the guest reaches the servers on the host namespace's
 * 127.0.0.1 through 10.0.2.2. The work: iperf3 guest->host and host->guest ({@code -R}) at guest MTU 1500 and 65520
 * (bit rate from iperf3's JSON, {@code end.sum_received}); at MTU 1500 also 1-byte request/response over one TCP
 * connection (Java on a thread inside the guest namespace, against an echo on the host namespace's loopback) and
 * HTTP requests per second with wrk against the HTTP service of {@code tcpip serve} (on the socket stack, in this
 * process, on a thread inside the host namespace). A system that is not installed or cannot run is skipped with a
 * line on stderr; so are the iperf3 and wrk figures without those tools. Needs root. For A/B runs of one system, the
 * system properties {@value #SYSTEMS_PROPERTY} (names, comma-separated) and {@value #MTUS_PROPERTY} (MTUs) narrow
 * the run; request/response and HTTP run at MTU 1500 only, as always.
 */
final class GatewayBench {
    static final String GATEWAY = "10.0.2.2";
    private static final String GUEST = "10.0.2.100";
    private static final String TAP = "tap0";
    static final int IPERF_PORT = 5201;
    private static final int ECHO_PORT = 7007;
    private static final int HTTP_PORT = 8080;
    static final int[] MTUS = {1500, 65520};
    static final String SYSTEMS_PROPERTY = "tcpip.bench.gateway.systems";
    static final String MTUS_PROPERTY = "tcpip.bench.gateway.mtus";
    static final long START_SECONDS = 60;
    private static final long STOP_SECONDS = 15;

    private GatewayBench() {
    }

    /** One of the compared gateways: how to tell whether it can run, and its command line. */
    sealed interface Gateway permits Slirp4netns, Pasta, TcpipGateway {
        /** The system's name in the figures. */
        String name();

        /** Why it cannot run here, or null. */
        String unavailable() throws InterruptedException;

        /** The command that serves the guest namespace {@code guest} with MTU {@code mtu}; run in the host namespace. */
        List<String> command(String guest, int mtu);

        /** Whether it prints a {@code ready} line on stdout once serving. */
        default boolean printsReady() {
            return false;
        }
    }

    /** slirp4netns attached to the guest namespace by path; it configures tap0 (10.0.2.100, route via 10.0.2.2). */
    record Slirp4netns() implements Gateway {
        @Override
        public String name() {
            return "slirp4netns";
        }

        @Override
        public String unavailable() {
            return onPath("slirp4netns") ? null : "slirp4netns is not installed (Debian package slirp4netns)";
        }

        @Override
        public List<String> command(String guest, int mtu) {
            // host loopback stays enabled (no --disable-host-loopback): 10.0.2.2:P is 127.0.0.1:P
            return List.of("slirp4netns", "--configure", "--mtu=" + mtu, "--netns-type=path", "/run/netns/" + guest,
                    TAP);
        }
    }

    /**
     * pasta (as root it needs {@code --runas 0:0}, or it drops to nobody and cannot open the namespace); addresses
     * given explicitly so that the guest side matches slirp4netns' network; no port forwarding either way, so that
     * all traffic takes the TAP device; the gateway address maps to the host's loopback (pasta's default, map-gw).
     */
    record Pasta() implements Gateway {
        @Override
        public String name() {
            return "pasta";
        }

        @Override
        public String unavailable() {
            return onPath("pasta") ? null : "pasta is not installed (Debian package passt)";
        }

        @Override
        public List<String> command(String guest, int mtu) {
            return List.of("pasta", "--runas", "0:0", "-f", "-q", "-4", "--config-net", "-m", String.valueOf(mtu),
                    "-a", GUEST, "-n", "24", "-g", GATEWAY, "-I", TAP, "-t", "none", "-u", "none", "-T", "none",
                    "-U", "none", "--netns", "/run/netns/" + guest);
        }
    }

    /** This project's {@code tcpip gateway}, run by the same java and class path as this bench. */
    record TcpipGateway() implements Gateway {
        @Override
        public String name() {
            return "tcpip-gateway";
        }

        @Override
        public String unavailable() throws InterruptedException {
            // Without the command, picocli still honours --help, with the top-level usage: look for the command's.
            try {
                String usage = NetNamespace.exec(START_SECONDS, self("gateway", "--help"));
                return usage.startsWith("Usage: tcpip gateway") ? null
                        : "this build has no gateway command ('tcpip gateway --help' prints the top-level usage)";
            } catch (IOException e) {
                return "'tcpip gateway --help' fails, so this build has no gateway command (" + firstLine(e) + ")";
            }
        }

        @Override
        public List<String> command(String guest, int mtu) {
            return self("gateway", "--tap", TAP, "--netns", guest, "--configure", "--mtu", String.valueOf(mtu));
        }

        @Override
        public boolean printsReady() {
            return true;
        }
    }

    static final List<Gateway> SYSTEMS = List.of(new Slirp4netns(), new Pasta(), new TcpipGateway());

    static List<Figure> run(Bench.Settings s) throws Exception {
        String missing = NetNamespace.missingPrerequisite();
        if (missing != null) {
            throw new Bench.Skipped("gateway: " + missing);
        }
        boolean iperf = onPath("iperf3");
        boolean wrk = onPath("wrk");
        if (!iperf) {
            note("iperf3 is not installed: no throughput figures");
        }
        if (!wrk) {
            note("wrk is not installed: no HTTP figures");
        }
        List<Figure> figures = new ArrayList<>();
        int ran = 0;
        for (Gateway g : SYSTEMS) {
            if (!selected(SYSTEMS_PROPERTY, g.name())) {
                continue;
            }
            String why = g.unavailable();
            if (why != null) {
                note("skipping " + g.name() + ": " + why);
                continue;
            }
            ran++;
            for (int mtu : MTUS) {
                if (!selected(MTUS_PROPERTY, String.valueOf(mtu))) {
                    continue;
                }
                try {
                    figures.addAll(runOnce(g, mtu, s, iperf, wrk && mtu == MTUS[0], mtu == MTUS[0]));
                } catch (Exception e) {
                    note(g.name() + " at MTU " + mtu + " failed, its figures are missing: " + e);
                }
            }
        }
        if (ran == 0) {
            throw new Bench.Skipped("gateway: none of slirp4netns, pasta, tcpip gateway can run here");
        }
        return figures;
    }

    /** Whether the comma-separated list in system property {@code property} names {@code value} (no property: all). */
    private static boolean selected(String property, String value) {
        String list = System.getProperty(property);
        return list == null || List.of(list.split(",")).contains(value);
    }

    /** One system at one MTU, in namespaces of its own: start, wait until the guest reaches the host, measure, stop. */
    private static List<Figure> runOnce(Gateway g, int mtu, Bench.Settings s, boolean iperf, boolean http,
                                        boolean requestResponse) throws Exception {
        List<Figure> figures = new ArrayList<>();
        Path log = Files.createTempFile("tcpip-bench-" + g.name() + "-", ".log");
        try (NetNamespace host = NetNamespace.create("gwbench-host");
             NetNamespace guest = NetNamespace.create("gwbench-guest")) {
            // pasta derives its template from the interface with the host's default route: give the host namespace
            // one (a veth pair inside it; nothing is sent to that route, every server is on loopback).
            host.ip("link", "add", "ext0", "type", "veth", "peer", "name", "ext1");
            host.ip("addr", "add", "10.77.0.1/24", "dev", "ext0");
            host.ip("link", "set", "ext0", "up");
            host.ip("link", "set", "ext1", "up");
            host.ip("route", "add", "default", "via", "10.77.0.254", "dev", "ext0");
            SocketStack servers = host.onThread(() -> {
                SocketStack stack = SocketStack.ipv4((Inet4Address) InetAddress.getByName("127.0.0.1"));
                stack.tcp().listen(ECHO_PORT, GatewayBench::echoNodelay);
                stack.tcp().listen(HTTP_PORT, HttpService::serve);
                return stack;
            });
            Process iperfServer = null;
            Process gateway = null;
            try {
                if (iperf) {
                    iperfServer = new ProcessBuilder(host.command("iperf3", "-s", "-B", "127.0.0.1", "-p",
                            String.valueOf(IPERF_PORT))).redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                }
                gateway = start(g, host, guest, mtu, log);
                awaitReachable(guest, gateway, log);
                checkMtu(g, guest, mtu);
                String label = g.name() + " MTU " + mtu;
                if (iperf) {
                    awaitListening(host, IPERF_PORT, iperfServer);
                    int seconds = s.quick() ? 2 : 10;
                    figures.add(new Figure("gateway guest->host MTU " + mtu, g.name(),
                            iperf3(guest, seconds, false) / 1e9, "Gbit/s"));
                    figures.add(new Figure("gateway host->guest MTU " + mtu, g.name(),
                            iperf3(guest, seconds, true) / 1e9, "Gbit/s"));
                }
                if (requestResponse) {
                    figures.add(new Figure("gateway 1-byte request/response", g.name(),
                            requestResponse(guest, s.quick() ? 2_000 : 20_000, s.quick() ? 10 : 30), "/s"));
                }
                if (http) {
                    figures.add(new Figure("gateway http", g.name(), wrk(guest, s.quick() ? 2 : 10), "req/s"));
                }
                note(label + " done");
            } finally {
                stop(g.name(), gateway, log);
                stop("iperf3 -s", iperfServer, null);
                servers.disconnect();
            }
        } finally {
            Files.deleteIfExists(log);
        }
        return figures;
    }

    /** Starts the system in the host namespace; for {@code tcpip gateway}, waits for its ready line. */
    private static Process start(Gateway g, NetNamespace host, NetNamespace guest, int mtu, Path log) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(host.command(g.command(guest.name(), mtu).toArray(String[]::new)))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        if (!g.printsReady()) {
            return pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        }
        return startReady(pb, g.name(), log);
    }

    /**
     * Starts {@code pb} (stderr already going to {@code log}) and waits, at most {@link #START_SECONDS}, for a line
     * starting with "ready" on its stdout, which is read to its end so that the process never blocks on it.
     */
    static Process startReady(ProcessBuilder pb, String name, Path log) throws IOException {
        Process p = pb.start();
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            // read stdout to its end so the process never blocks on a full pipe; the first "ready" line completes
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("ready")) {
                        ready.complete(line);
                    }
                }
            } catch (IOException e) {
                // the process went away; reported below
            }
            ready.completeExceptionally(new IOException(name + " ended before printing 'ready'"));
        });
        try {
            ready.get(START_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IOException(name + " did not get ready within " + START_SECONDS + " s: " + e.getMessage()
                    + "; its output: " + tail(log));
        }
        return p;
    }

    /**
     * Polls (every 100 ms, at most {@link #START_SECONDS}) until a thread in the guest namespace can open a TCP
     * connection to the echo service through 10.0.2.2: slirp4netns and pasta say nothing when they are ready.
     */
    private static void awaitReachable(NetNamespace guest, Process gateway, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        Exception last = null;
        for (int attempt = 0; attempt < START_SECONDS * 10 && System.nanoTime() < deadline; attempt++) {
            if (!gateway.isAlive()) {
                throw new IOException("exited with " + gateway.exitValue() + " before the guest reached " + GATEWAY
                        + "; its output: " + tail(log));
            }
            try {
                guest.onThread(() -> {
                    try (Socket sock = new Socket()) {
                        sock.connect(new InetSocketAddress(GATEWAY, ECHO_PORT), 1000);
                    }
                    return null;
                });
                return;
            } catch (IOException e) {
                last = e;
                Thread.sleep(100);   // polling an external process that has no ready signal
            }
        }
        throw new IOException("the guest did not reach " + GATEWAY + ":" + ECHO_PORT + " within " + START_SECONDS
                + " s (" + last + "); its output: " + tail(log));
    }

    /** The same bounded poll for the iperf3 server's listening socket in the host namespace. */
    static void awaitListening(NetNamespace host, int port, Process server) throws Exception {
        for (int attempt = 0; attempt < 100; attempt++) {
            if (!server.isAlive()) {
                throw new IOException("iperf3 -s exited with " + server.exitValue());
            }
            if (!host.run(10, "ss", "-Hltn", "sport = :" + port).isBlank()) {
                return;
            }
            Thread.sleep(100);   // iperf3 -s prints nothing machine-readable when it listens
        }
        throw new IOException("iperf3 -s did not listen on port " + port + " within 10 s");
    }

    /** Says when the guest's tap0 does not have the MTU asked for (the figure would be mislabelled). */
    private static void checkMtu(Gateway g, NetNamespace guest, int mtu) throws Exception {
        Matcher m = Pattern.compile(" mtu (\\d+) ").matcher(guest.ip("-o", "link", "show", TAP));
        String got = m.find() ? m.group(1) : "?";
        if (!got.equals(String.valueOf(mtu))) {
            note(g.name() + " was asked for MTU " + mtu + " but the guest's " + TAP + " has MTU " + got);
        }
    }

    /** iperf3 from the guest to 10.0.2.2 ({@code -R}: the host sends); bits per second the receiver counted. */
    private static double iperf3(NetNamespace guest, int seconds, boolean reverse) throws Exception {
        return iperf3(guest, GATEWAY, seconds, reverse);
    }

    /** iperf3 from {@code client}'s namespace to {@code server}:5201 ({@code -R}: the server sends); receiver's bit/s. */
    static double iperf3(NetNamespace client, String server, int seconds, boolean reverse) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("iperf3", "-c", server, "-p", String.valueOf(IPERF_PORT), "-t",
                String.valueOf(seconds), "--connect-timeout", "10000", "-J"));
        if (reverse) {
            cmd.add("-R");
        }
        String json = NetNamespace.exec(seconds + 60L, client.command(cmd.toArray(String[]::new)));
        return iperfBitsPerSecond(json);
    }

    /** {@code end.sum_received.bits_per_second} of iperf3's JSON (that object holds no nested object). */
    static double iperfBitsPerSecond(String json) throws IOException {
        Matcher m = Pattern.compile("\"sum_received\"\\s*:\\s*\\{[^}]*?\"bits_per_second\"\\s*:\\s*([0-9.eE+-]+)")
                .matcher(json);
        if (!m.find()) {
            throw new IOException("iperf3's JSON has no end.sum_received.bits_per_second: "
                    + json.substring(0, Math.min(json.length(), 500)));
        }
        return Double.parseDouble(m.group(1));
    }

    /**
     * {@code count} exchanges of one byte each way over one TCP connection (Nagle off), from the guest to the echo
     * on the host's loopback through 10.0.2.2, after 100 unmeasured ones; exchanges per second. Bounded by
     * {@code limitSeconds}: the rate is over the exchanges done by then.
     */
    private static double requestResponse(NetNamespace guest, int count, int limitSeconds) throws Exception {
        return guest.onThread(() -> {
            try (var ch = java.nio.channels.SocketChannel.open(new InetSocketAddress(GATEWAY, ECHO_PORT))) {
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ByteBuffer one = ByteBuffer.allocateDirect(1);
                for (int i = 0; i < 100; i++) {
                    exchange(ch, one);
                }
                long t0 = System.nanoTime();
                long deadline = t0 + TimeUnit.SECONDS.toNanos(limitSeconds);
                int done = 0;
                while (done < count && System.nanoTime() < deadline) {
                    exchange(ch, one);
                    done++;
                }
                return done / ((System.nanoTime() - t0) / 1e9);
            }
        });
    }

    private static void exchange(java.nio.channels.SocketChannel ch, ByteBuffer one) throws IOException {
        one.clear().put((byte) 'x').flip();
        while (one.hasRemaining()) {
            ch.write(one);
        }
        one.clear();
        while (one.hasRemaining()) {
            if (ch.read(one) < 0) {
                throw new IOException("the echo closed the connection");
            }
        }
    }

    /** The echo of the request/response work: every read written straight back, Nagle off. */
    private static void echoNodelay(TcpFlow flow) throws IOException {
        while (flow.read() instanceof ReadResult.Data(ByteBuffer bytes)) {
            flow.writeNodelay(bytes);
        }
        flow.close();
    }

    /** wrk from the guest (2 threads, 10 connections) against the HTTP service through 10.0.2.2; requests/s. */
    private static double wrk(NetNamespace guest, int seconds) throws Exception {
        String out = NetNamespace.exec(seconds + 60L, guest.command("wrk", "-t", "2", "-c", "10", "-d", seconds + "s",
                "http://" + GATEWAY + ":" + HTTP_PORT + "/"));
        if (out.contains("Socket errors") || out.contains("Non-2xx")) {
            note("wrk reported errors: " + out.strip().replace('\n', ' '));
        }
        Matcher m = Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(out);
        if (!m.find()) {
            throw new IOException("wrk printed no Requests/sec: " + out);
        }
        return Double.parseDouble(m.group(1));
    }

    /** SIGTERM, then up to {@link #STOP_SECONDS} for the process to end (then SIGKILL); says when it went wrong. */
    private static void stop(String name, Process p, Path log) throws InterruptedException {
        if (p == null) {
            return;
        }
        p.destroy();
        if (!p.waitFor(STOP_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(STOP_SECONDS, TimeUnit.SECONDS);
            note(name + " did not exit within " + STOP_SECONDS + " s of SIGTERM; killed");
        } else if (log != null && p.exitValue() != 0 && p.exitValue() != 128 + 15) {
            note(name + " exited with " + p.exitValue() + " on SIGTERM; its output: " + tail(log));
        }
    }

    /** The command line that runs this build's {@code tcpip} with {@code args}: the same java and class path. */
    static List<String> self(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/sbin:/usr/bin:/sbin:/bin" : path).split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    static String tail(Path log) {
        try {
            String s = Files.readString(log).strip();
            return s.isEmpty() ? "(none)" : s.substring(Math.max(0, s.length() - 2000));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private static void note(String line) {
        System.err.println("tcpip bench: gateway: " + line);
    }
}
