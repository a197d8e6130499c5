package dev.tcpip.device;

/**
 * A {@link FrameReceiver} that takes frames as a TAP or TUN device with receive offloads hands them over (see
 * {@link TapDevice}): with a word, {@code offload}, that says what the kernel already did or left to do. Two
 * things, packed so that nothing is allocated per frame: {@link #CHECKSUM_VALID} (the kernel validated the TCP or
 * UDP checksum, or the data was made on this host and its checksum field holds only the pseudo-header sum: the
 * receiver must not verify it), and a {@linkplain #gsoSize(int) GSO size}: the frame is a TCP super-segment, longer
 * than the MTU, that stands for {@code ceil(payload / gsoSize)} segments, as GRO makes. A device hands such frames
 * only to a receiver of this type; a plain {@link FrameReceiver} (a wrapper's, say) gets wire-sized frames with
 * complete checksums instead.
 */
@FunctionalInterface
public interface OffloadReceiver extends FrameReceiver {
    /** The frame's TCP or UDP checksum needs no verification. */
    int CHECKSUM_VALID = 1;
    /**
     * The frame's array was made for this frame alone and the device never touches it again: the receiver may keep
     * it (TCP's receive queue then holds an in-order payload in place instead of copying it out). Only ever set
     * together with a GSO size, by a device that copies each super-segment into an array of its own.
     */
    int FRAME_OWNED = 2;

    /** One frame, as {@link FrameReceiver#receive}, with what the device says of it. */
    void receive(byte[] frame, int off, int len, int offload);

    @Override
    default void receive(byte[] frame, int off, int len) {
        receive(frame, off, len, 0);
    }

    /** The offload word for a frame: {@code checksumValid}, and {@code gsoSize} (0: not a super-segment). */
    static int of(boolean checksumValid, int gsoSize) {
        return (checksumValid ? CHECKSUM_VALID : 0) | (gsoSize & 0xffff) << 16;
    }

    /** Whether {@code offload} says the TCP or UDP checksum needs no verification. */
    static boolean checksumValid(int offload) {
        return (offload & CHECKSUM_VALID) != 0;
    }

    /** Whether {@code offload} lets the receiver keep the frame's array ({@link #FRAME_OWNED}). */
    static boolean frameOwned(int offload) {
        return (offload & FRAME_OWNED) != 0;
    }

    /** The payload size of each segment a super-segment stands for; 0 for an ordinary frame. */
    static int gsoSize(int offload) {
        return offload >>> 16;
    }
}
