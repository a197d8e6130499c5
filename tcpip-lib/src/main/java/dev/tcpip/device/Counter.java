package dev.tcpip.device;

/** What {@link DeviceCounters} count. Each component counts what it does; a drop counts under one reason. */
public enum Counter {
    /** Frames and bytes a device took for sending. */
    TX_FRAMES, TX_BYTES,
    /**
     * TAP and TUN: writes that carried a run of TCP segments, or a super-segment from the stack, as one frame for
     * the kernel to segment (GSO, see {@link TapDevice}); {@link #TX_FRAMES} counts the segments. A memory port:
     * super-segments sent.
     */
    TX_GSO_WRITES,
    /**
     * TAP and TUN: of the {@link #TX_GSO_WRITES}, the TCP super-segments the stack made itself (TSO from TCP, see
     * {@link NetworkDevice#maxSuperSegment()}), each written whole.
     */
    TX_TSO_WRITES,
    /**
     * TAP and TUN: frames the loop wrote itself, small ones while the writer thread was idle, saving its wake-up
     * (see {@link TapDevice}); {@link #TX_FRAMES} counts them too.
     */
    TX_INLINE_WRITES,
    /** Frames and bytes handed to the device's receiver. */
    RX_FRAMES, RX_BYTES,
    /**
     * TAP and TUN with receive offloads: TCP super-segments the kernel handed over (virtio-net GSO, larger than
     * the MTU); {@link #RX_FRAMES} counts each once if the receiver takes them whole.
     */
    RX_GSO_FRAMES,
    /** Segments cut from super-segments in software for a receiver that takes only wire frames (a wrapper's). */
    RX_GSO_SEGMENTED,
    /** Dropped: longer than the link's MTU + 14. */
    DROPPED_TOO_BIG,
    /** Dropped: shorter than an Ethernet header. */
    DROPPED_RUNT,
    /** Dropped: the link's queue ({@link LinkConfig#queueFrames()}) was full (tail drop). */
    DROPPED_QUEUE_FULL,
    /** Dropped by the link's AQM ({@link CoDel}) at the head of its queue. */
    DROPPED_AQM,
    /**
     * Frames marked CE (RFC 3168 §5) instead of being dropped: by the link's AQM ({@link CoDel}) or by fault
     * injection ({@link Faults#ceMark()}).
     */
    CE_MARKED,
    /** Dropped: the device was closed or not attached yet. */
    DROPPED_DETACHED,
    /**
     * Dropped: a TAP or TUN frame whose virtio-net header asks for what the device did not negotiate (with receive
     * offloads off: segmentation or checksum completion), or lies (a GSO type that is not the frame's, a checksum
     * field outside it, segments that would not fit the MTU for a receiver of wire frames).
     */
    DROPPED_OFFLOAD,
    /** Dropped by fault injection: independent loss. */
    DROPPED_LOSS,
    /** Dropped by fault injection: the bad state of the burst-loss model. */
    DROPPED_BURST,
    /** Fault injection: extra copies sent. */
    DUPLICATED,
    /** Fault injection: frames held back by the reorder delay. */
    REORDERED,
    /** Fault injection: frames with flipped bits. */
    CORRUPTED,
    /** Switch: frames sent to one port by a learned address. */
    SWITCHED,
    /** Switch: frames sent to every other port (broadcast, multicast, unknown destination). */
    FLOODED,
    /** Switch: frames whose destination sits on the port they came from (not forwarded). */
    FILTERED,
    /** Switch: source addresses not learned because the table was full of live entries. */
    MAC_TABLE_FULL,
    /** Switch: table entries removed after {@link SwitchConfig#ageing()} without traffic. */
    MAC_AGED_OUT
}
