package dev.tcpip.direct;

import static dev.tcpip.direct.SimKit.at;
import static dev.tcpip.direct.SimKit.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.Datagram;
import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import dev.tcpip.TimedOutException;
import dev.tcpip.UnreachableException;
import dev.tcpip.device.Faults;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.direct.ip.IcmpError;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.wire.Icmpv6Message;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.Ipv6Extension;
import dev.tcpip.wire.Ipv6View;
import dev.tcpip.wire.MacAddress;
import dev.tcpip.wire.NdpOption;
import dev.tcpip.wire.Octets;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** IPv6 on the direct stack in virtual time: NDP, DAD, SLAAC, MLDv2, fragments, extension headers, ICMPv6. */
class DirectIpv6Test {

    private static final Duration SECOND = Duration.ofSeconds(1);
    private static final String A = "2001:db8::1";
    private static final String B = "2001:db8::2";
    private static final String RAW = "2001:db8::9";

    private static DirectStack v6(SimKit kit, String name, String address) {
        return kit.stack(name, DirectStackConfig.ipv6(address + "/64"), LinkConfig.DEFAULTS);
    }

    private static InterfaceAddress.State state(DirectStack s, String address) throws Exception {
        for (InterfaceAddress a : s.ipv6Addresses()) {
            if (a.address().equals(Ipv6Address.parse(address))) {
                return a.state();
            }
        }
        return null;
    }

    private static NeighborEntry.State neighbor(DirectStack s, String address) throws Exception {
        for (NeighborEntry e : s.neighbors()) {
            if (e.address().equals(Ipv6Address.parse(address))) {
                return e.state();
            }
        }
        return null;
    }

    /** The raw device announces itself to {@code s} (a solicitation with its link-layer address), so s can answer. */
    private static void introduce(SimKit.Raw raw, DirectStack s, String target) {
        byte[] ns = SimKit.icmpv6(RAW, target, new Icmpv6Message.NeighborSolicitation(Ipv6Address.parse(target),
                List.of(new NdpOption.SourceLinkLayerAddress(raw.mac))), new byte[0]);
        raw.send(SimKit.ipv6Frame(s.mac(), raw.mac, SimKit.ipv6(RAW, target, 255, List.of(), IpProtocol.ICMPV6, ns)));
    }

    @Test
    void dadThenPingResolvesTheNeighborAndLargeEchoesAreFragmented() throws Exception {
        SimKit.run(kit -> {
            DirectStack a = v6(kit, "a", A);
            DirectStack b = v6(kit, "b", B);
            assertEquals(InterfaceAddress.State.TENTATIVE, state(a, A));
            kit.sim.runFor(Duration.ofSeconds(3));
            assertEquals(InterfaceAddress.State.PREFERRED, state(a, A));
            assertEquals(InterfaceAddress.State.PREFERRED, state(a, a.linkLocalAddress().toString()));
            for (int size : new int[] {56, 1452, 1453, 4000, 65_527}) {
                assertEquals(size, a.ping(ip(B), size, SECOND).size());
            }
            assertEquals(NeighborEntry.State.REACHABLE, neighbor(a, B));
            assertEquals(b.mac(), a.neighbors().getFirst().mac());
            // 4000 + 8 bytes: 1448 + 1448 + 1112; 65,535: 46 fragments of at most 1448
            assertEquals(2 + 3 + 46, a.counter(StackCounter.IP6_FRAGMENTS_TX));
            assertEquals(3, b.counter(StackCounter.IP_REASSEMBLED));
            assertEquals(1, a.counter(StackCounter.NDP_NS_TX));
        });
    }

