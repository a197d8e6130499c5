package dev.tcpip.direct;

import static dev.tcpip.direct.SimKit.at;
import static dev.tcpip.direct.SimKit.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.UnreachableException;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.wire.ArpPacket;
import dev.tcpip.wire.EtherType;
import dev.tcpip.wire.Icmpv4Message;
import dev.tcpip.wire.Icmpv6Message;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.Ipv6Extension;
import dev.tcpip.wire.MacAddress;
import dev.tcpip.wire.NdpOption;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * Floods against every table outside TCP, in virtual time, from a raw device injecting frames: each table stays
 * within its limit, the counter that says so moves, and normal traffic between two stacks still works during the
 * flood and after it.
 */
class FloodTest {

    private static final String A4 = "10.0.0.1";
    private static final String B4 = "10.0.0.2";
    private static final String A6 = "2001:db8::1";
    private static final String B6 = "2001:db8::2";

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static byte[] counting(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    private static MacAddress spoofedMac(int n) {
        return new MacAddress(0x02_00_00_00_00_00L | n);
    }

    /** {@code bursts} bursts of {@code perBurst} frames 1 ms apart; after each, {@code check} runs. */
    private static void flood(SimKit kit, SimKit.Raw raw, int bursts, int perBurst, IntFunction<byte[]> frame,
                              Runnable each) throws Exception {
        for (int burst = 0; burst < bursts; burst++) {
            for (int i = 0; i < perBurst; i++) {
                raw.send(frame.apply(burst * perBurst + i));
            }
            kit.sim.runFor(Duration.ofMillis(1));
            each.run();
        }
    }

    interface Check {
        void run() throws Exception;
    }

    private static Runnable unchecked(Check c) {
        return () -> {
            try {
                c.run();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
    }

    // ---- reassembly ----

    // A flood of first fragments that never complete, from many sources: at most maxDatagrams are held (the oldest
    // is given up for the newest, IP_REASSEMBLY_LIMIT), and a fragmented datagram sent during the flood completes.
    @Test
    void ipv4ReassemblyFloodStaysBoundedAndADatagramSentDuringItStillCompletes() throws Exception {
        SimKit.run(kit -> {
            DirectStack a = kit.stack("a", A4 + "/24");                          // 64 datagrams, 2 MiB
            DirectStack b = kit.stack("b", B4 + "/24");
            SimKit.Raw raw = kit.raw("raw");
            List<byte[]> got = new ArrayList<>();
            a.udp().listen(5000, d -> got.add(bytes(d.payload())));
            byte[] legit = counting(4_000);                                      // three fragments at MTU 1500
            IntFunction<byte[]> fragment = n -> SimKit.ipFrame(a.mac(), raw.mac, SimKit.ipv4(
                    "198.51." + (n >>> 8 & 255) + "." + (n & 255), A4, IpProtocol.UDP, n, true, 0, new byte[1_024]));
            flood(kit, raw, 10, 100, fragment, () -> { });
            LoopFuture<Void> sent = kit.sim.spawn("legit", () -> b.udp().send(at(A4, 5000), ByteBuffer.wrap(legit)));
            flood(kit, raw, 10, 100, fragment, unchecked(() -> {
                DirectStack.Tables t = a.tables();
                assertTrue(t.reassembly4() <= 64, t.toString());
                assertTrue(t.reassemblyBytes4() <= 64 * 1_024, t.toString());
            }));
            kit.sim.runFor(Duration.ofMillis(10));
            sent.getNow();
            assertEquals(1, got.size());
            assertArrayEquals(legit, got.getFirst());
            assertEquals(1, a.counter(StackCounter.IP_REASSEMBLED));
            assertEquals(2_000 - 64, a.counter(StackCounter.IP_REASSEMBLY_LIMIT));
            assertEquals(64, a.tables().reassembly4());
            kit.sim.runFor(Duration.ofSeconds(31));                              // the flood's leftovers time out
            assertEquals(0, a.tables().reassembly4());
            assertEquals(0, a.tables().reassemblyBytes4());
        });
    }

    // The same over IPv6, with the byte limit binding first: 65,535 bytes hold 53 fragments of 1,232.
    @Test
    void ipv6ReassemblyFloodStaysWithinItsBytesAndADatagramSentDuringItStillCompletes() throws Exception {
        SimKit.run(kit -> {
            DirectStackConfig c = MemoryPair.quick(DirectStackConfig.ipv6(A6 + "/64"));
            c = c.withIpv6Config(c.ipv6().withReassembly(
                    new DirectStackConfig.ReassemblyLimits(64, 65_535, Duration.ofSeconds(60))));
            DirectStack a = kit.stack("a", c, LinkConfig.DEFAULTS);
            DirectStack b = kit.stack("b", MemoryPair.quick(DirectStackConfig.ipv6(B6 + "/64")), LinkConfig.DEFAULTS);
            SimKit.Raw raw = kit.raw("raw");
            List<byte[]> got = new ArrayList<>();
            a.udp().listen(5000, d -> got.add(bytes(d.payload())));
            byte[] legit = counting(4_000);
            IntFunction<byte[]> fragment = n -> SimKit.ipv6Frame(a.mac(), raw.mac, SimKit.ipv6(
                    "2001:db8:1::" + Integer.toHexString(n + 1), A6, 64,
                    List.of(new Ipv6Extension.Fragment(0, true, n)), IpProtocol.UDP, new byte[1_232]));
            flood(kit, raw, 10, 100, fragment, () -> { });
            LoopFuture<Void> sent = kit.sim.spawn("legit", () -> b.udp().send(at(A6, 5000), ByteBuffer.wrap(legit)));
            flood(kit, raw, 10, 100, fragment, unchecked(() -> {
                DirectStack.Tables t = a.tables();
                assertTrue(t.reassemblyBytes6() <= 65_535, t.toString());
                assertTrue(t.reassembly6() <= 53, t.toString());
            }));
            kit.sim.runFor(Duration.ofMillis(10));
            sent.getNow();
            assertEquals(1, got.size());
            assertArrayEquals(legit, got.getFirst());
            assertEquals(2_000 - 53, a.counter(StackCounter.IP_REASSEMBLY_LIMIT));
            kit.sim.runFor(Duration.ofSeconds(61));
            assertEquals(0, a.tables().reassembly6());
        });
    }

    // ---- ARP ----

    // A flood of ARP from spoofed IP/MAC pairs: requests and unsolicited replies for our address add entries (RFC 826:
    // we are the target), which displace only entries nothing ever sent to; the neighbour a flow talks to stays,
    // with its own MAC. Requests for other addresses from unknown senders add nothing (RFC 826: only the target adds).
    @Test
    void arpFloodFromSpoofedSendersNeitherGrowsTheCacheNorEvictsTheNeighbourInUse() throws Exception {
        SimKit.run(kit -> {
            DirectStack a = kit.stack("a", DirectStackConfig.ipv4(A4 + "/24").withArp(
                    new DirectStackConfig.ArpLimits(16, Duration.ofSeconds(60), 3, Duration.ofSeconds(1), 4)),
                    LinkConfig.DEFAULTS);
            DirectStack b = kit.stack("b", B4 + "/24");
            SimKit.Raw raw = kit.raw("raw");
            Echo echo = Echo.start(kit, a, b, B4);
            IntFunction<byte[]> arp = n -> {
                int kind = n % 3;                               // request for us, reply to us, request for another
                MacAddress mac = spoofedMac(n);
                Ipv4Address sender = kind == 2 ? new Ipv4Address(0x0a_01_00_00 | n)
                        : new Ipv4Address(0x0a_00_00_00 | 3 + n % 250);
                byte[] p = new byte[ArpPacket.LENGTH];
                new ArpPacket(kind == 1 ? ArpPacket.REPLY : ArpPacket.REQUEST, mac, sender,
                        kind == 1 ? a.mac() : MacAddress.ZERO, Ipv4Address.parse(kind == 2 ? "10.0.0.254" : A4))
                        .emit(p, 0);
                return SimKit.ethernet(kind == 1 ? a.mac() : MacAddress.BROADCAST, mac, EtherType.ARP, p);
            };
            flood(kit, raw, 30, 100, arp, unchecked(() -> {
                assertTrue(a.tables().arp() <= 16, a.tables().toString());
                assertTrue(echo.sent == 0 || a.arpCache().stream().anyMatch(e -> e.ip().toString().equals(B4)
                        && e.mac().equals(b.mac())), "the neighbour in use was evicted: " + a.arpCache());
                echo.once();
            }));
            assertEquals(2, a.counter(StackCounter.ARP_TX_REQUESTS), "B resolved once (and our announcement)");
            assertTrue(a.counter(StackCounter.ARP_CACHE_EVICTED) > 1_000, "flood entries displaced each other");
            long notForUs = a.counter(StackCounter.ARP_NOT_FOR_US);             // and B's announcement
            assertTrue(notForUs >= 1_000 && notForUs <= 1_001, "" + notForUs);
            assertTrue(a.arpCache().stream().noneMatch(e -> (e.ip().bits() >>> 16) == 0x0a01),
                    "senders of requests for another address were added");
            echo.assertAllAnswered(30);
            kit.sim.runFor(Duration.ofSeconds(1));
            echo.once();                                        // and after the flood
            echo.assertAllAnswered(31);
        });
    }

    // ---- NDP ----

    // Neighbor Solicitations from many spoofed sources each create a STALE entry (RFC 4861 §7.2.3): those displace
    // one another, never the neighbour in use; solicitations for other targets are discarded without an entry.
    @Test
    void neighborSolicitationFloodNeitherGrowsTheCacheNorEvictsTheNeighbourInUse() throws Exception {
        SimKit.run(kit -> {
            DirectStack a = kit.stack("a", ndpLimited(), LinkConfig.DEFAULTS);
            DirectStack b = kit.stack("b", MemoryPair.quick(DirectStackConfig.ipv6(B6 + "/64")), LinkConfig.DEFAULTS);
            SimKit.Raw raw = kit.raw("raw");
            Echo echo = Echo.start(kit, a, b, B6);
            kit.sim.runFor(Duration.ofMillis(10));                              // A's addresses are up
            Ipv6Address target = Ipv6Address.parse(A6);
            IntFunction<byte[]> ns = n -> {
                boolean ours = n % 2 == 0;
                String src = (ours ? "2001:db8::1:" : "2001:db8::2:") + Integer.toHexString(n);
                Ipv6Address t = ours ? target : Ipv6Address.parse("2001:db8::3:" + Integer.toHexString(n));
                // ours: multicast to the target's solicited-node group; others: unicast to A, which is allowed
                // (RFC 4861 §7.2.2 unicast solicitations) and reaches NDP whatever the target
                String dst = ours ? t.solicitedNode().toString() : A6;
                MacAddress to = ours ? new MacAddress(0x3333_0000_0000L | t.solicitedNode().lo() & 0xffff_ffffL)
                        : a.mac();
                byte[] m = SimKit.icmpv6(src, dst, new Icmpv6Message.NeighborSolicitation(t,
                        List.of(new NdpOption.SourceLinkLayerAddress(spoofedMac(n)))), new byte[0]);
                return SimKit.ipv6Frame(to, spoofedMac(n), SimKit.ipv6(src, dst, 255, List.of(), IpProtocol.ICMPV6, m));
            };
            flood(kit, raw, 30, 100, ns, unchecked(() -> {
                assertTrue(a.tables().neighbors() <= 16, a.tables().toString());
                assertTrue(echo.sent == 0 || a.neighbors().stream().anyMatch(e -> e.address().toString().equals(B6)
                        && b.mac().equals(e.mac())), "the neighbour in use was evicted: " + a.neighbors());
                echo.once();
            }));
            assertEquals(1, a.counter(StackCounter.NDP_NS_TX), "B resolved once");
            assertTrue(a.counter(StackCounter.NDP_CACHE_EVICTED) > 1_000, "flood entries displaced each other");
            // every solicitation for us is answered, every other one counted (a few early unicast ones may be lost
            // on the way while the switch learns A's port)
            assertEquals(1_500, a.counter(StackCounter.NDP_NA_TX));
            assertEquals(a.counter(StackCounter.NDP_NS_RX) - 1_500, a.counter(StackCounter.NDP_NOT_FOR_US));
            assertTrue(a.counter(StackCounter.NDP_NOT_FOR_US) > 1_400);
            assertTrue(a.neighbors().stream().noneMatch(e -> e.address().toString().startsWith("2001:db8::2:")),
                    "senders of solicitations for other targets were added");
            echo.assertAllAnswered(30);
            kit.sim.runFor(Duration.ofSeconds(1));
            echo.once();
            echo.assertAllAnswered(31);
        });
    }

    // Traffic to many unresolvable neighbours (RFC 4861 §7.2.2): at most three quarters of the cache are INCOMPLETE,
    // each queues at most pendingPerNeighbor packets, the rest fail at once (counted); the neighbour in use stays,
    // and the INCOMPLETE entries go when their solicitations run out.
    @Test
    void trafficToManyUnresolvedNeighboursIsBoundedAndLeavesTheNeighbourInUse() throws Exception {
        SimKit.run(kit -> {
            DirectStack a = kit.stack("a", ndpLimited(), LinkConfig.DEFAULTS);
            DirectStack b = kit.stack("b", MemoryPair.quick(DirectStackConfig.ipv6(B6 + "/64")), LinkConfig.DEFAULTS);
            Echo echo = Echo.start(kit, a, b, B6);
            echo.once();
            int[] failed = {0};
            for (int n = 0; n < 40; n++) {
                for (int k = 0; k < 6; k++) {
                    String dst = "2001:db8::5:" + Integer.toHexString(n);
                    kit.sim.spawn("send-" + n + "-" + k, () -> {
                        try {
                            a.udp().send(at(dst, 9), ByteBuffer.wrap(new byte[100]));
                        } catch (UnreachableException e) {
                            failed[0]++;
                        }
                    });
                }
            }
            kit.sim.runFor(Duration.ofMillis(10));
            DirectStack.Tables t = a.tables();
            assertTrue(t.neighbors() <= 16, t.toString());
            assertEquals(12, t.neighbors() - 1, t.toString());                  // 12 INCOMPLETE and B
            assertEquals(12 * 4, t.neighborsPending(), t.toString());
            assertTrue(a.counter(StackCounter.NDP_CACHE_FULL) > 0);
            assertTrue(a.counter(StackCounter.NDP_PENDING_QUEUE_FULL) > 0);
            echo.once();                                                          // B still answers
            echo.assertAllAnswered(2);
            kit.sim.runFor(Duration.ofSeconds(4));                               // 3 solicitations 1 s apart
            assertEquals(40 * 6, failed[0]);
            assertEquals(12, a.counter(StackCounter.NDP_RESOLUTION_FAILED));
            assertEquals(0, a.tables().neighborsPending());
            echo.once();
            echo.assertAllAnswered(3);
        });
    }

    private static DirectStackConfig ndpLimited() {
        DirectStackConfig c = MemoryPair.quick(DirectStackConfig.ipv6(A6 + "/64"));
        return c.withIpv6Config(c.ipv6().withNdp(new DirectStackConfig.NdpLimits(16, 4, Duration.ofSeconds(1),
                Duration.ofSeconds(30), Duration.ofSeconds(5), 3, 3, 16)));
    }

    // ---- UDP ----

    // A flood at a port whose reader is stuck: the queue holds at most udpQueuePerPort datagrams and
    // udpQueueBytesPerPort bytes, the rest are dropped and counted; another port is served meanwhile, and once the
    // reader moves on the port works again.
    @Test
    void udpFloodAtASlowReaderStaysWithinTheQueuesDatagramsAndBytes() throws Exception {
        SimKit.run(kit -> {
            DirectStack a = kit.stack("a", DirectStackConfig.ipv4(A4 + "/24").withUdpQueueBytesPerPort(256 * 1024),
                    LinkConfig.DEFAULTS);
            DirectStack b = kit.stack("b", B4 + "/24");
            SimKit.Raw raw = kit.raw("raw");
            LoopFuture<Void> release = a.loop().newFuture();
            List<Integer> slow = new ArrayList<>();
            a.udp().listen(5000, d -> {
                slow.add(d.payload().remaining());
                release.await();                                               // stuck until released
            });
            List<byte[]> fast = new ArrayList<>();
            a.udp().listen(5001, d -> fast.add(bytes(d.payload())));
            IntFunction<byte[]> big = n -> SimKit.udpFrame(a.mac(), raw.mac, "10.0.0." + (3 + n % 200), A4, 5000,
                    new byte[1_400]);
            flood(kit, raw, 20, 100, big, unchecked(() -> {
                DirectStack.Tables t = a.tables();
                assertTrue(t.udpMaxQueuedBytes() <= 256 * 1024, t.toString());
            }));
            int queued = a.tables().udpQueued();
            assertEquals(256 * 1024 / 1_400, queued);                          // the byte limit binds first
            assertEquals(2_000 - 1 - queued, a.counter(StackCounter.UDP_DROPPED_QUEUE_FULL));
            kit.sim.spawn("b", () -> b.udp().send(at(A4, 5001), ByteBuffer.wrap(new byte[] {42})));
            kit.sim.runFor(Duration.ofMillis(5));
            assertEquals(1, fast.size(), "another port is served during the flood");
            release.complete(null);
            kit.sim.runFor(Duration.ofMillis(5));
            assertEquals(1 + queued, slow.size());
            assertEquals(0, a.tables().udpQueued());
            // small datagrams: the datagram limit binds
            LoopFuture<Void> again = a.loop().newFuture();
            a.udp().listen(5002, d -> again.await());
            long before = a.counter(StackCounter.UDP_DROPPED_QUEUE_FULL);
            IntFunction<byte[]> small = n -> SimKit.udpFrame(a.mac(), raw.mac, "10.0.0.3", A4, 5002, new byte[10]);
            flood(kit, raw, 20, 100, small, unchecked(() -> assertTrue(a.tables().udpQueued() <= 1_024)));
            assertEquals(1_024, a.tables().udpQueued());
            assertEquals(2_000 - 1 - 1_024, a.counter(StackCounter.UDP_DROPPED_QUEUE_FULL) - before);
            again.complete(null);
            kit.sim.runFor(Duration.ofMillis(5));
            kit.sim.spawn("b", () -> b.udp().send(at(A4, 5000), ByteBuffer.wrap(new byte[] {43})));
            kit.sim.runFor(Duration.ofMillis(5));
            assertEquals(2 + queued, slow.size(), "the port works after the flood");
        });
    }

    // ---- ICMP ----

    // Echo requests and error-triggering datagrams flood both families: replies and errors leave at most at their
    // token buckets' rates (burst + rate x time), the rest are counted; a ping answers once the flood is over.
    @Test
    void icmpFloodsAreRateLimitedAndCounted() throws Exception {
        SimKit.run(kit -> {
            DirectStack a = kit.stack("a", MemoryPair.quick(DirectStackConfig.ipv4(A4 + "/24").withIpv6(A6 + "/64")),
                    LinkConfig.DEFAULTS);
            DirectStack b = kit.stack("b", MemoryPair.quick(DirectStackConfig.ipv4(B4 + "/24").withIpv6(B6 + "/64")),
                    LinkConfig.DEFAULTS);
            SimKit.Raw raw = kit.raw("raw");
            a.addStaticArp(Ipv4Address.parse("10.0.0.3"), raw.mac);
            byte[] echo = new byte[8 + 32];
            new Icmpv4Message.Echo(false, 9, 1).emit(echo, 0, 32);
            byte[] echo6 = SimKit.icmpv6("2001:db8::3", A6, new Icmpv6Message.Echo(false, 9, 1), new byte[32]);
            IntFunction<byte[]> mixed = n -> switch (n % 4) {
                case 0 -> SimKit.ipFrame(a.mac(), raw.mac, SimKit.ipv4("10.0.0.3", A4, IpProtocol.ICMP, n, false, 0,
                        echo));
                case 1 -> SimKit.ipv6Frame(a.mac(), raw.mac, SimKit.ipv6("2001:db8::3", A6, 64, List.of(),
                        IpProtocol.ICMPV6, echo6));
                case 2 -> SimKit.udpFrame(a.mac(), raw.mac, "10.0.0.3", A4, 9, new byte[8]);   // closed port
                default -> SimKit.ipv6Frame(a.mac(), raw.mac, SimKit.ipv6("2001:db8::3", A6, 64, List.of(),
                        IpProtocol.UDP, SimKit.udp6("2001:db8::3", 4000, A6, 9, new byte[8])));
            };
            long start = kit.sim.now();
            flood(kit, raw, 100, 40, mixed, () -> { });                        // 1,000 of each kind in 100 ms
            double seconds = (kit.sim.now() - start) / 1e9;
            long echoes = a.counter(StackCounter.ICMP_ECHO_REPLIES_TX);
            long echoes6 = a.counter(StackCounter.ICMP6_ECHO_REPLIES_TX);
            long errors = a.counter(StackCounter.ICMP_ERRORS_TX);
            long errors6 = a.counter(StackCounter.ICMP6_ERRORS_TX);
            assertTrue(echoes <= 100 + 1_000 * seconds + 1 && echoes >= 100, "echo replies " + echoes);
            assertTrue(echoes6 <= 100 + 1_000 * seconds + 1 && echoes6 >= 100, "echo replies " + echoes6);
            assertTrue(errors <= 20 + 100 * seconds + 1 && errors >= 20, "errors " + errors);
            assertTrue(errors6 <= 20 + 100 * seconds + 1 && errors6 >= 20, "errors " + errors6);
            assertEquals(1_000, echoes + a.counter(StackCounter.ICMP_ECHO_RATE_LIMITED));
            assertEquals(1_000, echoes6 + a.counter(StackCounter.ICMP6_ECHO_RATE_LIMITED));
            assertEquals(1_000, errors + a.counter(StackCounter.ICMP_ERRORS_RATE_LIMITED));
            assertEquals(1_000, errors6 + a.counter(StackCounter.ICMP6_ERRORS_RATE_LIMITED));
            kit.sim.runFor(Duration.ofMillis(200));
            b.ping(ip(A4), 56, Duration.ofSeconds(1));
            b.ping(ip(A6), 56, Duration.ofSeconds(1));
        });
    }

    /** UDP echo from A to B and back, one datagram at a time, every reply checked. */
    private static final class Echo {
        final SimKit kit;
        final DirectStack a;
        final String to;
        final List<byte[]> replies = new ArrayList<>();
        int sent;

        private Echo(SimKit kit, DirectStack a, String to) {
            this.kit = kit;
            this.a = a;
            this.to = to;
        }

        static Echo start(SimKit kit, DirectStack a, DirectStack b, String to) throws Exception {
            Echo e = new Echo(kit, a, to);
            b.udp().listen(7, d -> b.udp().send(d.src(), d.payload(), dev.tcpip.UdpSendOptions.fromPort(7)));
            a.udp().listen(6000, d -> e.replies.add(bytes(d.payload())));
            return e;
        }

        void once() throws Exception {
            int n = ++sent;
            kit.sim.spawn("echo-" + n, () -> a.udp().send(at(to, 7), ByteBuffer.wrap(new byte[] {(byte) n}),
                    dev.tcpip.UdpSendOptions.fromPort(6000)));
            kit.sim.runFor(Duration.ofMillis(2));
        }

        void assertAllAnswered(int expected) {
            assertEquals(expected, sent);
            assertEquals(expected, replies.size(), "echo replies");
            for (int i = 0; i < replies.size(); i++) {
                assertArrayEquals(new byte[] {(byte) (i + 1)}, replies.get(i));
            }
            assertFalse(replies.isEmpty());
        }
    }
}
