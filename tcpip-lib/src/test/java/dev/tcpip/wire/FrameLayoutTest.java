package dev.tcpip.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The frame locator and the virtio-net header against frames and headers written byte by byte here. */
class FrameLayoutTest {

    @Test
    void findsTheHeadersAndFieldsOfATcpSegmentOverIpv4() {
        byte[] f = tcpIpv4(100);
        byte[] b = new byte[7 + f.length + 3];
        System.arraycopy(f, 0, b, 7, f.length);               // anywhere in a larger array
        FrameLayout l = new FrameLayout();
        assertTrue(l.locate(b, 7, f.length));
        assertEquals(4, l.ipVersion());
        assertEquals(7 + 14, l.ipOffset());
        assertEquals(20, l.ipHeaderLength());
        assertEquals(20 + 20 + 100, l.ipLength());
        assertEquals(7 + 34, l.l4Offset());
        assertEquals(120, l.l4Length());
        assertEquals(IpProtocol.TCP, l.protocol());
        assertTrue(l.isTcp());
        assertTrue(l.tcpHeaderFits());
        assertFalse(l.fragment());
        assertFalse(l.padded());
        assertEquals(0x1234, l.ipId());
        assertEquals(0x0102_0304L, l.seq());
        assertEquals(0x0a0b_0c0dL, l.ack());
        assertEquals(0x18, l.tcpFlags());
        assertEquals(0x2000, l.window());
        assertEquals(20, l.tcpHeaderLength());
        assertEquals(7 + 54, l.payloadOffset());
        assertEquals(100, l.payloadLength());
        assertEquals(54, l.headersLength());
        assertEquals(7 + 34 + 16, l.checksumOffset());
        assertEquals(16, l.checksumFieldOffset());
    }

    @Test
    void fixesTheLengthFlagsAndChecksumInPlace() {
        byte[] f = tcpIpv4(100);
        FrameLayout l = new FrameLayout();
        assertTrue(l.locate(f, 0, f.length));
        l.setIpLength(20 + 20 + 60);
        assertEquals(100, (f[16] & 0xff) << 8 | f[17] & 0xff, "total length");
        assertTrue(Checksum.verifies(Checksum.ones(f, 14, 20, 0)), "the IPv4 header checksum is made anew");
        assertEquals(80, l.l4Length());
        l.setTcpFlags(0x10);
        assertEquals(0x10, f[34 + 13]);
        l.setChecksum(0xbeef);
        assertEquals((byte) 0xbe, f[50]);
        assertEquals((byte) 0xef, f[51]);
        assertEquals(0xbeef, l.checksum());
    }

    @Test
    void refusesOrDowngradesWhatItCannotTrust() {
        FrameLayout l = new FrameLayout();
        assertFalse(l.locate(new byte[13], 0, 13), "a runt");
        assertEquals(0, l.ipVersion());
        byte[] arp = new byte[42];
        arp[12] = 0x08;
        arp[13] = 0x06;
        assertFalse(l.locate(arp, 0, arp.length));
        byte[] truncated = Arrays.copyOf(tcpIpv4(100), 14 + 20 + 10);
        assertFalse(l.locate(truncated, 0, truncated.length), "a total length beyond the frame");
        byte[] fragment = tcpIpv4(100);
        fragment[14 + 6] = 0x20;                              // more fragments
        assertTrue(l.locate(fragment, 0, fragment.length));
        assertTrue(l.fragment());
        assertFalse(l.isTcp());
        assertEquals(-1, l.checksumOffset());
        byte[] padded = Arrays.copyOf(tcpIpv4(0), 64);
        assertTrue(l.locate(padded, 0, padded.length));
        assertTrue(l.padded());
        assertEquals(0, l.payloadLength());
    }

    @Test
    void takesIpv6NextHeaderAsTheTransportAndDoesNotWalkExtensions() {
        byte[] udp = ipv6(IpProtocol.UDP, 30);
        FrameLayout l = new FrameLayout();
        assertTrue(l.locate(udp, 0, udp.length));
        assertEquals(6, l.ipVersion());
        assertEquals(54, l.l4Offset());
        assertEquals(30, l.l4Length());
        assertTrue(l.isUdp());
        assertEquals(54 + 6, l.checksumOffset());
        byte[] hopByHop = ipv6(0, 30);
        assertTrue(l.locate(hopByHop, 0, hopByHop.length));
        assertFalse(l.isTcp() || l.isUdp());
        assertEquals(-1, l.checksumOffset());
    }

    @Test
    void comparesTheHeadersThatSegmentationKeeps() {
        byte[] a = tcpIpv4(100);
        byte[] b = tcpIpv4(50);
        b[14 + 5] ^= 1;                                       // another identification
        b[34 + 7] ^= 1;                                       // another sequence number
        FrameLayout la = new FrameLayout();
        FrameLayout lb = new FrameLayout();
        assertTrue(la.locate(a, 0, a.length));
        assertTrue(lb.locate(b, 0, b.length));
        assertTrue(la.sameFlowHeaders(lb));
        b[34 + 15] ^= 1;                                      // another window
        assertFalse(la.sameFlowHeaders(lb));
    }

    @Test
    void theVirtioNetHeaderIsTenLittleEndianBytes() {
        VirtioNetHeader h = new VirtioNetHeader(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV6, 0x0156,
                0x05a0, 0x0036, 0x0010);
        byte[] b = new byte[12];
        h.write(b, 1);
        assertArrayEquals(new byte[] {0, 1, 4, 0x56, 0x01, (byte) 0xa0, 0x05, 0x36, 0, 0x10, 0, 0}, b);
        assertEquals(h, VirtioNetHeader.read(b, 1));
        assertEquals(1, VirtioNetHeader.flags(b, 1));
        assertEquals(4, VirtioNetHeader.gsoType(b, 1));
        VirtioNetHeader.NONE.write(b, 1);
        assertArrayEquals(new byte[12], b);
        assertEquals(VirtioNetHeader.needsChecksum(34, 16), new VirtioNetHeader(1, 0, 0, 0, 34, 16));
        assertThrows(IllegalArgumentException.class, () -> new VirtioNetHeader(0, 0, 0x1_0000, 0, 0, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> h.write(new byte[9], 0));
    }

    /** Ethernet, IPv4 (id 0x1234, DF), TCP (ACK|PSH, window 0x2000) and {@code payload} bytes. */
    private static byte[] tcpIpv4(int payload) {
        byte[] f = new byte[54 + payload];
        f[12] = 0x08;
        f[14] = 0x45;
        put16(f, 16, 40 + payload);
        put16(f, 18, 0x1234);
        f[20] = 0x40;
        f[22] = 64;
        f[23] = 6;
        put16(f, 24, Checksum.compute(f, 14, 20));
        put16(f, 34, 40000);
        put16(f, 36, 80);
        put16(f, 38, 0x0102);
        put16(f, 40, 0x0304);
        put16(f, 42, 0x0a0b);
        put16(f, 44, 0x0c0d);
        f[46] = 0x50;
        f[47] = 0x18;
        put16(f, 48, 0x2000);
        return f;
    }

    /** Ethernet, IPv6 with next header {@code next} and {@code payload} bytes after the fixed header. */
    private static byte[] ipv6(int next, int payload) {
        byte[] f = new byte[54 + payload];
        f[12] = (byte) 0x86;
        f[13] = (byte) 0xdd;
        f[14] = 0x60;
        put16(f, 18, payload);
        f[20] = (byte) next;
        f[21] = 64;
        return f;
    }

    private static void put16(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 8);
        b[i + 1] = (byte) v;
    }
}