    /*
     * Found over TAP against Linux: `tcpip ping` (and any client) started on a fresh stack failed at once with
     * "no usable IPv6 address yet", since DAD runs about 1 s after start and nothing could wait for it.
     */
    @Test
    void aClientCanWaitForDuplicateAddressDetectionInsteadOfFailing() throws Exception {
        SimKit.run(kit -> {
            DirectStack a = v6(kit, "a", A);
            DirectStack b = v6(kit, "b", B);
            assertThrows(UnreachableException.class, () -> a.ping(ip(B), 8, SECOND));   // DAD runs: no source yet
            long start = kit.sim.now();
            List<InterfaceAddress> settled = a.awaitIpv6Addresses(Duration.ofSeconds(5));
            assertEquals(2, settled.size());
            assertTrue(settled.stream().allMatch(x -> x.state() == InterfaceAddress.State.PREFERRED), settled.toString());
            assertTrue(kit.sim.now() - start <= 2_000_000_000L, "returns when DAD ends (at most 1 s delay + 1 s)");
            b.awaitIpv6Addresses(Duration.ofSeconds(5));
            assertEquals(8, a.ping(ip(B), 8, SECOND).size());
            long again = kit.sim.now();
            assertEquals(settled, a.awaitIpv6Addresses(Duration.ofSeconds(5)));           // nothing tentative: at once
            assertEquals(again, kit.sim.now());
            // a duplicate ends detection too, and a detection that outlasts the bound times out
            DirectStack c = v6(kit, "c", A);
            assertEquals(InterfaceAddress.State.DUPLICATE, c.awaitIpv6Addresses(Duration.ofSeconds(5)).stream()
                    .filter(x -> x.address().equals(Ipv6Address.parse(A))).findFirst().orElseThrow().state());
            DirectStack d = v6(kit, "d", "2001:db8::4");
            assertThrows(TimedOutException.class, () -> d.awaitIpv6Addresses(Duration.ofMillis(1)));
        });
    }

    @Test
    void anUnansweredNeighborFailsAfterMaxMulticastSolicit() throws Exception {
        SimKit.run(kit -> {
            DirectStack a = v6(kit, "a", A);
            kit.sim.runFor(Duration.ofSeconds(3));
            long start = kit.sim.now();
            assertThrows(UnreachableException.class, () -> a.ping(ip("2001:db8::99"), 8, Duration.ofSeconds(10)));
            assertEquals(3_000_000_000L, kit.sim.now() - start);      // RFC 4861 §7.3.3: 3 solicitations 1 s apart
            assertEquals(3, a.counter(StackCounter.NDP_NS_TX));
            assertEquals(1, a.counter(StackCounter.NDP_RESOLUTION_FAILED));
            assertTrue(a.neighbors().isEmpty());
        });
    }

    @Test
    void neighborGoesReachableStaleDelayProbeAndBackOrAway() throws Exception {
        SimKit.run(kit -> {
            DirectStack a = v6(kit, "a", A);
            DirectStack b = v6(kit, "b", B);
            kit.sim.runFor(Duration.ofSeconds(3));
            b.udp().listen(9, d -> { });
            a.ping(ip(B), 8, SECOND);
            assertEquals(NeighborEntry.State.REACHABLE, neighbor(a, B));
            kit.sim.runFor(Duration.ofSeconds(46));                   // past ReachableTime (at most 1.5 x 30 s)
            assertEquals(NeighborEntry.State.STALE, neighbor(a, B));
            a.udp().send(at(B, 9), ByteBuffer.wrap(new byte[] {1}));
            assertEquals(NeighborEntry.State.DELAY, neighbor(a, B));
            kit.sim.runFor(Duration.ofMillis(4900));
            assertEquals(NeighborEntry.State.DELAY, neighbor(a, B));
            long ns = b.counter(StackCounter.NDP_NS_RX);
            kit.sim.runFor(Duration.ofMillis(200));                   // DELAY_FIRST_PROBE_TIME: a unicast probe
            assertEquals(ns + 1, b.counter(StackCounter.NDP_NS_RX));
            assertEquals(NeighborEntry.State.REACHABLE, neighbor(a, B));
            // Without answers, PROBE gives up after MAX_UNICAST_SOLICIT probes and the entry goes.
            b.disconnect();
            kit.sim.runFor(Duration.ofSeconds(46));
            a.udp().send(at(B, 9), ByteBuffer.wrap(new byte[] {2}));
            kit.sim.runFor(Duration.ofMillis(5500));
            assertEquals(NeighborEntry.State.PROBE, neighbor(a, B));
            kit.sim.runFor(Duration.ofSeconds(3));
            assertEquals(null, neighbor(a, B));
            assertEquals(1, a.counter(StackCounter.NDP_UNREACHABLE));
        });
    }

