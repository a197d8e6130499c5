package dev.tcpip.wire;

/**
 * A view of an IPv4 header (RFC 791) over bytes in place. {@link #parse} checks the version, header
 * length, total length, options' framing and the header checksum once; accessors then read in place.
 */
public final class Ipv4View {

    public static final int MIN_HEADER_LENGTH = 20;

    private final byte[] buf;
    private final int off;
    private final int headerLength;
    private final int totalLength;

    private Ipv4View(byte[] buf, int off, int headerLength, int totalLength) {
        this.buf = buf;
        this.off = off;
        this.headerLength = headerLength;
        this.totalLength = totalLength;
    }

    /** Parses a received datagram in {@code buf[off..off+len)}; bytes past the total length are padding. */
    public static Ipv4View parse(byte[] buf, int off, int len) throws ParseException {
        Ipv4View v = parseHeader(buf, off, len);
        if (v.totalLength > len) {
            throw new ParseException("ipv4.total_length", v.totalLength + " exceeds the " + len + " bytes received");
        }
        // RFC 791 §3.1 header checksum; RFC 1071: the header including its checksum sums to all ones.
        if (!Checksum.verifies(Checksum.ones(buf, off, v.headerLength, 0))) {
            throw new ParseException("ipv4.checksum", "bad header checksum");
        }
        return v;
    }

    /**
     * Parses the original header quoted in an ICMP error (RFC 792): the datagram after it is cut short,
     * so the total length is not held to the bytes present, and the checksum is not checked.
     */
    public static Ipv4View parseQuoted(byte[] buf, int off, int len) throws ParseException {
        return parseHeader(buf, off, len);
    }

    private static Ipv4View parseHeader(byte[] buf, int off, int len) throws ParseException {
        Bytes.checkRegion(buf, off, len);
        ParseException.need("ipv4.header", len, MIN_HEADER_LENGTH);
        int vihl = Bytes.u8(buf, off);
        if ((vihl >>> 4) != 4) {
            throw new ParseException("ipv4.version", "not 4: " + (vihl >>> 4));
        }
        int headerLength = (vihl & 0xf) * 4;
        if (headerLength < MIN_HEADER_LENGTH) {
            throw new ParseException("ipv4.ihl", "below 5 words: " + (vihl & 0xf));
        }
        ParseException.need("ipv4.ihl", len, headerLength);
        int totalLength = Bytes.u16(buf, off + 2);
        if (totalLength < headerLength) {
            throw new ParseException("ipv4.total_length", totalLength + " is shorter than the header");
        }
        checkOptions(buf, off + MIN_HEADER_LENGTH, off + headerLength);
        return new Ipv4View(buf, off, headerLength, totalLength);
    }

    // RFC 791 §3.1 options: type 0 ends the list, type 1 is one byte, others carry a length octet that
    // counts the type and length octets (so >= 2) and must stay inside the header.
    private static void checkOptions(byte[] buf, int p, int end) throws ParseException {
        while (p < end) {
            int type = Bytes.u8(buf, p);
            if (type == 0) {
                return;
            }
            if (type == 1) {
                p++;
                continue;
            }
            if (p + 1 >= end) {
                throw new ParseException("ipv4.options", "option " + type + " has no length octet");
            }
            int olen = Bytes.u8(buf, p + 1);
            if (olen < 2 || olen > end - p) {
                throw new ParseException("ipv4.options", "option " + type + " has bad length " + olen);
            }
            p += olen;
        }
    }

    public int headerLength() {
        return headerLength;
    }

    /** Differentiated services code point (RFC 2474), the upper six bits of the old TOS octet. */
    public int dscp() {
        return Bytes.u8(buf, off + 1) >>> 2;
    }

    /** Explicit congestion notification (RFC 3168), the low two bits of the old TOS octet. */
    public int ecn() {
        return Bytes.u8(buf, off + 1) & 3;
    }

    public int totalLength() {
        return totalLength;
    }

    public int identification() {
        return Bytes.u16(buf, off + 4);
    }

    /** The three flag bits: reserved, DF, MF. */
    public int flags() {
        return Bytes.u8(buf, off + 6) >>> 5;
    }

    public boolean dontFragment() {
        return (flags() & 2) != 0;
    }

    public boolean moreFragments() {
        return (flags() & 1) != 0;
    }

    /** The fragment offset in bytes (the field counts 8-byte units). */
    public int fragmentOffset() {
        return (Bytes.u16(buf, off + 6) & 0x1fff) * 8;
    }

    /** True if this datagram is a fragment: MF set or a non-zero offset. */
    public boolean isFragment() {
        return (Bytes.u16(buf, off + 6) & 0x3fff) != 0;
    }

    public int ttl() {
        return Bytes.u8(buf, off + 8);
    }

    public int protocol() {
        return Bytes.u8(buf, off + 9);
    }

    public int headerChecksum() {
        return Bytes.u16(buf, off + 10);
    }

    public int srcBits() {
        return Bytes.i32(buf, off + 12);
    }

    public int dstBits() {
        return Bytes.i32(buf, off + 16);
    }

    public Ipv4Address src() {
        return new Ipv4Address(srcBits());
    }

    public Ipv4Address dst() {
        return new Ipv4Address(dstBits());
    }

    public int optionsOffset() {
        return off + MIN_HEADER_LENGTH;
    }

    public int optionsLength() {
        return headerLength - MIN_HEADER_LENGTH;
    }

    public int offset() {
        return off;
    }

    public int payloadOffset() {
        return off + headerLength;
    }

    /** Payload bytes by the total length field (for a quoted header, may exceed what is present). */
    public int payloadLength() {
        return totalLength - headerLength;
    }

    public byte[] buffer() {
        return buf;
    }

    /** The pseudo-header partial sum for an upper-layer checksum over this datagram's payload. */
    public long pseudoHeaderSum() {
        return Checksum.pseudoIpv4(srcBits(), dstBits(), protocol(), payloadLength());
    }

    public Ipv4Header toHeader() {
        byte[] options = java.util.Arrays.copyOfRange(buf, optionsOffset(), optionsOffset() + optionsLength());
        return new Ipv4Header(dscp(), ecn(), identification(), dontFragment(), moreFragments(), fragmentOffset(),
                ttl(), protocol(), src(), dst(), options, payloadLength());
    }
}
