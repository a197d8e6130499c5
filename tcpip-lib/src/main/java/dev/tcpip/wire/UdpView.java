package dev.tcpip.wire;

/**
 * A view of a UDP datagram (RFC 768) over bytes in place, checked on parse: lengths and the checksum
 * with the IPv4 or IPv6 pseudo-header.
 */
public final class UdpView {

    public static final int HEADER_LENGTH = 8;

    private final byte[] buf;
    private final int off;
    private final int length;

    private UdpView(byte[] buf, int off, int length) {
        this.buf = buf;
        this.off = off;
        this.length = length;
    }

    /** Parses the payload of an IPv4 datagram. */
    public static UdpView parse(Ipv4View ip) throws ParseException {
        return parseIpv4(ip.buffer(), ip.payloadOffset(), ip.payloadLength(), ip.srcBits(), ip.dstBits());
    }

    /** Parses the upper-layer payload of an IPv6 packet. */
    public static UdpView parse(Ipv6View ip) throws ParseException {
        return parseIpv6(ip.buffer(), ip.upperOffset(), ip.upperLength(), ip.src(), ip.dst());
    }

    /** Parses UDP over IPv4 in {@code buf[off..off+len)}: a zero checksum means none was sent (RFC 768). */
    public static UdpView parseIpv4(byte[] buf, int off, int len, int src, int dst) throws ParseException {
        return parse(buf, off, len, Checksum.pseudoIpv4(src, dst, 0, 0), false);
    }

    /** Parses UDP over IPv6: the checksum is mandatory (RFC 8200 §8.1). */
    public static UdpView parseIpv6(byte[] buf, int off, int len, Ipv6Address src, Ipv6Address dst)
            throws ParseException {
        return parse(buf, off, len, Checksum.pseudoIpv6(src, dst, 0, 0), true);
    }

    /**
     * Parses UDP in {@code buf[off..off+len)} whose checksum the device already vouched for (a TAP or TUN device
     * with receive offloads: validated by the kernel, or made on this host): the checksum is not looked at.
     */
    public static UdpView parseChecksummed(byte[] buf, int off, int len) throws ParseException {
        return parse(buf, off, len, -1, false);
    }

    /** {@code addressSum} -1: the checksum needs no verification. */
    private static UdpView parse(byte[] buf, int off, int len, long addressSum, boolean ipv6)
            throws ParseException {
        Bytes.checkRegion(buf, off, len);
        ParseException.need("udp.header", len, HEADER_LENGTH);
        int length = Bytes.u16(buf, off + 4);
        if (length < HEADER_LENGTH || length > len) {
            throw new ParseException("udp.length", length + " outside 8.." + len);
        }
        int checksum = Bytes.u16(buf, off + 6);
        if (addressSum == -1) {
            return new UdpView(buf, off, length);
        } else if (checksum == 0) {
            if (ipv6) {
                throw new ParseException("udp.checksum", "zero checksum over IPv6"); // RFC 8200 §8.1
            }
        } else if (!Checksum.verifies(Checksum.ones(buf, off, length, addressSum + IpProtocol.UDP + length))) {
            throw new ParseException("udp.checksum", "bad checksum");
        }
        return new UdpView(buf, off, length);
    }

    public int srcPort() {
        return Bytes.u16(buf, off);
    }

    public int dstPort() {
        return Bytes.u16(buf, off + 2);
    }

    /** The length field: header plus payload. */
    public int length() {
        return length;
    }

    public int checksum() {
        return Bytes.u16(buf, off + 6);
    }

    public int payloadOffset() {
        return off + HEADER_LENGTH;
    }

    public int payloadLength() {
        return length - HEADER_LENGTH;
    }

    public byte[] buffer() {
        return buf;
    }

    public UdpHeader toHeader() {
        return new UdpHeader(srcPort(), dstPort(), payloadLength());
    }
}
