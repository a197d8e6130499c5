package dev.tcpip.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.PcapReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Frames the Linux kernel sent (see golden/README.md), parsed to the fields it put there. */
class GoldenCaptureTest {

    static final MacAddress MAC_A = MacAddress.parse("02:00:00:99:00:01");
    static final MacAddress MAC_B = MacAddress.parse("02:00:00:99:00:02");
    static final Ipv4Address IP_A = Ipv4Address.parse("10.99.0.1");
    static final Ipv4Address IP_B = Ipv4Address.parse("10.99.0.2");
    static final Ipv6Address IP6_A = Ipv6Address.parse("fd99::1");
    static final Ipv6Address IP6_B = Ipv6Address.parse("fd99::2");

    static List<byte[]> frames(String name) throws IOException {
        List<byte[]> list = new ArrayList<>();
        try (InputStream in = GoldenCaptureTest.class.getResourceAsStream("golden/" + name);
                PcapReader r = new PcapReader(in)) {
            assertEquals(1, r.linkType());
            for (PcapReader.Record rec = r.next(); rec != null && list.size() < 100; rec = r.next()) {
                assertEquals(rec.originalLength(), rec.data().length, "captured whole");
                list.add(rec.data());
            }
        }
        return list;
    }

    static EthernetView eth(byte[] f) throws ParseException {
        return EthernetView.parse(f, 0, f.length);
    }

    static Ipv4View ipv4(byte[] f) throws ParseException {
        EthernetView e = eth(f);
        assertEquals(EtherType.IPV4, e.etherType());
        return Ipv4View.parse(f, e.payloadOffset(), e.payloadLength());
    }

    static Ipv6View ipv6(byte[] f) throws ParseException {
        EthernetView e = eth(f);
        assertEquals(EtherType.IPV6, e.etherType());
        return Ipv6View.parse(f, e.payloadOffset(), e.payloadLength());
    }

    /** Emitting the records parsed from an IPv4 header reproduces the kernel's bytes. */
    static void assertIpv4Reemits(Ipv4View ip) {
        byte[] out = new byte[ip.headerLength()];
        ip.toHeader().emit(out, 0);
        assertArrayEquals(Arrays.copyOfRange(ip.buffer(), ip.offset(), ip.offset() + ip.headerLength()), out);
    }

    @Test
    void parsesTheKernelsArpExchangeAndPing() throws Exception {
        List<byte[]> f = frames("arp-ping.pcap");
        assertEquals(6, f.size());
        EthernetView e = eth(f.get(0));
        assertEquals(MacAddress.BROADCAST, e.dst());
        assertEquals(MAC_A, e.src());
        assertEquals(EtherType.ARP, e.etherType());
        assertEquals(new ArpPacket(ArpPacket.REQUEST, MAC_A, IP_A, MacAddress.ZERO, IP_B),
                ArpView.parse(f.get(0), 14, e.payloadLength()).toPacket());
        assertEquals(new ArpPacket(ArpPacket.REPLY, MAC_B, IP_B, MAC_A, IP_A),
                ArpView.parse(f.get(1), 14, 28).toPacket());
        for (int i = 2; i < 6; i++) {
            Ipv4View ip = ipv4(f.get(i));
            assertEquals(IpProtocol.ICMP, ip.protocol());
            assertEquals(64, ip.ttl());
            assertEquals(84, ip.totalLength());
            assertEquals(i % 2 == 0, ip.dontFragment(), "Linux sets DF on the request only");
            assertIpv4Reemits(ip);
            Icmpv4View icmp = Icmpv4View.parse(ip);
            assertEquals(new Icmpv4Message.Echo(i % 2 == 1, 0x50b9, i / 2), icmp.toMessage());
            assertEquals(56, icmp.payloadLength());
        }
    }

    @Test
    void reassemblesTheKernelsFragmentedPing() throws Exception {
        List<byte[]> f = frames("ping-fragments.pcap");
        assertEquals(6, f.size());
        byte[] whole = new byte[4008];
        int[] offsets = {0, 1480, 2960};
        for (int i = 0; i < 3; i++) {
            Ipv4View ip = ipv4(f.get(i));
            assertEquals(0x5fd2, ip.identification());
            assertEquals(offsets[i], ip.fragmentOffset());
            assertEquals(i < 2, ip.moreFragments());
            assertTrue(ip.isFragment());
            assertEquals(i < 2 ? 1500 : 1068, ip.totalLength());
            assertIpv4Reemits(ip);
            System.arraycopy(f.get(i), ip.payloadOffset(), whole, ip.fragmentOffset(), ip.payloadLength());
        }
        Icmpv4View icmp = Icmpv4View.parse(whole, 0, whole.length);
        assertEquals(new Icmpv4Message.Echo(false, 0x50bd, 1), icmp.toMessage());
        assertEquals(4000, icmp.payloadLength());
    }

