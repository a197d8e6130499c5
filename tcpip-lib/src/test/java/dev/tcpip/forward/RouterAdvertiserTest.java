package dev.tcpip.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.LinkConfig;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.InterfaceAddress;
import dev.tcpip.PingReply;
import dev.tcpip.direct.RouterAdvertisementConfig;
import dev.tcpip.direct.SimKit;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.wire.Icmpv6Message;
import dev.tcpip.wire.Icmpv6View;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.Ipv6View;
import dev.tcpip.wire.NdpOption;
import dev.tcpip.wire.Octets;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gateway as the link's IPv6 router, in virtual time: a direct stack as the guest configures itself by SLAAC. */
class RouterAdvertiserTest {

    private static final Ipv6Address PREFIX = Ipv6Address.parse("fd00:2::");

    private static DirectStackConfig gatewayConfig() {
        return DirectStackConfig.ipv4("10.0.2.2/24").withIpv6("fd00:2::2/64")
                .withIpv6Config(DirectStackConfig.ipv6("fd00:2::2/64").ipv6().withRouterSolicitations(0));
    }

    private static DirectStackConfig guestConfig() {
        return DirectStackConfig.ipv6LinkLocal().withSlaac(true);
    }

    @Test
    void aGuestConfiguresASlaacAddressTakesTheGatewayAsRouterAndPingsIt() throws Exception {
        SimKit.run(kit -> {
            DirectStack gw = kit.stack("gw", gatewayConfig(), LinkConfig.DEFAULTS);
            RouterAdvertiser ra = RouterAdvertiser.start(gw, RouterAdvertiser.defaults(gw.config()));
            DirectStack guest = kit.stack("guest", guestConfig(), LinkConfig.DEFAULTS);
            kit.sim.runFor(Duration.ofSeconds(5));
            List<InterfaceAddress> addrs = guest.awaitIpv6Addresses(Duration.ofSeconds(5));
            Ipv6Address expected = new Ipv6Address(PREFIX.hi(), Ipv6Address.linkLocal(guest.mac()).lo());
            assertTrue(addrs.stream().anyMatch(a -> a.address().equals(expected)
                    && a.origin() == InterfaceAddress.Origin.SLAAC), addrs.toString());
            assertEquals(List.of(gw.linkLocalAddress()), guest.ipv6Routers());
            PingReply r = guest.ping(InetAddress.ofLiteral("fd00:2::2"), 56, Duration.ofSeconds(1));
            assertEquals(InetAddress.ofLiteral("fd00:2::2"), r.from());
            // Closing the advertiser says the router is gone: lifetime 0.
            ra.close();
            kit.sim.runFor(Duration.ofMillis(10));
            assertEquals(List.of(), guest.ipv6Routers());
        });
    }

    @Test
    void advertisesWithTheRfcFieldsAndOptions() throws Exception {
        SimKit.run(kit -> {
            SimKit.Raw raw = kit.raw("raw");
            DirectStack gw = kit.stack("gw", gatewayConfig(), LinkConfig.DEFAULTS);
            RouterAdvertisementConfig config = RouterAdvertiser.defaults(gw.config())
                    .withDnsServers(List.of(Ipv6Address.parse("fd00:2::3"))).withMaxInterval(Duration.ofSeconds(60));
            RouterAdvertiser.start(gw, config);
            kit.sim.runFor(Duration.ofSeconds(3));                       // after DAD of the link-local address
            List<Ipv6View> ras = raw.icmpv6(Icmpv6Message.ROUTER_ADVERTISEMENT);
            assertEquals(1, ras.size(), "one at start");
            Ipv6View ip = ras.getFirst();
            assertEquals(255, ip.hopLimit());
            assertEquals(gw.linkLocalAddress(), ip.src());
            assertEquals(Ipv6Address.ALL_NODES, ip.dst());
            Icmpv6View m = Icmpv6View.parse(ip);
            assertEquals(180, m.routerLifetime());
            assertEquals(gw.mac().bits(), m.sourceLinkLayer());
            assertEquals(1500, m.mtuOption());
            List<NdpOption> options = m.options();
            assertTrue(options.contains(new NdpOption.PrefixInformation(64, true, true, 2_592_000, 604_800, PREFIX)),
                    options.toString());
            byte[] rdnss = new byte[22];
            rdnss[5] = 120;                                              // lifetime 2 x MaxRtrAdvInterval
            Ipv6Address.parse("fd00:2::3").write(rdnss, 6);
            assertTrue(options.contains(new NdpOption.Other(25, Octets.of(rdnss))), options.toString());
        });
    }

