package dev.tcpip.cli;

import dev.tcpip.TcpFlow;
import dev.tcpip.device.TapDevice;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.forward.DhcpServer;
import dev.tcpip.forward.DnsForwarder;
import dev.tcpip.forward.Forwarder;
import dev.tcpip.forward.ForwarderConfig;
import dev.tcpip.forward.RouterAdvertiser;
import dev.tcpip.forward.Splice;
import dev.tcpip.socket.SocketStack;
import dev.tcpip.wire.Ipv4Address;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tcpip gateway}: user-mode networking for a namespace or VM, the job of slirp4netns and pasta (CLI.md). The
 * direct stack on the TAP device is the gateway of a private network; every TCP connection and UDP flow a guest opens
 * to any address ends there and is opened again from the host's sockets ({@link Forwarder}); the gateway's own
 * address stands for the host's loopback; DHCP, DNS and router advertisements come from the gateway.
 */
@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = {"User-mode networking (the job of slirp4netns and pasta): the direct stack on the TAP device is"
                + " the gateway of a private network (10.0.2.0/24: gateway 10.0.2.2, DNS 10.0.2.3, guest 10.0.2.100),"
                + " and every flow a guest opens is relayed through the host's sockets.",
                "Prints 'ready gateway=A dns=A guest=A' once serving; exits 0 on SIGINT or SIGTERM."})
