package dev.tcpip.direct;

import dev.tcpip.PingReply;
import static dev.tcpip.direct.SimKit.at;
import static dev.tcpip.direct.SimKit.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.TimedOutException;
import dev.tcpip.UnreachableException;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.direct.ip.IcmpError;
import dev.tcpip.direct.ip.IpSender;
import dev.tcpip.direct.ip.TransportHandler;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.wire.IpAddress;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv4Address;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** IPv4 and ICMPv4 on the direct stack: ping, routing, fragmentation, reassembly, errors; in virtual time. */
class DirectIpv4Test {

    private static final Duration SECOND = Duration.ofSeconds(1);

    @Test
    void pingMeasuresTheRoundTripInVirtualTime() throws Exception {
        SimKit.run(kit -> {
            LinkConfig oneMs = LinkConfig.DEFAULTS.withLatency(Duration.ofMillis(1));
            DirectStack a = kit.stack("a", DirectStackConfig.ipv4("10.0.0.1/24"), oneMs);
            kit.stack("b", DirectStackConfig.ipv4("10.0.0.2/24"), oneMs);
            kit.sim.runFor(Duration.ofMillis(10));                      // past the announcements (which resolve too)
            PingReply first = a.ping(ip("10.0.0.2"), 56, SECOND);
            assertEquals(Duration.ofMillis(8), first.rtt());          // ARP, then the echo: 2 links each way
            PingReply second = a.ping(ip("10.0.0.2"), 56, SECOND);
            assertEquals(Duration.ofMillis(4), second.rtt());
            assertEquals(ip("10.0.0.2"), second.from());
            assertEquals(56, second.size());
            assertEquals(first.sequence() + 1, second.sequence());
        });
    }

    @Test
    void pingsLargerThanTheMtuAreFragmentedAndReassembledBothWays() throws Exception {
        SimKit.run(kit -> {
            DirectStack a = kit.stack("a", "10.0.0.1/24");
            DirectStack b = kit.stack("b", "10.0.0.2/24");
            for (int size : new int[] {1472, 1473, 4000, 65_507}) {
                assertEquals(size, a.ping(ip("10.0.0.2"), size, SECOND).size());
            }
            assertEquals(4, b.counter(StackCounter.ICMP_ECHO_REPLIES_TX));
            assertEquals(3, b.counter(StackCounter.IP_REASSEMBLED));
            assertEquals(3, a.counter(StackCounter.IP_REASSEMBLED));
            // 4000 bytes + 8 of ICMP = 3 fragments (1480, 1480, 1048); 65,515 = 45
            assertEquals(2 + 3 + 45, a.counter(StackCounter.IP_FRAGMENTS_TX));
            assertEquals(a.counter(StackCounter.IP_FRAGMENTS_TX), b.counter(StackCounter.IP_FRAGMENTS_TX));
        });
    }

    @Test
    void aPingWithoutAnswerTimesOut() throws Exception {
        SimKit.run(kit -> {
            DirectStack a = kit.stack("a", "10.0.0.1/24");
            DirectStack b = kit.stack("b", "10.0.0.2/24");
            a.ping(ip("10.0.0.2"), 8, SECOND);
            b.disconnect();
            long start = kit.sim.now();
            assertThrows(TimedOutException.class, () -> a.ping(ip("10.0.0.2"), 8, Duration.ofMillis(300)));
            assertEquals(300_000_000L, kit.sim.now() - start);
        });
    }

    @Test
    void offLinkDestinationsGoThroughTheGatewayAndNoRouteIsAnError() throws Exception {
        SimKit.run(kit -> {
            DirectStack a = kit.stack("a", DirectStackConfig.ipv4("10.0.0.1/24").withGateway("10.0.0.254"),
                    LinkConfig.DEFAULTS);
            DirectStack gw = kit.stack("gw", "10.0.0.254/24");
            DirectStack lonely = kit.stack("lonely", "10.0.0.3/24");
            // the gateway is no router: it drops the datagram not addressed to it, so the ping times out
            assertThrows(TimedOutException.class, () -> a.ping(ip("192.168.1.5"), 8, SECOND));
            assertEquals(List.of(gw.mac()), a.arpCache().stream().map(ArpEntry::mac).toList());
            assertEquals(1, gw.counter(StackCounter.IP_DROPPED_NOT_FOR_US));
            assertThrows(UnreachableException.class, () -> lonely.ping(ip("192.168.1.5"), 8, SECOND));
            assertThrows(UnreachableException.class,
                    () -> lonely.udp().send(at("192.168.1.5", 53), ByteBuffer.wrap(new byte[1])));
            assertEquals(2, lonely.counter(StackCounter.IP_DROPPED_NO_ROUTE));
            assertEquals(1, lonely.counter(StackCounter.ARP_TX_REQUESTS));  // only the announcement
        });
    }

