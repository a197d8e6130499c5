package dev.tcpip.device;

import dev.tcpip.wire.Checksum;
import dev.tcpip.wire.FrameLayout;
import dev.tcpip.wire.TcpHeader;
import dev.tcpip.wire.VirtioNetHeader;

/**
 * Decides the virtio-net header of each TAP or TUN frame: for a frame to write, zeros or checksum offload's
 * {@code NEEDS_CSUM} (see {@link TapDevice}); for a frame read, whether it asks for an offload this device
 * turned off, or, with receive offloads on, what it says ({@link #classify}). One per writer thread: it keeps a {@link FrameLayout} to reuse.
 */
final class VnetHeader {
    /** The header's length in front of every frame. */
    static final int LENGTH = VirtioNetHeader.LENGTH;

    private final boolean offload;
    private final FrameLayout layout;

    /**
     * Headers for a device with or without checksum offload whose frames have a link header of
     * {@code linkHeader} bytes (14 on a TAP device, 0 on a TUN device).
     */
    VnetHeader(boolean offload, int linkHeader) {
        this.offload = offload;
        this.layout = new FrameLayout(linkHeader);
    }

    /**
     * Writes into {@code b[at..at + LENGTH)} the header for the frame of {@code len} bytes that follows it: all
     * zeros (complete checksums, no segmentation), except with checksum offload for an unfragmented TCP or UDP
     * datagram over IPv4, or over IPv6 with no extension header. Then the header says NEEDS_CSUM and where the
     * checksum field is, and the field gets the folded sum of the pseudo-header (virtio 1.2 §5.1.6.2), so that
     * completing it (the one's complement of the sum from {@code csum_start} to the end, as the kernel does
     * before a frame leaves) gives the checksum the stack wrote. A UDP datagram over IPv4 sent without a
     * checksum (0) stays without.
     */
    void write(byte[] b, int at, int len) {
        VirtioNetHeader.NONE.write(b, at);
        if (!offload) {
            return;
        }
        int frame = at + LENGTH;
        if (!layout.locate(b, frame, len) || !layout.isTcp() && !(layout.isUdp() && layout.checksum() != 0)) {
            return;                                        // not TCP or UDP, malformed, a fragment, no UDP sum
        }
        layout.setChecksum(Checksum.fold(layout.pseudoHeaderSum()));
        VirtioNetHeader.needsChecksum(layout.l4Offset() - frame, layout.checksumFieldOffset()).write(b, at);
    }

    /**
     * Writes into {@code b[at..at + LENGTH)} the header for the TCP super-segment of {@code len} bytes that follows
     * it, made by the stack to be cut into pieces of {@code gsoSize} payload bytes (virtio 1.2 §5.1.6.2): as
     * {@link GsoCoalescer} writes for a run it merged ({@link #superSegment}). False, nothing written, unless it is
     * an unfragmented TCP segment with payload over IPv4 without options or IPv6 without extension headers, not
     * padded, with ACK and no flag but PSH, CWR and ECE, whose pieces fit in {@code maxFrame}: then the caller cuts
     * it itself.
     */
    boolean writeSuperSegment(byte[] b, int at, int len, int gsoSize, int maxFrame) {
        int frame = at + LENGTH;
        if (gsoSize <= 0 || !layout.locate(b, frame, len) || !layout.isTcp()
                || layout.ipHeaderLength() != (layout.ipVersion() == 4 ? 20 : 40) || layout.padded()
                || !layout.tcpHeaderFits() || layout.payloadLength() <= 0
                || (layout.tcpFlags() & ~(TcpHeader.PSH | TcpHeader.CWR | TcpHeader.ECE)) != TcpHeader.ACK
                || layout.headersLength() + Math.min(gsoSize, layout.payloadLength()) > maxFrame) {
            return false;
        }
        superSegment(layout, b, at, gsoSize);
        return true;
    }

    /**
     * The GSO header of a TCP super-segment that {@code located} points at, right after {@code b[at..at + LENGTH)},
     * written there: {@code NEEDS_CSUM} at the TCP checksum, whose field gets the pseudo-header sum over the whole
     * length (segmentation adjusts it to each piece's); {@code GSO_TCPV4} or {@code _TCPV6}, with {@code GSO_ECN}
     * if CWR is set (virtio 1.2 §5.1.6.2: the device keeps CWR on the first piece only); {@code hdr_len} the link,
     * IP and TCP headers; {@code gso_size} the pieces' payload.
     */
    static void superSegment(FrameLayout located, byte[] b, int at, int gsoSize) {
        located.setChecksum(Checksum.fold(located.pseudoHeaderSum()));
        int type = (located.ipVersion() == 4 ? VirtioNetHeader.GSO_TCPV4 : VirtioNetHeader.GSO_TCPV6)
                | ((located.tcpFlags() & TcpHeader.CWR) != 0 ? VirtioNetHeader.GSO_ECN : 0);
        int frame = at + LENGTH;
        new VirtioNetHeader(VirtioNetHeader.F_NEEDS_CSUM, type, located.headersLength(), gsoSize,
                located.l4Offset() - frame, located.checksumFieldOffset()).write(b, at);
    }

