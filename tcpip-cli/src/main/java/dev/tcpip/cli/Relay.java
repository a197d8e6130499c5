package dev.tcpip.cli;

import dev.tcpip.Stack;
import dev.tcpip.device.TunDevice;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.forward.DnsForwarder;
import dev.tcpip.forward.Forwarder;
import dev.tcpip.forward.ForwarderStats;
import dev.tcpip.socket.SocketStack;
import dev.tcpip.socks.Socks5Config;
import dev.tcpip.socks.Socks5Stack;
import dev.tcpip.wire.Ipv4Address;
import java.io.IOException;
import java.math.BigInteger;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tcpip relay}: the tun2socks job (CLI.md, issue 16). The direct stack on a TUN device, whose peer is the
 * kernel: every TCP connection and UDP flow the kernel routes into the device, to any address, ends on the direct
 * stack and is opened again upstream ({@link Forwarder}), from the host's sockets or through a SOCKS5 proxy
 * ({@link Socks5Stack}: CONNECT, UDP ASSOCIATE). The interface's address is the kernel's; the direct stack takes the
 * address after it, where the DNS forwarder answers.
 */
@Command(name = "relay", mixinStandardHelpOptions = true,
        description = {"The tun2socks job: every TCP connection and UDP flow routed into the TUN device is relayed"
                + " through the host's sockets, or through a SOCKS5 proxy with --socks5. The interface is 10.0.3.1/24 by"
                + " default; DNS queries to the address after it (10.0.3.2) go to --dns-upstream.",
                "Prints 'ready relay=IFNAME' once serving; exits 0 on SIGINT or SIGTERM."})
