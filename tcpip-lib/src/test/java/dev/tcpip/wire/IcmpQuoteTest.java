package dev.tcpip.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class IcmpQuoteTest {

    static final Ipv4Address V4A = Ipv4Address.parse("10.0.0.1");
    static final Ipv4Address V4B = Ipv4Address.parse("10.0.0.9");
    static final Ipv6Address V6A = Ipv6Address.parse("2001:db8::1");
    static final Ipv6Address V6B = Ipv6Address.parse("2001:db8::2");
    static final byte[] TCP_PREFIX = {0x13, (byte) 0x88, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04};

    /** RFC 792: an IPv4 header with 8 bytes of its TCP header, the rest cut off. */
    static byte[] ipv4Quote() {
        Ipv4Header h = Ipv4Header.of(V4A, V4B, IpProtocol.TCP, 64, 7, 1000);
        byte[] b = new byte[20 + 8];
        h.emit(b, 0);
        System.arraycopy(TCP_PREFIX, 0, b, 20, 8);
        return b;
    }

    /** RFC 4443 §2.4(c): an IPv6 header, a hop-by-hop and a fragment header, then 8 bytes of TCP. */
    static byte[] ipv6Quote() {
        Ipv6Header h = new Ipv6Header(0, 0, 64, V6A, V6B, List.of(
                new Ipv6Extension.HopByHop(Octets.of(new byte[] {1, 4, 0, 0, 0, 0})),
                new Ipv6Extension.Fragment(0, true, 9)), IpProtocol.TCP, 1000);
        byte[] b = new byte[40 + 16 + 8];
        h.emit(b, 0);
        System.arraycopy(TCP_PREFIX, 0, b, 56, 8);
        return b;
    }

    @Test
    void readsAnIpv4Quote() throws ParseException {
        byte[] b = ipv4Quote();
        IcmpQuote q = IcmpQuote.ipv4(b, 0, b.length);
        assertEquals(V4A, q.src());
        assertEquals(V4B, q.dst());
        assertEquals(IpProtocol.TCP, q.protocol());
        assertEquals(20, q.transportOffset());
        assertEquals(8, q.transportLength());
        assertArrayEquals(TCP_PREFIX, q.transport());
        assertEquals(0x13, q.firstTransportByte());
    }

    @Test
    void readsAnIpv6QuoteSkippingItsExtensionHeaders() throws ParseException {
        byte[] b = ipv6Quote();
        IcmpQuote q = IcmpQuote.ipv6(b, 0, b.length, 16);
        assertEquals(V6A, q.src());
        assertEquals(V6B, q.dst());
        assertEquals(IpProtocol.TCP, q.protocol());
        assertEquals(56, q.transportOffset());
        assertEquals(8, q.transportLength());
        assertArrayEquals(TCP_PREFIX, q.transport());
    }

    @Test
    void theFixedHeaderAloneDoesNotWalkTheChain() throws ParseException {
        byte[] b = ipv6Quote();
        IcmpQuote q = IcmpQuote.ipv6FixedHeader(b, 0, 41);     // the chain is cut: still the addresses
        assertEquals(V6A, q.src());
        assertEquals(V6B, q.dst());
        assertEquals(IpProtocol.HOP_BY_HOP, q.protocol());
        assertEquals(40, q.transportOffset());
        assertThrows(ParseException.class, () -> IcmpQuote.ipv6FixedHeader(b, 0, 39));
    }

    @Test
    void readsTheFieldsOfTheQuotedTransportPrefix() {
        assertEquals(5000, IcmpQuote.srcPort(TCP_PREFIX));
        assertEquals(80, IcmpQuote.dstPort(TCP_PREFIX));
        assertEquals(0x01020304, IcmpQuote.tcpSequence(TCP_PREFIX));
        byte[] echo = {(byte) 128, 0, 0x12, 0x34, 0x00, 0x07, 0x00, 0x09};
        assertEquals(128, IcmpQuote.icmpType(echo));
        assertEquals(7, IcmpQuote.echoIdentifier(echo));
        assertEquals(9, IcmpQuote.echoSequence(echo));
    }

    @Test
    void shortTransportPrefixesReadAsAbsent() {
        for (int n = 0; n < 8; n++) {
            byte[] t = java.util.Arrays.copyOf(TCP_PREFIX, n);
            assertEquals(n >= 2 ? 5000 : -1, IcmpQuote.srcPort(t));
            assertEquals(n >= 4 ? 80 : -1, IcmpQuote.dstPort(t));
            assertEquals(n >= 1 ? 0x13 : -1, IcmpQuote.icmpType(t));
            assertEquals(n >= 6 ? 0x0102 : -1, IcmpQuote.echoIdentifier(t));
            assertEquals(-1, IcmpQuote.echoSequence(t));
            assertEquals(0, IcmpQuote.tcpSequence(t));
        }
    }

    @Test
    void anIpv4QuoteTruncatedAtEveryByte() throws ParseException {
        byte[] b = ipv4Quote();
        for (int len = 0; len <= b.length; len++) {
            int n = len;
            if (len < 20) {
                assertThrows(ParseException.class, () -> IcmpQuote.ipv4(b, 0, n), "length " + n);
            } else {
                IcmpQuote q = IcmpQuote.ipv4(b, 0, n);
                assertEquals(n - 20, q.transportLength());
                assertEquals(n > 20 ? 0x13 : -1, q.firstTransportByte());
            }
        }
    }

    @Test
    void anIpv6QuoteTruncatedAtEveryByte() throws ParseException {
        byte[] b = ipv6Quote();
        for (int len = 0; len <= b.length; len++) {
            int n = len;
            if (len < 56) {
                ParseException e = assertThrows(ParseException.class, () -> IcmpQuote.ipv6(b, 0, n, 16),
                        "length " + n);
                assertTrue(e.field().startsWith("ipv6."), e.field());
            } else {
                IcmpQuote q = IcmpQuote.ipv6(b, 0, n, 16);
                assertEquals(n - 56, q.transportLength());
                assertEquals(IpProtocol.TCP, q.protocol());
            }
        }
    }

    @Test
    void notAnIpv4Header() {
        byte[] b = ipv4Quote();
        b[0] = 0x65;                                            // version 6
        assertEquals("ipv4.version", assertThrows(ParseException.class, () -> IcmpQuote.ipv4(b, 0, b.length))
                .field());
    }

    @Test
    void tooManyQuotedExtensionHeadersAreRefused() throws ParseException {
        // A quoted chain of destination options headers each naming another: more than allowed is an error.
        byte[] b = new byte[40 + 8 * 20 + 8];
        new Ipv6Header(0, 0, 64, V6A, V6B, List.of(), IpProtocol.DESTINATION_OPTIONS, 8 * 21).emit(b, 0);
        for (int i = 0; i < 20; i++) {
            int p = 40 + 8 * i;
            b[p] = (byte) (i < 19 ? IpProtocol.DESTINATION_OPTIONS : IpProtocol.UDP);
            b[p + 2] = 1;
            b[p + 3] = 4;
        }
        assertEquals(IpProtocol.UDP, IcmpQuote.ipv6(b, 0, b.length, 20).protocol());
        assertEquals(40 + 160, IcmpQuote.ipv6(b, 0, b.length, 20).transportOffset());
        assertEquals("ipv6.extension",
                assertThrows(ParseException.class, () -> IcmpQuote.ipv6(b, 0, b.length, 16)).field());
    }

    @Test
    void anUnknownQuotedNextHeaderIsTheProtocol() throws ParseException {
        byte[] b = ipv6Quote();
        b[48] = (byte) 253;                                     // the fragment header names an experiment
        IcmpQuote q = IcmpQuote.ipv6(b, 0, b.length, 16);
        assertEquals(253, q.protocol());
        assertEquals(56, q.transportOffset());
    }
}