    /** Whether the header at {@code at} of a frame read asks for segmentation or checksum completion. */
    static boolean asksForOffload(byte[] b, int at) {
        return VirtioNetHeader.gsoType(b, at) != VirtioNetHeader.GSO_NONE
                || (VirtioNetHeader.flags(b, at) & VirtioNetHeader.F_NEEDS_CSUM) != 0;
    }

    /**
     * What the header at {@code b[at..]} says of the frame of {@code len} bytes after it, read from a device with
     * receive offloads on: the {@link OffloadReceiver} word, or -1 if the header lies or asks for what was not
     * negotiated (the frame is dropped and counted, never thrown). {@code F_DATA_VALID} or {@code F_NEEDS_CSUM}
     * at the frame's TCP or UDP checksum field make {@link OffloadReceiver#CHECKSUM_VALID}: with NEEDS_CSUM the
     * data was made on this host and never crossed a wire, and the field holds only the pseudo-header sum
     * (virtio 1.2 §5.1.6.2). With {@code keepsOffloads} false (a receiver that takes only wire frames), or when
     * NEEDS_CSUM points elsewhere, the checksum is completed here in place instead (the one's complement sum
     * from {@code csum_start} to the datagram's end, stored at {@code csum_start + csum_offset}, as the
     * kernel's {@code skb_checksum_help()} does). A GSO frame must be what {@code TUN_F_TSO4}/{@code TUN_F_TSO6}
     * allow: {@code GSO_TCPV4} over IPv4 or {@code GSO_TCPV6} over IPv6 (no ECN bit, {@code TUN_F_TSO_ECN} is
     * not asked for), an unfragmented TCP segment with payload and a {@code gso_size} above 0; its
     * {@code hdr_len} is a hint only (the kernel puts the length of the buffer's linear part there) and is not
     * used. A frame whose segments would exceed {@code maxFrame} cannot be cut for a receiver of wire frames.
     */
    int classify(byte[] b, int at, int len, boolean keepsOffloads, int maxFrame) {
        int flags = VirtioNetHeader.flags(b, at);
        int gso = VirtioNetHeader.gsoType(b, at);
        int frame = at + LENGTH;
        int frameLen = len - LENGTH;
        if ((flags & ~(VirtioNetHeader.F_NEEDS_CSUM | VirtioNetHeader.F_DATA_VALID)) != 0) {
            return -1;                                     // a flag not negotiated (RSC_INFO needs a feature)
        }
        boolean needsCsum = (flags & VirtioNetHeader.F_NEEDS_CSUM) != 0;
        boolean valid = needsCsum || (flags & VirtioNetHeader.F_DATA_VALID) != 0;
        if (gso == VirtioNetHeader.GSO_NONE) {
            if (!needsCsum) {
                return OffloadReceiver.of(valid, 0);
            }
            int start = VirtioNetHeader.csumStart(b, at);
            int field = start + VirtioNetHeader.csumOffset(b, at);
            if (field + 2 > frameLen) {
                return -1;                                 // the checksum field lies outside the frame
            }
            boolean located = layout.locate(b, frame, frameLen);
            if (keepsOffloads && located && (layout.isTcp() || layout.isUdp())
                    && layout.l4Offset() - frame == start && layout.checksumOffset() - frame == field) {
                return OffloadReceiver.CHECKSUM_VALID;
            }
            int end = located ? layout.ipOffset() + layout.ipLength() : frame + frameLen;   // not the padding
            if (frame + field + 2 > end) {
                return -1;
            }
            int sum = Checksum.finish(Checksum.ones(b, frame + start, end - frame - start, 0));
            sum = sum == 0 ? 0xffff : sum;                 // 0 means "no checksum" to UDP (RFC 768)
            b[frame + field] = (byte) (sum >>> 8);
            b[frame + field + 1] = (byte) sum;
            return 0;                                      // complete now: the receiver may verify it
        }
        int version = gso == VirtioNetHeader.GSO_TCPV4 ? 4 : gso == VirtioNetHeader.GSO_TCPV6 ? 6 : 0;
        int size = VirtioNetHeader.gsoSize(b, at);
        if (version == 0 || size == 0 || !layout.locate(b, frame, frameLen) || layout.ipVersion() != version
                || !layout.tcpHeaderFits() || layout.payloadLength() <= 0
                || !keepsOffloads && layout.headersLength() + Math.min(size, layout.payloadLength()) > maxFrame) {
            return -1;
        }
        return OffloadReceiver.of(valid, size);
    }
}
