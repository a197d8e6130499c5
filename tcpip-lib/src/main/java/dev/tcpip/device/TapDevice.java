package dev.tcpip.device;

import dev.tcpip.time.EventLoop;
import dev.tcpip.wire.Checksum;
import dev.tcpip.wire.MacAddress;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A Linux TAP device (see the kernel's {@code Documentation/networking/tuntap.rst}): Ethernet frames written
 * to it arrive at the kernel as if received on the interface, and frames the kernel sends out of the
 * interface are read from it. Opened through the Foreign Function & Memory API: open(2) of
 * {@code /dev/net/tun}, then {@code ioctl(TUNSETIFF)} with {@code IFF_TAP | IFF_NO_PI | IFF_VNET_HDR} creates
 * the interface or attaches to an existing (persistent) one. The interface disappears when the descriptor
 * closes unless it was made persistent ({@code ip tuntap add}).
 *
 * <p>One platform thread per device waits in poll(2) (a blocking call pins a virtual thread's carrier),
 * reads every frame that is ready into a batch buffer and hands the batch to the owner's loop in one task;
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
 * <p><b>The virtio-net header and checksum offload.</b> With {@code IFF_VNET_HDR} each frame read or written
 * has a 10-byte {@code struct virtio_net_hdr} in front ({@code <linux/virtio_net.h>}). Opening sets it to 10
 * bytes ({@code TUNSETVNETHDRSZ}), little-endian ({@code TUNSETVNETLE}), and turns the kernel's offloads
 * towards us off ({@code TUNSETOFFLOAD} 0), whatever an earlier user of a persistent device left. Reads: with
 * those offloads off the kernel hands over whole frames with complete checksums and {@code GSO_NONE}; the
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
 * {@link #offloadsSegmentation()} says whether a device merges.
 *
 * <pre>{@code
 * try (TapDevice tap = TapDevice.open("tap0", 1500, TapDevice.randomMac())) {
 *     tap.setLinkUp();
 *     DirectStack stack = DirectStack.create(DirectStackConfig.ipv4("10.77.0.2/24"), tap);
 * }
 * }</pre>
 */
public final class TapDevice implements NetworkDevice {

    /** IFNAMSIZ in {@code <linux/if.h>}: 16 bytes with the terminating NUL. */
    public static final int MAX_NAME = 15;

    // <linux/if_tun.h>
    private static final short IFF_TAP = 0x0002;
    private static final short IFF_NO_PI = 0x1000;
    private static final short IFF_VNET_HDR = 0x4000;
    private static final long TUNSETIFF = 0x400454caL;          // _IOW('T', 202, int)
    private static final long TUNSETOFFLOAD = 0x400454d0L;      // _IOW('T', 208, unsigned int)
    private static final long TUNSETVNETHDRSZ = 0x400454d8L;    // _IOW('T', 216, int)
    private static final long TUNSETVNETLE = 0x400454dcL;       // _IOW('T', 220, int)
    // <linux/virtio_net.h>: struct virtio_net_hdr { u8 flags, gso_type; le16 hdr_len, gso_size, csum_start,
    // csum_offset; }
    static final int VNET_HDR = 10;
    static final int VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
    static final int VIRTIO_NET_HDR_GSO_NONE = 0;
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    // <linux/if_ether.h>, <netinet/in.h>
    private static final int ETH_P_IP = 0x0800;
    private static final int ETH_P_IPV6 = 0x86dd;
    private static final int IPPROTO_TCP = 6;
    private static final int IPPROTO_UDP = 17;
    // <linux/sockios.h>, <linux/if.h>
    private static final long SIOCGIFFLAGS = 0x8913;
    private static final long SIOCSIFFLAGS = 0x8914;
    private static final long SIOCGIFMTU = 0x8921;
    private static final long SIOCSIFMTU = 0x8922;
    private static final short IFF_UP = 0x1;
    private static final int IFREQ = 40;                       // struct ifreq: char ifr_name[16] + a 24-byte union
    private static final int IFREQ_UNION = 16;

    private static final int BATCHES = 8;
    private static final int BATCH_BYTES = 256 * 1024;
    private static final int VLAN_SLACK = 4;                   // a tagged frame is read whole, then dropped as too big
    private static final int RING_BYTES = 4 * 1024 * 1024;     // transmit ring: about this many bytes of slots,
    private static final int RING_MIN_SLOTS = 64;              // within these bounds (powers of two)
    private static final int RING_MAX_SLOTS = 1024;
    /** The system property that turns GSO off when it is {@code false}; see the class comment. */
    public static final String GSO_PROPERTY = "tcpip.tap.gso";
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;
    private static final VarHandle WRITER_PARKED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(TapDevice.class, "head", long.class);
            TAIL = l.findVarHandle(TapDevice.class, "tail", long.class);
            WRITER_PARKED = l.findVarHandle(TapDevice.class, "writerParked", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final long mac;
    private final int mtu;
    private final boolean checksumOffload;
    private final boolean segmentationOffload;
    private final int tapFd;
    private final int wakeFd;
    private final DeviceCounters counters = new DeviceCounters();
    private final Object stateLock = new Object();
    private final BlockingQueue<Batch> free = new ArrayBlockingQueue<>(BATCHES);
    private volatile Thread reader;
    private volatile boolean closed;

    // The transmit ring: slot i holds a virtio-net header at ring[i * slotSize] and then a frame of ringLens[i]
    // bytes. The loop fills slot tail & mask and then advances tail; the writer writes slot head & mask and
    // then advances head. Each index is written by one thread only; the other reads it with acquire semantics.
    private final int slotSize;
    private final int mask;
    private final byte[] ring;
    private final MemorySegment ringSegment;
    private final int[] ringLens;
    @SuppressWarnings("unused") private volatile long head;   // next slot the writer writes; through HEAD
    @SuppressWarnings("unused") private volatile long tail;   // next slot the loop fills; through TAIL
    @SuppressWarnings("unused") private volatile boolean writerParked; // through WRITER_PARKED
    private long cachedHead;                                   // the loop's last view of head
    private final Thread writer;

    private TapDevice(String name, long mac, int mtu, boolean checksumOffload, int tapFd, int wakeFd) {
        this.name = name;
        this.mac = mac;
        this.mtu = mtu;
        this.checksumOffload = checksumOffload;
        this.segmentationOffload = checksumOffload && !"false".equals(System.getProperty(GSO_PROPERTY));
        this.tapFd = tapFd;
        this.wakeFd = wakeFd;
        int read = VNET_HDR + mtu + ETHERNET_HEADER + VLAN_SLACK;
        for (int i = 0; i < BATCHES; i++) {
            free.add(new Batch(Math.max(BATCH_BYTES, read)));
        }
        this.slotSize = VNET_HDR + mtu + ETHERNET_HEADER;
        int slots = Integer.highestOneBit(Math.clamp(RING_BYTES / slotSize, RING_MIN_SLOTS, RING_MAX_SLOTS));
        this.mask = slots - 1;
        this.ring = new byte[slots * slotSize];
        this.ringSegment = MemorySegment.ofArray(ring);
        this.ringLens = new int[slots];
        this.writer = Thread.ofPlatform().name("tcpip-tap-" + name + "-tx").daemon(true).unstarted(this::writeLoop);
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
     *     valid interface name, or an MTU outside 68..65,521
     * @throws IOException with a message that says what to do: no {@code /dev/net/tun}, no permission (root
     *     or CAP_NET_ADMIN is needed), a device of that name that is not a TAP device or is in use
     */
    public static TapDevice open(String name, int mtu, long mac, boolean checksumOffload) throws IOException {
        checkName(name);
        if (new MacAddress(mac).isMulticast()) {         // the constructor checks for 48 bits
            throw new IllegalArgumentException("not a unicast MAC address: " + new MacAddress(mac));
        }
        if (mtu != 0 && (mtu < 68 || mtu > 65_521)) {         // RFC 791 §3.2 minimum; the tun driver's maximum
            throw new IllegalArgumentException("mtu must be within 68..65521: " + mtu);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Posix.errnoSegment(a);
            int fd = Posix.open(st, a.allocateFrom("/dev/net/tun"), Posix.O_RDWR | Posix.O_NONBLOCK | Posix.O_CLOEXEC);
            if (fd < 0) {
                throw openError(Posix.errno(st));
            }
            int wake = -1;
            try {
                MemorySegment ifr = ifreq(a, name);
                ifr.set(ValueLayout.JAVA_SHORT, IFREQ_UNION, (short) (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR));
                if (Posix.ioctl(st, fd, TUNSETIFF, ifr) < 0) {
                    throw setIffError(name, Posix.errno(st));
                }
                setUpVnetHeader(a, st, fd, name);
                int actualMtu = mtu == 0 ? interfaceMtu(a, st, name) : setInterfaceMtu(a, st, name, mtu);
                wake = Posix.eventfd(st, 0, Posix.EFD_NONBLOCK | Posix.EFD_CLOEXEC);
                if (wake < 0) {
                    throw new IOException("eventfd: " + Posix.strerror(Posix.errno(st)));
                }
                TapDevice tap = new TapDevice(name, mac, actualMtu, checksumOffload, fd, wake);
                tap.writer.start();
                return tap;
            } catch (IOException | RuntimeException e) {
                Posix.close(st, fd);
                if (wake >= 0) {
                    Posix.close(st, wake);
                }
                throw e;
            }
        }
    }

    /**
     * Sets the virtio-net header to what this class reads and writes, whatever an earlier user of a
     * persistent device left: 10 bytes, little-endian, no offloads from the kernel towards us.
     * TUNSETOFFLOAD takes its flags as the argument itself, not through a pointer.
     */
    private static void setUpVnetHeader(Arena a, MemorySegment st, int fd, String name) throws IOException {
        if (Posix.ioctl(st, fd, TUNSETVNETHDRSZ, a.allocateFrom(ValueLayout.JAVA_INT, VNET_HDR)) < 0
                || Posix.ioctl(st, fd, TUNSETVNETLE, a.allocateFrom(ValueLayout.JAVA_INT, 1)) < 0
                || Posix.ioctl(st, fd, TUNSETOFFLOAD, MemorySegment.NULL) < 0) {
            throw new IOException("TAP device " + name + ": cannot set up the virtio-net header: "
                    + Posix.strerror(Posix.errno(st)));
        }
    }

    /** A random locally administered unicast MAC address (IEEE 802: U/L bit set, I/G bit clear). */
    public static long randomMac() {
        long bits = new SecureRandom().nextLong() & MacAddress.BROADCAST.bits();
        return (bits | 0x0200_0000_0000L) & ~0x0100_0000_0000L;
    }

    /** Brings the kernel's side of the interface up ({@code IFF_UP}, as {@code ip link set NAME up}). */
    public void setLinkUp() throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Posix.errnoSegment(a);
            withInetSocket(a, st, name, (sock, ifr) -> {
                if (Posix.ioctl(st, sock, SIOCGIFFLAGS, ifr) < 0) {
                    return Posix.errno(st);
                }
                short flags = ifr.get(ValueLayout.JAVA_SHORT, IFREQ_UNION);
                ifr.set(ValueLayout.JAVA_SHORT, IFREQ_UNION, (short) (flags | IFF_UP));
                return Posix.ioctl(st, sock, SIOCSIFFLAGS, ifr) < 0 ? Posix.errno(st) : 0;
            }, "bring " + name + " up");
        }
    }

    public String name() {
        return name;
    }

    @Override
    public long mac() {
        return mac;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    /** True if opened with checksum offload: the kernel does not verify the checksums of TCP and UDP sent. */
    @Override
    public boolean offloadsChecksums() {
        return checksumOffload;
    }

    /**
     * True if the writer merges runs of TCP segments into one frame for the kernel to segment (GSO): opened
     * with checksum offload and not turned off by {@value #GSO_PROPERTY}{@code =false}; see the class comment.
     */
    public boolean offloadsSegmentation() {
        return segmentationOffload;
    }

    /** Frames and bytes sent and received, and drops by reason. */
    public DeviceCounters counters() {
        return counters;
    }

    @Override
    public void attach(EventLoop loop, FrameReceiver receiver) {
        Objects.requireNonNull(loop, "loop");
        Objects.requireNonNull(receiver, "receiver");
        synchronized (stateLock) {
            if (closed) {
                throw new IllegalStateException("TAP device " + name + " is closed");
            }
            if (reader != null) {
                throw new IllegalStateException("TAP device " + name + " is already attached");
            }
            reader = Thread.ofPlatform().name("tcpip-tap-" + name).daemon(true).start(() -> readLoop(loop, receiver));
        }
    }

    @Override
    public void send(byte[] frame, int off, int len) {
        Objects.checkFromIndexSize(off, len, frame.length);
        if (len < ETHERNET_HEADER) {
            counters.increment(Counter.DROPPED_RUNT);
            return;
        }
        if (len > mtu + ETHERNET_HEADER) {
            counters.increment(Counter.DROPPED_TOO_BIG);
            return;
        }
        if (closed) {
            counters.increment(Counter.DROPPED_DETACHED);
            return;
        }
        long t = tail;                                         // plain read: only this thread writes tail
        if (t - cachedHead > mask) {
            cachedHead = (long) HEAD.getAcquire(this);
            if (t - cachedHead > mask) {
                counters.increment(Counter.DROPPED_QUEUE_FULL); // the ring is full: drop, never block the loop
                return;
            }
        }
        int slot = (int) t & mask;
        System.arraycopy(frame, off, ring, slot * slotSize + VNET_HDR, len);
        ringLens[slot] = len;
        TAIL.setVolatile(this, t + 1);                         // publishes the slot; ordered before the read below
        if ((boolean) WRITER_PARKED.getVolatile(this)) {
            LockSupport.unpark(writer);
        }
    }

    /**
     * The writer thread: writes each frame of the ring to the descriptor; parks when the ring is empty. It
     * announces that it may park (writerParked) and then checks the ring again, while send publishes a frame
     * and then checks writerParked, both with volatile accesses: at least one of the two sees the other, so
     * a frame is never left in the ring with the writer parked.
     */
    private void writeLoop() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Posix.errnoSegment(a);
            GsoCoalescer gso = segmentationOffload ? new GsoCoalescer(ring, ringLens, slotSize, mask) : null;
            MemorySegment merged = gso != null ? MemorySegment.ofArray(gso.out) : null;
            long h = head;
            while (true) {
                long t = (long) TAIL.getAcquire(this);
                if (h == t) {
                    if (closed) {
                        return;                              // close() wants the writer gone; the ring is empty
                    }
                    WRITER_PARKED.setVolatile(this, true);
                    if ((long) TAIL.getVolatile(this) == h && !closed) {
                        LockSupport.park(this);              // woken by send, close() or spuriously: check again
                    }
                    WRITER_PARKED.setVolatile(this, false);
                    continue;
                }
                for (; h != t; h++) {
                    int k = gso != null ? gso.run(h, t) : 1;
                    if (k > 1) {
                        if (writeMerged(st, gso, merged, h, k)) {
                            h += k - 1;
                            HEAD.setRelease(this, h + 1);    // frees the run's slots for send
                            continue;
                        }
                        gso = null;                          // the kernel refused it: the run goes frame by frame
                    }
                    int slot = (int) h & mask;
                    int len = ringLens[slot];
                    int at = slot * slotSize;
                    vnetHeader(ring, at, len, checksumOffload);
                    MemorySegment seg = ringSegment.asSlice(at, VNET_HDR + len);
                    long n;
                    do {
                        n = Posix.write(st, tapFd, seg, VNET_HDR + len);
                    } while (n < 0 && Posix.errno(st) == Posix.EINTR);
                    if (n == VNET_HDR + len) {
                        counters.increment(Counter.TX_FRAMES);
                        counters.add(Counter.TX_BYTES, len);
                    } else {
                        counters.increment(Counter.DROPPED_QUEUE_FULL); // EAGAIN or the kernel refused it
                    }
                    HEAD.setRelease(this, h + 1);            // frees the slot for send
                }
            }
        }
    }

    /**
     * Writes the {@code k} frames of the ring from {@code h} on as one merged frame. False if the kernel
     * refused the frame as invalid (it does not take GSO from us), so that they are written one by one.
     */
    private boolean writeMerged(MemorySegment st, GsoCoalescer gso, MemorySegment merged, long h, int k) {
        int len = gso.build(h, k);
        long n;
        do {
            n = Posix.write(st, tapFd, merged, len);
        } while (n < 0 && Posix.errno(st) == Posix.EINTR);
        if (n == len) {
            counters.increment(Counter.TX_GSO_WRITES);
            counters.add(Counter.TX_FRAMES, k);
            counters.add(Counter.TX_BYTES, gso.frameBytes(h, k));
        } else if (n < 0 && Posix.errno(st) == Posix.EINVAL) {
            System.getLogger(TapDevice.class.getName()).log(System.Logger.Level.WARNING,
                    "TAP device " + name + ": the kernel refuses TCP segmentation offload; segments go one by one");
            return false;
        } else {
            counters.add(Counter.DROPPED_QUEUE_FULL, k);        // EAGAIN or the kernel refused it
        }
        return true;
    }

    /**
     * Writes into {@code b[at..at + VNET_HDR)} the virtio-net header for the frame of {@code len} bytes that
     * follows it: all zeros (complete checksums, no segmentation), except with {@code offload} for an
     * unfragmented TCP or UDP datagram over IPv4, or over IPv6 with no extension header. Then the header says
     * NEEDS_CSUM and where the checksum field is, and the field gets the folded sum of the pseudo-header
     * (virtio 1.2 §5.1.6.2), so that completing it (the one's complement of the sum from {@code csum_start}
     * to the end, as the kernel does before a frame leaves) gives the checksum the stack wrote. A UDP
     * datagram over IPv4 sent without a checksum (0) stays without.
     */
    static void vnetHeader(byte[] b, int at, int len, boolean offload) {
        java.util.Arrays.fill(b, at, at + VNET_HDR, (byte) 0); // flags 0, GSO_NONE, hdr_len and gso_size 0
        if (!offload) {
            return;
        }
        int f = at + VNET_HDR;                                 // the frame
        int ip = f + ETHERNET_HEADER;
        int end = f + len;
        int l4;
        int l4Length;
        int protocol;
        long pseudo;
        int type = len >= ETHERNET_HEADER ? u16(b, f + 12) : -1;
        if (type == ETH_P_IP && end - ip >= 20 && (b[ip] & 0xf0) == 0x40) {
            int ihl = (b[ip] & 0x0f) * 4;
            int total = u16(b, ip + 2);
            if (ihl < 20 || total < ihl || total > end - ip || (u16(b, ip + 6) & 0x3fff) != 0) {
                return;                                        // malformed, or a fragment (MF or an offset)
            }
            l4 = ip + ihl;
            l4Length = total - ihl;
            protocol = b[ip + 9] & 0xff;
            pseudo = Checksum.ones(b, ip + 12, 8, protocol + l4Length);       // addresses, protocol, length
        } else if (type == ETH_P_IPV6 && end - ip >= 40 && (b[ip] & 0xf0) == 0x60) {
            l4 = ip + 40;
            l4Length = u16(b, ip + 4);
            protocol = b[ip + 6] & 0xff;                       // the next header: no extension header
            if (l4Length > end - l4) {
                return;
            }
            pseudo = Checksum.ones(b, ip + 8, 32, protocol + l4Length);
        } else {
            return;
        }
        int field;
        if (protocol == IPPROTO_TCP && l4Length >= 20) {
            field = 16;
        } else if (protocol == IPPROTO_UDP && l4Length >= 8 && u16(b, l4 + 6) != 0) {
            field = 6;
        } else {
            return;
        }
        int sum = Checksum.fold(pseudo);
        b[l4 + field] = (byte) (sum >>> 8);
        b[l4 + field + 1] = (byte) sum;
        b[at] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        MemorySegment h = MemorySegment.ofArray(b);
        h.set(LE16, at + 6, (short) (l4 - f));                 // csum_start, from the frame's first byte
        h.set(LE16, at + 8, (short) field);                    // csum_offset, from csum_start
    }

    private static int u16(byte[] b, int i) {
        return (b[i] & 0xff) << 8 | b[i + 1] & 0xff;
    }

    /** The reader thread: poll, read every ready frame into a batch, hand the batch to the loop. */
    private void readLoop(EventLoop loop, FrameReceiver receiver) {
        int maxRead = VNET_HDR + mtu + ETHERNET_HEADER + VLAN_SLACK;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Posix.errnoSegment(a);
            MemorySegment fds = a.allocate(16, 8);           // two struct pollfd
            fds.set(ValueLayout.JAVA_INT, 0, tapFd);
            fds.set(ValueLayout.JAVA_SHORT, 4, Posix.POLLIN);
            fds.set(ValueLayout.JAVA_INT, 8, wakeFd);
            fds.set(ValueLayout.JAVA_SHORT, 12, Posix.POLLIN);
            while (!closed && readReady(loop, receiver, st, fds, maxRead)) {
                // one wake-up per turn
            }
        } catch (InterruptedException e) {
            // close() interrupted the wait for a batch
        }
    }

    /**
     * One turn of the reader: waits in poll(2), then reads what is ready into a batch and hands it to the
     * loop. False when the reader should stop (close() or an error). A method of its own so that the JIT
     * compiles it after a few hundred calls: the loop around it turns once per wake-up, too seldom for
     * on-stack replacement to come soon, and interpreted segment accesses are slow.
     */
    private boolean readReady(EventLoop loop, FrameReceiver receiver, MemorySegment st, MemorySegment fds,
                              int maxRead) throws InterruptedException {
        fds.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
        fds.set(ValueLayout.JAVA_SHORT, 14, (short) 0);
        if (Posix.poll(st, fds, 2, -1) < 0) {
            if (Posix.errno(st) == Posix.EINTR) {
                return true;
            }
            fail("poll: " + Posix.strerror(Posix.errno(st)));
            return false;
        }
        if (fds.get(ValueLayout.JAVA_SHORT, 14) != 0 || closed) {
            return false;                                    // woken by close()
        }
        short revents = fds.get(ValueLayout.JAVA_SHORT, 6);
        if ((revents & (Posix.POLLERR | Posix.POLLHUP | Posix.POLLNVAL)) != 0) {
            fail("poll: the device reported an error (revents 0x" + Integer.toHexString(revents) + ")");
            return false;
        }
        Batch batch = free.poll(1, TimeUnit.SECONDS);
        if (batch == null) {
            return true;                                     // the loop is behind: the kernel queues meanwhile
        }
        fill(batch, st, maxRead);
        if (batch.count == 0) {
            free.add(batch);
        } else {
            loop.execute(() -> deliver(batch, receiver));
        }
        return true;
    }

    /** Reads every frame that is ready into {@code batch}, until the kernel has no more or the batch no room. */
    private void fill(Batch batch, MemorySegment st, int maxRead) {
        while (batch.room() >= maxRead) {
            long n = Posix.read(st, tapFd, batch.segment.asSlice(batch.used, maxRead), maxRead);
            if (n < 0) {
                int errno = Posix.errno(st);
                if (errno == Posix.EINTR) {
                    continue;
                }
                if (errno != Posix.EAGAIN) {
                    fail("read: " + Posix.strerror(errno));
                }
                return;
            }
            if (n < VNET_HDR) {
                counters.increment(Counter.DROPPED_RUNT);
            } else if (batch.bytes[batch.used + 1] != VIRTIO_NET_HDR_GSO_NONE
                    || (batch.bytes[batch.used] & VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0) {
                counters.increment(Counter.DROPPED_OFFLOAD);   // never with TUNSETOFFLOAD 0
            } else {
                batch.add((int) n);
            }
        }
    }

    /** On the loop: hands each frame of the batch to the receiver, then returns the batch to the reader. */
    private void deliver(Batch batch, FrameReceiver receiver) {
        try {
            int off = 0;
            for (int i = 0; i < batch.count; i++) {
                int frame = off + VNET_HDR;
                int len = batch.lens[i] - VNET_HDR;
                off += batch.lens[i];
                if (closed) {
                    break;
                }
                if (len < ETHERNET_HEADER) {
                    counters.increment(Counter.DROPPED_RUNT);
                } else if (len > mtu + ETHERNET_HEADER) {
                    counters.increment(Counter.DROPPED_TOO_BIG);
                } else {
                    counters.increment(Counter.RX_FRAMES);
                    counters.add(Counter.RX_BYTES, len);
                    receiver.receive(batch.bytes, frame, len);
                }
            }
        } finally {
            batch.clear();
            free.add(batch);
        }
    }

    private void fail(String message) {
        if (!closed) {
            System.getLogger(TapDevice.class.getName()).log(System.Logger.Level.ERROR,
                    "TAP device " + name + ": " + message + "; no more frames are received");
        }
    }

    /**
     * Stops the reader and the writer (which first writes what the ring holds), waits for them to end, then
     * closes the descriptors: the interface vanishes unless it is persistent. Idempotent; may be called on the
     * loop.
     */
    @Override
    public void close() {
        Thread r;
        synchronized (stateLock) {
            if (closed) {
                return;
            }
            closed = true;
            r = reader;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Posix.errnoSegment(a);
            MemorySegment one = a.allocate(ValueLayout.JAVA_LONG);
            one.set(ValueLayout.JAVA_LONG, 0, 1L);
            Posix.write(st, wakeFd, one, 8);                  // eventfd(2): adds 1 to the counter, poll sees POLLIN
            if (r != null) {
                r.interrupt();                               // in case it waits for a batch
            }
            LockSupport.unpark(writer);                      // it writes what the ring holds, then leaves
            boolean interrupted = join(r) | join(writer);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            Posix.close(st, tapFd);
            Posix.close(st, wakeFd);
        }
    }

    /** Waits for {@code t} (if any) to end; returns whether this thread was interrupted meanwhile. */
    private static boolean join(Thread t) {
        boolean interrupted = false;
        while (t != null && t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        return interrupted;
    }

    @Override
    public String toString() {
        return "TapDevice[" + name + ", " + new MacAddress(mac) + ", mtu " + mtu + "]";
    }

    /** What the reader read, packed one after another in one array: each frame after its virtio-net header. */
    private static final class Batch {
        final byte[] bytes;
        final MemorySegment segment;
        final int[] lens;                                      // bytes read per frame, header included
        int used;
        int count;

        Batch(int capacity) {
            bytes = new byte[capacity];
            segment = MemorySegment.ofArray(bytes);
            lens = new int[capacity / ETHERNET_HEADER + 1];
        }

        int room() {
            return bytes.length - used;
        }

        void add(int len) {
            lens[count++] = len;
            used += len;
        }

        void clear() {
            used = 0;
            count = 0;
        }
    }

    // --- names, ifreq, errors

    /**
     * Checks an interface name as Linux's dev_valid_name() does: 1..15 bytes, not "." or "..", no '/', ':' or
     * white space.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static void checkName(String name) {
        Objects.requireNonNull(name, "name");
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        if (b.length == 0 || b.length > MAX_NAME) {
            throw new IllegalArgumentException("interface name '" + name + "' must be 1.." + MAX_NAME
                    + " bytes long (IFNAMSIZ is 16 with the terminating NUL): it has " + b.length);
        }
        if (name.equals(".") || name.equals("..") || name.chars().anyMatch(c -> c == '/' || c == ':'
                || Character.isWhitespace(c) || c == 0)) {
            throw new IllegalArgumentException("not a valid interface name: '" + name + "'");
        }
    }

    private static MemorySegment ifreq(Arena a, String name) {
        MemorySegment ifr = a.allocate(IFREQ, 8);
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(b, 0, ifr, ValueLayout.JAVA_BYTE, 0, b.length);
        return ifr;
    }

    static IOException openError(int errno) {
        return switch (errno) {
            case Posix.ENOENT -> new IOException("/dev/net/tun does not exist: load the tun module (modprobe tun)"
                    + " or create the device node (mkdir -p /dev/net && mknod /dev/net/tun c 10 200)");
            case Posix.ENODEV, Posix.ENXIO -> new IOException("/dev/net/tun: the kernel has no TUN/TAP driver"
                    + " (modprobe tun; CONFIG_TUN)");
            case Posix.EPERM, Posix.EACCES -> new IOException("/dev/net/tun: permission denied: TAP devices need"
                    + " root or CAP_NET_ADMIN");
            default -> new IOException("/dev/net/tun: " + Posix.strerror(errno));
        };
    }

    static IOException setIffError(String name, int errno) {
        return switch (errno) {
            case Posix.EPERM, Posix.EACCES -> new IOException("TAP device " + name + ": permission denied: creating"
                    + " or attaching to a TAP device needs root or CAP_NET_ADMIN (or a persistent device owned by"
                    + " this user)");
            case Posix.EINVAL -> new IOException("interface " + name + " exists and is not a TAP device (a TUN device"
                    + " or another kind of interface); choose another name or delete it");
            case Posix.EBUSY -> new IOException("TAP device " + name + " is in use by another process or was created"
                    + " with other flags (multi-queue)");
            default -> new IOException("TAP device " + name + ": TUNSETIFF: " + Posix.strerror(errno));
        };
    }

    private static int interfaceMtu(Arena a, MemorySegment st, String name) throws IOException {
        int[] mtu = new int[1];
        withInetSocket(a, st, name, (sock, ifr) -> {
            if (Posix.ioctl(st, sock, SIOCGIFMTU, ifr) < 0) {
                return Posix.errno(st);
            }
            mtu[0] = ifr.get(ValueLayout.JAVA_INT, IFREQ_UNION);
            return 0;
        }, "read the MTU of " + name);
        return mtu[0];
    }

    private static int setInterfaceMtu(Arena a, MemorySegment st, String name, int mtu) throws IOException {
        withInetSocket(a, st, name, (sock, ifr) -> {
            ifr.set(ValueLayout.JAVA_INT, IFREQ_UNION, mtu);
            return Posix.ioctl(st, sock, SIOCSIFMTU, ifr) < 0 ? Posix.errno(st) : 0;
        }, "set the MTU of " + name + " to " + mtu);
        return mtu;
    }

    /** An interface request: returns 0 or an errno. */
    private interface IfreqCall {
        int call(int socket, MemorySegment ifr);
    }

    /** netdevice(7): interface ioctls go through any socket; an AF_INET datagram socket is the usual one. */
    private static void withInetSocket(Arena a, MemorySegment st, String name, IfreqCall call, String what)
            throws IOException {
        int sock = Posix.socket(st, Posix.AF_INET, Posix.SOCK_DGRAM | Posix.SOCK_CLOEXEC, 0);
        if (sock < 0) {
            throw new IOException("cannot " + what + ": socket: " + Posix.strerror(Posix.errno(st)));
        }
        try {
            int errno = call.call(sock, ifreq(a, name));
            if (errno == Posix.EPERM || errno == Posix.EACCES) {
                throw new IOException("cannot " + what + ": permission denied (needs root or CAP_NET_ADMIN)");
            }
            if (errno != 0) {
                throw new IOException("cannot " + what + ": " + Posix.strerror(errno));
            }
        } finally {
            Posix.close(st, sock);
        }
    }
}
