package dev.tcpip.wire;

/**
 * A UDP header (RFC 768) to emit. The payload must already be in place after the header; emit then
 * writes the header and the checksum over the pseudo-header, header and payload.
 */
public record UdpHeader(int srcPort, int dstPort, int payloadLength) {

    public UdpHeader {
        Ipv4Header.check("srcPort", srcPort, 0xffff);
        Ipv4Header.check("dstPort", dstPort, 0xffff);
        Ipv4Header.check("payloadLength", payloadLength, 0xffff - UdpView.HEADER_LENGTH);
    }

    public int length() {
        return UdpView.HEADER_LENGTH;
    }

    /** Header plus payload: the length field. */
    public int totalLength() {
        return UdpView.HEADER_LENGTH + payloadLength;
    }

    /** Writes the header at {@code off} with the IPv4 checksum; returns the payload's offset. */
    public int emitIpv4(byte[] buf, int off, Ipv4Address src, Ipv4Address dst) {
        return emit(buf, off, Checksum.pseudoIpv4(src.bits(), dst.bits(), IpProtocol.UDP, totalLength()));
    }

    /** Writes the header at {@code off} with the IPv6 checksum; returns the payload's offset. */
    public int emitIpv6(byte[] buf, int off, Ipv6Address src, Ipv6Address dst) {
        return emit(buf, off, Checksum.pseudoIpv6(src, dst, IpProtocol.UDP, totalLength()));
    }

    /** Writes the header at {@code off}, checksummed with the given pseudo-header partial sum. */
    public int emit(byte[] buf, int off, long pseudoHeaderSum) {
        Bytes.checkRegion(buf, off, totalLength());
        Bytes.put16(buf, off, srcPort);
        Bytes.put16(buf, off + 2, dstPort);
        Bytes.put16(buf, off + 4, totalLength());
        Bytes.put16(buf, off + 6, 0);
        int c = Checksum.finish(Checksum.ones(buf, off, totalLength(), pseudoHeaderSum));
        Bytes.put16(buf, off + 6, c == 0 ? 0xffff : c); // RFC 768: a computed zero is sent as all ones
        return off + UdpView.HEADER_LENGTH;
    }
}
