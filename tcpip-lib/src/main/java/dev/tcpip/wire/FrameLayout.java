package dev.tcpip.wire;

import java.util.Arrays;

/**
 * Where the headers of a frame are, for code that works on whole frames in place (the TAP and TUN devices'
 * checksum and segmentation offload): the IP datagram, its transport header, the TCP payload, and the few
 * fields such code reads and fixes up. One locator is reused frame after frame, so nothing is allocated per
 * frame; {@link #locate} points it at a frame, and the accessors then describe that frame. All positions
 * are indexes into the frame's array.
 *
 * <p>The locator parses no more than it must and trusts nothing: it finds an untagged Ethernet frame (or, for
 * a locator {@linkplain #FrameLayout(int) made for an IP link}, a bare datagram told by its version nibble) with an
 * IPv4 datagram (version 4, a header of 20 to 60 bytes, a total length from the header's to what the frame
 * holds) or an IPv6 one (version 6, a payload length the frame holds). IPv6 extension headers are not walked:
 * {@link #protocol()} is the next header of the fixed header, so a datagram with extension headers never
 * reads as TCP or UDP. A frame may be longer than its datagram (Ethernet padding; {@link #padded()}).
 */
public final class FrameLayout {
    private static final int IPV4_HEADER = 20;
    private static final int IPV6_HEADER = 40;
    private static final int TCP_HEADER = 20;
    private static final int UDP_HEADER = 8;
    private static final int TCP_CHECKSUM = 16;
    private static final int UDP_CHECKSUM = 6;

    private final int linkHeader;
    private byte[] b;
    private int frame;
    private int length;
    private int version;
    private int ip;
    private int ipHeaderLength;
    private int ipLength;
    private boolean fragment;
    private int protocol;
    private int l4;
    private int l4Length;

    /** A locator for Ethernet frames. */
    public FrameLayout() {
        this(EthernetView.HEADER_LENGTH);
    }

    /**
     * A locator for frames with a link header of {@code linkHeader} bytes: 14 for Ethernet, 0 for an IP link
     * (a TUN device), whose frames are bare IPv4 or IPv6 datagrams.
     */
    public FrameLayout(int linkHeader) {
        if (linkHeader != 0 && linkHeader != EthernetView.HEADER_LENGTH) {
            throw new IllegalArgumentException("a link header is 0 (IP) or 14 (Ethernet) bytes: " + linkHeader);
        }
        this.linkHeader = linkHeader;
    }

    /**
     * Points this locator at the frame {@code buf[off..off + len)}; true if it carries an IPv4 or IPv6
     * datagram as the class comment says, else false and {@link #ipVersion()} is 0.
     */
    public boolean locate(byte[] buf, int off, int len) {
        Bytes.checkRegion(buf, off, len);
        b = buf;
        frame = off;
        length = len;
        version = 0;
        ip = off + linkHeader;
        int room = len - linkHeader;
        if (len < linkHeader + 1) {
            return false;
        }
        int nibble = (buf[ip] & 0xf0) >>> 4;
        int type = linkHeader == 0 ? (nibble == 4 ? EtherType.IPV4 : nibble == 6 ? EtherType.IPV6 : -1)
                : Bytes.u16(buf, off + 12);
        if (type == EtherType.IPV4 && room >= IPV4_HEADER && (buf[ip] & 0xf0) == 0x40) {
            ipHeaderLength = (buf[ip] & 0x0f) * 4;
            ipLength = Bytes.u16(buf, ip + 2);
            if (ipHeaderLength < IPV4_HEADER || ipLength < ipHeaderLength || ipLength > room) {
                return false;
            }
            fragment = (Bytes.u16(buf, ip + 6) & 0x3fff) != 0;     // MF or a fragment offset
            protocol = Bytes.u8(buf, ip + 9);
            version = 4;
        } else if (type == EtherType.IPV6 && room >= IPV6_HEADER && (buf[ip] & 0xf0) == 0x60) {
            ipHeaderLength = IPV6_HEADER;
            ipLength = IPV6_HEADER + Bytes.u16(buf, ip + 4);
            if (ipLength > room) {
                return false;
            }
            fragment = false;                                       // a fragment header is an extension
            protocol = Bytes.u8(buf, ip + 6);
            version = 6;
        } else {
            return false;
        }
        l4 = ip + ipHeaderLength;
        l4Length = ipLength - ipHeaderLength;
        return true;
    }

    /** 4 or 6, or 0 if the last {@link #locate} found no IP datagram. */
    public int ipVersion() {
        return version;
    }

    /** Where the IP header begins. */
    public int ipOffset() {
        return ip;
    }

    public int ipHeaderLength() {
        return ipHeaderLength;
    }

    /** The IP datagram's length by its header (IPv4 total length, IPv6 40 + payload length). */
    public int ipLength() {
        return ipLength;
    }

    /** Whether the frame holds more than its datagram (Ethernet padding). */
    public boolean padded() {
        return linkHeader + ipLength != length;
    }

    /** An IPv4 fragment: MF set or a fragment offset. */
    public boolean fragment() {
        return fragment;
    }

    /** The IPv4 protocol, or the IPv6 fixed header's next header. */
    public int protocol() {
        return protocol;
    }