    @Test
    void aClosedUdpPortIsAnsweredWithPortUnreachableWhichTheSenderRecords() throws Exception {
        SimKit.run(kit -> {
            DirectStack a = kit.stack("a", "10.0.0.1/24");
            DirectStack b = kit.stack("b", "10.0.0.2/24");
            a.udp().send(at("10.0.0.2", 7777), ByteBuffer.wrap(new byte[] {1, 2, 3}));
            kit.sim.runFor(Duration.ofMillis(10));
            assertEquals(1, b.counter(StackCounter.UDP_DROPPED_NO_LISTENER));
            assertEquals(1, b.counter(StackCounter.ICMP_ERRORS_TX));
            List<IcmpError> errors = a.udpErrors();
            assertEquals(1, errors.size());
            IcmpError e = errors.getFirst();
            assertEquals(IcmpError.Kind.PORT_UNREACHABLE, e.kind());
            assertEquals(7777, e.dstPort());
            assertEquals(Ipv4Address.parse("10.0.0.2"), e.reporter());
            assertEquals(IpProtocol.UDP, e.protocol());
        });
    }

    @Test
    void icmpErrorsAreRateLimited() throws Exception {
        SimKit.run(kit -> {
            DirectStack a = kit.stack("a", "10.0.0.1/24");
            DirectStack b = kit.stack("b", DirectStackConfig.ipv4("10.0.0.2/24").withIcmpErrorRate(1, 2),
                    LinkConfig.DEFAULTS);
            for (int i = 0; i < 5; i++) {
                a.udp().send(at("10.0.0.2", 7777), ByteBuffer.wrap(new byte[] {1}));
            }
            kit.sim.runFor(Duration.ofMillis(10));
            assertEquals(2, b.counter(StackCounter.ICMP_ERRORS_TX));
            assertEquals(3, b.counter(StackCounter.ICMP_ERRORS_RATE_LIMITED));
            kit.sim.runFor(SECOND);
            a.udp().send(at("10.0.0.2", 7777), ByteBuffer.wrap(new byte[] {1}));
            kit.sim.runFor(Duration.ofMillis(10));
            assertEquals(3, b.counter(StackCounter.ICMP_ERRORS_TX));      // one token per second
        });
    }

    @Test
    void anUnknownProtocolGetsProtocolUnreachableWhichReachesTheRegisteredTransport() throws Exception {
        SimKit.run(kit -> {
            DirectStack a = kit.stack("a", "10.0.0.1/24");
            DirectStack b = kit.stack("b", "10.0.0.2/24");
            List<IcmpError> heard = new ArrayList<>();
            a.registerTransport(200, new TransportHandler() {
                @Override
                public void input(long now, IpAddress src, IpAddress dst, byte[] buf, int off, int len) {
                }

                @Override
                public void icmpError(long now, IcmpError error) {
                    heard.add(error);
                }
            });
            a.ping(ip("10.0.0.2"), 0, SECOND);                           // resolve first
            byte[] msg = {0x12, 0x34, 0x56, 0x78, 1, 2, 3, 4, 5, 6};
            a.loop().execute(() -> {
                IpSender ip = a.ipSender();
                long now = a.loop().now();
                try {
                    IpAddress dst = Ipv4Address.parse("10.0.0.2");
                    ip.send(now, ip.sourceFor(now, dst), dst, 200, msg, 0, msg.length);
                } catch (UnreachableException e) {
                    throw new AssertionError(e);
                }
            });
            kit.sim.runFor(Duration.ofMillis(10));
            assertEquals(1, b.counter(StackCounter.IP_DROPPED_UNKNOWN_PROTOCOL));
            assertEquals(1, heard.size());
            assertEquals(IcmpError.Kind.PROTOCOL_UNREACHABLE, heard.getFirst().kind());
            assertArrayEquals(Arrays.copyOf(msg, 8), heard.getFirst().transport());
            assertEquals(0x1234, heard.getFirst().srcPort());
        });
    }

    @Test
    void reassemblyGivesUpAfterTheTimeoutAndSendsTimeExceeded() throws Exception {
        SimKit.run(kit -> {
            SimKit.Raw raw = kit.raw("raw");
            DirectStack b = kit.stack("b", "10.0.0.2/24");
            b.addStaticArp(Ipv4Address.parse("10.0.0.9"), raw.mac);
            byte[] udp = SimKit.udp("10.0.0.9", 4000, "10.0.0.2", 5000, new byte[100]);
            raw.send(SimKit.ipFrame(b.mac(), raw.mac,
                    SimKit.ipv4("10.0.0.9", "10.0.0.2", IpProtocol.UDP, 42, true, 0, Arrays.copyOf(udp, 64))));
            kit.sim.runFor(Duration.ofSeconds(29));
            assertEquals(0, b.counter(StackCounter.IP_REASSEMBLY_TIMEOUT));
            raw.received.clear();
            kit.sim.runFor(Duration.ofSeconds(2));
            assertEquals(1, b.counter(StackCounter.IP_REASSEMBLY_TIMEOUT));
            List<byte[]> icmp = raw.ipFrames(IpProtocol.ICMP);
            assertEquals(1, icmp.size());
            assertEquals(11, icmp.getFirst()[34]);                         // time exceeded
            assertEquals(1, icmp.getFirst()[35]);                          // fragment reassembly time exceeded
        });
    }

