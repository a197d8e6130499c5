package dev.tcpip.direct.ip;

import dev.tcpip.device.OffloadReceiver;

/**
 * What the device said of the frame the stack is taking in (an {@link OffloadReceiver} word), for TCP and UDP
 * further up: one per stack, set on the loop before the frame goes to the link layer and cleared after, so it
 * travels through Ethernet and IP without a parameter or an allocation per frame. It speaks only for a transport
 * message inside that very frame's bytes: a reassembled datagram (a fresh array) or anything else gets the
 * defaults, a checksum to verify and one segment.
 */
public final class ArrivingFrame {
    private byte[] frame;
    private int from;
    private int to;
    private int offload;

    /** The frame {@code frame[off..off + len)} arrives with {@code offload}. */
    public void set(byte[] frame, int off, int len, int offload) {
        this.frame = offload == 0 ? null : frame;
        this.from = off;
        this.to = off + len;
        this.offload = offload;
    }

    /** The frame has been handled. */
    public void clear() {
        frame = null;
        offload = 0;
    }

    private boolean inFrame(byte[] buf, int off) {
        return buf == frame && off >= from && off < to;
    }

    /** Whether the device vouched for the checksum of the transport message at {@code buf[off..]}. */
    public boolean checksumValid(byte[] buf, int off) {
        return inFrame(buf, off) && OffloadReceiver.checksumValid(offload);
    }

    /**
     * Whether the transport message at {@code buf[off..]} may be kept in place: the device made the frame's array for
     * it alone and never touches it again ({@link OffloadReceiver#FRAME_OWNED}).
     */
    public boolean mayKeep(byte[] buf, int off) {
        return inFrame(buf, off) && OffloadReceiver.frameOwned(offload);
    }

    /**
     * How many segments the TCP segment at {@code buf[off..]} with {@code payload} bytes of data stands for:
     * {@code ceil(payload / gso_size)} for a super-segment (at least 1), else 1.
     */
    public int segments(byte[] buf, int off, int payload) {
        int gsoSize = OffloadReceiver.gsoSize(offload);
        if (gsoSize == 0 || payload <= gsoSize || !inFrame(buf, off)) {
            return 1;
        }
        return (payload + gsoSize - 1) / gsoSize;
    }
}