    /** The IPv4 identification. */
    public int ipId() {
        return Bytes.u16(b, ip + 4);
    }

    /** Where the transport header begins. */
    public int l4Offset() {
        return l4;
    }

    /** The transport header and payload's length by the IP header. */
    public int l4Length() {
        return l4Length;
    }

    /** An unfragmented datagram with a whole TCP header (20 bytes at least). */
    public boolean isTcp() {
        return version != 0 && !fragment && protocol == IpProtocol.TCP && l4Length >= TCP_HEADER;
    }

    /** An unfragmented datagram with a whole UDP header. */
    public boolean isUdp() {
        return version != 0 && !fragment && protocol == IpProtocol.UDP && l4Length >= UDP_HEADER;
    }

    /** Where the TCP or UDP checksum field is ({@link #isTcp()} or {@link #isUdp()}), else -1. */
    public int checksumOffset() {
        return isTcp() ? l4 + TCP_CHECKSUM : isUdp() ? l4 + UDP_CHECKSUM : -1;
    }

    /** Where the checksum field is counted from the transport header: 16 for TCP, 6 for UDP. */
    public int checksumFieldOffset() {
        return checksumOffset() - l4;
    }

    /** The value of the TCP or UDP checksum field. */
    public int checksum() {
        return Bytes.u16(b, checksumOffset());
    }

    /** Stores {@code value} in the TCP or UDP checksum field. */
    public void setChecksum(int value) {
        Bytes.put16(b, checksumOffset(), value);
    }

    /** The one's complement sum (unfolded) of the pseudo-header: addresses, protocol and transport length. */
    public long pseudoHeaderSum() {
        return version == 4
                ? Checksum.ones(b, ip + 12, 8, protocol + l4Length)
                : Checksum.ones(b, ip + 8, 32, protocol + l4Length);
    }

    /** The TCP header's length from its data offset (check it against {@link #l4Length()}). */
    public int tcpHeaderLength() {
        return (b[l4 + 12] & 0xf0) >>> 2;
    }

    /** A TCP header of 20 bytes or more that the datagram holds. */
    public boolean tcpHeaderFits() {
        int h = tcpHeaderLength();
        return isTcp() && h >= TCP_HEADER && h <= l4Length;
    }

    public long seq() {
        return Bytes.u32(b, l4 + 4);
    }

    public long ack() {
        return Bytes.u32(b, l4 + 8);
    }

    /** The TCP flags byte (CWR to FIN). */
    public int tcpFlags() {
        return Bytes.u8(b, l4 + 13);
    }

    public void setTcpFlags(int flags) {
        Bytes.put8(b, l4 + 13, flags);
    }

    public int window() {
        return Bytes.u16(b, l4 + 14);
    }

    /** Where the TCP payload begins. */
    public int payloadOffset() {
        return l4 + tcpHeaderLength();
    }

    /** The TCP payload's length by the IP header. */
    public int payloadLength() {
        return l4Length - tcpHeaderLength();
    }

    /** The length of the link, IP and TCP headers: where the payload begins, counted from the frame. */
    public int headersLength() {
        return payloadOffset() - frame;
    }

    /**
     * Sets the datagram's length to {@code ipLength} (IPv4 total length, whose header checksum is made anew,
     * or IPv6 payload length); the frame must hold it.
     */
    public void setIpLength(int newLength) {
        if (version == 4) {
            Bytes.put16(b, ip + 2, newLength);
            Bytes.put16(b, ip + 10, 0);
            Bytes.put16(b, ip + 10, Checksum.compute(b, ip, ipHeaderLength));
        } else {
            Bytes.put16(b, ip + 4, newLength - IPV6_HEADER);
        }
        ipLength = newLength;
        l4Length = newLength - ipHeaderLength;
    }

    /**
     * Whether {@code other} (located, the same IP version and header lengths) has this frame's headers but for
     * what segmentation changes from segment to segment: the IP length, IPv4 identification and header
     * checksum, and the TCP sequence number, flags and checksum. The same Ethernet header (if any); IPv4 TOS, flags and
     * fragment offset, TTL, protocol, addresses and options, or IPv6 version, traffic class, flow label, next
     * header, hop limit and addresses; TCP ports, acknowledgement number, data offset, window, urgent pointer
     * and options.
     */
    public boolean sameFlowHeaders(FrameLayout other) {
        int headers = headersLength();
        int ipAt = ip - frame;
        int l4At = l4 - frame;
        boolean same = equal(other, 0, linkHeader) && (version == 4
                ? equal(other, ipAt + 1, ipAt + 2) && equal(other, ipAt + 6, ipAt + 10) && equal(other, ipAt + 12, l4At)
                : equal(other, ipAt, ipAt + 4) && equal(other, ipAt + 6, l4At));
        return same && equal(other, l4At, l4At + 4)                 // ports
                && equal(other, l4At + 8, l4At + 13)                // acknowledgement, data offset
                && equal(other, l4At + 14, l4At + 16)               // window
                && equal(other, l4At + 18, headers);                // urgent pointer, options
    }

    private boolean equal(FrameLayout o, int from, int to) {
        return Arrays.equals(b, frame + from, frame + to, o.b, o.frame + from, o.frame + to);
    }
}