    @Test
    void reassemblyIsBoundedInDatagramsAndBytes() throws Exception {
        SimKit.run(kit -> {
            SimKit.Raw raw = kit.raw("raw");
            DirectStack b = kit.stack("b", DirectStackConfig.ipv4("10.0.0.2/24").withReassembly(
                    new DirectStackConfig.ReassemblyLimits(2, 65_535, Duration.ofSeconds(30))), LinkConfig.DEFAULTS);
            for (int id = 1; id <= 3; id++) {
                raw.send(SimKit.ipFrame(b.mac(), raw.mac,
                        SimKit.ipv4("10.0.0.9", "10.0.0.2", IpProtocol.UDP, id, true, 0, new byte[1000])));
            }
            kit.sim.runFor(Duration.ofMillis(1));
            assertEquals(1, b.counter(StackCounter.IP_REASSEMBLY_LIMIT));  // the third datagram
            // datagram 1 grows until the bytes run out: 2000 held, 63,535 left = 63 more fragments of 1000
            for (int i = 1; i <= 64; i++) {
                raw.send(SimKit.ipFrame(b.mac(), raw.mac,
                        SimKit.ipv4("10.0.0.9", "10.0.0.2", IpProtocol.UDP, 1, true, i * 1000, new byte[1000])));
            }
            kit.sim.runFor(Duration.ofMillis(1));
            assertEquals(2, b.counter(StackCounter.IP_REASSEMBLY_LIMIT));
            kit.sim.runFor(Duration.ofSeconds(31));
            assertEquals(2, b.counter(StackCounter.IP_REASSEMBLY_TIMEOUT));  // and then the room is back
            raw.send(SimKit.ipFrame(b.mac(), raw.mac,
                    SimKit.ipv4("10.0.0.9", "10.0.0.2", IpProtocol.UDP, 9, true, 0, new byte[1000])));
            kit.sim.runFor(Duration.ofMillis(1));
            assertEquals(2, b.counter(StackCounter.IP_REASSEMBLY_LIMIT));
        });
    }

    @Test
    void overlappingFragmentsDropTheDatagramButExactDuplicatesAreHarmless() throws Exception {
        SimKit.run(kit -> {
            SimKit.Raw raw = kit.raw("raw");
            DirectStack b = kit.stack("b", "10.0.0.2/24");
            List<Integer> got = new ArrayList<>();
            int port = b.udp().listen(5000, d -> got.add(d.payload().remaining()));
            byte[] udp = SimKit.udp("10.0.0.9", 4000, "10.0.0.2", port, new byte[200]);   // 208 bytes
            // id 1: 0..96, 64..160 overlap: dropped, and 160..208 alone starts over, never complete
            // id 2: 0..96 twice, 96..208: delivered once
            int[][] plan = {{1, 0, 96}, {1, 64, 160}, {1, 160, 208},
                            {2, 0, 96}, {2, 0, 96}, {2, 96, 208}};
            for (int[] p : plan) {
                raw.send(SimKit.ipFrame(b.mac(), raw.mac, SimKit.ipv4("10.0.0.9", "10.0.0.2", IpProtocol.UDP, p[0],
                        p[2] < udp.length, p[1], Arrays.copyOfRange(udp, p[1], p[2]))));
            }
            kit.sim.runFor(Duration.ofMillis(10));
            assertEquals(1, b.counter(StackCounter.IP_REASSEMBLY_OVERLAP));
            assertEquals(1, b.counter(StackCounter.IP_FRAGMENT_DUPLICATE));
            assertEquals(1, b.counter(StackCounter.IP_REASSEMBLED));
            assertEquals(List.of(200), got);
        });
    }

    @Test
    void broadcastsAreReceivedButNeverAnsweredWithErrors() throws Exception {
        SimKit.run(kit -> {
            DirectStack a = kit.stack("a", "10.0.0.1/24");
            DirectStack b = kit.stack("b", "10.0.0.2/24");
            List<String> got = new ArrayList<>();
            b.udp().listen(5000, d -> got.add(d.dst().getAddress().getHostAddress()));
            a.udp().send(at("255.255.255.255", 5000), ByteBuffer.wrap(new byte[1]));
            a.udp().send(at("10.0.0.255", 5000), ByteBuffer.wrap(new byte[1]));
            a.udp().send(at("10.0.0.255", 5001), ByteBuffer.wrap(new byte[1]));   // closed: no error
            LoopFuture<Void> echo = kit.sim.spawn("wait", () -> a.loop().sleep(Duration.ofMillis(10)));
            kit.sim.runUntil(echo::isDone, SECOND);
            assertEquals(List.of("255.255.255.255", "10.0.0.255"), got);
            assertEquals(0, b.counter(StackCounter.ICMP_ERRORS_TX));
            assertEquals(0, a.counter(StackCounter.ARP_TX_REQUESTS) - 1);       // broadcasts need no ARP
            assertTrue(b.counter(StackCounter.UDP_DROPPED_NO_LISTENER) == 1);
        });
    }
}