    @Test
    void readsEveryTcpOptionOfTheKernelsHandshakeAndReemitsItsBytes() throws Exception {
        List<byte[]> f = frames("tcp-handshake.pcap");
        assertEquals(10, f.size());
        TcpView syn = TcpView.parse(ipv4(f.get(0)));
        assertEquals(56754, syn.srcPort());
        assertEquals(5001, syn.dstPort());
        assertEquals(367605600, syn.seq());
        assertEquals(TcpHeader.SYN, syn.flags());
        assertEquals(64240, syn.window());
        assertEquals(1460, syn.mss());
        assertTrue(syn.sackPermitted());
        assertEquals(511707107, syn.tsVal());
        assertEquals(0, syn.tsEcr());
        assertEquals(10, syn.windowScale());
        TcpView synAck = TcpView.parse(ipv4(f.get(1)));
        assertEquals(TcpHeader.SYN | TcpHeader.ACK, synAck.flags());
        assertEquals((int) 3820434707L, synAck.seq());
        assertEquals(367605601, synAck.ack());
        assertEquals((int) 2710274654L, synAck.tsVal());
        assertEquals(511707107, synAck.tsEcr());
        TcpView data = TcpView.parse(ipv4(f.get(3)));
        assertEquals(TcpHeader.PSH | TcpHeader.ACK, data.flags());
        assertEquals(-1, data.mss());
        assertTrue(data.hasTimestamps());
        assertEquals("hello\n", new String(f.get(3), data.payloadOffset(), data.payloadLength(), StandardCharsets.US_ASCII));
        assertTrue(TcpView.parse(ipv4(f.get(7))).has(TcpHeader.FIN));
        for (byte[] frame : f) {
            Ipv4View ip = ipv4(frame);
            assertIpv4Reemits(ip);
            TcpView tcp = TcpView.parse(ip);
            byte[] out = Arrays.copyOfRange(frame, ip.payloadOffset(), ip.payloadOffset() + ip.payloadLength());
            tcp.toHeader().emitIpv4(out, 0, ip.src(), ip.dst());
            assertArrayEquals(Arrays.copyOfRange(frame, ip.payloadOffset(), ip.payloadOffset() + ip.payloadLength()), out);
        }
    }

    @Test
    void parsesTheKernelsUdpDatagram() throws Exception {
        byte[] f = frames("udp.pcap").getFirst();
        Ipv4View ip = ipv4(f);
        assertEquals(IP_A, ip.src());
        assertEquals(IP_B, ip.dst());
        UdpView udp = UdpView.parse(ip);
        assertEquals(new UdpHeader(40002, 5002, 11), udp.toHeader());
        assertEquals(0x730b, udp.checksum());
        assertEquals("golden udp\n", new String(f, udp.payloadOffset(), udp.payloadLength(), StandardCharsets.US_ASCII));
    }

    @Test
    void parsesTheKernelsNeighborDiscoveryAndPing6() throws Exception {
        List<byte[]> f = frames("ipv6-ndp.pcap");
        assertEquals(12, f.size());
        Ipv6View dad = ipv6(f.get(0));
        assertEquals(Ipv6Address.UNSPECIFIED, dad.src());
        assertEquals(255, dad.hopLimit());
        Ipv6Address llA = Ipv6Address.linkLocal(MAC_A);
        assertEquals(llA.solicitedNode(), dad.dst());
        // Duplicate address detection carries a nonce option (type 14, RFC 7527 §4.1), kept as an Other option.
        assertEquals(new Icmpv6Message.NeighborSolicitation(llA, List.of(new NdpOption.Other(14,
                Octets.of(java.util.HexFormat.of().parseHex("a218a753e257"))))), Icmpv6View.parse(dad).toMessage());

        Ipv6View rs = ipv6(f.get(2));
        assertEquals(llA, rs.src());
        assertEquals(Ipv6Address.ALL_ROUTERS, rs.dst());
        assertEquals(new Icmpv6Message.RouterSolicitation(List.of(new NdpOption.SourceLinkLayerAddress(MAC_A))),
                Icmpv6View.parse(rs).toMessage());

        Ipv6View ns = ipv6(f.get(4));
        assertEquals(IP6_B.solicitedNode(), ns.dst());
        assertEquals(MacAddress.ipv6Multicast(IP6_B.solicitedNode()), eth(f.get(4)).dst());
        Icmpv6View nsv = Icmpv6View.parse(ns);
        assertEquals(IP6_B, nsv.target());
        assertEquals(MAC_A.bits(), nsv.sourceLinkLayer());

        Icmpv6View na = Icmpv6View.parse(ipv6(f.get(5)));
        assertEquals(new Icmpv6Message.NeighborAdvertisement(false, true, true, IP6_B,
                List.of(new NdpOption.TargetLinkLayerAddress(MAC_B))), na.toMessage());

        Ipv6View echo = ipv6(f.get(6));
        assertEquals(IP6_A, echo.src());
        assertEquals(IP6_B, echo.dst());
        assertEquals(64, echo.hopLimit());
        Icmpv6View ev = Icmpv6View.parse(echo);
        assertEquals(new Icmpv6Message.Echo(false, 0x50b5, 1), ev.toMessage());
        assertEquals(56, ev.payloadLength());
        for (byte[] frame : f) {
            Ipv6View ip = ipv6(frame);
            Icmpv6View m = Icmpv6View.parse(ip);
            assertFalse(m.isNdp() && ip.hopLimit() != 255, "NDP is sent with hop limit 255 (RFC 4861 §7.1.1)");
            byte[] out = Arrays.copyOfRange(frame, ip.upperOffset(), ip.upperOffset() + ip.upperLength());
            m.toMessage().emit(out, 0, m.isNdp() ? 0 : m.payloadLength(), ip.src(), ip.dst());
            assertArrayEquals(Arrays.copyOfRange(frame, ip.upperOffset(), ip.upperOffset() + ip.upperLength()), out);
        }
    }
}
