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

class TransportTest {

    static final Ipv4Address SRC = Ipv4Address.parse("10.0.0.1");
    static final Ipv4Address DST = Ipv4Address.parse("10.0.0.2");
    static final Ipv6Address SRC6 = Ipv6Address.parse("fd00::1");
    static final Ipv6Address DST6 = Ipv6Address.parse("fd00::2");

    @Test
    void emitsUdpWithTheIpv4PseudoHeaderChecksum() throws ParseException {
        byte[] b = new byte[12];
        System.arraycopy(Hex.bytes("68690a00"), 0, b, 8, 4); // "hi\n\0"
        new UdpHeader(5000, 53, 4).emitIpv4(b, 0, SRC, DST);
        long pseudo = Checksum.pseudoIpv4(SRC.bits(), DST.bits(), 17, 12);
        long naive = pseudo + 5000 + 53 + 12 + 0x6869 + 0x0a00;
        assertEquals("1388 0035 000c " + String.format("%04x", Checksum.finish(naive)) + " 68690a00",
                Hex.of(b).replaceAll("(.{4})(.{4})(.{4})(.{4})(.*)", "$1 $2 $3 $4 $5"));
        UdpView v = UdpView.parseIpv4(b, 0, 12, SRC.bits(), DST.bits());
        assertEquals(5000, v.srcPort());
        assertEquals(53, v.dstPort());
        assertEquals(8, v.payloadOffset());
        assertEquals(4, v.payloadLength());
        assertEquals(new UdpHeader(5000, 53, 4), v.toHeader());
    }

    @Test
    void acceptsAZeroUdpChecksumOverIpv4OnlyAndRejectsABadOne() throws ParseException {
        byte[] b = Hex.bytes("1388 0035 0008 0000");
        assertEquals(0, UdpView.parseIpv4(b, 0, 8, SRC.bits(), DST.bits()).payloadLength());
        assertEquals("udp.checksum", assertThrows(ParseException.class,
                () -> UdpView.parseIpv6(b, 0, 8, SRC6, DST6)).field());
        byte[] bad = Hex.bytes("1388 0035 0008 1234");
        assertEquals("udp.checksum", assertThrows(ParseException.class,
                () -> UdpView.parseIpv4(bad, 0, 8, SRC.bits(), DST.bits())).field());
        byte[] longLen = Hex.bytes("1388 0035 0009 0000");
        assertEquals("udp.length", assertThrows(ParseException.class,
                () -> UdpView.parseIpv4(longLen, 0, 8, SRC.bits(), DST.bits())).field());
    }

    @Test
    void sendsAComputedZeroUdpChecksumAsAllOnes() throws ParseException {
        // Find a payload word that makes the sum all ones, so the computed checksum is zero (RFC 768).
        byte[] b = new byte[10];
        new UdpHeader(1, 2, 2).emitIpv4(b, 0, SRC, DST);
        int c = Bytes.u16(b, 6);
        Bytes.put16(b, 8, c); // adding the old checksum to the data makes the new sum 0xffff
        new UdpHeader(1, 2, 2).emitIpv4(b, 0, SRC, DST);
        assertEquals(0xffff, Bytes.u16(b, 6));
        UdpView.parseIpv4(b, 0, 10, SRC.bits(), DST.bits());
    }

