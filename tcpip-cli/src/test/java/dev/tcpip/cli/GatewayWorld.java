package dev.tcpip.cli;

import dev.tcpip.device.NetNamespace;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The gateway tests' world, every part of it in namespaces made here and removed by {@link #close}: a "host"
 * namespace where {@code tcpip gateway} and the host's services run (its loopback is the host loopback the gateway
 * address maps to), a "far" namespace behind a veth pair from the host one (the servers at any other address), and
 * guest namespaces, each given its TAP device by a gateway started with {@code --netns GUEST --configure}.
 */
final class GatewayWorld implements AutoCloseable {
    static final String HOST_SIDE = "10.99.0.1";
    static final String FAR = "10.99.0.2";
    static final String FAR6 = "fd99::2";
    static final String GATEWAY = "10.0.2.2";
    static final String DNS = "10.0.2.3";
    static final String GUEST = "10.0.2.100";
    static final String GATEWAY6 = "fd00:2::2";
    /** The host's HTTP, echo and UDP echo services listen on every host address, its loopback included. */
    static final int HOST_HTTP = 8080;
    static final int HOST_ECHO = 7007;
    /** The far server's services. */
    static final int FAR_HTTP = 80;
    static final int FAR_ECHO = 7;
    /** dnsmasq on the host loopback and {@link #HOST_SIDE}, answering far.test with {@link #FAR}. */
    static final int DNS_PORT = 5353;

    final NetNamespace host;
    final NetNamespace far;
    private final List<NetNamespace> guests = new ArrayList<>();
    private final List<Cli> started = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    private GatewayWorld(NetNamespace host, NetNamespace far) {
        this.host = host;
        this.far = far;
    }

    static GatewayWorld create() throws Exception {
        NetNamespace host = NetNamespace.create("gwhost");
        NetNamespace far;
        try {
            far = NetNamespace.create("gwfar");
        } catch (IOException | RuntimeException e) {
            host.close();
            throw e;
        }
        GatewayWorld w = new GatewayWorld(host, far);
        try {
            host.ip("link", "add", "gwh0", "type", "veth", "peer", "name", "gwf0", "netns", far.name());
            host.ip("addr", "add", HOST_SIDE + "/24", "dev", "gwh0");
            host.ip("-6", "addr", "add", "fd99::1/64", "dev", "gwh0", "nodad");
            host.ip("link", "set", "gwh0", "up");
            far.ip("addr", "add", FAR + "/24", "dev", "gwf0");
            far.ip("-6", "addr", "add", FAR6 + "/64", "dev", "gwf0", "nodad");
            far.ip("link", "set", "gwf0", "up");
            far.ip("route", "add", "default", "via", HOST_SIDE);
            far.ip("-6", "route", "add", "default", "via", "fd99::1");
            w.serve(far, "--http", String.valueOf(FAR_HTTP), "--echo", String.valueOf(FAR_ECHO),
                    "--udp-echo", String.valueOf(FAR_ECHO));
            w.serve(host, "--http", String.valueOf(HOST_HTTP), "--echo", String.valueOf(HOST_ECHO),
                    "--udp-echo", String.valueOf(HOST_ECHO));
            w.processes.add(new ProcessBuilder(host.command("dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv",
                    "--no-hosts", "--port=" + DNS_PORT, "--listen-address=127.0.0.1," + HOST_SIDE, "--bind-interfaces",
                    "--pid-file=", "--log-facility=-", "--user=root", "--address=/far.test/" + FAR))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            w.awaitDnsmasq();
            return w;
        } catch (Exception e) {
            w.close();
            throw e;
        }
    }

    /** Until dnsmasq answers on the host loopback (bounded: 50 tries of 0.2 s). */
    private void awaitDnsmasq() throws IOException, InterruptedException {
        String answer = "";
        for (int i = 0; i < 50 && !answer.strip().equals(FAR); i++) {
            try {
                answer = sh(host, 10, "dig +short +time=1 +tries=1 -p " + DNS_PORT + " @127.0.0.1 far.test");
            } catch (IOException notYet) {
                answer = "";
            }
        }
        if (!answer.strip().equals(FAR)) {
            throw new IOException("dnsmasq did not answer on 127.0.0.1:" + DNS_PORT + " in the host namespace");
        }
    }

    /** {@code tcpip serve ARGS} on the socket stack inside {@code ns}, ready. */
    Cli serve(NetNamespace ns, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("serve"));
        all.addAll(List.of(args));
        Cli cli = Cli.start(Cli.builder(ns.command(), all.toArray(String[]::new)));
        started.add(cli);
        cli.awaitLine("ready");
        return cli;
    }

    /** A new, empty guest namespace. */
    NetNamespace guest() throws IOException, InterruptedException {
        NetNamespace g = NetNamespace.create("gwguest");
        guests.add(g);
        return g;
    }

