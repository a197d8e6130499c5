package dev.tcpip.cli;

import dev.tcpip.Stack;
import dev.tcpip.device.CapturingDevice;
import dev.tcpip.device.FaultInjectingDevice;
import dev.tcpip.device.Faults;
import dev.tcpip.device.NetworkDevice;
import dev.tcpip.device.TapDevice;
import dev.tcpip.device.TunDevice;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DhcpClient;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.socket.SocketStack;
import dev.tcpip.time.Clock;
import dev.tcpip.wire.MacAddress;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * The stack options every network command takes. Without --tap or --tun the command runs on the host's sockets;
 * with --tun the direct stack runs on a TUN device (IP only: no Ethernet, no ARP, no MAC address).
 */
public final class StackOptions {

    /** Duplicate address detection takes up to 1 s of delay plus 1 s per probe (RFC 4862 §5.4.2, 4861 §10). */
    private static final java.time.Duration DAD_BOUND = java.time.Duration.ofSeconds(10);

    @Spec(Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--tap", paramLabel = "IFNAME",
            description = "Run the direct stack on TAP device IFNAME, created if absent (needs root or CAP_NET_ADMIN).")
    String tap;

    @Option(names = "--tun", paramLabel = "IFNAME",
            description = "Run the direct stack on TUN device IFNAME (IP only), created if absent (needs root or"
                    + " CAP_NET_ADMIN).")
    String tun;

    @Option(names = "--ipv4", paramLabel = "A.B.C.D/N", description = "The direct stack's IPv4 address and prefix.")
    String ipv4;

    @Option(names = "--gateway", paramLabel = "A.B.C.D", description = "Default IPv4 gateway.")
    String gateway;

    @Option(names = "--dhcp", description = "With --tap: obtain the IPv4 address, gateway and DNS by DHCP (RFC 2131)"
            + " instead of --ipv4; the lease is printed on stderr once bound.")
    boolean dhcp;

    /** How long --dhcp waits for a lease before giving up. */
    private static final java.time.Duration DHCP_BOUND = java.time.Duration.ofSeconds(60);

    @Option(names = "--ipv6", paramLabel = "ADDR/N",
            description = "A static IPv6 address (repeatable). A link-local address from the MAC is always configured.")
    List<String> ipv6 = new ArrayList<>();

    @Option(names = "--slaac", description = "Configure IPv6 addresses from router advertisements (RFC 4862).")
    boolean slaac;

    @Option(names = "--mac", paramLabel = "XX:XX:XX:XX:XX:XX",
            description = "The stack's MAC address (default: random, locally administered).")
    String mac;

    @Option(names = "--mtu", paramLabel = "N", description = "Link MTU (default: ${DEFAULT-VALUE}).", defaultValue = "1500")
    int mtu;

    @Option(names = "--pcap", paramLabel = "FILE", description = "Write every frame the direct stack sends and receives to FILE.")
    Path pcap;

    @Option(names = "--loss", paramLabel = "PCT",
            description = "For testing: drop PCT percent of the frames each way between the TAP device and the"
                    + " direct stack (the fault-injecting device wrapper; the kernel here has no netem).")
    Double loss;

    @Option(names = "--seed", paramLabel = "N",
            description = "Seed of --loss's random drops and --ce's marks (default: random, printed on stderr).")
    Long seed;

    @Option(names = "--ce", paramLabel = "PCT",
            description = "For testing: mark PCT percent of the ECN-capable IP datagrams CE (RFC 3168 §5) each way"
                    + " between the device and the direct stack, as a router's AQM would instead of dropping them.")
    Double ce;

    @Option(names = "--ecn", paramLabel = "MODE",
            description = "TCP ECN (RFC 3168): off, accept (when the peer asks; Linux's default tcp_ecn=2) or on"
                    + " (ask too, tcp_ecn=1). Default: accept.")
    String ecn;

