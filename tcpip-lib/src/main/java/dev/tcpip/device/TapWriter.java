package dev.tcpip.device;

import dev.tcpip.wire.GsoSegmenter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The writer thread of a TAP or TUN device: drains the {@link TransmitRing} with one write(2) per frame, or, with
 * segmentation offload, one per run of TCP segments that {@link GsoCoalescer} merges and one per super-segment the
 * stack made ({@link #writeSuperSegment}); parks when the ring is empty. Keeping the writes off the loop matters
 * because a TAP or TUN write runs the kernel's receive path for the frame inside the system call. Each write is a
 * critical downcall that reads the heap array in place. On a descriptor without a virtio-net header (a TUN
 * descriptor opened elsewhere) each frame is written bare.
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
    /**
     * Where the writes go: one write(2) of {@code len} bytes of {@code buf}, again if a signal interrupted it;
     * returns the bytes written or the negated errno. {@code st} is the calling thread's errno segment.
     */
    @FunctionalInterface
    interface Output {
        long write(MemorySegment st, MemorySegment buf, int len);
    }

    /** The system property: the largest frame (without the virtio-net header) the loop writes itself; 0: none. */
    static final String INLINE_PROPERTY = "tcpip.tap.inline";
    static final int INLINE_DEFAULT = 512;

    private final String name;
    private final Output out;
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
    // the writer thread's (or a test's, with the thread not started)
    private final VnetHeader header;
    private GsoCoalescer gso;                                    // null: no merging (off, or the kernel refused GSO)
    private final MemorySegment merged;
    private boolean gsoRefused;                                  // the kernel refused a GSO write: cut from now on
    private GsoSegmenter cutter;                                 // made when first needed, as are:
    private byte[] piece;                                        // a piece cut from a super-segment, after a header
    private MemorySegment pieceSegment;
    private final GsoSegmenter.Sink pieceSink = this::writePiece;
    private MemorySegment pieceErrno;                            // the errno segment while cutting

    /**
     * A writer (not started) for device {@code name} on descriptor {@code fd}, whose frames have a link header of
     * {@code linkHeader} bytes, each written after a virtio-net header if {@code vnetHeader} (offloads need it);
     * it stops once {@code closed}.
     */
    TapWriter(String name, int fd, TransmitRing ring, DeviceCounters counters, boolean checksumOffload,
              boolean segmentationOffload, int linkHeader, boolean vnetHeader, BooleanSupplier closed) {
        this(name, (st, buf, len) -> write(st, fd, buf, len), ring, counters, checksumOffload, segmentationOffload,
                linkHeader, vnetHeader, closed);
    }

    /** A writer as above whose writes go to {@code out} (a test's stand-in for the descriptor). */
    TapWriter(String name, Output out, TransmitRing ring, DeviceCounters counters, boolean checksumOffload,
              boolean segmentationOffload, int linkHeader, boolean vnetHeader, BooleanSupplier closed) {
        if (!vnetHeader && checksumOffload) {
            throw new IllegalArgumentException("checksum offload needs the virtio-net header");
        }
        if (ring.maxSuperFrame() > 0 && !segmentationOffload) {
            throw new IllegalArgumentException("super-segments need segmentation offload");
        }
        this.name = name;
        this.out = out;
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
        this.header = new VnetHeader(checksumOffload, linkHeader);
        this.gso = segmentationOffload ? new GsoCoalescer(ring, linkHeader) : null;
        this.merged = gso != null ? MemorySegment.ofArray(gso.out) : null;
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
            long n = out.write(inlineErrno, seg, vnet + len);
            if (n == vnet + len) {
                counters.increment(Counter.TX_FRAMES);
                counters.add(Counter.TX_BYTES, len);
                counters.increment(Counter.TX_INLINE_WRITES);
                return true;
            }
            if (n == -Posix.EAGAIN) {
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
                h = drain(st, h, t);
            }
        }
    }

    /**
     * On the writer (or a test, with the thread not started): writes the frames of the ring from {@code h} to
     * {@code t} (published), freeing each one's slot once written; returns {@code t}.
     */
    long drain(MemorySegment st, long h, long t) {
        for (; h != t; h++) {
            int superSize = ring.gsoSize(h);
            if (superSize != 0) {
                writeSuperSegment(st, ring.length(h), superSize);
                ring.releaseLarge();
                ring.release(h + 1);
                continue;
            }
            int k = gso != null ? gso.run(h, t) : 1;
            if (k > 1) {
                if (writeMerged(st, h, k)) {
                    h += k - 1;
                    ring.release(h + 1);                     // frees the run's slots for send
                    continue;
                }
                refuseGso();                                 // the kernel refused it: the run goes frame by frame
            }
            int len = ring.length(h);
            int at = ring.slot(h);
            if (vnet != 0) {
                header.write(ring.bytes, at, len);
            }
            MemorySegment seg = ring.segment.asSlice(at + VnetHeader.LENGTH - vnet, vnet + len);
            long n = out.write(st, seg, vnet + len);
            if (n == vnet + len) {
                counters.increment(Counter.TX_FRAMES);
                counters.add(Counter.TX_BYTES, len);
            } else {
                counters.increment(Counter.DROPPED_QUEUE_FULL); // EAGAIN or the kernel refused it
            }
            ring.release(h + 1);                             // frees the slot for send
        }
        return t;
    }

    /** One write(2) of {@code len} bytes of {@code buf} to {@code fd}, again if a signal interrupted it. */
    private static long write(MemorySegment st, int fd, MemorySegment buf, int len) {
        long n;
        do {
            n = Posix.write(st, fd, buf, len);
        } while (n < 0 && Posix.errno(st) == Posix.EINTR);
        return n < 0 ? -Posix.errno(st) : n;
    }

    /** The kernel refused a GSO write ({@code EINVAL}): from now on nothing is merged and super-segments are cut. */
    private void refuseGso() {
        System.getLogger(TapDevice.class.getName()).log(System.Logger.Level.WARNING,
                "device " + name + ": the kernel refuses TCP segmentation offload; segments go one by one");
        gso = null;
        gsoRefused = true;
    }

    /**
     * Writes the {@code k} frames of the ring from {@code h} on as one merged frame. False if the kernel
     * refused the frame as invalid (it does not take GSO from us), so that they are written one by one.
     */
    private boolean writeMerged(MemorySegment st, long h, int k) {
        int len = gso.build(h, k);
        long n = out.write(st, merged, len);
        if (n == len) {
            counters.increment(Counter.TX_GSO_WRITES);
            counters.add(Counter.TX_FRAMES, k);
            counters.add(Counter.TX_BYTES, gso.frameBytes(h, k));
        } else if (n == -Posix.EINVAL) {
            return false;
        } else {
            counters.add(Counter.DROPPED_QUEUE_FULL, k);        // EAGAIN or the kernel refused it
        }
        return true;
    }

    /**
     * Writes the stack's TCP super-segment of {@code len} bytes in the next large buffer as one GSO write whose
     * header says what {@link GsoCoalescer} says of a run it merged ({@link VnetHeader#writeSuperSegment}), so
     * the kernel's receive path runs once for it and a forwarded one is cut back into its segments. If the kernel
     * refuses GSO ({@code EINVAL}, now or earlier), or the frame is no super-segment a GSO header can describe,
     * it is cut here ({@link GsoSegmenter}: each piece with its own lengths, identification, sequence number and
     * checksums) and the pieces are written as any frame. Counted as its pieces in {@link Counter#TX_FRAMES} and
     * {@link Counter#TX_BYTES} (what a wire carries), one {@link Counter#TX_GSO_WRITES} if written whole.
     */
    private void writeSuperSegment(MemorySegment st, int len, int gsoSize) {
        byte[] b = ring.largeBytes();
        if (cutter == null) {
            cutter = new GsoSegmenter(linkHeader, ring.slotSize - VnetHeader.LENGTH);
            piece = new byte[ring.slotSize];
            pieceSegment = MemorySegment.ofArray(piece);
        }
        int pieces = cutter.pieces(b, VnetHeader.LENGTH, len, gsoSize);
        if (pieces < 0) {
            counters.increment(Counter.DROPPED_OFFLOAD);      // not a TCP segment with payload, or pieces too big
            return;
        }
        int wireBytes = len + (pieces - 1) * cutter.headersLength();
        if (!gsoRefused && header.writeSuperSegment(b, 0, len, gsoSize, ring.slotSize - VnetHeader.LENGTH)) {
            long n = out.write(st, ring.largeSegment().asSlice(0, VnetHeader.LENGTH + len), VnetHeader.LENGTH + len);
            if (n == VnetHeader.LENGTH + len) {
                counters.increment(Counter.TX_GSO_WRITES);
                counters.increment(Counter.TX_TSO_WRITES);
                counters.add(Counter.TX_FRAMES, pieces);
                counters.add(Counter.TX_BYTES, wireBytes);
                return;
            }
            if (n != -Posix.EINVAL) {
                counters.add(Counter.DROPPED_QUEUE_FULL, pieces);   // EAGAIN or the kernel refused it
                return;
            }
            refuseGso();
        }
        pieceErrno = st;
        cutter.segment(b, VnetHeader.LENGTH, len, gsoSize, pieceSink);
        pieceErrno = null;
    }

    /** One piece of a super-segment cut here, written as any frame of the ring. */
    private void writePiece(byte[] frame, int off, int len) {
        System.arraycopy(frame, off, piece, VnetHeader.LENGTH, len);
        header.write(piece, 0, len);
        long n = out.write(pieceErrno, pieceSegment.asSlice(0, VnetHeader.LENGTH + len), VnetHeader.LENGTH + len);
        if (n == VnetHeader.LENGTH + len) {
            counters.increment(Counter.TX_FRAMES);
            counters.add(Counter.TX_BYTES, len);
        } else {
            counters.increment(Counter.DROPPED_QUEUE_FULL);
        }
    }
}
