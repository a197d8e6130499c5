package dev.tcpip.wire;

import java.util.ArrayList;
import java.util.List;

/**
 * A view of a TCP segment (RFC 9293 §3.1) over bytes in place. {@link #parse} checks the data offset,
 * every option's framing and known options' lengths, and the checksum with the pseudo-header, once;
 * option values are then read in place from positions found during that walk.
 */
public final class TcpView {

    public static final int MIN_HEADER_LENGTH = 20;

    private final byte[] buf;
    private final int off;
    private final int len;
    private final int headerLength;
    private int mssAt = -1;
    private int windowScaleAt = -1;
    private boolean sackPermitted;
    private int timestampsAt = -1;
    private int sackAt = -1;
    private int sackCount;

    private TcpView(byte[] buf, int off, int len, int headerLength) {
        this.buf = buf;
        this.off = off;
        this.len = len;
        this.headerLength = headerLength;
    }

    /** Parses the payload of an IPv4 datagram. */
    public static TcpView parse(Ipv4View ip) throws ParseException {
        return parseIpv4(ip.buffer(), ip.payloadOffset(), ip.payloadLength(), ip.srcBits(), ip.dstBits());
    }

    /** Parses the upper-layer payload of an IPv6 packet. */
    public static TcpView parse(Ipv6View ip) throws ParseException {
        return parseIpv6(ip.buffer(), ip.upperOffset(), ip.upperLength(), ip.src(), ip.dst());
    }

    /** Parses the segment {@code buf[off..off+len)} carried over IPv4 from {@code src} to {@code dst}. */
    public static TcpView parseIpv4(byte[] buf, int off, int len, int src, int dst) throws ParseException {
        Bytes.checkRegion(buf, off, len);
        return parse(buf, off, len, Checksum.pseudoIpv4(src, dst, IpProtocol.TCP, len));
    }

    /** Parses the segment {@code buf[off..off+len)} carried over IPv6 from {@code src} to {@code dst}. */
    public static TcpView parseIpv6(byte[] buf, int off, int len, Ipv6Address src, Ipv6Address dst)
            throws ParseException {
        Bytes.checkRegion(buf, off, len);
        return parse(buf, off, len, Checksum.pseudoIpv6(src, dst, IpProtocol.TCP, len));
    }

    /**
     * Parses the segment {@code buf[off..off+len)} whose checksum the device already vouched for (a TAP or TUN
     * device with receive offloads: validated by the kernel, or made on this host): as the other parsers, but the
     * checksum is not summed.
     */
    public static TcpView parseChecksummed(byte[] buf, int off, int len) throws ParseException {
        Bytes.checkRegion(buf, off, len);
        return parse(buf, off, len, -1);
    }

    /** {@code pseudoHeaderSum} -1: the checksum needs no verification. */
    private static TcpView parse(byte[] buf, int off, int len, long pseudoHeaderSum) throws ParseException {
        ParseException.need("tcp.header", len, MIN_HEADER_LENGTH);
        int headerLength = (Bytes.u8(buf, off + 12) >>> 4) * 4;
        if (headerLength < MIN_HEADER_LENGTH) {
            throw new ParseException("tcp.data_offset", "below 5 words: " + headerLength / 4);
        }
        ParseException.need("tcp.data_offset", len, headerLength);
        TcpView v = new TcpView(buf, off, len, headerLength);
        v.walkOptions();
        if (pseudoHeaderSum != -1 && !Checksum.verifies(Checksum.ones(buf, off, len, pseudoHeaderSum))) {
            throw new ParseException("tcp.checksum", "bad checksum");
        }
        return v;
    }

