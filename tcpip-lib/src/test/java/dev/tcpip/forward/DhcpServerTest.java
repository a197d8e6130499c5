package dev.tcpip.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.LinkConfig;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.SimKit;
import dev.tcpip.wire.DhcpMessage;
import dev.tcpip.wire.DhcpMessage.Option;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.MacAddress;
import dev.tcpip.wire.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The DHCPv4 server against a scripted client in virtual time (RFC 2131). */
class DhcpServerTest {

    private static final Ipv4Address ANY = Ipv4Address.ANY;
    private static final Ipv4Address GUEST = Ipv4Address.parse("10.0.2.100");
    private static final Ipv4Address GW = Ipv4Address.parse("10.0.2.2");

    /** A reply as the client's wire saw it: the Ethernet and IP destinations, and the message. */
    record Reply(MacAddress ethDst, Ipv4Address ipSrc, Ipv4Address ipDst, DhcpMessage message) {
        int type() {
            return message.messageType();
        }
    }

    /** A DHCP client scripted frame by frame on a raw device. */
    static final class Client {
        final SimKit kit;
        final SimKit.Raw raw;
        final MacAddress mac;
        int seen;

        Client(SimKit kit, String name) {
            this.kit = kit;
            this.raw = kit.raw(name);
            this.mac = raw.mac;
        }

        DhcpMessage request(int type, int xid, boolean broadcast, Ipv4Address ciaddr, Option... options) {
            List<Option> o = new ArrayList<>();
            o.add(Option.ofByte(DhcpMessage.OPT_MESSAGE_TYPE, type));
            o.addAll(List.of(options));
            return new DhcpMessage(DhcpMessage.BOOTREQUEST, xid, 0, broadcast, ciaddr, ANY, ANY, ANY, mac, o);
        }

        /** Sends {@code m} from {@code m.ciaddr()} (0.0.0.0 without one) to {@code dst}:67, broadcast if dst is. */
        void send(DhcpMessage m, Ipv4Address dst, MacAddress ethDst) {
            String src = m.ciaddr().toString();
            byte[] udp = SimKit.udp(src, 68, dst.toString(), 67, m.toBytes());
            raw.send(SimKit.ipFrame(ethDst, mac, SimKit.ipv4(src, dst.toString(), IpProtocol.UDP, 1, false, 0, udp)));
        }

        void broadcast(DhcpMessage m) {
            send(m, Ipv4Address.BROADCAST, MacAddress.BROADCAST);
        }

        /** The DHCP replies for this client received since the last call, after running the simulation for 10 ms. */
        List<Reply> replies() throws ParseException {
            kit.sim.runFor(Duration.ofMillis(10));
            List<Reply> out = new ArrayList<>();
            for (; seen < raw.received.size(); seen++) {
                byte[] f = raw.received.get(seen);
                if (f.length < 42 || (f[12] & 0xff) != 0x08 || f[13] != 0 || f[23] != IpProtocol.UDP) {
                    continue;
                }
                int udp = 14 + (f[14] & 0xf) * 4;
                int dstPort = (f[udp + 2] & 0xff) << 8 | f[udp + 3] & 0xff;
                if (dstPort != 68) {
                    continue;
                }
                DhcpMessage m = DhcpMessage.parse(f, udp + 8, f.length - udp - 8);
                if (m.chaddr().equals(mac)) {                  // broadcast replies reach every client
                    out.add(new Reply(MacAddress.read(f, 0), Ipv4Address.read(f, 26), Ipv4Address.read(f, 30), m));
                }
            }
            return out;
        }

        Reply only() throws ParseException {
            List<Reply> r = replies();
            assertEquals(1, r.size(), "replies " + r);
            return r.getFirst();
        }
    }

    private static DhcpServer server(SimKit kit, DhcpServer.Config config) throws Exception {
        DirectStack gw = kit.stack("gw", DirectStackConfig.ipv4("10.0.2.2/24").withIpv4Alias("10.0.2.3"),
                LinkConfig.DEFAULTS);
        return DhcpServer.start(gw, config);
    }

    private static Option requested(Ipv4Address a) {
        return Option.ofAddresses(DhcpMessage.OPT_REQUESTED_ADDRESS, List.of(a));
    }

    private static Option serverId(Ipv4Address a) {
        return Option.ofAddresses(DhcpMessage.OPT_SERVER_ID, List.of(a));
    }

