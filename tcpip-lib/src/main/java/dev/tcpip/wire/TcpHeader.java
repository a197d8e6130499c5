package dev.tcpip.wire;

import java.util.Objects;

/**
 * A TCP header (RFC 9293 §3.1) to emit: {@code seq}/{@code ack} are raw 32-bit values, {@code flags}
 * the eight control bits, {@code window} the unscaled field. The payload ({@code payloadLength} bytes)
 * must already be in place after the header; emit writes the header and the checksum over all.
 */
public record TcpHeader(int srcPort, int dstPort, int seq, int ack, int flags, int window, int urgentPointer,
        TcpOptions options, int payloadLength) {

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    /** ECN-Echo (RFC 3168 §6.1). */
    public static final int ECE = 0x40;
    /** Congestion Window Reduced (RFC 3168 §6.1). */
    public static final int CWR = 0x80;

    public TcpHeader {
        Ipv4Header.check("srcPort", srcPort, 0xffff);
        Ipv4Header.check("dstPort", dstPort, 0xffff);
        Ipv4Header.check("flags", flags, 0xff);
        Ipv4Header.check("window", window, 0xffff);
        Ipv4Header.check("urgentPointer", urgentPointer, 0xffff);
        Objects.requireNonNull(options, "options");
        if (payloadLength < 0) {
            throw new IllegalArgumentException("payloadLength is negative: " + payloadLength);
        }
    }

    public int length() {
        return TcpView.MIN_HEADER_LENGTH + options.length();
    }

    /** Header plus payload: the segment length in the pseudo-header. */
    public int segmentLength() {
        return length() + payloadLength;
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** Writes the header at {@code off} with the IPv4 checksum; returns the payload's offset. */
    public int emitIpv4(byte[] buf, int off, Ipv4Address src, Ipv4Address dst) {
        return emit(buf, off, Checksum.pseudoIpv4(src.bits(), dst.bits(), IpProtocol.TCP, segmentLength()));
    }

    /** Writes the header at {@code off} with the IPv6 checksum; returns the payload's offset. */
    public int emitIpv6(byte[] buf, int off, Ipv6Address src, Ipv6Address dst) {
        return emit(buf, off, Checksum.pseudoIpv6(src, dst, IpProtocol.TCP, segmentLength()));
    }

    /** Writes the header at {@code off}, checksummed with the given pseudo-header partial sum. */
    public int emit(byte[] buf, int off, long pseudoHeaderSum) {
        return emit(buf, off, pseudoHeaderSum, false);
    }

    /**
     * As {@link #emit(byte[], int, long)}; with {@code partial}, the checksum field gets only the folded
     * pseudo-header sum, for a device that completes the rest (checksum offload: virtio 1.2 §5.1.6.2), and the
     * segment is not summed here.
     */
    public int emit(byte[] buf, int off, long pseudoHeaderSum, boolean partial) {
        Bytes.checkRegion(buf, off, segmentLength());
        int hl = length();
        Bytes.put16(buf, off, srcPort);
        Bytes.put16(buf, off + 2, dstPort);
        Bytes.put32(buf, off + 4, seq);
        Bytes.put32(buf, off + 8, ack);
        Bytes.put8(buf, off + 12, (hl / 4) << 4);
        Bytes.put8(buf, off + 13, flags);
        Bytes.put16(buf, off + 14, window);
        Bytes.put16(buf, off + 16, 0);
        Bytes.put16(buf, off + 18, urgentPointer);
        options.emit(buf, off + TcpView.MIN_HEADER_LENGTH);
        Bytes.put16(buf, off + 16, partial ? Checksum.fold(pseudoHeaderSum)
                : Checksum.finish(Checksum.ones(buf, off, segmentLength(), pseudoHeaderSum)));
        return off + hl;
    }
}
