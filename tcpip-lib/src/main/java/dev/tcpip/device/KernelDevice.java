package dev.tcpip.device;

import dev.tcpip.time.EventLoop;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.IntFunction;

/**
 * What a {@link TapDevice} and a {@link TunDevice} share: a descriptor of {@code /dev/net/tun} attached to one
 * interface, a {@link TapReader} platform thread that polls it and hands batches of frames to the loop, a
 * {@link TransmitRing} that {@link #send} fills and a {@link TapWriter} thread drains, the virtio-net header with
 * checksum and segmentation offload, the counters, and an orderly {@link #close}: both threads stopped and
 * joined before the descriptors close, so that no read or write can reach a descriptor number the process has
 * reused meanwhile. The two differ only in what their frames are ({@link LinkType}) and how their kernel side is
 * configured. See {@link TapDevice} for the design.
 */
abstract sealed class KernelDevice implements NetworkDevice permits TapDevice, TunDevice {
    /** The largest IP datagram of a super-segment: IPv4's total length and GSO's limit. */
    private static final int MAX_SUPER_SEGMENT = 65_535;
    private final String kind;
    private final String name;
    private final long mac;
    private final int mtu;
    private final LinkType link;
    private final boolean checksumOffload;
    private final boolean segmentationOffload;
    private final boolean receiveOffload;
    private final int fd;
    private final int wakeFd;
    private final DeviceCounters counters = new DeviceCounters();
    private final Object stateLock = new Object();
    /** The network namespace of the kernel's side of the device; null: this process's own. */
    private final String netns;
    private final TransmitRing ring;
    private final TapWriter writer;
    private final TapReader reader;
    private boolean attached;                                  // guarded by stateLock
    private volatile boolean closed;

    /**
     * A device over descriptor {@code fd} (each frame after a virtio-net header if {@code vnetHeader}) and
     * eventfd {@code wakeFd}, both owned from now on; its writer is not started yet ({@link #started}).
     */
    KernelDevice(String kind, String netns, String name, long mac, int mtu, LinkType link, boolean vnetHeader,
                 boolean checksumOffload, int fd, int wakeFd) {
        this.kind = kind;
        this.netns = netns;
        this.name = name;
        this.mac = mac;
        this.mtu = mtu;
        this.link = link;
        this.checksumOffload = checksumOffload;
        this.segmentationOffload = checksumOffload && !"false".equals(System.getProperty(TapDevice.GSO_PROPERTY));
        this.fd = fd;
        this.wakeFd = wakeFd;
        this.receiveOffload = vnetHeader && checksumOffload
                && !"false".equals(System.getProperty(TapDevice.RX_OFFLOAD_PROPERTY))
                && TapControl.setReceiveOffloads(fd, name);
        this.reader = new TapReader(name, fd, wakeFd, mtu, link, vnetHeader, receiveOffload, counters,
                this::isClosed);
        this.ring = new TransmitRing(link.maxFrame(mtu),
                segmentationOffload && vnetHeader ? link.headerLength() + MAX_SUPER_SEGMENT : 0);
        this.writer = new TapWriter(name, fd, ring, counters, checksumOffload, segmentationOffload,
                link.headerLength(), vnetHeader, this::isClosed);
    }

    /** Checks an MTU as the tun driver takes it: 0 (keep the interface's), or 68..65,521. */
    static void checkMtu(int mtu) {
        if (mtu != 0 && (mtu < 68 || mtu > 65_521)) {         // RFC 791 §3.2 minimum; the tun driver's maximum
            throw new IllegalArgumentException("mtu must be within 68..65521: " + mtu);
        }
    }