    // RFC 9293 §3.2: EOL ends the list, NOP is one octet, every other option has a length octet that
    // counts kind and length; a length below 2 or past the header is malformed. Unknown kinds are skipped.
    private void walkOptions() throws ParseException {
        int p = off + MIN_HEADER_LENGTH;
        int end = off + headerLength;
        while (p < end) {
            int kind = Bytes.u8(buf, p);
            if (kind == TcpOptions.EOL) {
                return;
            }
            if (kind == TcpOptions.NOP) {
                p++;
                continue;
            }
            if (p + 1 >= end) {
                throw new ParseException("tcp.options", "option " + kind + " has no length octet");
            }
            int olen = Bytes.u8(buf, p + 1);
            if (olen < 2) {
                throw new ParseException("tcp.options", "option " + kind + " has length " + olen);
            }
            if (olen > end - p) {
                throw new ParseException("tcp.options", "option " + kind + " runs past the header");
            }
            switch (kind) {
                case TcpOptions.MSS -> mssAt = p + 2;
                case TcpOptions.WINDOW_SCALE -> windowScaleAt = p + 2;
                case TcpOptions.SACK_PERMITTED -> sackPermitted = true;
                case TcpOptions.SACK -> {
                    sackAt = p + 2;
                    sackCount = (olen - 2) / 8;
                }
                case TcpOptions.TIMESTAMPS -> timestampsAt = p + 2;
                default -> { }
            }
            int expected = switch (kind) {
                case TcpOptions.MSS -> 4; // RFC 9293 §3.2
                case TcpOptions.WINDOW_SCALE -> 3; // RFC 7323 §2.2
                case TcpOptions.SACK_PERMITTED -> 2; // RFC 2018 §2
                case TcpOptions.TIMESTAMPS -> 10; // RFC 7323 §3.2
                case TcpOptions.SACK -> olen >= 10 && (olen - 2) % 8 == 0 ? olen : -1; // RFC 2018 §3
                default -> olen;
            };
            if (olen != expected) {
                throw new ParseException("tcp.options", "option " + kind + " has wrong length " + olen);
            }
            p += olen;
        }
    }

    public int srcPort() {
        return Bytes.u16(buf, off);
    }

    public int dstPort() {
        return Bytes.u16(buf, off + 2);
    }

    /** The sequence number (compare modulo 2^32). */
    public int seq() {
        return Bytes.i32(buf, off + 4);
    }

    /** The acknowledgment number (compare modulo 2^32). */
    public int ack() {
        return Bytes.i32(buf, off + 8);
    }

    public int headerLength() {
        return headerLength;
    }

    /** The eight control bits, CWR (0x80) to FIN (0x01): see {@link TcpHeader#FIN} and friends. */
    public int flags() {
        return Bytes.u8(buf, off + 13);
    }

    /** The four reserved bits of octet 12 (RFC 9293 §3.1); senders send zero. */
    public int reserved() {
        return Bytes.u8(buf, off + 12) & 0xf;
    }

    public boolean has(int flag) {
        return (flags() & flag) != 0;
    }

    /** The window field, unscaled. */
    public int window() {
        return Bytes.u16(buf, off + 14);
    }

    public int checksum() {
        return Bytes.u16(buf, off + 16);
    }

    public int urgentPointer() {
        return Bytes.u16(buf, off + 18);
    }

    /** The MSS option's value, or -1 if absent. */
    public int mss() {
        return mssAt < 0 ? -1 : Bytes.u16(buf, mssAt);
    }

    /** The window scale option's shift count as sent (the receiver clamps it to 14), or -1 if absent. */
    public int windowScale() {
        return windowScaleAt < 0 ? -1 : Bytes.u8(buf, windowScaleAt);
    }

    public boolean sackPermitted() {
        return sackPermitted;
    }

    public boolean hasTimestamps() {
        return timestampsAt >= 0;
    }

    /** TSval, if {@link #hasTimestamps()}. */
    public int tsVal() {
        return timestampsAt < 0 ? 0 : Bytes.i32(buf, timestampsAt);
    }

    /** TSecr, if {@link #hasTimestamps()}. */
    public int tsEcr() {
        return timestampsAt < 0 ? 0 : Bytes.i32(buf, timestampsAt + 4);
    }

    /** Number of SACK blocks (0 to 4). */
    public int sackBlockCount() {
        return sackCount;
    }

    public int sackLeft(int i) {
        java.util.Objects.checkIndex(i, sackCount);
        return Bytes.i32(buf, sackAt + 8 * i);
    }

    public int sackRight(int i) {
        java.util.Objects.checkIndex(i, sackCount);
        return Bytes.i32(buf, sackAt + 8 * i + 4);
    }

    public int payloadOffset() {
        return off + headerLength;
    }

    public int payloadLength() {
        return len - headerLength;
    }

    public byte[] buffer() {
        return buf;
    }

    public TcpOptions toOptions() {
        List<TcpOptions.SackBlock> blocks = new ArrayList<>(sackCount);
        for (int i = 0; i < sackCount; i++) {
            blocks.add(new TcpOptions.SackBlock(sackLeft(i), sackRight(i)));
        }
        return new TcpOptions(mss(), windowScale(), sackPermitted, hasTimestamps(), tsVal(), tsEcr(), blocks);
    }

    public TcpHeader toHeader() {
        return new TcpHeader(srcPort(), dstPort(), seq(), ack(), flags(), window(), urgentPointer(), toOptions(),
                payloadLength());
    }
}
