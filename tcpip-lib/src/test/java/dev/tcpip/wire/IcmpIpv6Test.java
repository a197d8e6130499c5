package dev.tcpip.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.time.Seeds;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class IcmpIpv6Test {

    static final MacAddress MAC = MacAddress.parse("02:00:00:00:00:0a");
    static final Ipv6Address LL = Ipv6Address.linkLocal(MAC);
    static final Ipv6Address PEER = Ipv6Address.parse("fe80::2");

    @Test
    void emitsAnEchoRequestWithItsChecksum() throws ParseException {
        byte[] b = Hex.bytes("0000000000000000 6162");
        new Icmpv4Message.Echo(false, 0x1234, 7).emit(b, 0, 2);
        assertEquals("0800" + String.format("%04x", Checksum.finish(0x0800 + 0x1234 + 7 + 0x6162)) + "12340007" + "6162",
                Hex.of(b));
        Icmpv4View v = Icmpv4View.parse(b, 0, b.length);
        assertEquals(new Icmpv4Message.Echo(false, 0x1234, 7), v.toMessage());
        assertEquals(8, v.payloadOffset());
        assertEquals(2, v.payloadLength());
    }

    @Test
    void readsFragmentationNeededWithTheNextHopMtuAndTheQuotedHeader() throws ParseException {
        byte[] b = new byte[8 + 20 + 8];
        Ipv4Header orig = Ipv4Header.of(Ipv4Address.parse("10.0.0.1"), Ipv4Address.parse("10.0.0.9"),
                IpProtocol.UDP, 63, 99, 1472);
        orig.emit(b, 8);
        Bytes.put32(b, 28, 0x13880035); // ports 5000 -> 53
        new Icmpv4Message.DestinationUnreachable(Icmpv4Message.FRAGMENTATION_NEEDED, 1400).emit(b, 0, 28);
        Icmpv4View v = Icmpv4View.parse(b, 0, b.length);
        assertEquals(3, v.type());
        assertEquals(4, v.code());
        assertEquals(1400, v.nextHopMtu());
        assertTrue(v.isError());
        assertEquals(orig.src(), v.quotedHeader().src());
        assertEquals(1472 + 20, v.quotedHeader().totalLength());
        assertEquals(0x13880035L, v.quotedPorts());
        assertEquals(new Icmpv4Message.DestinationUnreachable(4, 1400), v.toMessage());
    }

    @Test
    void rejectsAnErrorWithoutAQuotedHeaderAndABadChecksum() {
        byte[] b = new byte[12];
        new Icmpv4Message.TimeExceeded(0).emit(b, 0, 4);
        assertEquals("ipv4.header", assertThrows(ParseException.class, () -> Icmpv4View.parse(b, 0, 12)).field());
        byte[] e = new byte[8];
        new Icmpv4Message.Echo(true, 1, 1).emit(e, 0, 0);
        e[7] ^= 1;
        assertEquals("icmpv4.checksum", assertThrows(ParseException.class, () -> Icmpv4View.parse(e, 0, 8)).field());
    }

    @Test
    void walksTheIpv6ExtensionChainToTheUpperLayer() throws ParseException {
        List<Ipv6Extension> ext = List.of(
                new Ipv6Extension.HopByHop(Octets.of(Hex.bytes("050200000100"))), // router alert, PadN
                new Ipv6Extension.DestinationOptions(Octets.of(Hex.bytes("010400000000"))),
                new Ipv6Extension.Routing(0, 0, Octets.of(new byte[4])),
                new Ipv6Extension.Fragment(1448, true, 0xcafe));
        Ipv6Header h = new Ipv6Header(0xb8, 0x12345, 64, LL, PEER, ext, IpProtocol.UDP, 16);
        byte[] b = new byte[h.length() + 16];
        assertEquals(40 + 8 + 8 + 8 + 8, h.emit(b, 0));
        assertEquals("6b812345 0030 00 40", Hex.of(b, 0, 8).replaceAll("(.{8})(.{4})(.{2})(.{2})", "$1 $2 $3 $4"));
        Ipv6View v = Ipv6View.parse(b, 0, b.length);
        assertEquals(IpProtocol.UDP, v.protocol());
        assertEquals(72, v.upperOffset());
        assertEquals(16, v.upperLength());
        assertEquals(4, v.extensionCount());
        assertTrue(v.hasFragmentHeader());
        assertEquals(1448, v.fragmentOffset());
        assertTrue(v.moreFragments());
        assertEquals(0xcafe, v.fragmentIdentification());
        assertEquals(0, v.segmentsLeft());
        assertEquals(0xb8, v.trafficClass());
        assertEquals(0x12345, v.flowLabel());
        assertEquals(h, v.toHeader());
    }

    @Test
    void rejectsMalformedIpv6Chains() {
        Ipv6Header h = new Ipv6Header(0, 0, 64, LL, PEER, List.of(
                new Ipv6Extension.DestinationOptions(Octets.of(new byte[6])),
                new Ipv6Extension.Fragment(0, false, 1)), IpProtocol.NO_NEXT_HEADER, 0);
        byte[] b = new byte[h.length()];
        h.emit(b, 0);
        byte[] hbhLater = b.clone();
        hbhLater[40] = 0; // destination options now says hop-by-hop follows
        assertEquals("ipv6.hop_by_hop", assertThrows(ParseException.class,
                () -> Ipv6View.parse(hbhLater, 0, hbhLater.length)).field());
        byte[] tooLong = b.clone();
        tooLong[41] = 5;
        assertEquals("ipv6.extension", assertThrows(ParseException.class,
                () -> Ipv6View.parse(tooLong, 0, tooLong.length)).field());
        byte[] badOption = b.clone();
        badOption[42] = 7;
        badOption[43] = 9;
        assertEquals("ipv6.options", assertThrows(ParseException.class,
                () -> Ipv6View.parse(badOption, 0, badOption.length)).field());
        byte[] twoFragments = b.clone();
        twoFragments[48] = IpProtocol.FRAGMENT;
        Bytes.put16(twoFragments, 4, 24);
        byte[] bigger = java.util.Arrays.copyOf(twoFragments, 64);
        bigger[56] = IpProtocol.NO_NEXT_HEADER;
        assertEquals("ipv6.fragment", assertThrows(ParseException.class,
                () -> Ipv6View.parse(bigger, 0, bigger.length)).field());
        assertEquals("ipv6.payload_length", assertThrows(ParseException.class,
                () -> Ipv6View.parse(b, 0, b.length - 1)).field());
        byte[] v4 = b.clone();
        v4[0] = 0x45;
        assertEquals("ipv6.version", assertThrows(ParseException.class, () -> Ipv6View.parse(v4, 0, v4.length)).field());
    }

    @Test
    void emitsANeighborSolicitationAndReadsItsOptions() throws ParseException {
        Ipv6Address target = PEER;
        Icmpv6Message ns = new Icmpv6Message.NeighborSolicitation(target,
                List.of(new NdpOption.SourceLinkLayerAddress(MAC)));
        byte[] b = new byte[ns.length()];
        Ipv6Address dst = target.solicitedNode();
        ns.emit(b, 0, 0, LL, dst);
        assertEquals("8700", Hex.of(b, 0, 2));
        assertEquals("00000000 fe800000000000000000000000000002 0101 02000000000a".replace(" ", ""),
                Hex.of(b, 4, 28));
        Icmpv6View v = Icmpv6View.parse(b, 0, b.length, LL, dst);
        assertTrue(v.isNdp());
        assertEquals(target, v.target());
        assertEquals(MAC.bits(), v.sourceLinkLayer());
        assertEquals(-1, v.targetLinkLayer());
        assertEquals(ns, v.toMessage());
        assertEquals("icmpv6.checksum", assertThrows(ParseException.class,
                () -> Icmpv6View.parse(b, 0, b.length, LL, Ipv6Address.ALL_NODES)).field());
    }

    @Test
    void readsARouterAdvertisementWithPrefixAndMtu() throws ParseException {
        Icmpv6Message ra = new Icmpv6Message.RouterAdvertisement(64, true, false, 1800, 30000, 1000, List.of(
                new NdpOption.SourceLinkLayerAddress(MAC), new NdpOption.Mtu(1500),
                new NdpOption.PrefixInformation(64, true, true, 0xffff_ffffL, 604800,
                        Ipv6Address.parse("2001:db8:1::"))));
        byte[] b = new byte[ra.length()];
        ra.emit(b, 0, 0, LL, Ipv6Address.ALL_NODES);
        Icmpv6View v = Icmpv6View.parse(b, 0, b.length, LL, Ipv6Address.ALL_NODES);
        assertEquals(1500, v.mtuOption());
        assertEquals(1, v.prefixCount());
        assertEquals(1800, v.routerLifetime());
        assertEquals(0x80, v.ndpFlags());
        assertEquals(ra, v.toMessage());
    }

    @Test
    void rejectsNdpOptionsOfLengthZeroOrRunningPast() {
        Icmpv6Message rs = new Icmpv6Message.RouterSolicitation(List.of(new NdpOption.SourceLinkLayerAddress(MAC)));
        byte[] b = new byte[rs.length()];
        assertRejectsNdp(b, rs, p -> p[9] = 0, "ndp.option");
        assertRejectsNdp(b, rs, p -> p[9] = 2, "ndp.option");
        assertRejectsNdp(b, rs, p -> p[1] = 1, "icmpv6.code");
        assertRejectsNdp(b, rs, p -> p[8] = NdpOption.MTU, null);
        assertRejectsNdp(b, rs, p -> p[8] = NdpOption.PREFIX_INFORMATION, "ndp.prefix_information");
    }

    interface Mutation {
        void apply(byte[] b);
    }

    static void assertRejectsNdp(byte[] b, Icmpv6Message m, Mutation mutation, String field) {
        m.emit(b, 0, 0, LL, PEER);
        mutation.apply(b);
        Bytes.put16(b, 2, 0);
        Bytes.put16(b, 2, Checksum.finish(Checksum.ones(b, 0, b.length, Checksum.pseudoIpv6(LL, PEER, 58, b.length))));
        try {
            Icmpv6View.parse(b, 0, b.length, LL, PEER);
            assertEquals(field, null, "accepted");
        } catch (ParseException e) {
            assertEquals(field, e.field());
        }
    }

    static Ipv6Address randomAddress(RandomGenerator r) {
        return new Ipv6Address(r.nextLong(), r.nextLong());
    }

    static List<NdpOption> randomOptions(RandomGenerator r) {
        List<NdpOption> list = new ArrayList<>();
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
            list.add(switch (r.nextInt(5)) {
                case 0 -> new NdpOption.SourceLinkLayerAddress(new MacAddress(r.nextLong(1L << 48)));
                case 1 -> new NdpOption.TargetLinkLayerAddress(new MacAddress(r.nextLong(1L << 48)));
                case 2 -> new NdpOption.PrefixInformation(r.nextInt(129), r.nextBoolean(), r.nextBoolean(),
                        r.nextLong(1L << 32), r.nextLong(1L << 32), randomAddress(r));
                case 3 -> new NdpOption.Mtu(r.nextLong(1L << 32));
                default -> {
                    byte[] d = new byte[6 + 8 * r.nextInt(3)];
                    r.nextBytes(d);
                    yield new NdpOption.Other(6 + r.nextInt(200), Octets.of(d));
                }
            });
        }
        return list;
    }

    static Icmpv6Message randomIcmpv6(RandomGenerator r) {
        return switch (r.nextInt(8)) {
            case 0 -> new Icmpv6Message.Echo(r.nextBoolean(), r.nextInt(0x10000), r.nextInt(0x10000));
            case 1 -> new Icmpv6Message.Error(2 + 2 * r.nextInt(2), r.nextInt(256), r.nextInt());
            case 2 -> new Icmpv6Message.RouterSolicitation(randomOptions(r));
            case 3 -> new Icmpv6Message.RouterAdvertisement(r.nextInt(256), r.nextBoolean(), r.nextBoolean(),
                    r.nextInt(0x10000), r.nextLong(1L << 32), r.nextLong(1L << 32), randomOptions(r));
            case 4 -> new Icmpv6Message.NeighborSolicitation(randomAddress(r), randomOptions(r));
            case 5 -> new Icmpv6Message.NeighborAdvertisement(r.nextBoolean(), r.nextBoolean(), r.nextBoolean(),
                    randomAddress(r), randomOptions(r));
            case 6 -> new Icmpv6Message.Redirect(randomAddress(r), randomAddress(r), randomOptions(r));
            default -> new Icmpv6Message.Error(1 + 2 * r.nextInt(2), r.nextInt(256), 0);
        };
    }

    @Test
    void roundTripsRandomIcmpMessagesAndIpv6Headers() throws ParseException {
        long seed = Seeds.fromProperty();
        RandomGenerator r = Seeds.random(seed, "roundTripsRandomIcmpMessagesAndIpv6Headers");
        byte[] b = new byte[600];
        for (int i = 0; i < 20_000; i++) {
            Icmpv6Message m = randomIcmpv6(r);
            Ipv6Address src = randomAddress(r);
            Ipv6Address dst = randomAddress(r);
            m.emit(b, 2, 0, src, dst);
            assertEquals(m, Icmpv6View.parse(b, 2, m.length(), src, dst).toMessage(), "seed " + seed);

            Icmpv4Message m4 = switch (r.nextInt(3)) {
                case 0 -> new Icmpv4Message.Echo(r.nextBoolean(), r.nextInt(0x10000), r.nextInt(0x10000));
                case 1 -> new Icmpv4Message.Other(13 + r.nextInt(100), r.nextInt(256), r.nextInt());
                default -> new Icmpv4Message.TimeExceeded(r.nextInt(2));
            };
            int payload = m4 instanceof Icmpv4Message.TimeExceeded ? 28 : r.nextInt(30);
            if (payload == 28) {
                Ipv4Header.of(new Ipv4Address(r.nextInt()), new Ipv4Address(r.nextInt()), 17, 1, 1, 8).emit(b, 8);
            }
            m4.emit(b, 0, payload);
            assertEquals(m4, Icmpv4View.parse(b, 0, 8 + payload).toMessage(), "seed " + seed);

            List<Ipv6Extension> ext = new ArrayList<>();
            if (r.nextBoolean()) {
                ext.add(new Ipv6Extension.HopByHop(Octets.of(Hex.bytes("01" + "04" + "00000000"))));
            }
            if (r.nextBoolean()) {
                ext.add(new Ipv6Extension.Routing(r.nextInt(256), r.nextInt(256), Octets.of(new byte[4 + 8 * r.nextInt(3)])));
            }
            if (r.nextBoolean()) {
                ext.add(new Ipv6Extension.Fragment(8 * r.nextInt(0x2000), r.nextBoolean(), r.nextInt()));
            }
            Ipv6Header h = new Ipv6Header(r.nextInt(256), r.nextInt(1 << 20), r.nextInt(256), src, dst, ext,
                    r.nextBoolean() ? IpProtocol.TCP : IpProtocol.ICMPV6, r.nextInt(100));
            h.emit(b, 5);
            Ipv6View v = Ipv6View.parse(b, 5, h.length() + h.upperLength());
            assertEquals(h, v.toHeader(), "seed " + seed);
            assertFalse(v.extensionCount() > 3, "seed " + seed);
        }
    }
}