    @Test
    void emitsASynWithAllOptionsAndReadsThemBack() throws ParseException {
        TcpHeader syn = new TcpHeader(40000, 80, 0x01020304, 0, TcpHeader.SYN | TcpHeader.ECE | TcpHeader.CWR,
                64240, 0, TcpOptions.syn(1460, 7, true, 0x11223344), 0);
        byte[] b = new byte[syn.segmentLength()];
        assertEquals(40, syn.emitIpv4(b, 0, SRC, DST));
        assertEquals("9c400050 01020304 00000000 a0c2 faf0", Hex.of(b, 0, 16).replaceAll("(.{8})(.{8})(.{8})(.{4})(.{4})", "$1 $2 $3 $4 $5"));
        assertEquals("020405b4 0402080a 11223344 00000000 01030307",
                Hex.of(b, 20, 20).replaceAll("(.{8})(?=.)", "$1 "));
        TcpView v = TcpView.parseIpv4(b, 0, b.length, SRC.bits(), DST.bits());
        assertEquals(1460, v.mss());
        assertEquals(7, v.windowScale());
        assertTrue(v.sackPermitted());
        assertTrue(v.hasTimestamps());
        assertEquals(0x11223344, v.tsVal());
        assertEquals(0, v.tsEcr());
        assertTrue(v.has(TcpHeader.SYN) && v.has(TcpHeader.ECE) && v.has(TcpHeader.CWR));
        assertFalse(v.has(TcpHeader.ACK));
        assertEquals(syn, v.toHeader());
    }

    @Test
    void readsSackBlocksAndSkipsUnknownOptions() throws ParseException {
        // NOP NOP kind 254 (experimental, 4 bytes), SACK with two blocks, NOP NOP
        byte[] h = Hex.bytes("0001 0002 00000001 00000002 9010 1000 0000 0000"
                + "0101 fe04 abcd 0101 0512 00000010 00000020 00000030 00000040 0101");
        h[12] = (byte) ((h.length / 4) << 4);
        Bytes.put16(h, 16, Checksum.finish(Checksum.ones(h, 0, h.length,
                Checksum.pseudoIpv4(SRC.bits(), DST.bits(), 6, h.length))));
        TcpView v = TcpView.parseIpv4(h, 0, h.length, SRC.bits(), DST.bits());
        assertEquals(2, v.sackBlockCount());
        assertEquals(0x10, v.sackLeft(0));
        assertEquals(0x20, v.sackRight(0));
        assertEquals(0x40, v.sackRight(1));
        assertEquals(-1, v.mss());
        assertEquals(List.of(new TcpOptions.SackBlock(0x10, 0x20), new TcpOptions.SackBlock(0x30, 0x40)),
                v.toOptions().sackBlocks());
    }

    @Test
    void packsOptionsWithoutNopsWhenAlignedTheyWouldNotFit() throws ParseException {
        TcpOptions o = new TcpOptions(1460, -1, false, true, 7, 8, List.of(new TcpOptions.SackBlock(1, 2),
                new TcpOptions.SackBlock(3, 4), new TcpOptions.SackBlock(5, 6)));
        assertEquals(40, o.length());
        TcpHeader t = new TcpHeader(1, 2, 3, 4, TcpHeader.ACK, 5, 0, o, 0);
        byte[] b = new byte[t.segmentLength()];
        t.emitIpv4(b, 0, SRC, DST);
        assertEquals("020405b4 080a0000 00070000 0008051a", Hex.of(b, 20, 16).replaceAll("(.{8})(?=.)", "$1 "));
        assertEquals(t, TcpView.parseIpv4(b, 0, b.length, SRC.bits(), DST.bits()).toHeader());
    }

    @Test
    void rejectsMalformedTcpOptions() {
        assertTcpRejects("0201 0000"); // length 1
        assertTcpRejects("fe00 0000"); // length 0
        assertTcpRejects("0101 0106"); // runs past the header
        assertTcpRejects("0101 0102"); // kind 2 in the last octet: no length octet
        assertTcpRejects("0203 0000"); // MSS with length 3
        assertTcpRejects("0505 0000 0000 0000"); // SACK length 5
        assertTcpRejects("0101 0502"); // SACK length 2: no block
        assertTcpRejects("0101 080a 0000 0000"); // timestamps length 10 past the header
        assertTcpRejects("0101 0101 0101 0303"); // last option runs past
    }

