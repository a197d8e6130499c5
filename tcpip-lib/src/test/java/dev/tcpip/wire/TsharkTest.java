package dev.tcpip.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tcpip.device.PcapWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Frames built by this package's records, written with {@link PcapWriter}, read back by Wireshark's
 * tshark with checksum validation on: no malformed packet, every checksum good, and the decoded fields
 * equal the records'. Skips without tshark, except under CI=true where it must be there.
 */
public class TsharkTest {

    static final MacAddress A = MacAddress.parse("02:00:00:00:00:0a");
    static final MacAddress B = MacAddress.parse("02:00:00:00:00:0b");
    static final Ipv4Address IP_A = Ipv4Address.parse("192.0.2.1");
    static final Ipv4Address IP_B = Ipv4Address.parse("192.0.2.2");
    static final Ipv6Address IP6_A = Ipv6Address.parse("2001:db8::a");
    static final Ipv6Address IP6_B = Ipv6Address.parse("2001:db8::b");

    static final String[] FIELDS = {"eth.src", "eth.dst", "vlan.id", "arp.opcode", "arp.src.proto_ipv4",
        "arp.dst.proto_ipv4", "ip.src", "ip.dst", "ip.ttl", "ip.id", "icmp.type", "icmp.ident", "icmp.seq",
        "udp.srcport", "udp.dstport", "udp.length", "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw",
        "tcp.flags", "tcp.window_size_value", "tcp.options.mss_val", "tcp.options.wscale.shift",
        "tcp.options.timestamp.tsval", "tcp.options.timestamp.tsecr", "tcp.options.sack_le", "ipv6.src", "ipv6.dst",
        "ipv6.hlim", "icmpv6.type", "icmpv6.nd.ns.target_address", "icmpv6.nd.na.target_address",
        "icmpv6.opt.linkaddr", "icmpv6.echo.identifier",
        "ip.checksum.status", "icmp.checksum.status", "udp.checksum.status", "tcp.checksum.status",
        "icmpv6.checksum.status", "_ws.malformed", "_ws.expert.severity"};

    /** A frame and the fields tshark must decode from it (field name -> text); other fields must be empty. */
    record Built(byte[] frame, java.util.Map<String, String> expected) {
    }

    static final class Frame {
        final byte[] buf = new byte[1600];
        int len;
        final java.util.Map<String, String> expected = new java.util.HashMap<>();

        Frame eth(EthernetHeader h) {
            len = h.emit(buf, 0);
            expected.put("eth.src", h.src().toString());
            expected.put("eth.dst", h.dst().toString());
            if (h.vlanTci() != EthernetHeader.UNTAGGED) {
                expected.put("vlan.id", Integer.toString(h.vlanTci() & 0xfff));
            }
            return this;
        }

        Frame ipv4(Ipv4Header h) {
            h.emit(buf, len);
            expected.put("ip.src", h.src().toString());
            expected.put("ip.dst", h.dst().toString());
            expected.put("ip.ttl", Integer.toString(h.ttl()));
            expected.put("ip.id", String.format("0x%04x", h.identification()));
            expected.put("ip.checksum.status", "1");
            return this;
        }

        Frame ipv6(Ipv6Header h) {
            h.emit(buf, len);
            expected.put("ipv6.src", h.src().toString());
            expected.put("ipv6.dst", h.dst().toString());
            expected.put("ipv6.hlim", Integer.toString(h.hopLimit()));
            return this;
        }

        Built done(int total) {
            return new Built(java.util.Arrays.copyOf(buf, total), expected);
        }
    }