    @Test
    void unsolicitedAdvertisementsComeAtLeastEveryMaxIntervalAndSolicitationsAreAnsweredRateLimited()
            throws Exception {
        SimKit.run(kit -> {
            SimKit.Raw raw = kit.raw("raw");
            DirectStack gw = kit.stack("gw", gatewayConfig(), LinkConfig.DEFAULTS);
            RouterAdvertiser.start(gw, RouterAdvertiser.defaults(gw.config()));
            kit.sim.runFor(Duration.ofHours(1));
            long sent = gw.counter(StackCounter.NDP_RA_TX);
            // 3 initial ones within 16 s of each other, then one every 198..600 s: 8..20 in an hour.
            assertTrue(sent >= 8 && sent <= 20, "sent " + sent);
            // A burst of 20 solicitations is answered with one advertisement, then at most one per 3 s.
            long before = gw.counter(StackCounter.NDP_RA_TX);
            for (int i = 0; i < 20; i++) {
                raw.send(SimKit.ipv6Frame(dev.tcpip.wire.MacAddress.ipv6Multicast(Ipv6Address.ALL_ROUTERS), raw.mac,
                        SimKit.ipv6("fe80::9", "ff02::2", 255, List.of(), dev.tcpip.wire.IpProtocol.ICMPV6,
                                SimKit.icmpv6("fe80::9", "ff02::2", new Icmpv6Message.RouterSolicitation(
                                        List.of(new NdpOption.SourceLinkLayerAddress(raw.mac))), new byte[0]))));
            }
            kit.sim.runFor(Duration.ofMillis(600));
            assertEquals(before + 1, gw.counter(StackCounter.NDP_RA_TX), "answered within MAX_RA_DELAY_TIME");
            assertEquals(20, gw.counter(StackCounter.NDP_RS_RX));
            raw.send(SimKit.ipv6Frame(dev.tcpip.wire.MacAddress.ipv6Multicast(Ipv6Address.ALL_ROUTERS), raw.mac,
                    SimKit.ipv6("fe80::9", "ff02::2", 255, List.of(), dev.tcpip.wire.IpProtocol.ICMPV6,
                            SimKit.icmpv6("fe80::9", "ff02::2", new Icmpv6Message.RouterSolicitation(List.of()),
                                    new byte[0]))));
            kit.sim.runFor(Duration.ofSeconds(1));
            assertEquals(before + 1, gw.counter(StackCounter.NDP_RA_TX), "not within 3 s of the last");
            kit.sim.runFor(Duration.ofSeconds(3));
            assertEquals(before + 2, gw.counter(StackCounter.NDP_RA_TX), "then, 3 s after the last");
        });
    }

    @Test
    void neighborAdvertisementsCarryTheRouterFlag() throws Exception {
        SimKit.run(kit -> {
            DirectStack gw = kit.stack("gw", gatewayConfig(), LinkConfig.DEFAULTS);
            RouterAdvertiser.start(gw, RouterAdvertiser.defaults(gw.config()));
            SimKit.Raw raw = kit.raw("raw");
            kit.sim.runFor(Duration.ofSeconds(3));
            Ipv6Address target = Ipv6Address.parse("fd00:2::2");
            raw.send(SimKit.ipv6Frame(dev.tcpip.wire.MacAddress.ipv6Multicast(target.solicitedNode()), raw.mac,
                    SimKit.ipv6("fd00:2::9", target.solicitedNode().toString(), 255, List.of(),
                            dev.tcpip.wire.IpProtocol.ICMPV6, SimKit.icmpv6("fd00:2::9", target.solicitedNode().toString(),
                                    new Icmpv6Message.NeighborSolicitation(target,
                                            List.of(new NdpOption.SourceLinkLayerAddress(raw.mac))), new byte[0]))));
            kit.sim.runFor(Duration.ofMillis(10));
            List<Ipv6View> nas = raw.icmpv6(Icmpv6Message.NEIGHBOR_ADVERTISEMENT);
            assertEquals(1, nas.size());
            Icmpv6View na = Icmpv6View.parse(nas.getFirst());
            assertTrue(na.toMessage() instanceof Icmpv6Message.NeighborAdvertisement a && a.router(), na.toString());
        });
    }

    @Test
    void needsAStaticSlashSixtyFourAndChecksTheIntervals() {
        assertThrows(IllegalArgumentException.class, () -> RouterAdvertiser.defaults(DirectStackConfig.ipv4("10.0.2.2/24")));
        assertThrows(IllegalArgumentException.class, () -> RouterAdvertiser.defaults(DirectStackConfig.ipv6("fd00::2/48")));
        RouterAdvertisementConfig c = RouterAdvertiser.defaults(DirectStackConfig.ipv6("fd00::2/64"));
        assertEquals(new RouterAdvertisementConfig.Prefix(Ipv6Address.parse("fd00::"), 64), c.prefixes().getFirst());
        assertThrows(IllegalArgumentException.class, () -> c.withMaxInterval(Duration.ofSeconds(3)));
        assertThrows(IllegalArgumentException.class, () -> c.withLifetimes(10, 20));
    }
}
