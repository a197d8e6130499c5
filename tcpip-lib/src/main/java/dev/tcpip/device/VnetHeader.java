package dev.tcpip.device;

import dev.tcpip.wire.Checksum;
import dev.tcpip.wire.FrameLayout;
import dev.tcpip.wire.VirtioNetHeader;

/**
 * Decides the virtio-net header of each TAP or TUN frame: for a frame to write, zeros or checksum offload's
 * {@code NEEDS_CSUM} (see {@link TapDevice}); for a frame read, whether it asks for an offload this device
 * turned off. One per writer thread: it keeps a {@link FrameLayout} to reuse.
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

    /** Whether the header at {@code at} of a frame read asks for segmentation or checksum completion. */
    static boolean asksForOffload(byte[] b, int at) {
        return VirtioNetHeader.gsoType(b, at) != VirtioNetHeader.GSO_NONE
                || (VirtioNetHeader.flags(b, at) & VirtioNetHeader.F_NEEDS_CSUM) != 0;
    }
}