    /** Opens the stack these options describe. */
    Stack open() throws IOException {
        if (tap == null && tun == null) {
            String directOnly = ipv4 != null ? "--ipv4" : dhcp ? "--dhcp" : gateway != null ? "--gateway" : !ipv6.isEmpty() ? "--ipv6"
                    : slaac ? "--slaac"
                    : mac != null ? "--mac" : pcap != null ? "--pcap" : mtu != 1500 ? "--mtu"
                    : loss != null ? "--loss" : seed != null ? "--seed" : ce != null ? "--ce"
                    : ecn != null ? "--ecn" : null;
            if (directOnly != null) {
                throw usage("option '" + directOnly + "' is for the direct stack and needs --tap or --tun");
            }
            return SocketStack.dual();
        }
        return openDirect();
    }

    /** Whether a direct-stack device (--tap or --tun) is given. */
    boolean direct() {
        return tap != null || tun != null;
    }

    /** The direct stack on the TAP or TUN device; usage errors (exit 2) name the bad option. */
    DirectOnTap openDirect() throws IOException {
        if (tap == null && tun == null) {
            throw usage("this command runs on the direct stack only: give --tap IFNAME (or --tun IFNAME) and"
                    + " --ipv4 A.B.C.D/N");
        }
        if (tap != null && tun != null) {
            throw usage("options '--tap' and '--tun' cannot be used together: the direct stack runs on one device");
        }
        if (tun != null && mac != null) {
            throw usage("option '--mac' is for --tap: a TUN device carries IP only and has no MAC address");
        }
        if (dhcp && tap == null) {
            throw usage("option '--dhcp' needs --tap: DHCP runs over Ethernet");
        }
        DirectStackConfig config = config();
        long stackMac = stackMac();
        String option = tap != null ? "--tap" : "--tun";
        try {
            TapDevice.checkName(tap != null ? tap : tun);
        } catch (IllegalArgumentException e) {
            throw usage("invalid value for option '" + option + "': " + e.getMessage());
        }
        Faults faults = (loss != null && loss > 0 ? Faults.NONE.withLoss(loss / 100) : Faults.NONE)
                .withCeMark(ce != null ? ce / 100 : 0);
        // Checksum offload: the kernel skips verifying the stack's TCP and UDP checksums, which is sound only
        // while nothing alters a frame on its way from the stack to the device (--loss only drops).
        NetworkDevice device = tap != null ? TapDevice.open(tap, mtu, stackMac, !faults.altersFrames())
                : TunDevice.open(tun, mtu, !faults.altersFrames());
        PcapFile capture = null;
        try {
            if (device instanceof TapDevice t) {
                t.setLinkUp();
            } else {
                ((TunDevice) device).setLinkUp();
            }
            if (!faults.isNone()) {
                long s = seed != null ? seed : new SecureRandom().nextLong();
                System.err.printf("tcpip: dropping %.2f%% of frames (--loss) and marking %.2f%% CE (--ce) each way,"
                        + " seed %d%n", loss != null ? loss : 0.0, ce != null ? ce : 0.0, s);
                device = new FaultInjectingDevice(device, faults, faults, s);
            }
            if (pcap != null) {
                capture = PcapFile.create(pcap, device.linkType());
                device = new CapturingDevice(device, capture, Clock.system());
            }
            DirectStack stack = DirectStack.create(config, device);
            try {
                // A tentative IPv6 address is no source yet (RFC 4862 §5.4): without this, ping or nc started
                // on a fresh stack fails at once, and serve's ready line comes before its addresses answer.
                stack.awaitIpv6Addresses(DAD_BOUND);
            } catch (IOException | RuntimeException e) {
                stack.disconnect();
                throw e;
            }
            DhcpClient client = null;
            if (dhcp) {
                try {
                    client = DhcpClient.start(stack, DhcpClient.Config.DEFAULTS);
                    DhcpClient.Lease l = client.awaitLease(DHCP_BOUND);
                    System.err.println("tcpip: dhcp lease " + l.address() + "/" + l.prefixLength() + " router "
                            + (l.router() == null ? "none" : l.router()) + " dns " + (l.dns().isEmpty() ? "none"
                            : l.dns().stream().map(Object::toString).collect(java.util.stream.Collectors.joining(",")))
                            + " server " + l.server() + " lease " + l.leaseTime().toSeconds() + "s");
                } catch (dev.tcpip.TimedOutException e) {
                    client.close();
                    stack.disconnect();
                    throw new IOException("no DHCP lease on " + tap + " within " + DHCP_BOUND.toSeconds() + " s");
                } catch (IOException | RuntimeException e) {
                    if (client != null) {
                        client.close();
                    }
                    stack.disconnect();
                    throw e;
                }
            }
            return new DirectOnTap(stack, capture, client);
        } catch (IOException | RuntimeException e) {
            device.close();
            if (capture != null) {
                capture.close();
            }
            throw e;
        }
    }

