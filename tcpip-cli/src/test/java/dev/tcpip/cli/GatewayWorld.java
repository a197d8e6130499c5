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
    /** dnsmasq on the host loopback, answering far.test with {@link #FAR}. */
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
                    "--no-hosts", "--port=" + DNS_PORT, "--listen-address=127.0.0.1", "--bind-interfaces",
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

    /** A bash script inside {@code ns} (bounded, pipefail); its stdout, or fails with its stderr. */
    static String sh(NetNamespace ns, long timeoutSeconds, String script) throws IOException, InterruptedException {
        return ns.run(timeoutSeconds, "bash", "-c", "set -o pipefail; " + script);
    }

    @Override
    public void close() throws Exception {
        for (Cli c : started) {
            c.close();
        }
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor();
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

    private static Exception closeQuietly(NetNamespace ns, Exception first) {
        try {
            ns.close();
            return first;
        } catch (Exception e) {
            return first != null ? first : e;
        }
    }
}