    @Test
    void aDuplicateAddressIsDetectedAndNotUsed() throws Exception {
        SimKit.run(kit -> {
            DirectStack a = v6(kit, "a", A);
            kit.sim.runFor(Duration.ofSeconds(3));
            DirectStack c = v6(kit, "c", A);
            kit.sim.runFor(Duration.ofSeconds(3));
            assertEquals(InterfaceAddress.State.DUPLICATE, state(c, A));
            assertEquals(InterfaceAddress.State.PREFERRED, state(c, c.linkLocalAddress().toString()));
            assertEquals(InterfaceAddress.State.PREFERRED, state(a, A));
            assertEquals(1, c.counter(StackCounter.IP6_DAD_CONFLICTS));
            assertThrows(UnreachableException.class, () -> c.udp().send(at(B, 9), ByteBuffer.wrap(new byte[1])));
        });
    }

    @Test
    void slaacFromARouterAdvertisementWithDefaultRouterMtuAndMldReports() throws Exception {
        SimKit.run(kit -> {
            SimKit.Raw router = kit.raw("router");
            DirectStack a = kit.stack("a", DirectStackConfig.ipv6LinkLocal().withSlaac(true), LinkConfig.DEFAULTS);
            kit.sim.runFor(Duration.ofSeconds(2));
            List<Ipv6View> rs = router.icmpv6(Icmpv6Message.ROUTER_SOLICITATION);
            assertTrue(rs.size() >= 1, "a router solicitation on start");
            String routerLl = "fe80::1";
            byte[] ra = SimKit.icmpv6(routerLl, "ff02::1", new Icmpv6Message.RouterAdvertisement(64, false, false,
                    1800, 0, 0, List.of(new NdpOption.SourceLinkLayerAddress(router.mac), new NdpOption.Mtu(1400),
                    new NdpOption.PrefixInformation(64, true, true, 86_400, 14_400, Ipv6Address.parse("2001:db8:1::")))),
                    new byte[0]);
            router.send(SimKit.ipv6Frame(MacAddress.ipv6Multicast(Ipv6Address.ALL_NODES), router.mac,
                    SimKit.ipv6(routerLl, "ff02::1", 255, List.of(), IpProtocol.ICMPV6, ra)));
            kit.sim.runFor(Duration.ofSeconds(3));
            Ipv6Address slaac = new Ipv6Address(Ipv6Address.parse("2001:db8:1::").hi(), a.linkLocalAddress().lo());
            assertEquals(InterfaceAddress.State.PREFERRED, state(a, slaac.toString()));
            assertEquals(List.of(Ipv6Address.parse(routerLl)), a.ipv6Routers());
            assertEquals(1400, a.ipv6PathMtu(Ipv6Address.parse("2001:db8:2::5")));
            int solicitations = router.icmpv6(Icmpv6Message.ROUTER_SOLICITATION).size();
            kit.sim.runFor(Duration.ofSeconds(10));
            assertEquals(solicitations, router.icmpv6(Icmpv6Message.ROUTER_SOLICITATION).size(), "RS stop after an RA");
            // MLDv2: the solicited-node groups reported to ff02::16, hop limit 1, router alert first.
            List<Ipv6View> reports = router.icmpv6(143);
            assertTrue(reports.size() >= 2);
            for (Ipv6View r : reports) {
                assertEquals(Ipv6Address.parse("ff02::16"), r.dst());
                assertEquals(1, r.hopLimit());
                assertEquals(IpProtocol.HOP_BY_HOP, r.nextHeader());
                assertEquals(5, r.buffer()[r.offset() + 42]);          // RFC 2711 router alert option
            }
            // An off-link destination goes to the default router's MAC (learned from the advertisement, STALE);
            // the silent router is then probed (DELAY, PROBE) with unicast solicitations.
            int before = router.icmpv6(Icmpv6Message.NEIGHBOR_SOLICITATION).size();
            assertThrows(TimedOutException.class, () -> a.ping(ip("2001:db8:2::5"), 8, Duration.ofSeconds(10)));
            Ipv6View echo = router.icmpv6(Icmpv6Message.ECHO_REQUEST).getFirst();
            assertEquals(Ipv6Address.parse("2001:db8:2::5"), echo.dst());
            assertEquals(slaac, echo.src());
            List<Ipv6View> ns = router.icmpv6(Icmpv6Message.NEIGHBOR_SOLICITATION);
            Ipv6View last = ns.getLast();
            assertEquals(Ipv6Address.parse(routerLl), Ipv6Address.read(last.buffer(), last.upperOffset() + 8));
            assertEquals(Ipv6Address.parse(routerLl), last.dst());     // unicast probe
            assertEquals(before + 3, ns.size());
        });
    }