    /** The gateway command line, run in the host namespace, for {@code guest}'s TAP device tap0. */
    ProcessBuilder gatewayCommand(NetNamespace guest, String... args) {
        List<String> all = new ArrayList<>(List.of("gateway", "--tap", "tap0", "--netns", guest.name(), "--configure",
                "--dns-upstream", "127.0.0.1:" + DNS_PORT));
        all.addAll(List.of(args));
        return Cli.builder(host.command(), all.toArray(String[]::new));
    }

    /** Starts {@code tcpip gateway} for {@code guest} and waits for its ready line; returns the process. */
    Cli gateway(NetNamespace guest, String... args) throws IOException {
        Cli cli = Cli.start(gatewayCommand(guest, args));
        started.add(cli);
        String ready = cli.awaitLine("ready");
        if (!ready.contains("gateway=" + GATEWAY)) {
            throw new AssertionError("unexpected ready line: " + ready);
        }
        return cli;
    }

    /**
     * {@code tcpip relay --tun tun0 --netns GUEST --configure --dns-upstream HOST_SIDE:DNS_PORT ARGS}, run in the host
     * namespace, started and ready.
     */
    Cli relay(NetNamespace guest, String... args) throws IOException {
        return relay(guest, java.util.Map.of(), args);
    }

    /** {@link #relay(NetNamespace, String...)} with these variables added to the command's environment. */
    Cli relay(NetNamespace guest, java.util.Map<String, String> environment, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("relay", "--tun", "tun0", "--netns", guest.name(), "--configure",
                "--dns-upstream", HOST_SIDE + ":" + DNS_PORT));
        all.addAll(List.of(args));
        ProcessBuilder pb = Cli.builder(host.command(), all.toArray(String[]::new));
        pb.environment().putAll(environment);
        Cli cli = Cli.start(pb);
        started.add(cli);
        String ready = cli.awaitLine("ready");
        if (!ready.equals("ready relay=tun0")) {
            throw new AssertionError("unexpected ready line: " + ready);
        }
        return cli;
    }

    /**
     * A server started in the host namespace (killed by {@link #close}) with 8192 file descriptors allowed, once
     * something listens on 127.0.0.1:{@code port} there (bounded: 50 tries of 0.2 s).
     */
    void daemon(int port, java.nio.file.Path log, String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(host.command("bash", "-c", "ulimit -n 8192; exec " + command))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        for (int i = 0; i < 50; i++) {
            try {
                sh(host, 10, "nc -z -w 1 127.0.0.1 " + port);
                return;
            } catch (IOException notYet) {
                if (!p.isAlive()) {
                    break;
                }
                Thread.sleep(200);
            }
        }
        throw new IOException(command + " is not listening on 127.0.0.1:" + port + ": "
                + java.nio.file.Files.readString(log));
    }

    /** A bash script inside {@code ns} (bounded, pipefail); its stdout, or fails with its stderr. */
    static String sh(NetNamespace ns, long timeoutSeconds, String script) throws IOException, InterruptedException {
        return ns.run(timeoutSeconds, "bash", "-c", "set -o pipefail; " + script);
    }

    /** {@code bytes} seeded random bytes in {@code dir} (made once per name and size); the file. */
    static java.nio.file.Path random(java.nio.file.Path dir, String name, int bytes) throws IOException {
        java.nio.file.Path f = dir.resolve(name + bytes + ".bin");
        if (!java.nio.file.Files.exists(f)) {
            byte[] b = new byte[bytes];
            new java.util.Random(bytes).nextBytes(b);
            java.nio.file.Files.write(f, b);
        }
        return f;
    }

    /** Runs a Python program (written to {@code dir}) inside {@code ns}, bounded; its stdout. */
    static String python(NetNamespace ns, java.nio.file.Path dir, String name, String program)
            throws IOException, InterruptedException {
        java.nio.file.Path f = dir.resolve(name + ".py");
        java.nio.file.Files.writeString(f, program);
        return sh(ns, 120, "python3 " + f);
    }

    @Override
    public void close() throws Exception {
        for (Cli c : started) {
            c.close();
        }
        for (Process p : processes) {
            p.destroy();                                   // SIGTERM: danted also ends the children it forked
            if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
        for (NetNamespace ns : List.of(host, far)) {
            stopLeftovers(ns);
        }
        Exception first = null;
        for (NetNamespace ns : guests) {
            first = closeQuietly(ns, first);
        }
        first = closeQuietly(far, first);
        first = closeQuietly(host, first);
        if (first != null) {
            throw first;
        }
    }

    /** Kills, by pid, whatever still runs in {@code ns}: only processes this world started can be there. */
    private static void stopLeftovers(NetNamespace ns) {
        try {
            String pids = NetNamespace.exec(10, List.of("ip", "netns", "pids", ns.name())).strip();
            for (String pid : pids.isEmpty() ? new String[0] : pids.split("\\s+")) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            System.err.println("GatewayWorld: could not list the processes left in " + ns.name() + ": " + e);
        }
    }

    private static Exception closeQuietly(NetNamespace ns, Exception first) {
        try {
            ns.close();
            return first;
        } catch (Exception e) {
            return first != null ? first : e;
        }
    }
}
