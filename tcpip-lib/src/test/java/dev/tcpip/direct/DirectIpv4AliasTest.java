package dev.tcpip.direct;

import static dev.tcpip.direct.SimKit.at;
import static dev.tcpip.direct.SimKit.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.Datagram;
import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import dev.tcpip.UdpSendOptions;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv4Address;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** A second IPv4 address on one interface (DirectStackConfig.ipv4Aliases), and the limited broadcast from 0.0.0.0. */
class DirectIpv4AliasTest {

    private static final Duration SECOND = Duration.ofSeconds(1);

    private static DirectStackConfig gateway() {
        return DirectStackConfig.ipv4("10.0.2.2/24").withIpv4Alias("10.0.2.3");
    }

    @Test
    void arpAnswersForBothAddressesAndPingRepliesComeFromTheAddressPinged() throws Exception {
        SimKit.run(kit -> {
            DirectStack gw = kit.stack("gw", gateway(), LinkConfig.DEFAULTS);
            DirectStack guest = kit.stack("guest", "10.0.2.100/24");
            // Pings match replies by source: a reply from 10.0.2.2 to a ping of 10.0.2.3 would time out.
            guest.ping(ip("10.0.2.3"), 8, SECOND);
            guest.ping(ip("10.0.2.2"), 8, SECOND);
            Set<Ipv4Address> resolved = guest.arpCache().stream().filter(e -> e.mac().equals(gw.mac()))
                    .map(ArpEntry::ip).collect(Collectors.toSet());
            assertEquals(Set.of(Ipv4Address.parse("10.0.2.2"), Ipv4Address.parse("10.0.2.3")), resolved);
            assertEquals(2, gw.counter(StackCounter.ARP_TX_REPLIES));
        });
    }

    @Test
    void udpRepliesLeaveFromTheRequestedAddressAndOthersFromThePrimary() throws Exception {
        SimKit.run(kit -> {
            DirectStack gw = kit.stack("gw", gateway(), LinkConfig.DEFAULTS);
            DirectStack guest = kit.stack("guest", "10.0.2.100/24");
            gw.udp().listen(53, d -> {
                gw.udp().send(d.src(), d.payload().duplicate(), UdpSendOptions.fromPort(53).withSource(d.dst().getAddress()));
                gw.udp().send(d.src(), d.payload(), UdpSendOptions.fromPort(53));
            });
            LoopFuture<List<Datagram>> got = guest.loop().newFuture();
            List<Datagram> seen = new java.util.ArrayList<>();
            int port = guest.udp().listen(0, d -> {
                seen.add(d);
                if (seen.size() == 2) {
                    got.complete(List.copyOf(seen));
                }
            });
            guest.udp().send(at("10.0.2.3", 53), ByteBuffer.wrap(new byte[] {1}), UdpSendOptions.fromPort(port));
            kit.sim.runUntil(got::isDone, Duration.ofSeconds(5));
            List<Datagram> replies = got.getNow();
            assertEquals(ip("10.0.2.3"), replies.get(0).src().getAddress());
            assertEquals(ip("10.0.2.2"), replies.get(1).src().getAddress());
        });
    }

    @Test
    void aSourceThatIsNotTheStacksIsRefused() throws Exception {
        SimKit.run(kit -> {
            DirectStack gw = kit.stack("gw", gateway(), LinkConfig.DEFAULTS);
            assertThrows(IllegalArgumentException.class, () -> gw.udp().send(at("10.0.2.100", 9), ByteBuffer.allocate(1),
                    UdpSendOptions.DEFAULT.withSource(ip("10.0.2.4"))));
        });
    }

    @Test
    void tcpToTheAliasIsAnsweredFromTheAlias() throws Exception {
        SimKit.run(kit -> {
            DirectStack gw = kit.stack("gw", gateway(), LinkConfig.DEFAULTS);
            DirectStack guest = kit.stack("guest", "10.0.2.100/24");
            AtomicReference<String> local = new AtomicReference<>();
            gw.tcp().listen(53, f -> {
                local.set(f.src().getAddress().getHostAddress());
                f.write(ByteBuffer.wrap("hi".getBytes(StandardCharsets.US_ASCII)));
                f.close();
            });
            LoopFuture<Void> run = kit.sim.spawn("client", () -> {
                TcpFlow f = guest.tcp().connect(at("10.0.2.3", 53));
                ReadResult r = f.read();
                assertTrue(r instanceof ReadResult.Data d && d.bytes().remaining() == 2, "read " + r);
                f.close();
            });
            kit.sim.runUntil(run::isDone, Duration.ofSeconds(30));
            run.getNow();
            assertEquals("10.0.2.3", local.get());
        });
    }