    static List<Built> frames() {
        List<Built> list = new ArrayList<>();
        // ARP request
        Frame arp = new Frame().eth(new EthernetHeader(MacAddress.BROADCAST, A, EtherType.ARP));
        new ArpPacket(ArpPacket.REQUEST, A, IP_A, MacAddress.ZERO, IP_B).emit(arp.buf, 14);
        arp.expected.putAll(java.util.Map.of("arp.opcode", "1", "arp.src.proto_ipv4", IP_A.toString(),
                "arp.dst.proto_ipv4", IP_B.toString()));
        list.add(arp.done(42));
        // ICMP echo request with 16 bytes of data, VLAN-tagged
        Frame ping = new Frame().eth(new EthernetHeader(B, A, EtherType.IPV4, 0x2005));
        int icmpAt = 18 + 20;
        for (int i = 0; i < 16; i++) {
            ping.buf[icmpAt + 8 + i] = (byte) i;
        }
        new Icmpv4Message.Echo(false, 0x4242, 3).emit(ping.buf, icmpAt, 16);
        ping.ipv4(Ipv4Header.of(IP_A, IP_B, IpProtocol.ICMP, 64, 0x1111, 24));
        ping.expected.putAll(java.util.Map.of("icmp.type", "8", "icmp.ident", "16962", "icmp.seq", "3",
                "icmp.checksum.status", "1"));
        list.add(ping.done(icmpAt + 24));
        // UDP over IPv4
        Frame udp = new Frame().eth(new EthernetHeader(B, A, EtherType.IPV4));
        byte[] text = "tcpip wire\n".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, udp.buf, 42, text.length);
        UdpHeader uh = new UdpHeader(40000, 50001, text.length);
        uh.emitIpv4(udp.buf, 34, IP_A, IP_B);
        udp.ipv4(Ipv4Header.of(IP_A, IP_B, IpProtocol.UDP, 1, 0x2222, uh.totalLength()));
        udp.expected.putAll(java.util.Map.of("udp.srcport", "40000", "udp.dstport", "50001", "udp.length",
                Integer.toString(uh.totalLength()), "udp.checksum.status", "1"));
        list.add(udp.done(34 + uh.totalLength()));
        // TCP handshake over IPv4 with every option
        TcpHeader[] segs = {
            new TcpHeader(40001, 80, 1000, 0, TcpHeader.SYN | TcpHeader.ECE | TcpHeader.CWR, 64240, 0,
                    TcpOptions.syn(1460, 7, true, 111), 0),
            new TcpHeader(80, 40001, 5000, 1001, TcpHeader.SYN | TcpHeader.ACK | TcpHeader.ECE, 65160, 0,
                    new TcpOptions(1400, 9, true, true, 222, 111, List.of()), 0),
            new TcpHeader(40001, 80, 1001, 5001, TcpHeader.ACK, 502, 0,
                    new TcpOptions(-1, -1, false, true, 112, 222, List.of()), 0),
            new TcpHeader(80, 40001, 5001, 1001, TcpHeader.ACK, 510, 0, new TcpOptions(-1, -1, false, true, 223, 112,
                    List.of(new TcpOptions.SackBlock(2001, 3001), new TcpOptions.SackBlock(4001, 5001))), 0)};
        for (int i = 0; i < segs.length; i++) {
            TcpHeader t = segs[i];
            boolean fromA = t.srcPort() == 40001;
            Frame f = new Frame().eth(new EthernetHeader(fromA ? B : A, fromA ? A : B, EtherType.IPV4));
            t.emitIpv4(f.buf, 34, fromA ? IP_A : IP_B, fromA ? IP_B : IP_A);
            f.ipv4(Ipv4Header.of(fromA ? IP_A : IP_B, fromA ? IP_B : IP_A, IpProtocol.TCP, 64, 0x3000 + i, t.segmentLength()));
            var e = f.expected;
            e.put("tcp.srcport", Integer.toString(t.srcPort()));
            e.put("tcp.dstport", Integer.toString(t.dstPort()));
            e.put("tcp.seq_raw", Integer.toUnsignedString(t.seq()));
            e.put("tcp.ack_raw", Integer.toUnsignedString(t.ack()));
            e.put("tcp.flags", String.format("0x%04x", t.flags()));
            e.put("tcp.window_size_value", Integer.toString(t.window()));
            TcpOptions o = t.options();
            if (o.mss() >= 0) {
                e.put("tcp.options.mss_val", Integer.toString(o.mss()));
            }
            if (o.windowScale() >= 0) {
                e.put("tcp.options.wscale.shift", Integer.toString(o.windowScale()));
            }
            if (o.timestamps()) {
                e.put("tcp.options.timestamp.tsval", Integer.toUnsignedString(o.tsVal()));
                e.put("tcp.options.timestamp.tsecr", Integer.toUnsignedString(o.tsEcr()));
            }
            if (!o.sackBlocks().isEmpty()) {
                // tshark shows SACK edges relative to the ACK's sequence space: raw minus the peer's ISN
                StringBuilder s = new StringBuilder();
                for (TcpOptions.SackBlock b : o.sackBlocks()) {
                    s.append(s.isEmpty() ? "" : ",").append(b.left() - 1000);
                }
                e.put("tcp.options.sack_le", s.toString());
            }
            e.put("tcp.checksum.status", "1");
            list.add(f.done(34 + t.segmentLength()));
        }
        // IPv6: neighbor solicitation, neighbor advertisement, echo request, UDP
        Ipv6Address llA = Ipv6Address.linkLocal(A);
        Ipv6Address llB = Ipv6Address.linkLocal(B);
        Icmpv6Message ns = new Icmpv6Message.NeighborSolicitation(llB, List.of(new NdpOption.SourceLinkLayerAddress(A)));
        Icmpv6Message na = new Icmpv6Message.NeighborAdvertisement(false, true, true, llB,
                List.of(new NdpOption.TargetLinkLayerAddress(B)));
        Icmpv6Message echo6 = new Icmpv6Message.Echo(false, 0x77, 1);
        Object[][] v6 = {{ns, llA, llB.solicitedNode()}, {na, llB, llA}, {echo6, IP6_A, IP6_B}};
        for (Object[] m : v6) {
            Icmpv6Message msg = (Icmpv6Message) m[0];
            Ipv6Address src = (Ipv6Address) m[1];
            Ipv6Address dst = (Ipv6Address) m[2];
            MacAddress dmac = dst.isMulticast() ? MacAddress.ipv6Multicast(dst) : src.equals(llA) || src.equals(IP6_A) ? B : A;
            Frame f = new Frame().eth(new EthernetHeader(dmac, src.equals(llB) ? B : A, EtherType.IPV6));
            int payload = msg instanceof Icmpv6Message.Echo ? 8 : 0;
            msg.emit(f.buf, 54, payload, src, dst);
            f.ipv6(Ipv6Header.of(src, dst, IpProtocol.ICMPV6, 255, msg.length() + payload));
            f.expected.put("icmpv6.type", Integer.toString(msg.type()));
            f.expected.put("icmpv6.checksum.status", "1");
            switch (msg) {
                case Icmpv6Message.NeighborSolicitation s -> {
                    f.expected.put("icmpv6.nd.ns.target_address", s.target().toString());
                    f.expected.put("icmpv6.opt.linkaddr", A.toString());
                }
                case Icmpv6Message.NeighborAdvertisement a -> {
                    f.expected.put("icmpv6.nd.na.target_address", a.target().toString());
                    f.expected.put("icmpv6.opt.linkaddr", B.toString());
                }
                case Icmpv6Message.Echo e -> f.expected.put("icmpv6.echo.identifier", String.format("0x%04x", e.identifier()));
                default -> throw new AssertionError(msg);
            }
            list.add(f.done(54 + msg.length() + payload));
        }
        Frame udp6 = new Frame().eth(new EthernetHeader(B, A, EtherType.IPV6));
        System.arraycopy(text, 0, udp6.buf, 62, text.length);
        uh.emitIpv6(udp6.buf, 54, IP6_A, IP6_B);
        udp6.ipv6(Ipv6Header.of(IP6_A, IP6_B, IpProtocol.UDP, 64, uh.totalLength()));
        udp6.expected.putAll(java.util.Map.of("udp.srcport", "40000", "udp.dstport", "50001", "udp.length",
                Integer.toString(uh.totalLength()), "udp.checksum.status", "1"));
        list.add(udp6.done(54 + uh.totalLength()));
        return list;
    }

    /** The tshark on the PATH, or null. */
    public static Path tshark() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, "tshark");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    @Test
    void tsharkDecodesBuiltFramesWithGoodChecksumsAndTheRecordsFields(@TempDir Path dir) throws Exception {
        Path tshark = tshark();
        if (tshark == null) {
            if ("true".equals(System.getenv("CI"))) {
                fail("tshark is not installed; CI must install it (apt-get install tshark)");
            }
            Assumptions.abort("tshark is not installed (apt-get install tshark): skipping the Wireshark cross-check");
        }
        List<Built> built = frames();
        Path file = dir.resolve("built.pcap");
        try (PcapWriter w = PcapWriter.open(file, PcapWriter.LinkType.ETHERNET, PcapWriter.Precision.NANOS)) {
            long t = 1_700_000_000_000_000_000L;
            for (Built b : built) {
                w.write(t, b.frame(), 0, b.frame().length);
                t += 1_000_000;
            }
        }
        List<String> cmd = new ArrayList<>(List.of(tshark.toString(), "-n", "-r", file.toString(),
                "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
                "-o", "tcp.relative_sequence_numbers:TRUE", "-T", "fields", "-E", "separator=|", "-E", "occurrence=a",
                "-E", "aggregator=,"));
        for (String f : FIELDS) {
            cmd.add("-e");
            cmd.add(f);
        }
        Process p = new ProcessBuilder(cmd).redirectError(dir.resolve("stderr").toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "tshark finished within 60 s");
        assertEquals(0, p.exitValue(), () -> "tshark failed: " + read(dir.resolve("stderr")));
        String[] lines = new String(out, StandardCharsets.UTF_8).split("\n");
        assertEquals(built.size(), lines.length, String.join("\n", lines));
        for (int i = 0; i < lines.length; i++) {
            String[] cols = lines[i].split("\\|", -1);
            assertEquals(FIELDS.length, cols.length, lines[i]);
            java.util.Map<String, String> exp = built.get(i).expected();
            for (int c = 0; c < FIELDS.length; c++) {
                String field = FIELDS[c];
                if (field.equals("_ws.expert.severity")) {
                    for (String sev : cols[c].split(",")) {
                        // 0x600000 warning, 0x800000 error: only chat/note (e.g. "connection establish request")
                        assertTrue(sev.isEmpty() || Integer.parseInt(sev) < 0x600000,
                                "frame " + (i + 1) + " has expert severity " + sev + ": " + lines[i]);
                    }
                    continue;
                }
                assertEquals(exp.getOrDefault(field, ""), cols[c], "frame " + (i + 1) + " field " + field);
            }
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
