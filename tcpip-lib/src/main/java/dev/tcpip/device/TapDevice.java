package dev.tcpip.device;

import dev.tcpip.wire.MacAddress;
import java.io.IOException;
import java.security.SecureRandom;

/**
 * A Linux TAP device (see the kernel's {@code Documentation/networking/tuntap.rst}): Ethernet frames written
 * to it arrive at the kernel as if received on the interface, and frames the kernel sends out of the
 * interface are read from it. Opened through the Foreign Function & Memory API: open(2) of
 * {@code /dev/net/tun}, then {@code ioctl(TUNSETIFF)} with {@code IFF_TAP | IFF_NO_PI | IFF_VNET_HDR} creates
 * the interface or attaches to an existing (persistent) one. The interface disappears when the descriptor
 * closes unless it was made persistent ({@code ip tuntap add}).
 *
 * <p>One platform thread per device waits for frames (a blocking call pins a virtual thread's carrier), in
 * io_uring (a multishot read into provided buffers) or, where that is refused, in poll(2) then read(2) (see
 * {@link TapReader}), takes every frame that is ready into a batch buffer and hands the batch to the owner's loop in one task;
 * batches are reused, so receiving allocates nothing per frame. When the loop falls behind and every batch
 * is in its queue, the reader waits and the kernel's queue (txqueuelen) drops, as a NIC's ring does.
 * {@link #send} (on the stack's loop) copies the frame into a bounded ring of reusable slots and returns; a
 * second platform thread, the writer, drains the ring with one write(2) per frame. A TAP write runs the
 * kernel's receive path for the frame inside the system call, so this keeps that work off the loop. The
 * ring has one producer (the loop) and one consumer (the writer) and allocates nothing per frame; a full
 * ring drops the frame and counts it, as a NIC's transmit ring does, and never blocks the loop. A frame the
 * kernel refuses is dropped and counted too. {@link #close} stops both threads (the reader through an
 * eventfd), waits for them to leave, and only then closes the descriptors, so that no read or write can
 * reach a descriptor number the process has reused meanwhile.
 *
 * <p>This class is the public face; what it shares with {@link TunDevice} is in {@link KernelDevice}, and the
 * work is done by {@link TapControl} (the ioctls, with {@link TapErrors}' messages), {@link TransmitRing},
 * {@link TapWriter} (with {@link GsoCoalescer}), {@link VnetHeader} and {@link TapReader} (with its
 * {@link ReceiveBatch}es), all through {@link Posix}; each takes the link type, so the same classes serve a TUN
 * device's bare IP datagrams.
 *
 * <p><b>The virtio-net header and checksum offload.</b> With {@code IFF_VNET_HDR} each frame read or written
 * has a 10-byte {@code struct virtio_net_hdr} in front ({@code <linux/virtio_net.h>}). Opening sets it to 10
 * bytes ({@code TUNSETVNETHDRSZ}), little-endian ({@code TUNSETVNETLE}), and turns the kernel's offloads
 * towards us off ({@code TUNSETOFFLOAD} 0), whatever an earlier user of a persistent device left (receive
 * offloads, below, turn them on again). Reads: with those offloads off the kernel hands over whole frames with complete checksums and {@code GSO_NONE}; the
 * header is stripped, and a frame whose header asks for segmentation or checksum completion all the same is
 * dropped and counted ({@link Counter#DROPPED_OFFLOAD}). Writes: without checksum offload the header is all
 * zeros, and the kernel verifies our TCP and UDP checksums as on any link. {@linkplain #open(String, int,
 * long, boolean) With checksum offload}, each unfragmented TCP or UDP datagram over IPv4, or over IPv6 with
 * no extension header, goes with {@code VIRTIO_NET_HDR_F_NEEDS_CSUM} and {@code csum_start} and
 * {@code csum_offset} at its checksum field, which is rewritten to the pseudo-header's sum as that flag
 * requires (virtio 1.2, §5.1.6.2 "Packet Transmission"). The kernel marks such a frame
 * {@code CHECKSUM_PARTIAL}, and on local delivery it counts a partial checksum as verified (the comment on
 * {@code CHECKSUM_PARTIAL} in {@code include/linux/skbuff.h}; {@code skb_csum_unnecessary()}), so our
 * write(2) no longer sums every payload byte; a frame the kernel forwards gets its checksum completed on the
 * way out. {@code VIRTIO_NET_HDR_F_DATA_VALID} is no way to say "already checked": the spec forbids a driver
 * to set it on transmit (Linux commit 501db511397f), and the TAP driver ignores it on writes (on Linux 6.18 a
 * frame with a wrong checksum and that flag is dropped and counted in {@code InCsumErrors}).
 *
 * <p>Hence the rule: <b>offload checksums only when nothing alters a frame after the stack checksummed
 * it.</b> The kernel no longer checks, so a frame corrupted between the stack and this device would be
 * accepted as sound. A {@link FaultInjectingDevice} that corrupts sent frames refuses to wrap a device that
 * {@linkplain NetworkDevice#offloadsChecksums() offloads checksums}; loss, duplication, reordering and
 * capture do not alter bytes. ({@code tcpdump} on the kernel's side of the interface shows the pseudo-header
 * sum in the offloaded frames' checksum fields, as on a veth pair.)
 *
 * <p><b>Segmentation offload (GSO).</b> With checksum offload the writer also merges a run of consecutive
 * frames of the ring that are TCP segments of one flow, over IPv4 or over IPv6 without extension headers,
 * into one frame of up to 64 KiB with {@code VIRTIO_NET_HDR_GSO_TCPV4} or {@code _TCPV6}, and writes that: the
 * kernel's receive path then runs once for the run, as if GRO had merged it, and a forwarded frame is cut back
 * into the very segments. {@link GsoCoalescer} says when segments merge (only when segmentation gives them
 * back exactly); any other frame goes alone as before. {@link Counter#TX_GSO_WRITES} counts merged writes,
 * {@link Counter#TX_FRAMES} still the segments. The kernel takes such frames whatever {@code TUNSETOFFLOAD}
 * says (that is about the frames it hands to us); should it refuse one all the same ({@code EINVAL}), the
 * writer writes that run's segments one by one and merges no more. The system property
 * {@value #GSO_PROPERTY}{@code =false}, read when a device is opened, turns merging off (for comparison);
 * {@link #offloadsSegmentation()} says whether a device merges. Such a device also takes the stack's own TCP
 * super-segments ({@link #maxSuperSegment()} 65,535; {@link #send(byte[], int, int, int)} with a GSO size): each
 * goes through the ring in one of 32 large buffers and is written as one frame with the header a merged run gets,
 * or cut and written piece by piece if the kernel refuses GSO (see {@link TapWriter}).
 *
 * <p><b>Receive offloads.</b> With checksum offload the device also turns the kernel's offloads towards us on
 * ({@code TUNSETOFFLOAD} with {@code TUN_F_CSUM|TUN_F_TSO4|TUN_F_TSO6}, {@link #receiveOffloads()}), unless the
 * system property {@value #RX_OFFLOAD_PROPERTY}{@code =false}: the kernel then hands over frames with
 * {@code NEEDS_CSUM} (made on this host, the checksum field holding only the pseudo-header sum) or
 * {@code DATA_VALID} (checked by the kernel), and TCP super-segments of up to 65,535 bytes of IP datagram
 * ({@code GSO_TCPV4}/{@code _TCPV6} with a {@code gso_size}), as GRO would make them. An {@link OffloadReceiver}
 * (the direct stack) takes them so, skips verifying those checksums and counts a super-segment as the segments
 * it stands for; any other receiver, such as a {@link FaultInjectingDevice} or {@link CapturingDevice} around
 * this device, gets what a wire would carry: super-segments cut back into segments (a
 * {@link dev.tcpip.wire.GsoSegmenter}), partial checksums completed. A header that lies is dropped and counted
 * ({@link Counter#DROPPED_OFFLOAD}); super-segments are counted in {@link Counter#RX_GSO_FRAMES}. Memory: each
 * read takes room for a super-segment, so the 8 receive batches are 512 KiB each (4 MiB) and io_uring's
 * provided buffers 64 of 65,600 bytes (4.2 MB).
 *
 * <pre>{@code
 * try (TapDevice tap = TapDevice.open("tap0", 1500, TapDevice.randomMac())) {
 *     tap.setLinkUp();
 *     DirectStack stack = DirectStack.create(DirectStackConfig.ipv4("10.77.0.2/24"), tap);
 * }
 * }</pre>
 */
