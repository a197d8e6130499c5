package dev.tcpip.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class Ipv6ExtensionChainTest {

    static final Ipv6Address A = Ipv6Address.parse("2001:db8::1");
    static final Ipv6Address B = Ipv6Address.parse("2001:db8::2");

    /** Fixed header, hop-by-hop (8), routing (16), fragment (8), destination options (8), then 8 bytes of UDP. */
    static byte[] fullChain() {
        List<Ipv6Extension> ext = List.of(
                new Ipv6Extension.HopByHop(Octets.of(new byte[] {5, 2, 0, 0, 1, 0})),
                new Ipv6Extension.Routing(0, 0, Octets.of(new byte[12])),
                new Ipv6Extension.Fragment(1208, true, 0x01020304),
                new Ipv6Extension.DestinationOptions(Octets.of(new byte[] {0, 1, 2, 0, 0, 0})));
        Ipv6Header h = new Ipv6Header(0, 0, 64, A, B, ext, IpProtocol.UDP, 8);
        byte[] b = new byte[h.length() + 8];
        h.emit(b, 0);
        return b;
    }

    @Test
    void walksEveryExtensionHeaderToTheUpperLayer() throws ParseException {
        byte[] b = fullChain();
        Ipv6ExtensionChain c = Ipv6ExtensionChain.of(b, 0, b.length);
        assertEquals(IpProtocol.HOP_BY_HOP, c.type());
        assertTrue(c.atExtension());
        assertEquals(40, c.offset());
        assertEquals(6, c.typeFieldOffset());
        assertEquals(8, c.length());
        assertEquals(IpProtocol.ROUTING, c.nextHeader());
        assertEquals(5, c.optionType(c.optionsOffset()));          // router alert
        assertEquals(46, c.nextOption(c.optionsOffset()));
        assertEquals(48, c.optionsEnd());

        c.advance();
        assertEquals(IpProtocol.ROUTING, c.type());
        assertEquals(48, c.offset());
        assertEquals(40, c.typeFieldOffset());
        assertEquals(16, c.length());
        assertEquals(0, c.routingType());
        assertEquals(0, c.segmentsLeft());
        assertEquals(50, c.routingTypeOffset());

        c.advance();
        assertEquals(IpProtocol.FRAGMENT, c.type());
        assertEquals(64, c.offset());
        assertEquals(8, c.length());
        assertEquals(1208, c.fragmentOffset());
        assertEquals(66, c.fragmentOffsetField());
        assertTrue(c.moreFragments());
        assertEquals(0x01020304, c.fragmentIdentification());

        c.advance();
        assertEquals(IpProtocol.DESTINATION_OPTIONS, c.type());
        assertEquals(72, c.offset());
        assertEquals(74, c.optionsOffset());
        assertEquals(75, c.nextOption(74));                        // Pad1 is one octet
        assertEquals(79, c.nextOption(75));                        // PadN with 2 bytes of data

        c.advance();
        assertFalse(c.atExtension());
        assertEquals(IpProtocol.UDP, c.type());
        assertEquals(80, c.offset());
        assertEquals(72, c.typeFieldOffset());
        assertEquals(0, c.length());
        assertThrows(IllegalStateException.class, c::advance);
        assertThrows(IllegalStateException.class, c::nextHeader);
    }

    @Test
    void aPacketWithoutExtensionsEndsAtOnce() throws ParseException {
        byte[] b = new byte[48];
        new Ipv6Header(0, 0, 64, A, B, List.of(), IpProtocol.TCP, 8).emit(b, 0);
        Ipv6ExtensionChain c = Ipv6ExtensionChain.of(b, 0, b.length);
        assertFalse(c.atExtension());
        assertEquals(IpProtocol.TCP, c.type());
        assertEquals(40, c.offset());
        assertEquals(6, c.typeFieldOffset());
    }

    @Test
    void anUnknownNextHeaderEndsTheChain() throws ParseException {
        byte[] b = fullChain();
        b[72] = (byte) 253;                       // destination options name an experimental protocol (RFC 3692)
        Ipv6ExtensionChain c = Ipv6ExtensionChain.of(b, 0, b.length);
        for (int i = 0; i < 4; i++) {
            c.advance();
        }
        assertFalse(c.atExtension());
        assertEquals(253, c.type());
        assertEquals(80, c.offset());
        assertEquals(72, c.typeFieldOffset());
    }

    @Test
    void truncatedAtEveryByteFailsTypedOrEndsCleanly() throws ParseException {
        byte[] b = fullChain();
        for (int len = 0; len < b.length; len++) {
            int n = len;
            if (len < 80) {
                // Some header of the chain does not fit: a typed error, never an index exception.
                ParseException e = assertThrows(ParseException.class, () -> walk(b, n), "length " + n);
                assertTrue(e.field().startsWith("ipv6."), e.field());
            } else {
                assertEquals(80, walk(b, n));    // the chain is whole; the upper layer is not the view's
            }
        }
    }

    @Test
    void aLongChainOfEmptyHeadersEndsWithTheBytes() throws ParseException {
        // A chain of destination options headers each naming another ("looping"): the walk ends at the end.
        byte[] b = new byte[40 + 8 * 20];
        new Ipv6Header(0, 0, 64, A, B, List.of(), IpProtocol.DESTINATION_OPTIONS, 8 * 20).emit(b, 0);
        for (int p = 40; p < b.length; p += 8) {
            b[p] = (byte) IpProtocol.DESTINATION_OPTIONS;
            b[p + 2] = 1;                         // PadN of 4
            b[p + 3] = 4;
        }
        Ipv6ExtensionChain c = Ipv6ExtensionChain.of(b, 0, b.length);
        ParseException e = assertThrows(ParseException.class, () -> {
            while (true) {
                c.advance();
            }
        });
        assertEquals("ipv6.extension", e.field());
        assertEquals(40 + 8 * 19, c.offset());   // the last whole header; the one it names is not there
    }

    @Test
    void aHeaderLengthPastTheEndIsRefused() {
        byte[] b = fullChain();
        b[49] = 10;                               // routing header claims 88 bytes
        ParseException e = assertThrows(ParseException.class, () -> walk(b, b.length));
        assertEquals("ipv6.extension", e.field());
    }

    @Test
    void resetReusesTheCursor() throws ParseException {
        byte[] b = fullChain();
        Ipv6ExtensionChain c = Ipv6ExtensionChain.of(b, 0, b.length);
        c.advance();
        c.reset(b, 0, b.length);
        assertEquals(IpProtocol.HOP_BY_HOP, c.type());
        assertEquals(40, c.offset());
    }

    @Test
    void knowsTheExtensionHeaders() {
        assertTrue(Ipv6ExtensionChain.isExtension(IpProtocol.HOP_BY_HOP));
        assertTrue(Ipv6ExtensionChain.isExtension(IpProtocol.ROUTING));
        assertTrue(Ipv6ExtensionChain.isExtension(IpProtocol.FRAGMENT));
        assertTrue(Ipv6ExtensionChain.isExtension(IpProtocol.DESTINATION_OPTIONS));
        assertFalse(Ipv6ExtensionChain.isExtension(IpProtocol.TCP));
        assertFalse(Ipv6ExtensionChain.isExtension(IpProtocol.NO_NEXT_HEADER));
    }

    private static int walk(byte[] b, int len) throws ParseException {
        Ipv6ExtensionChain c = Ipv6ExtensionChain.of(b, 0, len);
        while (c.atExtension()) {
            c.advance();
        }
        return c.offset();
    }
}