final class Gateway implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ForwardingOptions common;

    @Option(names = "--tap", paramLabel = "IFNAME", required = true,
            description = "The TAP device the guest is on; created if absent (inside --netns when given).")
    String tap;

    @Option(names = "--configure",
            description = "Also set up the guest side: its address, MTU, link up and default route via the gateway.")
    boolean configure;

    @Option(names = "--ipv4", paramLabel = "A.B.C.D/N", defaultValue = "10.0.2.2/24",
            description = "The gateway's address and the network's prefix (default: ${DEFAULT-VALUE}); the DNS"
                    + " forwarder is the network's .3, the guest its .100.")
    String ipv4;

    @Option(names = "--ipv6", paramLabel = "ADDR/64",
            description = "The gateway's IPv6 address; the guest configures itself by SLAAC from its adverts.")
    String ipv6;

    @Option(names = "--publish", paramLabel = "[tcp:|udp:]HOSTPORT:GUESTPORT",
            description = "Relay connections to HOSTPORT on every host address to the guest's GUESTPORT (repeatable).")
    List<String> publish = new ArrayList<>();

    @Option(names = "--mac", paramLabel = "XX:XX:XX:XX:XX:XX", description = "The gateway's MAC (default: random).")
    String mac;

    /** A --publish rule. */
    record Publish(boolean udp, int hostPort, int guestPort) {
    }

    @Override
    public Integer call() throws Exception {
        Layout net = layout();
        try {
            TapDevice.checkName(tap);
        } catch (IllegalArgumentException e) {
            throw usage("invalid value for option '--tap': " + e.getMessage());
        }
        common.check(ipv6 != null);
        List<Publish> rules = publishRules();
        InetSocketAddress dnsTo = common.dnsUpstream();
        DirectStackConfig config = stackConfig(net);
        long stackMac = StackOptions.macOrRandom(mac, spec.commandLine());
        Duration statsPeriod = common.statsPeriod();
        FlowStats printer = null;

        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTermination(stop::countDown);
        TapDevice device = TapDevice.open(common.netns, tap, common.mtu, stackMac, true);
        PcapFile capture = null;
        DirectStack stack = null;
        SocketStack host = SocketStack.dual();
        List<AutoCloseable> services = new ArrayList<>();
        try {
            device.setLinkUp();
            if (configure) {
                device.configureIpv4(net.guest.bits(), net.prefix, net.gateway.bits());
            }
            capture = common.capture(device);
            stack = DirectStack.create(config, common.link(device, capture));
            if (ipv6 != null) {
                // A tentative address is no source yet (RFC 4862 §5.4); the adverts go out once DAD is done.
                stack.awaitIpv6Addresses(Duration.ofSeconds(10));
                services.add(RouterAdvertiser.start(stack, RouterAdvertiser.defaults(config)));
            }
            Forwarder forwarder = new Forwarder(stack, host, common.forwarderConfig().withDestinations(destinations(net)));
            services.add(forwarder);
            services.add(DhcpServer.start(stack, dhcpConfig(net)));
            services.add(DnsForwarder.start(stack, net.dns.toInetAddress(), host, DnsForwarder.Config.of(dnsTo), null));
            forwarder.start();
            for (Publish p : rules) {
                services.add(publish(p, host, stack, net));
            }
            System.out.println("ready gateway=" + net.gateway + " dns=" + net.dns + " guest=" + net.guest);
            System.out.flush();
            java.util.Map<String, dev.tcpip.Stack> stacks = new java.util.LinkedHashMap<>();
            stacks.put("guest", stack);
            stacks.put("host", host);
            printer = FlowStats.start(statsPeriod, stacks, System.err);
            stop.await();
        } finally {
            ForwardingOptions.shutDown("gateway", printer, services, host, stack, device, capture);
        }
        return 0;
    }

    /** The gateway's network: gateway, DNS and guest addresses, prefix. */
    record Layout(Ipv4Address gateway, Ipv4Address dns, Ipv4Address guest, int prefix) {
    }

    private Layout layout() {
        Matcher m = Pattern.compile("(\\d{1,3}(?:\\.\\d{1,3}){3})/(\\d{1,2})").matcher(ipv4);
        if (!m.matches()) {
            throw usage("invalid value for option '--ipv4': '" + ipv4 + "': expected A.B.C.D/N, e.g. 10.0.2.2/24");
        }
        Ipv4Address gw;
        try {
            gw = Ipv4Address.parse(m.group(1));
        } catch (IllegalArgumentException e) {
            throw usage("invalid value for option '--ipv4': '" + ipv4 + "': " + e.getMessage());
        }
        int prefix = Integer.parseInt(m.group(2));
        if (prefix < 8 || prefix > 25) {
            throw usage("invalid value for option '--ipv4': '" + ipv4 + "': the prefix must be 8..25, so that the"
                    + " network holds the DNS forwarder (.3) and the guest (.100)");
        }
        int network = gw.bits() & (-1 << (32 - prefix));
        Ipv4Address dns = new Ipv4Address(network + 3);
        Ipv4Address guest = new Ipv4Address(network + 100);
        if (gw.equals(dns) || gw.equals(guest) || gw.bits() == network) {
            throw usage("invalid value for option '--ipv4': '" + ipv4 + "': the gateway may not be the network's .0,"
                    + " .3 (DNS) or .100 (guest)");
        }
        return new Layout(gw, dns, guest, prefix);
    }

    private DirectStackConfig stackConfig(Layout net) {
        DirectStackConfig c = DirectStackConfig.ipv4(net.gateway + "/" + net.prefix).withIpv4Alias(net.dns.toString());
        // host->guest at MTU 65520: a 256 KiB send buffer holds four segments (see BENCHMARKS.md, "The relayed bulk
        // path"); the receive buffer stays the library's, auto-tuned from 256 KiB to receiveBufferMax (a fixed 1 MiB
        // did not help guest->host in the same runs; withBuffers alone would fix it and turn the tuning off)
        c = c.withTcp(c.tcp().withBuffers(Relay.FLOW_BUFFER, c.tcp().receiveBufferSize())
                .withReceiveBuffer(c.tcp().receiveBufferSize(), c.tcp().receiveBufferMax()));
        if (ipv6 != null) {
            try {
                if (!ipv6.endsWith("/64")) {
                    throw new IllegalArgumentException("expected ADDR/64: SLAAC needs a 64-bit prefix (RFC 4862 §5.5.3)");
                }
                c = c.withIpv6(ipv6);
            } catch (IllegalArgumentException e) {
                throw usage("invalid value for option '--ipv6': '" + ipv6 + "': " + e.getMessage());
            }
        }
        return c;
    }

    /** The slirp layout's DHCP: the guest's address first in a pool of 16, the gateway as router, 1 h leases. */
    private DhcpServer.Config dhcpConfig(Layout net) {
        return new DhcpServer.Config(net.gateway, net.prefix, net.gateway, List.of(net.dns), net.guest, 16,
                Duration.ofHours(1), Duration.ofSeconds(60), common.mtu);
    }

    /** The gateway's addresses stand for the host's loopback; everything else goes where the guest sent it. */
    private UnaryOperator<InetSocketAddress> destinations(Layout net) {
        UnaryOperator<InetSocketAddress> v4 = ForwarderConfig.hostTo(net.gateway.toInetAddress(),
                InetAddress.getLoopbackAddress());
        if (ipv6 == null) {
            return v4;
        }
        InetAddress gw6 = InetAddress.ofLiteral(ipv6.substring(0, ipv6.indexOf('/')));
        UnaryOperator<InetSocketAddress> v6 = ForwarderConfig.hostTo(gw6, InetAddress.ofLiteral("::1"));
        return d -> v6.apply(v4.apply(d));
    }

    private List<Publish> publishRules() {
        List<Publish> rules = new ArrayList<>();
        Pattern p = Pattern.compile("(?:(tcp|udp):)?(\\d{1,5}):(\\d{1,5})");
        for (String s : publish) {
            Matcher m = p.matcher(s);
            if (!m.matches()) {
                throw usage("invalid value for option '--publish': '" + s + "': expected [tcp:|udp:]HOSTPORT:GUESTPORT");
            }
            int hp = Integer.parseInt(m.group(2));
            int gp = Integer.parseInt(m.group(3));
            if (hp < 1 || hp > 65_535 || gp < 1 || gp > 65_535) {
                throw usage("invalid value for option '--publish': '" + s + "': ports must be 1..65535");
            }
            rules.add(new Publish("udp".equals(m.group(1)), hp, gp));
        }
        return rules;
    }

    /**
     * One --publish rule: the host's socket stack listens on HOSTPORT and each connection is spliced to a connection
     * the direct stack opens to the guest's GUESTPORT.
     */
    private AutoCloseable publish(Publish p, SocketStack host, DirectStack stack, Layout net) throws IOException {
        InetSocketAddress to = new InetSocketAddress(net.guest.toInetAddress(), p.guestPort());
        if (p.udp()) {
            return PublishedUdp.start(host, stack, to, p.hostPort(), Duration.ofSeconds(common.udpTimeout));
        }
        int port = host.tcp().listen(p.hostPort(), outside -> {
            TcpFlow inside;
            try {
                inside = stack.tcp().connect(to);
            } catch (IOException e) {
                outside.abort();                  // the guest refused or is unreachable: say so with a RST
                return;
            }
            CountDownLatch done = new CountDownLatch(1);
            new Splice(outside, inside, done::countDown).start(r -> Thread.ofVirtual().start(r));
            done.await();
        });
        return () -> host.tcp().unlisten(port);
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