    @Test
    void udpDatagramsUpTo65527BytesAreFragmentedAndReassembled() throws Exception {
        SimKit.run(kit -> {
            DirectStack a = v6(kit, "a", A);
            DirectStack b = v6(kit, "b", B);
            kit.sim.runFor(Duration.ofSeconds(3));
            List<Datagram> got = new ArrayList<>();
            b.udp().listen(7, got::add);
            byte[] data = new byte[65_527];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 7);
            }
            a.udp().send(at(B, 7), ByteBuffer.wrap(data));
            kit.sim.runUntil(() -> !got.isEmpty(), SECOND);
            byte[] back = new byte[got.getFirst().payload().remaining()];
            got.getFirst().payload().get(back);
            assertArrayEquals(data, back);
            assertEquals(46, a.counter(StackCounter.IP6_FRAGMENTS_TX));
            assertEquals(1, b.counter(StackCounter.IP_REASSEMBLED));
        });
    }

    @Test
    void atomicFragmentsAreDeliveredAndOverlappingFragmentsDropped() throws Exception {
        SimKit.run(kit -> {
            SimKit.Raw raw = kit.raw("raw");
            DirectStack b = v6(kit, "b", B);
            kit.sim.runFor(Duration.ofSeconds(3));
            List<Datagram> got = new ArrayList<>();
            b.udp().listen(7, got::add);
            byte[] udp = SimKit.udp6(RAW, 4000, B, 7, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
            // RFC 6946: offset 0 and no more fragments: processed on its own.
            raw.send(SimKit.ipv6Frame(b.mac(), raw.mac, SimKit.ipv6(RAW, B, 64,
                    List.of(new Ipv6Extension.Fragment(0, false, 77)), IpProtocol.UDP, udp)));
            kit.sim.runFor(Duration.ofMillis(10));
            assertEquals(1, got.size());
            assertEquals(1, b.counter(StackCounter.IP6_ATOMIC_FRAGMENTS));
            // RFC 5722: overlapping fragments discard the whole packet.
            raw.send(SimKit.ipv6Frame(b.mac(), raw.mac, SimKit.ipv6(RAW, B, 64,
                    List.of(new Ipv6Extension.Fragment(0, true, 78)), IpProtocol.UDP, Arrays.copyOf(udp, 16))));
            raw.send(SimKit.ipv6Frame(b.mac(), raw.mac, SimKit.ipv6(RAW, B, 64,
                    List.of(new Ipv6Extension.Fragment(8, false, 78)), IpProtocol.UDP,
                    Arrays.copyOfRange(udp, 8, udp.length))));
            kit.sim.runFor(Duration.ofMillis(10));
            assertEquals(1, got.size());
            assertEquals(1, b.counter(StackCounter.IP_REASSEMBLY_OVERLAP));
            // The same two halves without overlap reassemble.
            raw.send(SimKit.ipv6Frame(b.mac(), raw.mac, SimKit.ipv6(RAW, B, 64,
                    List.of(new Ipv6Extension.Fragment(0, true, 79)), IpProtocol.UDP, Arrays.copyOf(udp, 16))));
            raw.send(SimKit.ipv6Frame(b.mac(), raw.mac, SimKit.ipv6(RAW, B, 64,
                    List.of(new Ipv6Extension.Fragment(16, false, 79)), IpProtocol.UDP,
                    Arrays.copyOfRange(udp, 16, udp.length))));
            kit.sim.runFor(Duration.ofMillis(10));
            assertEquals(2, got.size());
        });
    }

    @Test
    void extensionHeadersAreSkippedOrAnsweredPerTheOptionTypeBits() throws Exception {
        SimKit.run(kit -> {
            SimKit.Raw raw = kit.raw("raw");
            DirectStack b = v6(kit, "b", B);
            kit.sim.runFor(Duration.ofSeconds(3));
            introduce(raw, b, B);
            List<Datagram> got = new ArrayList<>();
            b.udp().listen(7, got::add);
            byte[] udp = SimKit.udp6(RAW, 4000, B, 7, new byte[] {42});
            Ipv6Extension.HopByHop pads = new Ipv6Extension.HopByHop(Octets.of(new byte[] {1, 4, 0, 0, 0, 0}));
            raw.send(SimKit.ipv6Frame(b.mac(), raw.mac, SimKit.ipv6(RAW, B, 64, List.of(pads), IpProtocol.UDP, udp)));
            kit.sim.runFor(Duration.ofMillis(10));
            assertEquals(1, got.size(), "hop-by-hop PadN is skipped");
            // Unknown option 0x40 (01): discarded quietly; 0x80 (10): a parameter problem code 2 at the option.
            for (int type : new int[] {0x40, 0x80}) {
                Ipv6Extension.DestinationOptions opt = new Ipv6Extension.DestinationOptions(
                        Octets.of(new byte[] {(byte) type, 4, 0, 0, 0, 0}));
                raw.send(SimKit.ipv6Frame(b.mac(), raw.mac, SimKit.ipv6(RAW, B, 64, List.of(opt), IpProtocol.UDP, udp)));
            }
            // Unknown next header 253: code 1 at the next header field. A routing header with segments left: code 0.
            raw.send(SimKit.ipv6Frame(b.mac(), raw.mac, SimKit.ipv6(RAW, B, 64, List.of(), 253, new byte[8])));
            raw.send(SimKit.ipv6Frame(b.mac(), raw.mac, SimKit.ipv6(RAW, B, 64,
                    List.of(new Ipv6Extension.Routing(4, 1, Octets.of(new byte[4]))), IpProtocol.UDP, udp)));
            kit.sim.runFor(Duration.ofMillis(10));
            assertEquals(1, got.size());
            assertEquals(2, b.counter(StackCounter.IP6_DROPPED_UNKNOWN_OPTION));
            List<Ipv6View> problems = raw.icmpv6(Icmpv6Message.PARAMETER_PROBLEM);
            assertEquals(3, problems.size());
            int[][] expect = {{2, 42}, {1, 6}, {0, 42}};               // code, pointer
            for (int i = 0; i < 3; i++) {
                Ipv6View p = problems.get(i);
                assertEquals(expect[i][0], p.buffer()[p.upperOffset() + 1]);
                assertEquals(expect[i][1], java.nio.ByteBuffer.wrap(p.buffer(), p.upperOffset() + 4, 4).getInt());
            }
        });
    }

    @Test
    void portUnreachableErrorsAreRateLimited() throws Exception {
        SimKit.run(kit -> {
            SimKit.Raw raw = kit.raw("raw");
            DirectStack b = v6(kit, "b", B);
            kit.sim.runFor(Duration.ofSeconds(3));
            introduce(raw, b, B);
            byte[] udp = SimKit.udp6(RAW, 4000, B, 25, new byte[] {1});
            for (int i = 0; i < 25; i++) {
                raw.send(SimKit.ipv6Frame(b.mac(), raw.mac, SimKit.ipv6(RAW, B, 64, List.of(), IpProtocol.UDP, udp)));
            }
            kit.sim.runFor(Duration.ofMillis(1));
            List<Ipv6View> errors = raw.icmpv6(Icmpv6Message.DESTINATION_UNREACHABLE);
            assertEquals(20, errors.size());                            // the burst; RFC 4443 §2.4(f)
            assertEquals(4, errors.getFirst().buffer()[errors.getFirst().upperOffset() + 1]);
            assertEquals(5, b.counter(StackCounter.ICMP6_ERRORS_RATE_LIMITED));
        });
    }

    @Test
    void packetTooBigLowersThePathMtuButNeverBelow1280() throws Exception {
        SimKit.run(kit -> {
            SimKit.Raw raw = kit.raw("raw");
            DirectStack a = v6(kit, "a", A);
            kit.sim.runFor(Duration.ofSeconds(3));
            for (long mtu : new long[] {1300, 600}) {
                byte[] quoted = SimKit.ipv6(A, B, 64, List.of(), IpProtocol.UDP, SimKit.udp6(A, 5000, B, 6000, new byte[100]));
                byte[] ptb = SimKit.icmpv6(RAW, A, new Icmpv6Message.Error(Icmpv6Message.PACKET_TOO_BIG, 0, (int) mtu),
                        quoted);
                raw.send(SimKit.ipv6Frame(a.mac(), raw.mac, SimKit.ipv6(RAW, A, 64, List.of(), IpProtocol.ICMPV6, ptb)));
                kit.sim.runFor(Duration.ofMillis(1));
                assertEquals(Math.max(1280, mtu), a.ipv6PathMtu(Ipv6Address.parse(B)));
            }
            assertEquals(1500, a.ipv6PathMtu(Ipv6Address.parse("2001:db8::3")));
            assertEquals(2, a.udpErrors().size());                      // each reached the flow's transport
            assertEquals(IcmpError.Kind.PACKET_TOO_BIG, a.udpErrors().getLast().kind());
            assertEquals(1280, a.udpErrors().getLast().nextHopMtu());
        });
    }

    @Test
    void tcpBulkOverIpv6WithLossArrivesByteExact() throws Exception {
        for (long seed = 1; seed <= 3; seed++) {
            SimKit.run(seed, kit -> {
                LinkConfig lossy = LinkConfig.DEFAULTS.withLatency(Duration.ofMillis(1))
                        .withFaults(Faults.NONE.withLoss(0.02));
                DirectStack a = kit.stack("a", DirectStackConfig.ipv6(A + "/64"), lossy);
                DirectStack b = kit.stack("b", DirectStackConfig.ipv6(B + "/64"), lossy);
                kit.sim.runFor(Duration.ofSeconds(5));
                long total = 1 << 20;
                AtomicLong got = new AtomicLong(-1);
                b.tcp().listen(80, flow -> {
                    long n = 0;
                    while (flow.read() instanceof ReadResult.Data(ByteBuffer bytes)) {
                        while (bytes.hasRemaining()) {
                            if (bytes.get() != (byte) (n * 31 + 7)) {
                                throw new AssertionError("byte " + n + " differs");
                            }
                            n++;
                        }
                    }
                    got.set(n);
                    flow.close();
                });
                LoopFuture<Void> client = kit.sim.spawn("client", () -> {
                    TcpFlow f = a.tcp().connect(at(B, 80));
                    for (long sent = 0; sent < total; ) {
                        int n = (int) Math.min(50_000, total - sent);
                        byte[] chunk = new byte[n];               // write keeps its buffer: a fresh one each time
                        for (int i = 0; i < n; i++) {
                            chunk[i] = (byte) ((sent + i) * 31 + 7);
                        }
                        f.write(ByteBuffer.wrap(chunk, 0, n));
                        sent += n;
                    }
                    f.close();
                });
                kit.sim.runUntil(() -> client.isDone() && got.get() >= 0, Duration.ofMinutes(10));
                client.getNow();
                assertEquals(total, got.get());
            });
        }
    }
}