    @Test
    void discoverOfferRequestAckUnicastToTheClientsMacWithoutArp() throws Exception {
        SimKit.run(kit -> {
            DhcpServer server = server(kit, DhcpServer.Config.slirp().withMtu(1500));
            Client c = new Client(kit, "guest");
            c.broadcast(c.request(DhcpMessage.DISCOVER, 7, false, ANY));
            Reply offer = c.only();
            assertEquals(DhcpMessage.OFFER, offer.type());
            assertEquals(c.mac, offer.ethDst(), "to chaddr, not broadcast");
            assertEquals(GUEST, offer.ipDst());
            assertEquals(GW, offer.ipSrc());
            DhcpMessage o = offer.message();
            assertEquals(7, o.xid());
            assertEquals(GUEST, o.yiaddr());
            assertEquals(GW, o.address(DhcpMessage.OPT_SERVER_ID));
            assertEquals(Ipv4Address.parse("255.255.255.0"), o.address(DhcpMessage.OPT_SUBNET_MASK));
            assertEquals(GW, o.address(DhcpMessage.OPT_ROUTER));
            assertEquals(Ipv4Address.parse("10.0.2.3"), o.address(DhcpMessage.OPT_DNS));
            assertEquals(3600, o.uint32(DhcpMessage.OPT_LEASE_TIME));
            assertEquals(1800, o.uint32(DhcpMessage.OPT_RENEWAL_TIME));
            assertEquals(3150, o.uint32(DhcpMessage.OPT_REBINDING_TIME));
            assertEquals(List.of((byte) 5, (byte) 0xdc), toList(o.option(DhcpMessage.OPT_MTU).data()));

            c.broadcast(c.request(DhcpMessage.REQUEST, 8, false, ANY, requested(GUEST), serverId(GW)));
            Reply ack = c.only();
            assertEquals(DhcpMessage.ACK, ack.type());
            assertEquals(c.mac, ack.ethDst());
            assertEquals(GUEST, ack.message().yiaddr());
            assertEquals(List.of(new DhcpServer.Lease(GUEST, c.mac, true, server.leases().getFirst().expiresNanos())),
                    server.leases());
            assertEquals(new DhcpServer.Stats(1, 1, 0, 0, 0), server.stats());
        });
    }

    private static List<Byte> toList(byte[] b) {
        List<Byte> l = new ArrayList<>();
        for (byte x : b) {
            l.add(x);
        }
        return l;
    }

    @Test
    void theBroadcastBitGetsBroadcastRepliesAndRenewalsGoToTheClientsAddress() throws Exception {
        SimKit.run(kit -> {
            DhcpServer server = server(kit, DhcpServer.Config.slirp());
            Client c = new Client(kit, "guest");
            c.broadcast(c.request(DhcpMessage.DISCOVER, 1, true, ANY));
            Reply offer = c.only();
            assertEquals(MacAddress.BROADCAST, offer.ethDst());
            assertEquals(Ipv4Address.BROADCAST, offer.ipDst());
            c.broadcast(c.request(DhcpMessage.REQUEST, 2, true, ANY, requested(GUEST), serverId(GW)));
            assertEquals(DhcpMessage.ACK, c.only().type());
            long firstExpiry = server.leases().getFirst().expiresNanos();
            kit.sim.runFor(Duration.ofMinutes(30));
            // RENEWING (RFC 2131 §4.3.2): ciaddr set, no server id or requested address, unicast to the server.
            // The client answers ARP now, so the raw device has to: use a static entry instead.
            server.stack().addStaticArp(GUEST, c.mac);
            c.send(c.request(DhcpMessage.REQUEST, 3, false, GUEST), GW, server.stack().mac());
            Reply ack = c.only();
            assertEquals(DhcpMessage.ACK, ack.type());
            assertEquals(GUEST, ack.ipDst());
            assertEquals(GUEST, ack.message().ciaddr());
            assertTrue(server.leases().getFirst().expiresNanos() > firstExpiry, "extended");
        });
    }

    @Test
    void aWrongRequestedAddressIsNakedAndAnotherServersIdIsLeftAlone() throws Exception {
        SimKit.run(kit -> {
            DhcpServer server = server(kit, DhcpServer.Config.slirp());
            Client c = new Client(kit, "guest");
            c.broadcast(c.request(DhcpMessage.DISCOVER, 1, false, ANY));
            assertEquals(DhcpMessage.OFFER, c.only().type());
            c.broadcast(c.request(DhcpMessage.REQUEST, 2, false, ANY, requested(Ipv4Address.parse("10.0.2.101")),
                    serverId(GW)));
            Reply nak = c.only();
            assertEquals(DhcpMessage.NAK, nak.type());
            assertEquals(MacAddress.BROADCAST, nak.ethDst(), "RFC 2131 §4.1: a NAK is broadcast");
            assertEquals(ANY, nak.message().yiaddr());
            // INIT-REBOOT with an address off the network: NAK.
            c.broadcast(c.request(DhcpMessage.REQUEST, 3, false, ANY, requested(Ipv4Address.parse("192.168.1.5"))));
            assertEquals(DhcpMessage.NAK, c.only().type());
            // The client chose another server: silence, and our offer is withdrawn.
            c.broadcast(c.request(DhcpMessage.REQUEST, 4, false, ANY, requested(GUEST),
                    serverId(Ipv4Address.parse("10.0.2.9"))));
            assertEquals(List.of(), c.replies());
            assertTrue(server.leases().getFirst().expiresNanos() <= kit.sim.now());
            assertEquals(2, server.stats().naks());
        });
    }