    private DirectStackConfig config() {
        if (dhcp && (ipv4 != null || gateway != null)) {
            throw usage("options '--dhcp' and '" + (ipv4 != null ? "--ipv4" : "--gateway") + "' cannot be used"
                    + " together: DHCP gives the address and gateway");
        }
        if (ipv4 == null && ipv6.isEmpty() && !slaac && !dhcp) {
            throw usage("option '--ipv4' (or '--ipv6' / '--slaac') is required with --tap or --tun: the direct"
                    + " stack's address, e.g. --ipv4 10.0.0.2/24");
        }
        if (mtu < 68 || mtu > 65_521) {
            throw usage("invalid value for option '--mtu': " + mtu + " (68..65521)");
        }
        if (loss != null && (loss < 0 || loss > 100 || loss.isNaN())) {
            throw usage("invalid value for option '--loss': " + loss + " (a percentage, 0..100)");
        }
        if (ce != null && (ce < 0 || ce > 100 || ce.isNaN())) {
            throw usage("invalid value for option '--ce': " + ce + " (a percentage, 0..100)");
        }
        DirectStackConfig c;
        if (ipv4 != null) {
            try {
                if (!ipv4.matches("\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}")) {
                    throw new IllegalArgumentException("expected A.B.C.D/N, e.g. 10.0.0.2/24");
                }
                c = DirectStackConfig.ipv4(ipv4);
            } catch (IllegalArgumentException e) {
                throw usage("invalid value for option '--ipv4': '" + ipv4 + "': " + e.getMessage());
            }
            try {
                c = c.withGateway(gateway);
            } catch (IllegalArgumentException e) {
                throw usage("invalid value for option '--gateway': '" + gateway + "': " + e.getMessage());
            }
        } else if (dhcp) {
            c = DirectStackConfig.ipv4Dynamic();
        } else {
            if (gateway != null) {
                throw usage("option '--gateway' is an IPv4 gateway and needs --ipv4");
            }
            c = DirectStackConfig.ipv6LinkLocal();
        }
        for (String a : ipv6) {
            try {
                if (!a.contains("/")) {
                    throw new IllegalArgumentException("expected ADDR/N, e.g. 2001:db8::2/64");
                }
                c = c.withIpv6(a);
            } catch (IllegalArgumentException e) {
                throw usage("invalid value for option '--ipv6': '" + a + "': " + e.getMessage());
            }
        }
        if (slaac) {
            c = c.withSlaac(true);
        }
        if (c.ipv6() != null && mtu < 1280) {
            throw usage("invalid value for option '--mtu': " + mtu + " is below IPv6's minimum of 1280 (RFC 8200 §5)");
        }
        if (ecn != null) {
            TcpConfig.EcnMode mode = switch (ecn) {
                case "off" -> TcpConfig.EcnMode.OFF;
                case "accept" -> TcpConfig.EcnMode.ACCEPT;
                case "on" -> TcpConfig.EcnMode.ON;
                default -> throw usage("invalid value for option '--ecn': '" + ecn + "' (off, accept or on)");
            };
            c = c.withTcp(c.tcp().withEcn(mode));
        }
        return c;
    }

    private long stackMac() {
        return macOrRandom(mac, spec.commandLine());
    }

    /** {@code --mac}'s value as 48 bits, or a random locally administered one without it; a usage error if bad. */
    static long macOrRandom(String mac, CommandLine cl) {
        if (mac == null) {
            return TapDevice.randomMac();
        }
        try {
            MacAddress m = MacAddress.parse(mac);
            if (m.isMulticast() || m.bits() == 0) {
                throw new IllegalArgumentException("not a unicast address");
            }
            return m.bits();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, "invalid value for option '--mac': '" + mac + "': "
                    + e.getMessage());
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
