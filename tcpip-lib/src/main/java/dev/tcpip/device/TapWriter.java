package dev.tcpip.device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The writer thread of a TAP or TUN device: drains the {@link TransmitRing} with one write(2) per frame, or, with
 * segmentation offload, one per run of TCP segments that {@link GsoCoalescer} merges; parks when the ring is
 * empty. Keeping the writes off the loop matters because a TAP or TUN write runs the kernel's receive path for
 * the frame inside the system call. Each write is a critical downcall that reads the heap array in place. On a
 * descriptor without a virtio-net header (a TUN descriptor opened elsewhere) each frame is written bare.
 *
 * <p><b>Inline writes.</b> Handing a frame to the writer costs a wake-up of its thread (an unpark and a context
 * switch) when it is parked, which in a request/response exchange is every frame. So the producer (the loop) writes a
 * small frame itself ({@link #writeInline}, at most {@value #INLINE_DEFAULT} bytes, or the system property
 * {@value #INLINE_PROPERTY}; 0 turns this off) when the ring is drained: every frame offered before it has been
 * written and its write(2) has returned, so the writer writes nothing meanwhile, and the frames offered after it
 * reach the ring only once it has been written. Frames thus reach the kernel in the order sent, and the kernel,
 * which takes a TAP frame inside its write(2), handles them in that order. Large frames (bulk data, which GSO merges)
 * and frames sent while the writer is busy still go through the ring, so the loop takes only small writes. A lock
 * held across an inline write lets {@link #awaitInline} (on close, before the descriptor closes) wait for one in
 * progress; an inline write whose write(2) fails with EAGAIN goes to the ring instead.
 */
final class TapWriter {
    /** The system property: the largest frame (without the virtio-net header) the loop writes itself; 0: none. */
    static final String INLINE_PROPERTY = "tcpip.tap.inline";
    static final int INLINE_DEFAULT = 512;

    private final String name;
    private final int fd;
    private final TransmitRing ring;
    private final DeviceCounters counters;
    private final boolean checksumOffload;
    private final boolean segmentationOffload;
    private final int linkHeader;
    private final int vnet;
    private final BooleanSupplier closed;
    private final Thread thread;
    private final int inlineMax;
    private final ReentrantLock inlineLock = new ReentrantLock();
    private final byte[] inline;                                 // the producer's: header and frame of an inline write
    private final MemorySegment inlineSegment;
    private final MemorySegment inlineErrno;
    private final VnetHeader inlineHeader;

    /**
     * A writer (not started) for device {@code name} on descriptor {@code fd}, whose frames have a link header of
     * {@code linkHeader} bytes, each written after a virtio-net header if {@code vnetHeader} (offloads need it);
     * it stops once {@code closed}.
     */
    TapWriter(String name, int fd, TransmitRing ring, DeviceCounters counters, boolean checksumOffload,
              boolean segmentationOffload, int linkHeader, boolean vnetHeader, BooleanSupplier closed) {
        if (!vnetHeader && checksumOffload) {
            throw new IllegalArgumentException("checksum offload needs the virtio-net header");
        }
        this.name = name;
        this.fd = fd;
        this.ring = ring;
        this.counters = counters;
        this.checksumOffload = checksumOffload;
        this.segmentationOffload = segmentationOffload;
        this.linkHeader = linkHeader;
        this.vnet = vnetHeader ? VnetHeader.LENGTH : 0;
        this.closed = closed;
        this.thread = Thread.ofPlatform().name("tcpip-" + name + "-tx").daemon(true).unstarted(this::writeLoop);
        ring.consumer(thread);
        this.inlineMax = Math.min(Math.max(Integer.getInteger(INLINE_PROPERTY, INLINE_DEFAULT), 0),
                ring.slotSize - VnetHeader.LENGTH);
        this.inline = new byte[VnetHeader.LENGTH + inlineMax];
        this.inlineSegment = MemorySegment.ofArray(inline);
        this.inlineErrno = Posix.errnoSegment(Arena.ofAuto());
        this.inlineHeader = new VnetHeader(checksumOffload, linkHeader);
    }

    /**
     * On the producer (the loop), instead of offering the frame to the ring: writes it now if it is small and the
     * ring is drained (see the class comment). False if it did not (too big, the ring busy, the device closing, or
     * EAGAIN): then the caller offers it to the ring as before.
     */
    boolean writeInline(byte[] frame, int off, int len) {
        if (len > inlineMax || !ring.drained() || !inlineLock.tryLock()) {
            return false;
        }
        try {
            if (closed.getAsBoolean()) {
                return false;
            }
            System.arraycopy(frame, off, inline, VnetHeader.LENGTH, len);
            if (vnet != 0) {
                inlineHeader.write(inline, 0, len);
            }
            MemorySegment seg = inlineSegment.asSlice(VnetHeader.LENGTH - vnet, vnet + len);
            long n = write(inlineErrno, seg, vnet + len);
            if (n == vnet + len) {
                counters.increment(Counter.TX_FRAMES);
                counters.add(Counter.TX_BYTES, len);
                counters.increment(Counter.TX_INLINE_WRITES);
                return true;
            }
            if (n < 0 && Posix.errno(inlineErrno) == Posix.EAGAIN) {
                return false;                                  // the ring takes it (and the writer its retry policy)
            }
            counters.increment(Counter.DROPPED_QUEUE_FULL);    // the kernel refused it, as the writer counts it
            return true;
        } finally {
            inlineLock.unlock();
        }
    }

    /** On close, with {@code closed} already true: waits for an inline write in progress to return. */
    void awaitInline() {
        inlineLock.lock();                                     // no later inline write starts: each checks closed
        inlineLock.unlock();
    }

    void start() {
        thread.start();
    }

    /** After {@code closed} became true: wakes the writer, which writes what the ring holds and leaves. */
    void stop() {
        LockSupport.unpark(thread);
    }

    Thread thread() {
        return thread;
    }

    /** Writes each frame of the ring to the descriptor; parks when the ring is empty (see {@link TransmitRing}). */
    private void writeLoop() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Posix.errnoSegment(a);
            VnetHeader header = new VnetHeader(checksumOffload, linkHeader);
            GsoCoalescer gso = segmentationOffload
                    ? new GsoCoalescer(ring.bytes, ring.lens, ring.slotSize, ring.mask, linkHeader) : null;
            MemorySegment merged = gso != null ? MemorySegment.ofArray(gso.out) : null;
            long h = ring.next();
            while (true) {
                long t = ring.published();
                if (h == t) {
                    if (closed.getAsBoolean()) {
                        return;                              // close() wants the writer gone; the ring is empty
                    }
                    ring.await(h, closed);
                    continue;
                }
                for (; h != t; h++) {
                    int k = gso != null ? gso.run(h, t) : 1;
                    if (k > 1) {
                        if (writeMerged(st, gso, merged, h, k)) {
                            h += k - 1;
                            ring.release(h + 1);             // frees the run's slots for send
                            continue;
                        }
                        gso = null;                          // the kernel refused it: the run goes frame by frame
                    }
                    int len = ring.length(h);
                    int at = ring.slot(h);
                    if (vnet != 0) {
                        header.write(ring.bytes, at, len);
                    }
                    MemorySegment seg = ring.segment.asSlice(at + VnetHeader.LENGTH - vnet, vnet + len);
                    long n = write(st, seg, vnet + len);
                    if (n == vnet + len) {
                        counters.increment(Counter.TX_FRAMES);
                        counters.add(Counter.TX_BYTES, len);
                    } else {
                        counters.increment(Counter.DROPPED_QUEUE_FULL); // EAGAIN or the kernel refused it
                    }
                    ring.release(h + 1);                     // frees the slot for send
                }
            }
        }
    }

    /** One write(2) of {@code len} bytes of {@code buf}, again if a signal interrupted it; what write(2) returned. */
    private long write(MemorySegment st, MemorySegment buf, int len) {
        long n;
        do {
            n = Posix.write(st, fd, buf, len);
        } while (n < 0 && Posix.errno(st) == Posix.EINTR);
        return n;
    }

    /**
     * Writes the {@code k} frames of the ring from {@code h} on as one merged frame. False if the kernel
     * refused the frame as invalid (it does not take GSO from us), so that they are written one by one.
     */
    private boolean writeMerged(MemorySegment st, GsoCoalescer gso, MemorySegment merged, long h, int k) {
        int len = gso.build(h, k);
        long n = write(st, merged, len);
        if (n == len) {
            counters.increment(Counter.TX_GSO_WRITES);
            counters.add(Counter.TX_FRAMES, k);
            counters.add(Counter.TX_BYTES, gso.frameBytes(h, k));
        } else if (n < 0 && Posix.errno(st) == Posix.EINVAL) {
            System.getLogger(TapDevice.class.getName()).log(System.Logger.Level.WARNING,
                    "device " + name + ": the kernel refuses TCP segmentation offload; segments go one by one");
            return false;
        } else {
            counters.add(Counter.DROPPED_QUEUE_FULL, k);        // EAGAIN or the kernel refused it
        }
        return true;
    }
}