    /**
     * Makes the device's eventfd, builds the device over {@code fd} with {@code make} (given the eventfd) and
     * starts its writer; on failure closes {@code fd} and the eventfd.
     */
    static <T extends KernelDevice> T started(int fd, IntFunction<T> make) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Posix.errnoSegment(a);
            int wake = -1;
            try {
                wake = TapControl.eventfd(st);
                T device = make.apply(wake);
                ((KernelDevice) device).writer.start();
                return device;
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
     * Opens {@code /dev/net/tun} as interface {@code name} of {@code link} frames and sets its MTU (0 keeps it),
     * inside namespace {@code netns} (null: here); returns {descriptor, MTU}.
     */
    static int[] openFd(String netns, String name, int mtu, LinkType link) throws IOException {
        return inside(netns, () -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment st = Posix.errnoSegment(a);
                int fd = TapControl.open(a, st, name, link);
                try {
                    int actualMtu = mtu == 0
                            ? TapControl.interfaceMtu(a, st, name) : TapControl.setInterfaceMtu(a, st, name, mtu);
                    return new int[] {fd, actualMtu};
                } catch (IOException | RuntimeException e) {
                    Posix.close(st, fd);
                    throw e;
                }
            }
        });
    }

    /** Runs {@code body} here (netns null) or on a short-lived thread inside namespace {@code netns}. */
    static <T> T inside(String netns, Callable<T> body) throws IOException {
        if (netns == null) {
            try {
                return body.call();
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e);
            }
        }
        return NetNamespace.inside(netns, body);
    }

    /** Runs {@code body} in the namespace of the device's kernel side. */
    final void inDeviceNamespace(Callable<Void> body) throws IOException {
        inside(netns, body);
    }

    /** Brings the kernel's side of the interface up ({@code IFF_UP}, as {@code ip link set NAME up}). */
    public void setLinkUp() throws IOException {
        inDeviceNamespace(() -> {
            TapControl.setLinkUp(name);
            return null;
        });
    }

    /** The interface's name. */
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

    @Override
    public LinkType linkType() {
        return link;
    }

    /** True if opened with checksum offload: the writer marks TCP and UDP frames NEEDS_CSUM (see VnetHeader). */
    @Override
    public boolean completesChecksums() {
        return checksumOffload;
    }

    /** True if opened with checksum offload: the kernel does not verify the checksums of TCP and UDP sent. */
    @Override
    public boolean offloadsChecksums() {
        return checksumOffload;
    }

    /**
     * True if the writer merges runs of TCP segments into one frame for the kernel to segment (GSO): opened
     * with checksum offload and not turned off by {@value TapDevice#GSO_PROPERTY}{@code =false}.
     */
    public boolean offloadsSegmentation() {
        return segmentationOffload;
    }

    /**
     * 65,535 if the device {@linkplain #offloadsSegmentation() offloads segmentation}: the stack's TCP super-segments
     * (up to that many bytes of IP datagram, after the link header) are then each written as one GSO write; else 0.
     */
    @Override
    public int maxSuperSegment() {
        return ring.maxSuperFrame() > 0 ? MAX_SUPER_SEGMENT : 0;
    }

    /**
     * True if the kernel hands this device TCP super-segments and partial checksums (see {@link TapDevice}):
     * opened with checksum offload, not turned off by {@value TapDevice#RX_OFFLOAD_PROPERTY}{@code =false}, and
     * {@code TUNSETOFFLOAD} accepted.
     */
    public boolean receiveOffloads() {
        return receiveOffload;
    }

    /** Frames and bytes sent and received, and drops by reason. */
    public DeviceCounters counters() {
        return counters;
    }

    /**
     * How the reader takes frames from the kernel: "io_uring" (one multishot read into provided buffers),
     * "poll" (poll(2), then read(2) per frame), or "" before {@link #attach}.
     */
    public String receivePath() {
        return reader.path();
    }

    private boolean isClosed() {
        return closed;
    }

    @Override
    public void attach(EventLoop loop, FrameReceiver receiver) {
        Objects.requireNonNull(loop, "loop");
        Objects.requireNonNull(receiver, "receiver");
        synchronized (stateLock) {
            if (closed) {
                throw new IllegalStateException(kind + " device " + name + " is closed");
            }
            if (attached) {
                throw new IllegalStateException(kind + " device " + name + " is already attached");
            }
            attached = true;
            reader.start(loop, receiver);
        }
    }

    @Override
    public void send(byte[] frame, int off, int len) {
        Objects.checkFromIndexSize(off, len, frame.length);
        if (len < link.minFrame()) {
            counters.increment(Counter.DROPPED_RUNT);
            return;
        }
        if (len > link.maxFrame(mtu)) {
            counters.increment(Counter.DROPPED_TOO_BIG);
            return;
        }
        if (closed) {
            counters.increment(Counter.DROPPED_DETACHED);
            return;
        }
        if (!writer.writeInline(frame, off, len) && !ring.offer(frame, off, len)) {
            counters.increment(Counter.DROPPED_QUEUE_FULL);    // the ring is full: drop, never block the loop
        }
    }

    /**
     * A frame as {@link #send(byte[], int, int)}, or, with a GSO size in {@code offload}, a TCP super-segment of up
     * to {@link #maxSuperSegment()} bytes of IP datagram, which goes through the ring (never inline, so it keeps
     * its place among the frames sent) to be written as one GSO write (see {@link TapWriter}).
     *
     * @throws UnsupportedOperationException for a super-segment, if the device takes none
     */
    @Override
    public void send(byte[] frame, int off, int len, int offload) {
        int gso = OffloadReceiver.gsoSize(offload);
        if (gso == 0 || maxSuperSegment() == 0) {
            NetworkDevice.super.send(frame, off, len, offload);
            return;
        }
        Objects.checkFromIndexSize(off, len, frame.length);
        if (len < link.minFrame()) {
            counters.increment(Counter.DROPPED_RUNT);
        } else if (len > ring.maxSuperFrame()) {
            counters.increment(Counter.DROPPED_TOO_BIG);
        } else if (closed) {
            counters.increment(Counter.DROPPED_DETACHED);
        } else if (!ring.offerSuperSegment(frame, off, len, gso)) {
            counters.increment(Counter.DROPPED_QUEUE_FULL);    // the ring is full: drop, never block the loop
        }
    }

    /**
     * Stops the reader and the writer (which first writes what the ring holds), waits for them to end, then
     * closes the descriptors: the interface vanishes unless it is persistent. Idempotent; may be called on the
     * loop.
     */
    @Override
    public void close() {
        synchronized (stateLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        reader.stop();
        writer.stop();
        boolean interrupted = join(reader.thread()) | join(writer.thread());
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        writer.awaitInline();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Posix.errnoSegment(a);
            Posix.close(st, fd);
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
}
