package dev.tcpip.wire;

/**
 * Cuts a TCP super-segment, as a TAP or TUN device with receive offloads gets it from the kernel (virtio-net
 * {@code GSO_TCPV4}/{@code GSO_TCPV6} with a {@code gso_size}), back into the segments a wire would carry, as the
 * kernel's software segmentation does: every piece gets the super-segment's link, IP and TCP headers, at most
 * {@code gso_size} bytes of payload in order, and then its own IP length (IPv4 total length, IPv6 payload length),
 * sequence number, IPv4 identification (the first one's plus the piece's index, mod 2^16) and header checksum, and
 * a complete TCP checksum. FIN and PSH stay on the last piece only, CWR on the first only (RFC 3168 §6.1.2: CWR
 * once per window reduction). The pieces are made one at a time into one reusable array, so nothing is allocated
 * per frame.
 *
 * <p>It takes only what {@link FrameLayout} reads as an unfragmented TCP segment with a whole header and some
 * payload, over IPv4 (options copied into every piece) or IPv6 without extension headers; anything else, or a
 * {@code gso_size} whose pieces would not fit in {@code maxFrame}, is refused (-1), never thrown.
 */
public final class GsoSegmenter {
    private static final int FIN = 0x01;
    private static final int PSH = 0x08;
    private static final int CWR = 0x80;

    /** Takes each piece; the bytes are lent for the call only. */
    @FunctionalInterface
    public interface Sink {
        void segment(byte[] frame, int off, int len);
    }

    private final FrameLayout layout;
    private final byte[] out;

    /**
     * A segmenter for frames with a link header of {@code linkHeader} bytes (14 or 0, as {@link FrameLayout})
     * whose pieces may be {@code maxFrame} bytes long at most.
     */
    public GsoSegmenter(int linkHeader, int maxFrame) {
        this.layout = new FrameLayout(linkHeader);
        this.out = new byte[maxFrame];
    }

    /**
     * How many pieces {@link #segment} would cut {@code b[off..off + len)} into, or -1 if it would refuse the frame;
     * then {@link #headersLength()} is what each piece repeats. Nothing is written.
     */
    public int pieces(byte[] b, int off, int len, int gsoSize) {
        if (gsoSize <= 0 || !layout.locate(b, off, len) || !layout.tcpHeaderFits() || layout.payloadLength() <= 0
                || layout.headersLength() + Math.min(gsoSize, layout.payloadLength()) > out.length) {
            return -1;
        }
        return Math.ceilDiv(layout.payloadLength(), gsoSize);
    }

    /** The link, IP and TCP headers' length of the frame {@link #pieces} last looked at. */
    public int headersLength() {
        return layout.headersLength();
    }

    /**
     * Completes the TCP checksum of {@code b[off..off + len)} (an unfragmented TCP segment over IPv4, or IPv6
     * without extension headers, whose checksum field may hold only the pseudo-header sum that a device completing
     * checksums gets) in a copy handed to {@code sink}; false (nothing handed on) if the frame is no such segment or
     * longer than {@code maxFrame}: its checksums are then whatever the sender wrote.
     */
    public boolean complete(byte[] b, int off, int len, Sink sink) {
        if (len > out.length || !layout.locate(b, off, len) || !layout.tcpHeaderFits()) {
            return false;
        }
        int l4 = layout.l4Offset() - off;
        int l4Length = layout.l4Length();
        long pseudo = layout.pseudoHeaderSum();
        System.arraycopy(b, off, out, 0, len);
        Bytes.put16(out, l4 + 16, 0);
        Bytes.put16(out, l4 + 16, Checksum.finish(Checksum.ones(out, l4, l4Length, pseudo)));
        sink.segment(out, 0, len);
        return true;
    }

    /**
     * Cuts {@code b[off..off + len)} into pieces of at most {@code gsoSize} payload bytes, each handed to
     * {@code sink} in order; returns how many, or -1 (nothing handed on) if the frame is not a TCP segment with
     * payload as the class comment says, {@code gsoSize} is not positive, or a piece would exceed
     * {@code maxFrame}.
     */
    public int segment(byte[] b, int off, int len, int gsoSize, Sink sink) {
        if (gsoSize <= 0 || !layout.locate(b, off, len) || !layout.tcpHeaderFits() || layout.payloadLength() <= 0) {
            return -1;
        }
        int headers = layout.headersLength();
        int payload = layout.payloadLength();
        if (headers + Math.min(gsoSize, payload) > out.length) {
            return -1;
        }
        int ip = layout.ipOffset() - off;
        int l4 = layout.l4Offset() - off;
        int ipHeader = layout.ipHeaderLength();
        int tcpHeader = layout.tcpHeaderLength();
        boolean v4 = layout.ipVersion() == 4;
        int id = layout.ipId();
        long seq = layout.seq();
        int flags = layout.tcpFlags();
        System.arraycopy(b, off, out, 0, headers);
        int pieces = 0;
        for (int at = 0; at < payload; at += gsoSize, pieces++) {
            int n = Math.min(gsoSize, payload - at);
            boolean last = at + n == payload;
            System.arraycopy(b, off + headers + at, out, headers, n);
            int l4Length = tcpHeader + n;
            long pseudo;
            if (v4) {
                Bytes.put16(out, ip + 2, ipHeader + l4Length);
                Bytes.put16(out, ip + 4, (id + pieces) & 0xffff);
                Bytes.put16(out, ip + 10, 0);
                Bytes.put16(out, ip + 10, Checksum.compute(out, ip, ipHeader));
                pseudo = Checksum.ones(out, ip + 12, 8, IpProtocol.TCP + l4Length);
            } else {
                Bytes.put16(out, ip + 4, l4Length);
                pseudo = Checksum.ones(out, ip + 8, 32, IpProtocol.TCP + l4Length);
            }
            Bytes.put32(out, l4 + 4, (int) (seq + at));
            int f = last ? flags : flags & ~(FIN | PSH);
            Bytes.put8(out, l4 + 13, pieces == 0 ? f : f & ~CWR);
            Bytes.put16(out, l4 + 16, 0);
            Bytes.put16(out, l4 + 16, Checksum.finish(Checksum.ones(out, l4, l4Length, pseudo)));
            sink.segment(out, 0, headers + n);
        }
        return pieces;
    }
}