    @Test
    void tcpConnectsFromTheAliasItIsGivenAndRefusesAnAddressNotItsOwn() throws Exception {
        SimKit.run(kit -> {
            DirectStack gw = kit.stack("gw", gateway(), LinkConfig.DEFAULTS);
            DirectStack server = kit.stack("server", "10.0.2.100/24");
            List<String> peers = new java.util.concurrent.CopyOnWriteArrayList<>();
            server.tcp().listen(80, f -> {
                peers.add(f.dst().getAddress().getHostAddress());
                f.close();
            });
            LoopFuture<Void> run = kit.sim.spawn("client", () -> {
                for (String from : List.of("10.0.2.3", "10.0.2.2")) {
                    TcpFlow f = gw.tcp().connect(ip(from), at("10.0.2.100", 80), null);
                    assertEquals(from, f.src().getAddress().getHostAddress());
                    assertTrue(f.read() instanceof ReadResult.Eof, "the server closes");
                    f.close();
                }
                // RFC 9293 §3.10.1: the local socket must be this host's
                assertThrows(dev.tcpip.UnreachableException.class,
                        () -> gw.tcp().connect(ip("10.0.2.4"), at("10.0.2.100", 80), null));
            });
            kit.sim.runUntil(run::isDone, Duration.ofSeconds(30));
            run.getNow();
            assertEquals(List.of("10.0.2.3", "10.0.2.2"), peers);
        });
    }

    @Test
    void takesUdpFromTheUnspecifiedAddressToTheLimitedBroadcastOnly() throws Exception {
        SimKit.run(kit -> {
            DirectStack gw = kit.stack("gw", gateway(), LinkConfig.DEFAULTS);
            SimKit.Raw raw = kit.raw("client");
            LoopFuture<Datagram> got = gw.loop().newFuture();
            gw.udp().listen(67, got::complete);
            // From 0.0.0.0 to 10.0.2.2 (not a broadcast): dropped as a bad source.
            raw.send(SimKit.ipFrame(gw.mac(), raw.mac, SimKit.ipv4("0.0.0.0", "10.0.2.2", IpProtocol.UDP, 1, false, 0,
                    SimKit.udp("0.0.0.0", 68, "10.0.2.2", 67, new byte[] {1}))));
            kit.sim.runFor(Duration.ofMillis(10));
            assertEquals(1, gw.counter(StackCounter.IP_DROPPED_BAD_SOURCE));
            raw.send(SimKit.ipFrame(dev.tcpip.wire.MacAddress.BROADCAST, raw.mac, SimKit.ipv4("0.0.0.0",
                    "255.255.255.255", IpProtocol.UDP, 2, false, 0,
                    SimKit.udp("0.0.0.0", 68, "255.255.255.255", 67, new byte[] {2}))));
            kit.sim.runUntil(got::isDone, SECOND);
            Datagram d = got.getNow();
            assertEquals(at("0.0.0.0", 68), d.src());
            assertEquals(at("255.255.255.255", 67), d.dst());
        });
    }

    @Test
    void aliasesAreCheckedInTheConfig() {
        assertThrows(IllegalArgumentException.class, () -> DirectStackConfig.ipv4("10.0.2.2/24").withIpv4Alias("10.0.3.3"));
        assertThrows(IllegalArgumentException.class, () -> DirectStackConfig.ipv4("10.0.2.2/24").withIpv4Alias("10.0.2.2"));
        assertThrows(IllegalArgumentException.class, () -> DirectStackConfig.ipv4("10.0.2.2/24").withIpv4Alias("10.0.2.255"));
        assertThrows(IllegalArgumentException.class, () -> DirectStackConfig.ipv6("fd00::1/64").withIpv4Alias("10.0.2.3"));
    }
}
