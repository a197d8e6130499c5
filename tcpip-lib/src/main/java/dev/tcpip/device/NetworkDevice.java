package dev.tcpip.device;

import dev.tcpip.time.EventLoop;

/**
 * A network interface: a stack sends frames through it and receives frames on its own {@link EventLoop}.
 * Implementations: the ports of a {@link MemoryNetwork}, a Linux {@link TapDevice}, the two ends of a
 * {@link PointToPointLink}, a Linux {@link TunDevice}, and wrappers around any device
 * ({@link FaultInjectingDevice}, {@link CapturingDevice}).
 *
 * <p>What a frame is depends on the {@link #linkType()}. On Ethernet (the default) it is a whole Ethernet frame
 * without preamble and FCS: destination MAC at offset 0, source MAC at 6, EtherType at 12, payload from 14, at
 * most {@link #mtu()} {@code + 14} bytes. On an IP link it is one IPv4 or IPv6 datagram, at most {@link #mtu()}
 * bytes.
 *
 * <pre>{@code
 * NetworkDevice dev = network.connect("a", LinkConfig.DEFAULTS).device();
 * dev.attach(loop, (frame, off, len) -> stack.input(loop.now(), frame, off, len)); // runs on loop
 * dev.send(buf, 0, n);                                                           // from the loop
 * }</pre>
 */
public interface NetworkDevice extends AutoCloseable {

    /** Bytes of an Ethernet header: destination, source, EtherType. */
    int ETHERNET_HEADER = 14;

    /**
     * The device's MAC address as a 48-bit number in the low bits ({@code 0x0200_0000_0001L} is
     * 02:00:00:00:00:01). A {@code long} until the wire layer's MAC value type lands. An IP link has no
     * link-layer addresses: there it is only an identifier, from which a stack forms its IPv6 link-local
     * interface identifier (RFC 4291 §2.5.1) and seeds its randomness.
     */
    long mac();

    /** The largest payload of a frame (the IP MTU); frames of more than {@link #maxFrame()} bytes are dropped. */
    int mtu();

    /** What the frames are: Ethernet unless the device says otherwise; a wrapper answers for the device it wraps. */
    default LinkType linkType() {
        return LinkType.ETHERNET;
    }

    /** The largest frame: {@code mtu() + 14} on Ethernet, {@code mtu()} on an IP link. */
    default int maxFrame() {
        return linkType().maxFrame(mtu());
    }

    /**
     * Connects the device to its owner: from now on, every received frame is handed to {@code receiver} on
     * {@code loop}'s thread. Once per device.
     *
     * @throws IllegalStateException if already attached
     */
    void attach(EventLoop loop, FrameReceiver receiver);

    /**
     * Sends one frame. The device copies or transmits it before returning, so the caller may reuse
     * {@code frame} at once. Never blocks: a frame the device cannot take (queue full, too big, closed) is
     * dropped and counted, as a NIC drops. Call it from the owner's loop.
     */
    void send(byte[] frame, int off, int len);

    /**
     * Sends one frame as {@link #send(byte[], int, int)} with what the stack says of it, in the word an
     * {@link OffloadReceiver} gets: {@link OffloadReceiver#CHECKSUM_VALID} (the stack vouches for the frame's TCP and
     * UDP checksums, or left them partial for a device that {@linkplain #completesChecksums() completes} them) and a
     * {@linkplain OffloadReceiver#gsoSize(int) GSO size}: the frame is a TCP super-segment of up to
     * {@link #maxSuperSegment()} bytes of IP datagram that stands for segments of that much payload each, to be cut
     * as virtio-net's {@code gso_size} says (virtio 1.2 §5.1.6.2). A stack passes a GSO size only to a device whose
     * {@link #maxSuperSegment()} is positive; by default the device takes the checksum word as a plain send and
     * refuses a super-segment, which no caller reaches.
     *
     * @throws UnsupportedOperationException for a super-segment, if the device takes none
     */
    default void send(byte[] frame, int off, int len, int offload) {
        if (OffloadReceiver.gsoSize(offload) != 0) {
            throw new UnsupportedOperationException(this + " takes no super-segments (maxSuperSegment() is 0)");
        }
        send(frame, off, len);
    }

    /**
     * The largest IP datagram of a TCP super-segment this device takes through {@link #send(byte[], int, int, int)}
     * (at most 65,535), or 0 if it takes none: the default, and the answer of every wrapper that does not pass frames
     * whole (a capture, a fault injector with faults on sent frames), since those need what a wire carries.
     */
    default int maxSuperSegment() {
        return 0;
    }

    /**
     * True if the receiver behind this device does not verify the TCP and UDP checksums of the frames sent
     * through it (a {@link TapDevice} opened with checksum offload). Nothing may then alter a frame after the
     * stack checksummed it: a {@link FaultInjectingDevice} that corrupts sent frames refuses such a device.
     * False by default; a wrapper answers for the device it wraps.
     */
    default boolean offloadsChecksums() {
        return false;
    }

    /**
     * True if this device completes the TCP and UDP checksums of the frames sent through it (a {@link TapDevice} or
     * {@link TunDevice} opened with checksum offload: it marks each frame {@code NEEDS_CSUM} and the kernel or the
     * NIC sums it). The stack then leaves the sum over the payload out and puts only the pseudo-header's folded sum
     * in the field, as virtio-net's partial checksum wants (virtio 1.2 §5.1.6.2). False by default, and for every
     * wrapper: a fault injector or a capture needs frames whose checksums are complete.
     */
    default boolean completesChecksums() {
        return false;
    }

    /** Detaches and releases the device; later sends are dropped. Idempotent. */
    @Override
    void close();
}
