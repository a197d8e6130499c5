package dev.tcpip.device;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The TAP device's transmit ring: a bounded ring of reusable frame slots, lock-free, with one producer (the
 * loop, {@link #offer}) and one consumer (the writer thread), allocating nothing per frame.
 *
 * <p>Slot {@code i & mask} holds a virtio-net header at {@code (i & mask) * slotSize} and then a frame of
 * {@code lens[i & mask]} bytes. The loop fills slot {@code tail & mask} and then advances tail; the writer
 * writes slot {@code head & mask} and then advances head. Each index is written by one thread only; the other
 * reads it with acquire semantics. The writer announces that it may park ({@link #await}) and then checks the
 * ring again, while {@link #offer} publishes a frame and then checks that announcement, both with volatile
 * accesses: at least one of the two sees the other, so a frame is never left in the ring with the writer parked.
 */
final class TransmitRing {
    private static final int RING_BYTES = 4 * 1024 * 1024;     // about this many bytes of slots,
    private static final int RING_MIN_SLOTS = 64;              // within these bounds (powers of two)
    private static final int RING_MAX_SLOTS = 1024;
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;
    private static final VarHandle WRITER_PARKED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(TransmitRing.class, "head", long.class);
            TAIL = l.findVarHandle(TransmitRing.class, "tail", long.class);
            WRITER_PARKED = l.findVarHandle(TransmitRing.class, "writerParked", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final int slotSize;
    final int mask;
    final byte[] bytes;
    final MemorySegment segment;
    final int[] lens;
    @SuppressWarnings("unused") private volatile long head;   // next slot the writer writes; through HEAD
    @SuppressWarnings("unused") private volatile long tail;   // next slot the loop fills; through TAIL
    @SuppressWarnings("unused") private volatile boolean writerParked; // through WRITER_PARKED
    private long cachedHead;                                   // the loop's last view of head
    private volatile Thread writer;

    /** A ring whose slots each hold a virtio-net header and a frame of up to {@code maxFrame} bytes. */
    TransmitRing(int maxFrame) {
        this.slotSize = VnetHeader.LENGTH + maxFrame;
        int slots = Integer.highestOneBit(Math.clamp(RING_BYTES / slotSize, RING_MIN_SLOTS, RING_MAX_SLOTS));
        this.mask = slots - 1;
        this.bytes = new byte[slots * slotSize];
        this.segment = MemorySegment.ofArray(bytes);
        this.lens = new int[slots];
    }

    /** The consumer, to unpark when a frame comes. */
    void consumer(Thread writer) {
        this.writer = writer;
    }

    /** On the loop: copies the frame into the next slot and publishes it; false if the ring is full. */
    boolean offer(byte[] frame, int off, int len) {
        long t = tail;                                         // plain read: only this thread writes tail
        if (t - cachedHead > mask) {
            cachedHead = (long) HEAD.getAcquire(this);
            if (t - cachedHead > mask) {
                return false;
            }
        }
        int slot = (int) t & mask;
        System.arraycopy(frame, off, bytes, slot * slotSize + VnetHeader.LENGTH, len);
        lens[slot] = len;
        TAIL.setVolatile(this, t + 1);                         // publishes the slot; ordered before the read below
        if ((boolean) WRITER_PARKED.getVolatile(this)) {
            LockSupport.unpark(writer);
        }
        return true;
    }

    /**
     * On the producer: whether the writer has written every frame offered (their write(2) calls have returned),
     * so that a frame written now by the producer itself comes after all of them.
     */
    boolean drained() {
        return (long) HEAD.getAcquire(this) == tail;           // tail: only this thread writes it
    }

    /** On the writer: the index after the last frame published. */
    long published() {
        return (long) TAIL.getAcquire(this);
    }

    /** On the writer: the next frame to write. */
    long next() {
        return head;
    }

    /**
     * On the writer, with every frame up to {@code h} written: parks until {@link #offer} publishes one, unless
     * {@code stopping} says the writer is to stop (whoever makes it true unparks the writer); may return
     * spuriously.
     */
    void await(long h, BooleanSupplier stopping) {
        WRITER_PARKED.setVolatile(this, true);
        if ((long) TAIL.getVolatile(this) == h && !stopping.getAsBoolean()) {
            LockSupport.park(this);                            // woken by offer, close() or spuriously
        }
        WRITER_PARKED.setVolatile(this, false);
    }

    /** On the writer: frees the slots before {@code h} for {@link #offer}. */
    void release(long h) {
        HEAD.setRelease(this, h);
    }

    /** Where the slot of frame {@code i} begins (its virtio-net header). */
    int slot(long i) {
        return ((int) i & mask) * slotSize;
    }

    /** The length of frame {@code i}, without its header. */
    int length(long i) {
        return lens[(int) i & mask];
    }
}
