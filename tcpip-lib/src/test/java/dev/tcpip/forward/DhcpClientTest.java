package dev.tcpip.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.LinkConfig;
import dev.tcpip.direct.DhcpClient;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.SimKit;
import dev.tcpip.wire.Ipv4Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The DHCPv4 client against forward.DhcpServer on a memory network, in virtual time (RFC 2131 §4.4, RFC 5227). */
class DhcpClientTest {

    private static final Ipv4Address GW = Ipv4Address.parse("10.0.2.2");

    private static DhcpServer server(SimKit kit, Duration lease) throws Exception {
        DirectStack gw = kit.stack("gw", DirectStackConfig.ipv4("10.0.2.2/24").withIpv4Alias("10.0.2.3"),
                LinkConfig.DEFAULTS);
        return DhcpServer.start(gw, DhcpServer.Config.slirp().withLeaseTime(lease));
    }

    @Test
    void bindsRenewsAtT1RebindsAtT2AndLosesTheAddressAtExpiry() throws Exception {
        SimKit.run(kit -> {
            DhcpServer server = server(kit, Duration.ofSeconds(120));
            DirectStack c = kit.stack("client", DirectStackConfig.ipv4Dynamic(), LinkConfig.DEFAULTS);
            assertNull(c.address());
            DhcpClient dhcp = DhcpClient.start(c, DhcpClient.Config.DEFAULTS);
            List<DhcpClient.State> states = new ArrayList<>();
            dhcp.addListener((s, l) -> states.add(s));
            kit.sim.runFor(Duration.ofSeconds(10));         // exchange plus probing (at most ~7 s)
            assertEquals(DhcpClient.State.BOUND, dhcp.state(), "states " + states);
            DhcpClient.Lease lease = dhcp.lease();
            assertEquals(Ipv4Address.parse("10.0.2.100"), lease.address());
            assertEquals(24, lease.prefixLength());
            assertEquals(GW, lease.router());
            assertEquals(List.of(Ipv4Address.parse("10.0.2.3")), lease.dns());
            assertEquals(lease.address(), c.address());
            assertEquals(GW, c.ipv4Gateway());
            assertTrue(server.leases().getFirst().bound());
            assertEquals(0, c.counter(dev.tcpip.direct.StackCounter.ARP_ADDRESS_CONFLICT));

            // T1 = 60 s: a unicast REQUEST, the server ACKs, the lease runs from then.
            long acks = dhcp.stats().acks();
            kit.sim.runFor(Duration.ofSeconds(55));         // t = 65 s
            assertEquals(DhcpClient.State.BOUND, dhcp.state());
            assertEquals(acks + 1, dhcp.stats().acks(), "renewed at T1");
            assertTrue(dhcp.lease().expiresNanos() > lease.expiresNanos(), "lease extended");
            assertTrue(states.contains(DhcpClient.State.RENEWING));

            // The server goes silent: RENEWING at the next T1, REBINDING at T2, the address gone at expiry.
            server.close();
            DhcpClient.Lease renewed = dhcp.lease();
            long t0 = kit.sim.now();
            kit.sim.runFor(Duration.ofNanos(renewed.t1Nanos() - t0 + 1_000_000_000L));
            assertEquals(DhcpClient.State.RENEWING, dhcp.state());
            kit.sim.runFor(Duration.ofNanos(renewed.t2Nanos() - kit.sim.now() + 1_000_000_000L));
            assertEquals(DhcpClient.State.REBINDING, dhcp.state());
            assertEquals(renewed.address(), c.address(), "still ours until expiry");
            kit.sim.runFor(Duration.ofNanos(renewed.expiresNanos() - kit.sim.now() + 1_000_000_000L));
            assertNull(c.address(), "address removed at expiry");
            assertEquals(1, dhcp.stats().expiries());
            assertTrue(dhcp.state() == DhcpClient.State.SELECTING, "back to INIT, discovering: " + dhcp.state());
            dhcp.close();
            assertEquals(DhcpClient.State.STOPPED, dhcp.state());
        });
    }

    @Test
    void anAddressInUseIsDeclinedAndAnotherOneBound() throws Exception {
        SimKit.run(kit -> {
            DhcpServer server = server(kit, Duration.ofHours(1));
            // A host already owns the pool's first address (statically, unknown to the server).
            DirectStack squatter = kit.stack("squatter", DirectStackConfig.ipv4("10.0.2.100/24"), LinkConfig.DEFAULTS);
            DirectStack c = kit.stack("client", DirectStackConfig.ipv4Dynamic(), LinkConfig.DEFAULTS);
            DhcpClient dhcp = DhcpClient.start(c, DhcpClient.Config.DEFAULTS);
            kit.sim.runFor(Duration.ofSeconds(40));
            assertEquals(1, dhcp.stats().declines(), "declined " + dhcp.stats());
            assertEquals(DhcpClient.State.BOUND, dhcp.state());
            assertNotEquals(squatter.address(), c.address());
            assertNotNull(c.address());
            // The server saw the DECLINE: the squatted address is no longer the client's.
            for (DhcpServer.Lease l : server.leases()) {
                assertTrue(!l.address().equals(squatter.address()) || !l.client().equals(c.mac()), "" + l);
            }
            dhcp.close();
            assertNull(c.address(), "released");
        });
    }

