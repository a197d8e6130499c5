package dev.tcpip.device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The writer thread of a TAP or TUN device: drains the {@link TransmitRing} with one write(2) per frame, or, with
 * segmentation offload, one per run of TCP segments that {@link GsoCoalescer} merges; parks when the ring is
 * empty. Keeping the writes off the loop matters because a TAP or TUN write runs the kernel's receive path for
 * the frame inside the system call. Each write is a critical downcall that reads the heap array in place. On a
 * descriptor without a virtio-net header (a TUN descriptor opened elsewhere) each frame is written bare.
 */
final class TapWriter {
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
                    long n;
                    do {
                        n = Posix.write(st, fd, seg, vnet + len);
                    } while (n < 0 && Posix.errno(st) == Posix.EINTR);
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

    /**
     * Writes the {@code k} frames of the ring from {@code h} on as one merged frame. False if the kernel
     * refused the frame as invalid (it does not take GSO from us), so that they are written one by one.
     */
    private boolean writeMerged(MemorySegment st, GsoCoalescer gso, MemorySegment merged, long h, int k) {
        int len = gso.build(h, k);
        long n;
        do {
            n = Posix.write(st, fd, merged, len);
        } while (n < 0 && Posix.errno(st) == Posix.EINTR);
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
