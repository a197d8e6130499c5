package dev.tcpip.wire;

/**
 * A cursor over an IPv6 packet's extension header chain (RFC 8200 §4): positioned on one header at a time,
 * it gives that header's type, offset and length, the field that named it, and for an extension header its
 * next-header field and the fields its type defines. Reusable and allocation-free.
 *
 * <p>The chain starts after the 40-byte fixed header; Hop-by-Hop Options (0), Routing (43), Fragment (44) and
 * Destination Options (60) are extension headers, any other number (an upper layer, No Next Header, ESP, or
 * one not known) ends it. Each extension header is checked to lie within the bytes given, so a truncated packet
 * (an ICMP error's quote) fails with a {@link ParseException} naming {@code ipv6.extension} or
 * {@code ipv6.fragment}. Every extension header is at least 8 bytes, so a walk of any chain ends; a caller that
 * wants fewer steps counts them. This view checks framing only: order (Hop-by-Hop first) and option layout are
 * {@link Ipv6View#parse}'s.
 */
public final class Ipv6ExtensionChain {
    /** Bytes of a fragment header (RFC 8200 §4.5). */
    public static final int FRAGMENT_LENGTH = 8;
    private static final int MIN_LENGTH = 8;

    private byte[] buf;
    private int end;
    private int type;
    private int at;
    private int typeField;
    private int length;

    /**
     * Positions a new cursor on the first header after the fixed header of the packet at {@code buf[off..)},
     * with {@code len} bytes of it present (the fixed header included).
     */
    public static Ipv6ExtensionChain of(byte[] buf, int off, int len) throws ParseException {
        Ipv6ExtensionChain c = new Ipv6ExtensionChain();
        c.reset(buf, off, len);
        return c;
    }

    /** Re-positions this cursor as {@link #of} would a new one. */
    public void reset(byte[] buf, int off, int len) throws ParseException {
        Bytes.checkRegion(buf, off, len);
        ParseException.need("ipv6.header", len, Ipv6Header.FIXED_LENGTH);
        this.buf = buf;
        this.end = off + len;
        land(Bytes.u8(buf, off + 6), off + Ipv6Header.FIXED_LENGTH, off + 6);
    }

    /** Whether {@code protocol} names an extension header this view walks. */
    public static boolean isExtension(int protocol) {
        return protocol == IpProtocol.HOP_BY_HOP || protocol == IpProtocol.ROUTING
                || protocol == IpProtocol.FRAGMENT || protocol == IpProtocol.DESTINATION_OPTIONS;
    }

    // Moves onto the header of type t at p, named by the field at {@code field}; a header that does not fit
    // leaves the cursor where it was.
    private void land(int t, int p, int field) throws ParseException {
        int hl = 0;
        if (isExtension(t)) {
            String name = t == IpProtocol.FRAGMENT ? "ipv6.fragment" : "ipv6.extension";
            ParseException.need(name, end - p, MIN_LENGTH);
            hl = t == IpProtocol.FRAGMENT ? FRAGMENT_LENGTH : (Bytes.u8(buf, p + 1) + 1) * 8;
            ParseException.need(name, end - p, hl);
        }
        type = t;
        at = p;
        typeField = field;
        length = hl;
    }

    /** The header at the cursor: the protocol number that named it. */
    public int type() {
        return type;
    }

    /** Whether the cursor is on an extension header (else on whatever ends the chain). */
    public boolean atExtension() {
        return length > 0;
    }

    /** Where the header at the cursor starts (the upper-layer header once the chain has ended). */
    public int offset() {
        return at;
    }

    /**
     * Where the next-header field that named this header is: the fixed header's (offset 6) or the previous
     * extension header's first octet. RFC 8200 §4 points a parameter problem code 1 there.
     */
    public int typeFieldOffset() {
        return typeField;
    }

    /** The extension header's length in bytes, a multiple of 8; 0 once the chain has ended. */
    public int length() {
        return length;
    }

    /** The extension header's next-header field. */
    public int nextHeader() {
        requireExtension();
        return Bytes.u8(buf, at);
    }

    /** Moves past the extension header to the one it names; if that does not fit, throws and stays. */
    public void advance() throws ParseException {
        requireExtension();
        land(Bytes.u8(buf, at), at + length, at);
    }

    /** The option area of a Hop-by-Hop or Destination Options header: its first byte (RFC 8200 §4.2). */
    public int optionsOffset() {
        return at + 2;
    }

    /** The end of the option area (the end of the header). */
    public int optionsEnd() {
        return at + length;
    }

    /** The type of the option at {@code q} in the option area. */
    public int optionType(int q) {
        return Bytes.u8(buf, q);
    }

    /**
     * Where the option after the one at {@code q} starts: Pad1 is one octet, any other is type, length and data
     * (RFC 8200 §4.2). Assumes the framing {@link Ipv6View#parse} checks.
     */
    public int nextOption(int q) {
        return Bytes.u8(buf, q) == 0 ? q + 1 : q + 2 + Bytes.u8(buf, q + 1);
    }

    /** A Routing header's routing type (RFC 8200 §4.4). */
    public int routingType() {
        return Bytes.u8(buf, at + 2);
    }

    /** A Routing header's segments left. */
    public int segmentsLeft() {
        return Bytes.u8(buf, at + 3);
    }

    /** Where a Routing header's routing type field is (RFC 8200 §4.4: a parameter problem points there). */
    public int routingTypeOffset() {
        return at + 2;
    }

    /** A Fragment header's offset in bytes (RFC 8200 §4.5). */
    public int fragmentOffset() {
        return Bytes.u16(buf, at + 2) & 0xfff8;
    }

    /** Where a Fragment header's fragment offset field is (a parameter problem points there). */
    public int fragmentOffsetField() {
        return at + 2;
    }

    /** A Fragment header's M flag. */
    public boolean moreFragments() {
        return (Bytes.u8(buf, at + 3) & 1) != 0;
    }

    /** A Fragment header's identification. */
    public int fragmentIdentification() {
        return Bytes.i32(buf, at + 4);
    }

    private void requireExtension() {
        if (length == 0) {
            throw new IllegalStateException("not at an extension header: " + type);
        }
    }
}