    @Test
    void thePoolIsBoundedAndExpiredOrReleasedAddressesAreGivenOut() throws Exception {
        SimKit.run(kit -> {
            DhcpServer server = server(kit, DhcpServer.Config.slirp().withPool("10.0.2.100", 2)
                    .withLeaseTime(Duration.ofMinutes(10)));
            List<Client> clients = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                clients.add(new Client(kit, "guest" + i));
            }
            for (int i = 0; i < 2; i++) {
                Client c = clients.get(i);
                c.broadcast(c.request(DhcpMessage.DISCOVER, i, true, ANY));
                Ipv4Address a = c.only().message().yiaddr();
                assertEquals(Ipv4Address.parse("10.0.2.10" + i), a);
                c.broadcast(c.request(DhcpMessage.REQUEST, i, true, ANY, requested(a), serverId(GW)));
                assertEquals(DhcpMessage.ACK, c.only().type());
            }
            Client third = clients.get(2);
            third.broadcast(third.request(DhcpMessage.DISCOVER, 9, true, ANY));
            assertEquals(List.of(), third.replies(), "no free address: no offer");
            assertEquals(1, server.stats().exhausted());
            // The first client releases its address: the third gets it.
            Client first = clients.getFirst();
            server.stack().addStaticArp(GUEST, first.mac);
            first.send(first.request(DhcpMessage.RELEASE, 10, false, GUEST, serverId(GW)), GW, server.stack().mac());
            assertEquals(List.of(), first.replies());
            third.broadcast(third.request(DhcpMessage.DISCOVER, 11, true, ANY));
            assertEquals(GUEST, third.only().message().yiaddr());
            third.broadcast(third.request(DhcpMessage.REQUEST, 12, true, ANY, requested(GUEST), serverId(GW)));
            assertEquals(DhcpMessage.ACK, third.only().type());
            // Every lease expires after 10 minutes; the first client gets the one free the longest (the second's).
            kit.sim.runFor(Duration.ofMinutes(11));
            first.broadcast(first.request(DhcpMessage.DISCOVER, 12, true, ANY));
            assertEquals(Ipv4Address.parse("10.0.2.101"), first.only().message().yiaddr());
            assertTrue(server.leases().size() <= 2);
        });
    }

    @Test
    void aClientGetsItsAddressBackAndInformGetsParametersOnly() throws Exception {
        SimKit.run(kit -> {
            DhcpServer server = server(kit, DhcpServer.Config.slirp());
            Client c = new Client(kit, "guest");
            Client other = new Client(kit, "other");
            other.broadcast(other.request(DhcpMessage.DISCOVER, 1, true, ANY, requested(Ipv4Address.parse("10.0.2.105"))));
            assertEquals(Ipv4Address.parse("10.0.2.105"), other.only().message().yiaddr(), "a free requested address");
            c.broadcast(c.request(DhcpMessage.DISCOVER, 2, true, ANY));
            Ipv4Address a = c.only().message().yiaddr();
            c.broadcast(c.request(DhcpMessage.DISCOVER, 3, true, ANY));
            assertEquals(a, c.only().message().yiaddr(), "the same client, the same address");
            server.stack().addStaticArp(GUEST, c.mac);
            c.send(c.request(DhcpMessage.INFORM, 4, false, GUEST), GW, server.stack().mac());
            Reply ack = c.only();
            assertEquals(DhcpMessage.ACK, ack.type());
            assertEquals(GUEST, ack.ipDst());
            assertEquals(ANY, ack.message().yiaddr());
            assertNull(ack.message().option(DhcpMessage.OPT_LEASE_TIME));
            assertEquals(GW, ack.message().address(DhcpMessage.OPT_ROUTER));
        });
    }

    @Test
    void malformedMessagesAndRepliesAreIgnored() throws Exception {
        SimKit.run(kit -> {
            DhcpServer server = server(kit, DhcpServer.Config.slirp());
            Client c = new Client(kit, "guest");
            byte[] junk = new byte[100];
            c.raw.send(SimKit.ipFrame(MacAddress.BROADCAST, c.mac, SimKit.ipv4("0.0.0.0", "255.255.255.255",
                    IpProtocol.UDP, 1, false, 0, SimKit.udp("0.0.0.0", 68, "255.255.255.255", 67, junk))));
            DhcpMessage reply = new DhcpMessage(DhcpMessage.BOOTREPLY, 1, 0, true, ANY, GUEST, ANY, ANY, c.mac,
                    List.of(Option.ofByte(DhcpMessage.OPT_MESSAGE_TYPE, DhcpMessage.OFFER)));
            c.broadcast(reply);
            assertEquals(List.of(), c.replies());
            assertEquals(2, server.stats().ignored());
        });
    }

    @Test
    void theConfigIsChecked() {
        DhcpServer.Config s = DhcpServer.Config.slirp();
        assertThrows(IllegalArgumentException.class, () -> s.withPool("10.0.2.1", 3));     // includes .2 (server)
        assertThrows(IllegalArgumentException.class, () -> s.withPool("10.0.2.250", 10));  // runs past .255
        assertThrows(IllegalArgumentException.class, () -> s.withPool("10.0.2.100", 257));
        assertThrows(IllegalArgumentException.class, () -> s.withLeaseTime(Duration.ofSeconds(1)));
    }
}