    /** The DHCP messages to port 67 the raw device has received, in order. */
    private static List<dev.tcpip.wire.DhcpMessage> requests(SimKit.Raw raw) throws Exception {
        List<dev.tcpip.wire.DhcpMessage> out = new ArrayList<>();
        for (byte[] f : raw.received) {
            if (f.length < 42 || (f[12] & 0xff) != 0x08 || f[13] != 0 || f[23] != dev.tcpip.wire.IpProtocol.UDP) {
                continue;
            }
            int udp = 14 + (f[14] & 0xf) * 4;
            if (((f[udp + 2] & 0xff) << 8 | f[udp + 3] & 0xff) == 67) {
                out.add(dev.tcpip.wire.DhcpMessage.parse(f, udp + 8, f.length - udp - 8));
            }
        }
        return out;
    }

    private static void answer(SimKit.Raw raw, dev.tcpip.wire.DhcpMessage req, int type) {
        Ipv4Address srv = Ipv4Address.parse("10.0.2.2");
        List<dev.tcpip.wire.DhcpMessage.Option> o = List.of(
                dev.tcpip.wire.DhcpMessage.Option.ofByte(dev.tcpip.wire.DhcpMessage.OPT_MESSAGE_TYPE, type),
                dev.tcpip.wire.DhcpMessage.Option.ofAddresses(dev.tcpip.wire.DhcpMessage.OPT_SERVER_ID, List.of(srv)));
        var m = new dev.tcpip.wire.DhcpMessage(dev.tcpip.wire.DhcpMessage.BOOTREPLY, req.xid(), 0, true,
                Ipv4Address.ANY, Ipv4Address.parse("10.0.2.77"), Ipv4Address.ANY, Ipv4Address.ANY, req.chaddr(), o);
        byte[] udp = SimKit.udp("10.0.2.2", 67, "255.255.255.255", 68, m.toBytes());
        raw.send(SimKit.ipFrame(dev.tcpip.wire.MacAddress.BROADCAST, raw.mac,
                SimKit.ipv4("10.0.2.2", "255.255.255.255", dev.tcpip.wire.IpProtocol.UDP, 1, false, 0, udp)));
    }

    @Test
    void aNakToTheRequestStartsOverAtInitAndAWrongXidIsIgnored() throws Exception {
        SimKit.run(kit -> {
            SimKit.Raw srv = kit.raw("scripted-server");
            DirectStack c = kit.stack("client", DirectStackConfig.ipv4Dynamic(), LinkConfig.DEFAULTS);
            DhcpClient dhcp = DhcpClient.start(c, DhcpClient.Config.DEFAULTS);
            kit.sim.runFor(Duration.ofMillis(100));
            var discover = requests(srv).getLast();
            assertEquals(dev.tcpip.wire.DhcpMessage.DISCOVER, discover.messageType());
            assertTrue(discover.broadcast(), "no address yet: replies broadcast (RFC 2131 §4.1)");
            answer(srv, new dev.tcpip.wire.DhcpMessage(discover.op(), discover.xid() + 1, 0, true, Ipv4Address.ANY,
                    Ipv4Address.ANY, Ipv4Address.ANY, Ipv4Address.ANY, discover.chaddr(), discover.options()),
                    dev.tcpip.wire.DhcpMessage.OFFER);
            kit.sim.runFor(Duration.ofMillis(100));
            assertEquals(DhcpClient.State.SELECTING, dhcp.state(), "another xid's offer is not ours");
            answer(srv, discover, dev.tcpip.wire.DhcpMessage.OFFER);
            kit.sim.runFor(Duration.ofMillis(100));
            assertEquals(DhcpClient.State.REQUESTING, dhcp.state());
            var request = requests(srv).getLast();
            assertEquals(dev.tcpip.wire.DhcpMessage.REQUEST, request.messageType());
            assertEquals(Ipv4Address.parse("10.0.2.77"),
                    request.address(dev.tcpip.wire.DhcpMessage.OPT_REQUESTED_ADDRESS));
            answer(srv, request, dev.tcpip.wire.DhcpMessage.NAK);
            kit.sim.runFor(Duration.ofMillis(100));
            assertEquals(1, dhcp.stats().naks());
            assertEquals(DhcpClient.State.SELECTING, dhcp.state(), "INIT again, discovering");
            var again = requests(srv).getLast();
            assertEquals(dev.tcpip.wire.DhcpMessage.DISCOVER, again.messageType());
            assertNotEquals(discover.xid(), again.xid(), "a new transaction");
            assertNull(c.address());
            dhcp.close();
        });
    }

    @Test
    void aStaticStackTakesNoRunTimeAddressAndNoClient() throws Exception {
        SimKit.run(kit -> {
            DirectStack s = kit.stack("static", DirectStackConfig.ipv4("10.0.2.9/24"), LinkConfig.DEFAULTS);
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> s.setIpv4(Ipv4Address.parse("10.0.2.10"), 24, null));
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> DhcpClient.start(s, DhcpClient.Config.DEFAULTS));
            DirectStack d = kit.stack("dynamic", DirectStackConfig.ipv4Dynamic(), LinkConfig.DEFAULTS);
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> d.setIpv4(Ipv4Address.parse("10.0.2.0"), 24, null), "the network address is no host");
            assertEquals(s.address(), Ipv4Address.parse("10.0.2.9"));
            assertNull(d.address());
        });
    }
}
