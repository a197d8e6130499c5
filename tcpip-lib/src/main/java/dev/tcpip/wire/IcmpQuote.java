package dev.tcpip.wire;

import java.util.Arrays;

/**
 * A view of the datagram an ICMP error quotes: the invoking packet's IP header and the first bytes of its
 * transport header (RFC 792: the internet header and 64 bits of data; RFC 4443 §2.4(c): as much of the packet as
 * fits, extension headers included). It gives the quoted addresses, the transport protocol (for IPv6 after
 * skipping the extension headers) and where the transport header starts; the static readers name the fields of
 * the first 8 transport bytes a copy holds (ports, TCP sequence number, ICMP echo identifier and sequence).
 *
 * <p>The quote is cut short, so lengths are checked against the bytes present, not the quoted length fields: a
 * header that does not fit fails with a {@link ParseException}.
 */
public final class IcmpQuote {
    /** The transport bytes RFC 792 promises after the quoted IPv4 header: 64 bits. */
    public static final int TRANSPORT_PREFIX = 8;

    private final byte[] buf;
    private final IpAddress src;
    private final IpAddress dst;
    private final int protocol;
    private final int transportOffset;
    private final int end;

    private IcmpQuote(byte[] buf, IpAddress src, IpAddress dst, int protocol, int transportOffset, int end) {
        this.buf = buf;
        this.src = src;
        this.dst = dst;
        this.protocol = protocol;
        this.transportOffset = transportOffset;
        this.end = end;
    }

    /** The quoted IPv4 datagram at {@code buf[off..off+len)}: header checked as {@link Ipv4View#parseQuoted}. */
    public static IcmpQuote ipv4(byte[] buf, int off, int len) throws ParseException {
        Ipv4View h = Ipv4View.parseQuoted(buf, off, len);
        return new IcmpQuote(buf, h.src(), h.dst(), h.protocol(), h.payloadOffset(), off + len);
    }

    /**
     * The quoted IPv6 packet at {@code buf[off..off+len)}, its extension headers skipped: at most
     * {@code maxExtensions} of them, more fail as {@code ipv6.extension}, as does a header cut short.
     */
    public static IcmpQuote ipv6(byte[] buf, int off, int len, int maxExtensions) throws ParseException {
        Ipv6ExtensionChain c = Ipv6ExtensionChain.of(buf, off, len);
        for (int i = 0; c.atExtension(); i++) {
            if (i == maxExtensions) {
                throw new ParseException("ipv6.extension", "more than " + maxExtensions + " extension headers");
            }
            c.advance();
        }
        return new IcmpQuote(buf, Ipv6Address.read(buf, off + 8), Ipv6Address.read(buf, off + 24), c.type(),
                c.offset(), off + len);
    }

    /**
     * The fixed header only of the IPv6 packet at {@code buf[off..off+len)}, its extension headers not walked:
     * {@link #protocol()} is the fixed header's next header. For a packet about to be quoted (RFC 4443 §2.4(c)
     * copies its headers as they are), whose chain may be cut short.
     */
    public static IcmpQuote ipv6FixedHeader(byte[] buf, int off, int len) throws ParseException {
        Bytes.checkRegion(buf, off, len);
        ParseException.need("ipv6.header", len, Ipv6Header.FIXED_LENGTH);
        return new IcmpQuote(buf, Ipv6Address.read(buf, off + 8), Ipv6Address.read(buf, off + 24),
                Bytes.u8(buf, off + 6), off + Ipv6Header.FIXED_LENGTH, off + len);
    }

    /** The quoted datagram's source. */
    public IpAddress src() {
        return src;
    }

    /** The quoted datagram's destination. */
    public IpAddress dst() {
        return dst;
    }

    /** The quoted transport protocol (for IPv6: the header after the extension chain). */
    public int protocol() {
        return protocol;
    }

    /** Where the quoted transport header starts. */
    public int transportOffset() {
        return transportOffset;
    }

    /** How many bytes of the transport header are quoted. */
    public int transportLength() {
        return end - transportOffset;
    }

    /** A copy of the quoted transport bytes. */
    public byte[] transport() {
        return Arrays.copyOfRange(buf, transportOffset, end);
    }

    /** The quoted transport's first byte (an ICMP type), or -1 when none is quoted. */
    public int firstTransportByte() {
        return end > transportOffset ? Bytes.u8(buf, transportOffset) : -1;
    }

    // ---- readers of a copied transport prefix ({@link #transport()}) ----

    /** TCP or UDP source port: bytes 0-1 of the transport header, or -1 if not quoted. */
    public static int srcPort(byte[] transport) {
        return u16(transport, 0);
    }

    /** TCP or UDP destination port: bytes 2-3, or -1 if not quoted. */
    public static int dstPort(byte[] transport) {
        return u16(transport, 2);
    }

    /** TCP sequence number: bytes 4-7 (RFC 9293 §3.1); meaningful only with at least 8 bytes quoted. */
    public static int tcpSequence(byte[] transport) {
        return transport.length < 8 ? 0 : Bytes.i32(transport, 4);
    }

    /** The ICMP type of a quoted ICMP or ICMPv6 message: byte 0, or -1 if not quoted. */
    public static int icmpType(byte[] transport) {
        return transport.length < 1 ? -1 : Bytes.u8(transport, 0);
    }

    /** A quoted echo's identifier (RFC 792, RFC 4443 §4.1): bytes 4-5, or -1 if not quoted. */
    public static int echoIdentifier(byte[] transport) {
        return u16(transport, 4);
    }

    /** A quoted echo's sequence number: bytes 6-7, or -1 if not quoted. */
    public static int echoSequence(byte[] transport) {
        return u16(transport, 6);
    }

    private static int u16(byte[] b, int at) {
        return b.length < at + 2 ? -1 : Bytes.u16(b, at);
    }
}