final class Relay implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ForwardingOptions common;

    @Option(names = "--tun", paramLabel = "IFNAME", required = true,
            description = "The TUN device; created if absent (inside --netns when given).")
    String tun;

    @Option(names = "--configure",
            description = "Put the --ipv4 (and --ipv6) address on the device, bring it up and route the default route"
                    + " into it (inside --netns when given).")
    boolean configure;

    @Option(names = "--ipv4", paramLabel = "A.B.C.D/N", defaultValue = "10.0.3.1/24",
            description = "The TUN interface's address and prefix (default: ${DEFAULT-VALUE}); the relay's own"
                    + " address, where DNS is answered, is the one after it.")
    String ipv4;

    @Option(names = "--ipv6", paramLabel = "ADDR/N",
            description = "The TUN interface's IPv6 address and prefix; the relay's is the one after it.")
    String ipv6;

    @Option(names = "--socks5", paramLabel = "[USER[:PASS]@]HOST:PORT",
            description = "Relay through this SOCKS5 proxy (RFC 1928: CONNECT, UDP ASSOCIATE), with user/password"
                    + " authentication (RFC 1929) when USER:PASS@ is given (the user has no ':'); with USER@ alone"
                    + " the password is read from " + PASSWORD_VARIABLE + ", out of sight of ps.")
    String socks5;

    /** The device's addressing: the kernel's side and the relay's (the next address) on one prefix. */
    record Layout(Ipv4Address kernel, Ipv4Address relay, int prefix, InetAddress kernel6, InetAddress relay6,
                  int prefix6) {
    }

    @Override
    public Integer call() throws Exception {
        Layout net = layout();
        try {
            dev.tcpip.device.TapDevice.checkName(tun);   // the same interface-name rules for TAP and TUN
        } catch (IllegalArgumentException e) {
            throw common.usage("invalid value for option '--tun': " + e.getMessage());
        }
        common.check(ipv6 != null);
        InetSocketAddress dnsTo = common.dnsUpstream();
        Socks5Config proxy = socks5 == null ? null : socks5Config();
        Duration statsPeriod = common.statsPeriod();

        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTermination(stop::countDown);
        TunDevice device = TunDevice.open(common.netns, tun, common.mtu, true);
        PcapFile capture = null;
        DirectStack stack = null;
        SocketStack host = SocketStack.dual();
        Stack upstream = proxy == null ? host : Socks5Stack.over(host, proxy);
        List<AutoCloseable> services = new ArrayList<>();
        FlowStats printer = null;
        try {
            device.setLinkUp();
            if (configure) {
                configure(device, net);
            }
            capture = common.capture(device);
            stack = DirectStack.create(stackConfig(net), common.link(device, capture));
            if (ipv6 != null) {
                stack.awaitIpv6Addresses(Duration.ofSeconds(10));   // a tentative address is no source (RFC 4862 §5.4)
            }
            Forwarder forwarder = new Forwarder(stack, upstream, common.forwarderConfig());
            services.add(forwarder);
            services.add(DnsForwarder.start(stack, net.relay().toInetAddress(), upstream, DnsForwarder.Config.of(dnsTo),
                    null));
            forwarder.start();
            System.out.println("ready relay=" + tun);
            System.out.flush();
            Map<String, Stack> stacks = new LinkedHashMap<>();
            stacks.put("tun", stack);
            stacks.put(proxy == null ? "host" : "socks5", upstream);
            printer = FlowStats.start(statsPeriod, stacks, System.err, () -> relayLine(forwarder));
            stop.await();
        } finally {
            ForwardingOptions.shutDown("relay", printer, services, upstream, stack, device, capture);
            if (upstream != host) {
                host.disconnect();
            }
        }
        return 0;
    }

    /** The forwarder's line under each stats table: its flows now, and what it has refused. */
    private static String relayLine(Forwarder forwarder) {
        try {
            ForwarderStats s = forwarder.stats();
            return "relay: tcp=" + s.tcpFlows() + " udp=" + s.udpFlows() + " opened=" + s.tcpOpened() + "/"
                    + s.udpOpened() + " refused-at-limit=" + s.refusedAtLimit() + " upstream-refused=" + s.upstreamRefused()
                    + " unreachable=" + s.upstreamUnreachable() + " timeouts=" + s.upstreamTimeouts();
        } catch (IOException e) {
            return "relay: stack gone";
        }
    }

    private Layout layout() {
        Matcher m = Pattern.compile("(\\d{1,3}(?:\\.\\d{1,3}){3})/(\\d{1,2})").matcher(ipv4);
        if (!m.matches()) {
            throw common.usage("invalid value for option '--ipv4': '" + ipv4 + "': expected A.B.C.D/N, e.g."
                    + " 10.0.3.1/24");
        }
        Ipv4Address kernel;
        try {
            kernel = Ipv4Address.parse(m.group(1));
        } catch (IllegalArgumentException e) {
            throw common.usage("invalid value for option '--ipv4': '" + ipv4 + "': " + e.getMessage());
        }
        int prefix = Integer.parseInt(m.group(2));
        if (prefix < 8 || prefix > 30) {
            throw common.usage("invalid value for option '--ipv4': '" + ipv4 + "': the prefix must be 8..30");
        }
        int mask = -1 << (32 - prefix);
        int network = kernel.bits() & mask;
        int broadcast = network | ~mask;
        int relay = kernel.bits() + 1;
        if (kernel.bits() == network || relay == broadcast || kernel.bits() == broadcast) {
            throw common.usage("invalid value for option '--ipv4': '" + ipv4 + "': the address and the one after it"
                    + " (the relay's) must both be host addresses of the network");
        }
        InetAddress kernel6 = null;
        InetAddress relay6 = null;
        int prefix6 = 0;
        if (ipv6 != null) {
            Matcher m6 = Pattern.compile("([0-9A-Fa-f:.]+)/(\\d{1,3})").matcher(ipv6);
            if (!m6.matches()) {
                throw common.usage("invalid value for option '--ipv6': '" + ipv6 + "': expected ADDR/N, e.g."
                        + " fd00:3::1/64");
            }
            try {
                kernel6 = InetAddress.ofLiteral(m6.group(1));
            } catch (IllegalArgumentException e) {
                kernel6 = null;
            }
            prefix6 = Integer.parseInt(m6.group(2));
            if (!(kernel6 instanceof Inet6Address) || prefix6 < 8 || prefix6 > 126) {
                throw common.usage("invalid value for option '--ipv6': '" + ipv6 + "': expected an IPv6 address"
                        + " and a prefix of 8..126");
            }
            BigInteger next = new BigInteger(1, kernel6.getAddress()).add(BigInteger.ONE);
            BigInteger hostMask = BigInteger.ONE.shiftLeft(128 - prefix6).subtract(BigInteger.ONE);
            if (next.and(hostMask).signum() == 0 || next.bitLength() > 128) {
                throw common.usage("invalid value for option '--ipv6': '" + ipv6 + "': the address after it (the"
                        + " relay's) is outside the prefix");
            }
            byte[] b = next.toByteArray();
            byte[] sixteen = new byte[16];
            System.arraycopy(b, Math.max(0, b.length - 16), sixteen, Math.max(0, 16 - b.length),
                    Math.min(16, b.length));
            try {
                relay6 = InetAddress.getByAddress(sixteen);
            } catch (IOException e) {
                throw new IllegalStateException(e);   // 16 bytes are always an address
            }
        }
        return new Layout(kernel, new Ipv4Address(relay), prefix, kernel6, relay6, prefix6);
    }

    /**
     * Send and receive buffer limit of each relayed flow on the TUN side: 1 MiB rather than the library's 256 KiB,
     * whose window holds only four segments at MTU 65520 (tcpip bench relay: far-&gt;guest 3.0 -&gt; 4.3 Gbit/s, see
     * BENCHMARKS.md). The buffers grow on demand up to this limit, so an idle flow costs no more.
     */
    static final int FLOW_BUFFER = 1 << 20;

    private DirectStackConfig stackConfig(Layout net) {
        DirectStackConfig c = DirectStackConfig.ipv4(net.relay() + "/" + net.prefix());
        c = c.withTcp(c.tcp().withBuffers(FLOW_BUFFER, FLOW_BUFFER));
        if (net.relay6() != null) {
            try {
                c = c.withIpv6(dev.tcpip.wire.Ipv6Address.of((Inet6Address) net.relay6()) + "/" + net.prefix6());
            } catch (IllegalArgumentException e) {
                throw common.usage("invalid value for option '--ipv6': '" + ipv6 + "': " + e.getMessage());
            }
        }
        return c;
    }

    /**
     * {@code --configure}: the interface's address, link up, the default route into the device; for IPv6 the
     * same through {@code ip(8)} (no DAD: the only other node on the link is the relay, RFC 4862 §5.4).
     */
    private void configure(TunDevice device, Layout net) throws IOException, InterruptedException {
        device.configureIpv4(net.kernel().bits(), net.prefix());
        device.addRoute(0, 0);
        if (net.kernel6() != null) {
            String a = dev.tcpip.wire.Ipv6Address.of((Inet6Address) net.kernel6()) + "/" + net.prefix6();
            ip("-6", "addr", "add", a, "dev", tun, "nodad");
            ip("-6", "route", "add", "default", "dev", tun);
        }
    }

    /** {@code ip ARGS} in the device's namespace; fails with ip's message. Bounded: 10 s. */
    private void ip(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        if (common.netns != null) {
            cmd.addAll(List.of("-n", common.netns));
        }
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + ": no answer within 10 s");
        }
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + ": " + out);
        }
    }

    /** The environment variable that holds the proxy password of {@code --socks5 USER@HOST:PORT}. */
    static final String PASSWORD_VARIABLE = "TCPIP_SOCKS5_PASSWORD";

    /**
     * {@code --socks5 [USER[:PASS]@]HOST:PORT}: the credentials are everything before the last '@', the user up to
     * their first ':' (so a user has no ':', a password may), each 1..255 octets (RFC 1929 §2). Without ':' the
     * password comes from {@value #PASSWORD_VARIABLE}, which keeps it out of the process list ({@code ps} shows
     * every argument to every user).
     */
    private Socks5Config socks5Config() {
        int at = socks5.lastIndexOf('@');
        String where = at < 0 ? socks5 : socks5.substring(at + 1);
        InetSocketAddress proxy = common.hostPort("--socks5", where, true);
        Socks5Config c = Socks5Config.of(proxy)
                .withConnectTimeout(Duration.ofSeconds(common.connectTimeout))
                .withUdpIdleTimeout(Duration.ofSeconds(common.udpTimeout));
        if (at < 0) {
            return c;
        }
        try {
            String[] userPassword = credentials(socks5.substring(0, at), System.getenv(PASSWORD_VARIABLE));
            return c.withCredentials(userPassword[0], userPassword[1]);
        } catch (IllegalArgumentException e) {
            throw common.usage("invalid value for option '--socks5': " + e.getMessage());
        }
    }

    /**
     * USER:PASS, or USER alone with the password from the environment ({@code fromEnvironment}, null when unset).
     *
     * @return {user, password}
     * @throws IllegalArgumentException naming what is missing
     */
    static String[] credentials(String text, String fromEnvironment) {
        int colon = text.indexOf(':');
        if (colon >= 0) {
            return new String[] {text.substring(0, colon), text.substring(colon + 1)};
        }
        if (fromEnvironment == null) {
            throw new IllegalArgumentException("credentials are USER:PASS@, or USER@ with the password in "
                    + PASSWORD_VARIABLE + " (not set)");
        }
        return new String[] {text, fromEnvironment};
    }
}