public final class TapDevice extends KernelDevice {

    /** IFNAMSIZ in {@code <linux/if.h>}: 16 bytes with the terminating NUL. */
    public static final int MAX_NAME = TapControl.MAX_NAME;
    /** The system property that turns GSO off when it is {@code false} (TAP and TUN); see the class comment. */
    public static final String GSO_PROPERTY = "tcpip.tap.gso";
    /**
     * System property: {@code false} leaves the kernel's offloads towards a TAP or TUN device off (for
     * comparison), read when a device is opened.
     */
    public static final String RX_OFFLOAD_PROPERTY = "tcpip.tap.rxoffload";

    private TapDevice(String netns, String name, long mac, int mtu, boolean checksumOffload, int tapFd, int wakeFd) {
        super("TAP", netns, name, mac, mtu, LinkType.ETHERNET, true, checksumOffload, tapFd, wakeFd);
    }

    /**
     * Opens TAP device {@code name} without checksum offload: {@code open(name, mtu, mac, false)}.
     *
     * @throws IllegalArgumentException as {@link #open(String, int, long, boolean)} says
     * @throws IOException as {@link #open(String, int, long, boolean)} says
     */
    public static TapDevice open(String name, int mtu, long mac) throws IOException {
        return open(name, mtu, mac, false);
    }