    static void assertTcpRejects(String options) {
        byte[] opts = Hex.bytes(options);
        byte[] h = new byte[20 + opts.length];
        System.arraycopy(opts, 0, h, 20, opts.length);
        h[12] = (byte) ((h.length / 4) << 4);
        Bytes.put16(h, 16, Checksum.finish(Checksum.ones(h, 0, h.length,
                Checksum.pseudoIpv4(SRC.bits(), DST.bits(), 6, h.length))));
        assertEquals("tcp.options", assertThrows(ParseException.class,
                () -> TcpView.parseIpv4(h, 0, h.length, SRC.bits(), DST.bits()), options).field());
    }

    @Test
    void rejectsBadTcpOffsetsAndChecksum() {
        byte[] b = new byte[24];
        new TcpHeader(1, 2, 3, 4, TcpHeader.ACK, 5, 0, TcpOptions.NONE, 4).emitIpv4(b, 0, SRC, DST);
        assertEquals("tcp.checksum", assertThrows(ParseException.class,
                () -> TcpView.parseIpv4(b, 0, 24, SRC.bits(), DST.bits() + 1)).field());
        assertEquals("tcp.header", assertThrows(ParseException.class,
                () -> TcpView.parseIpv4(b, 0, 19, SRC.bits(), DST.bits())).field());
        b[12] = 0x40;
        assertEquals("tcp.data_offset", assertThrows(ParseException.class,
                () -> TcpView.parseIpv4(b, 0, 24, SRC.bits(), DST.bits())).field());
        b[12] = 0x60;
        assertEquals("tcp.data_offset", assertThrows(ParseException.class,
                () -> TcpView.parseIpv4(b, 0, 23, SRC.bits(), DST.bits())).field());
    }

    static TcpOptions randomOptions(RandomGenerator r) {
        while (true) {
            boolean ts = r.nextBoolean();
            List<TcpOptions.SackBlock> blocks = new ArrayList<>();
            int n = r.nextInt(5);
            for (int i = 0; i < n; i++) {
                blocks.add(new TcpOptions.SackBlock(r.nextInt(), r.nextInt()));
            }
            int mss = r.nextBoolean() ? -1 : r.nextInt(0x10000);
            int ws = r.nextBoolean() ? -1 : r.nextInt(15);
            boolean sackp = r.nextBoolean();
            try {
                return new TcpOptions(mss, ws, sackp, ts, ts ? r.nextInt() : 0, ts ? r.nextInt() : 0, blocks);
            } catch (IllegalArgumentException tooLong) {
                // drew more than 40 option bytes: draw again (a few tries at most)
            }
        }
    }

    @Test
    void roundTripsRandomTcpAndUdpOverIpv4AndIpv6() throws ParseException {
        long seed = Seeds.fromProperty();
        RandomGenerator r = Seeds.random(seed, "roundTripsRandomTcpAndUdpOverIpv4AndIpv6");
        byte[] b = new byte[200];
        for (int i = 0; i < 20_000; i++) {
            TcpHeader t = new TcpHeader(r.nextInt(0x10000), r.nextInt(0x10000), r.nextInt(), r.nextInt(),
                    r.nextInt(256), r.nextInt(0x10000), r.nextInt(0x10000), randomOptions(r), r.nextInt(50));
            r.nextBytes(b);
            if (r.nextBoolean()) {
                t.emitIpv4(b, 1, SRC, DST);
                assertEquals(t, TcpView.parseIpv4(b, 1, t.segmentLength(), SRC.bits(), DST.bits()).toHeader(),
                        "seed " + seed);
            } else {
                t.emitIpv6(b, 1, SRC6, DST6);
                assertEquals(t, TcpView.parseIpv6(b, 1, t.segmentLength(), SRC6, DST6).toHeader(), "seed " + seed);
            }
            UdpHeader u = new UdpHeader(r.nextInt(0x10000), r.nextInt(0x10000), r.nextInt(100));
            u.emitIpv6(b, 3, SRC6, DST6);
            assertEquals(u, UdpView.parseIpv6(b, 3, u.totalLength(), SRC6, DST6).toHeader(), "seed " + seed);
        }
    }
}
