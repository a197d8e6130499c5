package dev.tcpip.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.time.Seeds;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class EthernetArpIpv4Test {

    static final MacAddress A = MacAddress.parse("02:00:00:00:00:0a");
    static final MacAddress B = MacAddress.parse("02:00:00:00:00:0b");

    @Test
    void emitsAndParsesAnUntaggedEthernetHeader() throws ParseException {
        byte[] b = new byte[20];
        int end = new EthernetHeader(B, A, EtherType.IPV4).emit(b, 0);
        assertEquals(14, end);
        assertEquals("02000000000b02000000000a0800", Hex.of(b, 0, 14));
        EthernetView v = EthernetView.parse(b, 0, 20);
        assertEquals(B, v.dst());
        assertEquals(A, v.src());
        assertEquals(EtherType.IPV4, v.etherType());
        assertEquals(-1, v.vlanTci());
        assertEquals(14, v.payloadOffset());
        assertEquals(6, v.payloadLength());
    }

    @Test
    void emitUntaggedWritesWhatTheRecordWritesWithTheSameChecks() {
        byte[] fromRecord = new byte[20], fromBits = new byte[20];
        int end = new EthernetHeader(B, A, EtherType.ARP).emit(fromRecord, 3);
        assertEquals(end, EthernetHeader.emitUntagged(fromBits, 3, B.bits(), A.bits(), EtherType.ARP));
        assertArrayEquals(fromRecord, fromBits);
        assertThrows(IllegalArgumentException.class, () -> EthernetHeader.emitUntagged(fromBits, 0, -1, A.bits(),
                EtherType.IPV4));
        assertThrows(IllegalArgumentException.class, () -> EthernetHeader.emitUntagged(fromBits, 0, B.bits(), A.bits(),
                EtherType.VLAN));
        assertThrows(IndexOutOfBoundsException.class, () -> EthernetHeader.emitUntagged(fromBits, 7, B.bits(),
                A.bits(), EtherType.IPV4));
    }

    @Test
    void emitPlainWritesWhatTheIpv4RecordWritesWithTheSameChecks() {
        Ipv4Address src = Ipv4Address.parse("10.0.0.1"), dst = Ipv4Address.parse("192.168.7.9");
        byte[] fromRecord = new byte[64], plain = new byte[64];
        int end = new Ipv4Header(0, 3, 0xbeef, false, false, 0, 63, IpProtocol.TCP, src, dst, null, 33)
                .emit(fromRecord, 5);
        assertEquals(end, Ipv4Header.emitPlain(plain, 5, 3, 0xbeef, 63, IpProtocol.TCP, src, dst, 33));
        assertArrayEquals(fromRecord, plain);
        assertThrows(IllegalArgumentException.class, () -> Ipv4Header.emitPlain(plain, 0, 4, 1, 64, 6, src, dst, 1));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Header.emitPlain(plain, 0, 0, 1, 64, 6, src, dst,
                0xffff - 19));
        assertThrows(IndexOutOfBoundsException.class, () -> Ipv4Header.emitPlain(plain, 50, 0, 1, 64, 6, src, dst,
                1));
    }

    @Test
    void readsAn8021QTag() throws ParseException {
        byte[] b = Hex.bytes("ffffffffffff 02000000000a 8100 a00c 0806");
        EthernetView v = EthernetView.parse(b, 0, b.length);
        assertTrue(v.tagged());
        assertEquals(0xa00c, v.vlanTci());
        assertEquals(EtherType.ARP, v.etherType());
        assertEquals(18, v.payloadOffset());
        assertEquals(new EthernetHeader(MacAddress.BROADCAST, A, EtherType.ARP, 0xa00c), v.toHeader());
        byte[] out = new byte[18];
        v.toHeader().emit(out, 0);
        assertArrayEquals(b, out);
    }

    @Test
    void rejectsShortAnd8023Frames() {
        assertEquals("ethernet.header", assertThrows(ParseException.class,
                () -> EthernetView.parse(new byte[13], 0, 13)).field());
        byte[] b = Hex.bytes("ffffffffffff 02000000000a 8100 a00c");
        assertEquals("ethernet.vlan", assertThrows(ParseException.class, () -> EthernetView.parse(b, 0, b.length)).field());
        byte[] llc = Hex.bytes("ffffffffffff 02000000000a 0026");
        assertEquals("ethernet.type", assertThrows(ParseException.class, () -> EthernetView.parse(llc, 0, 14)).field());
    }

    @Test
    void emitsAnArpRequestAsRfc826Lays() throws ParseException {
        ArpPacket p = new ArpPacket(ArpPacket.REQUEST, A, Ipv4Address.parse("10.0.0.1"), MacAddress.ZERO,
                Ipv4Address.parse("10.0.0.2"));
        byte[] b = new byte[28];
        p.emit(b, 0);
        assertEquals("0001080006040001 02000000000a 0a000001 000000000000 0a000002".replace(" ", ""), Hex.of(b));
        assertEquals(p, ArpView.parse(b, 0, 28).toPacket());
    }

    @Test
    void rejectsArpForOtherHardwareOrOperation() {
        byte[] b = Hex.bytes("0006080006040001 02000000000a 0a000001 000000000000 0a000002");
        assertEquals("arp.htype", assertThrows(ParseException.class, () -> ArpView.parse(b, 0, 28)).field());
        byte[] c = Hex.bytes("0001080006040003 02000000000a 0a000001 000000000000 0a000002");
        assertEquals("arp.op", assertThrows(ParseException.class, () -> ArpView.parse(c, 0, 28)).field());
        assertEquals("arp.header", assertThrows(ParseException.class, () -> ArpView.parse(c, 0, 27)).field());
    }

    @Test
    void parsesAKnownIpv4Header() throws ParseException {
        byte[] b = new byte[0x73];
        System.arraycopy(Hex.bytes("45000073000040004011b861c0a80001c0a800c7"), 0, b, 0, 20);
        Ipv4View v = Ipv4View.parse(b, 0, b.length);
        assertEquals(20, v.headerLength());
        assertEquals(0x73, v.totalLength());
        assertTrue(v.dontFragment());
        assertFalse(v.isFragment());
        assertEquals(64, v.ttl());
        assertEquals(IpProtocol.UDP, v.protocol());
        assertEquals(Ipv4Address.parse("192.168.0.1"), v.src());
        assertEquals(Ipv4Address.parse("192.168.0.199"), v.dst());
        assertEquals(0x73 - 20, v.payloadLength());
        byte[] out = new byte[20];
        v.toHeader().emit(out, 0);
        assertEquals("45000073000040004011b861c0a80001c0a800c7", Hex.of(out));
    }

    @Test
    void carriesOptionsAndFragmentFields() throws ParseException {
        byte[] opts = Hex.bytes("94040000 01010100"); // router alert (RFC 2113), NOPs, EOL
        Ipv4Header h = new Ipv4Header(46, 2, 0x1234, false, true, 1480, 1, IpProtocol.ICMP,
                Ipv4Address.parse("10.0.0.1"), Ipv4Address.parse("224.0.0.22"), opts, 8);
        byte[] b = new byte[h.totalLength()];
        assertEquals(28, h.emit(b, 0));
        Ipv4View v = Ipv4View.parse(b, 0, b.length);
        assertEquals(28, v.headerLength());
        assertEquals(1480, v.fragmentOffset());
        assertTrue(v.moreFragments());
        assertTrue(v.isFragment());
        assertEquals(46, v.dscp());
        assertEquals(2, v.ecn());
        assertEquals(h, v.toHeader());
        assertEquals(0x47, b[0] & 0xff);
        assertEquals(0x2000 | 185, Bytes.u16(b, 6));
    }

    @Test
    void rejectsEachMalformedIpv4Field() {
        byte[] good = new byte[40];
        Ipv4Header.of(Ipv4Address.parse("10.0.0.1"), Ipv4Address.parse("10.0.0.2"), 6, 64, 1, 20).emit(good, 0);
        assertRejects("ipv4.header", good, 19, b -> { });
        assertRejects("ipv4.version", good, 40, b -> b[0] = 0x65);
        assertRejects("ipv4.ihl", good, 40, b -> b[0] = 0x44);
        assertRejects("ipv4.ihl", good, 40, b -> b[0] = 0x4f);
        assertRejects("ipv4.total_length", good, 40, b -> Bytes.put16(b, 2, 19));
        assertRejects("ipv4.total_length", good, 40, b -> Bytes.put16(b, 2, 41));
        assertRejects("ipv4.checksum", good, 40, b -> b[8] = 1);
        // an option whose length runs past the header
        assertRejects("ipv4.options", good, 40, b -> {
            b[0] = 0x46;
            Bytes.put32(b, 20, 0x07050000);
            Bytes.put16(b, 10, 0);
            Bytes.put16(b, 10, Checksum.compute(b, 0, 24));
        });
    }

    interface Mutation {
        void apply(byte[] b);
    }

    static void assertRejects(String field, byte[] good, int len, Mutation m) {
        byte[] b = good.clone();
        m.apply(b);
        assertEquals(field, assertThrows(ParseException.class, () -> Ipv4View.parse(b, 0, len)).field());
    }

    @Test
    void roundTripsRandomIpv4Headers() throws ParseException {
        long seed = Seeds.fromProperty();
        RandomGenerator r = Seeds.random(seed, "roundTripsRandomIpv4Headers");
        byte[] b = new byte[100];
        for (int i = 0; i < 20_000; i++) {
            byte[] opts = new byte[4 * r.nextInt(11)];
            java.util.Arrays.fill(opts, (byte) 1); // NOPs
            Ipv4Header h = new Ipv4Header(r.nextInt(64), r.nextInt(4), r.nextInt(0x10000), r.nextBoolean(),
                    r.nextBoolean(), 8 * r.nextInt(0x2000), r.nextInt(256), r.nextInt(256),
                    new Ipv4Address(r.nextInt()), new Ipv4Address(r.nextInt()), opts, r.nextInt(41));
            int end = h.emit(b, 0);
            assertEquals(h.length(), end, "seed " + seed);
            assertEquals(h, Ipv4View.parse(b, 0, h.totalLength()).toHeader(), "seed " + seed);
        }
    }

    @Test
    void roundTripsRandomEthernetAndArp() throws ParseException {
        long seed = Seeds.fromProperty();
        RandomGenerator r = Seeds.random(seed, "roundTripsRandomEthernetAndArp");
        byte[] b = new byte[64];
        for (int i = 0; i < 10_000; i++) {
            EthernetHeader e = new EthernetHeader(new MacAddress(r.nextLong(1L << 48)),
                    new MacAddress(r.nextLong(1L << 48)), r.nextInt(0x0600, 0x10000) == 0x8100 ? 0x0800 : 0x86dd,
                    r.nextBoolean() ? -1 : r.nextInt(0x10000));
            e.emit(b, 0);
            assertEquals(e, EthernetView.parse(b, 0, e.length()).toHeader(), "seed " + seed);
            ArpPacket a = new ArpPacket(1 + r.nextInt(2), new MacAddress(r.nextLong(1L << 48)),
                    new Ipv4Address(r.nextInt()), new MacAddress(r.nextLong(1L << 48)), new Ipv4Address(r.nextInt()));
            a.emit(b, 3);
            assertEquals(a, ArpView.parse(b, 3, 28).toPacket(), "seed " + seed);
        }
    }

    @Test
    void formatsAndParsesAddresses() {
        assertEquals("02:00:00:00:00:0a", A.toString());
        assertEquals("10.1.2.3", Ipv4Address.parse("10.1.2.3").toString());
        assertEquals("fe80::1", Ipv6Address.parse("fe80:0:0:0::1").toString());
        assertEquals("2001:db8::1:0:0:1", Ipv6Address.parse("2001:db8:0:0:1:0:0:1").toString());
        assertEquals("ff02::1:ff00:2", Ipv6Address.parse("fe80::2").solicitedNode().toString());
        assertEquals("fe80::ff:fe00:a", Ipv6Address.linkLocal(A).toString());
        assertEquals(Ipv6Address.parse("2001:db8::5"), Ipv6Address.of(Ipv6Address.parse("2001:db8::5").toInetAddress()));
        assertEquals(Ipv4Address.parse("192.0.2.1"), Ipv4Address.of(Ipv4Address.parse("192.0.2.1").toInetAddress()));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse("1.2.3.256"));
        assertThrows(IllegalArgumentException.class, () -> Ipv6Address.parse("example.com"));
    }
}