    /**
     * Opens TAP device {@code name}, creating it if absent, and sets its MTU to {@code mtu} (0 keeps the
     * interface's). The stack behind it uses {@code mac}, which is not the kernel interface's own address:
     * the two ends of the link need two addresses. With {@code checksumOffload} the kernel does not verify
     * the TCP and UDP checksums of the frames written (see the class comment), which saves it a pass over
     * every payload byte: only for a stack whose frames nothing alters on their way to this device. Checksum
     * offload brings segmentation offload along unless the system property {@value #GSO_PROPERTY} is
     * {@code false}.
     *
     * @throws IllegalArgumentException a name that is empty, longer than {@value #MAX_NAME} bytes or not a
     *     valid interface name, a MAC address that is not 48 bits or not unicast, or an MTU outside 68..65,521
     * @throws IOException with a message that says what to do: no {@code /dev/net/tun}, no permission (root
     *     or CAP_NET_ADMIN is needed), a device of that name that is not a TAP device or is in use
     */
    public static TapDevice open(String name, int mtu, long mac, boolean checksumOffload) throws IOException {
        return open(null, name, mtu, mac, checksumOffload);
    }

    /**
     * {@link #open(String, int, long, boolean)} with the kernel's side of the device in network namespace
     * {@code netns} ({@code /run/netns/NETNS}; null: the caller's own), as slirp4netns and pasta put theirs: the
     * device is created and set up on a short-lived thread inside that namespace, and everything else (this
     * device's reader and writer, the stack, its sockets) stays in the caller's. {@link #setLinkUp()} and
     * {@link #configureIpv4} then act inside that namespace too.
     *
     * @throws IOException also when there is no such namespace (the message names it)
     */
    public static TapDevice open(String netns, String name, int mtu, long mac, boolean checksumOffload)
            throws IOException {
        checkName(name);
        if (new MacAddress(mac).isMulticast()) {               // the constructor checks for 48 bits
            throw new IllegalArgumentException("not a unicast MAC address: " + new MacAddress(mac));
        }
        checkMtu(mtu);
        int[] opened = openFd(netns, name, mtu, LinkType.ETHERNET);   // {fd, mtu}
        return started(opened[0], wake -> new TapDevice(netns, name, mac, opened[1], checksumOffload, opened[0], wake));
    }

    /**
     * Checks an interface name as Linux's dev_valid_name() does: 1..15 bytes, not "." or "..", no '/', ':' or
     * white space.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static void checkName(String name) {
        TapControl.checkName(name);
    }

    /** A random locally administered unicast MAC address (IEEE 802: U/L bit set, I/G bit clear). */
    public static long randomMac() {
        long bits = new SecureRandom().nextLong() & MacAddress.BROADCAST.bits();
        return (bits | 0x0200_0000_0000L) & ~0x0100_0000_0000L;
    }

    /**
     * Configures the kernel's side of the device as a guest's interface, as {@code slirp4netns --configure} does:
     * IPv4 {@code address}/{@code prefix} on it, link up, and the default route via {@code gateway} (addresses as
     * 32-bit values). In the device's namespace.
     */
    public void configureIpv4(int address, int prefix, int gateway) throws IOException {
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("prefix must be within 0..32: " + prefix);
        }
        inDeviceNamespace(() -> {
            TapControl.setIpv4Address(name(), address, prefix);
            TapControl.setLinkUp(name());
            TapControl.addDefaultRoute(name(), gateway);
            return null;
        });
    }

    @Override
    public String toString() {
        return "TapDevice[" + name() + ", " + new MacAddress(mac()) + ", mtu " + mtu() + "]";
    }
}
