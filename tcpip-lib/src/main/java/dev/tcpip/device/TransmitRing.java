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
 *
 * <p><b>Super-segments.</b> A TCP super-segment from the stack (up to 65,535 bytes of IP datagram, see
 * {@link NetworkDevice#maxSuperSegment()}) does not fit a slot sized for the MTU, so a ring made with
 * {@code maxSuperFrame} above 0 also has {@value #LARGE_SLOTS} large buffers of a virtio-net header and
 * {@code maxSuperFrame} bytes each, used in the ring's own order: such a frame takes a slot (its length, and its
 * {@code gso_size} in {@link #gsoSize}) and the next large buffer (its bytes). Each large buffer is allocated when
 * first used, so at most {@value #LARGE_SLOTS} x 65,559 bytes (2.1 MB) more per device, and nothing for a device
 * that never sends one. The large buffers have their own head and tail, published and freed with the same
 * ordering as the slots' (the slot's tail is advanced after the large buffer is filled; the large head before the
 * slot's head).
 */
final class TransmitRing {
    private static final int RING_BYTES = 4 * 1024 * 1024;     // about this many bytes of slots,
    private static final int RING_MIN_SLOTS = 64;              // within these bounds (powers of two)
    private static final int RING_MAX_SLOTS = 1024;
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;
    private static final VarHandle WRITER_PARKED;
    private static final VarHandle LARGE_HEAD;
    /** How many super-segments the ring holds at most. */
    static final int LARGE_SLOTS = 32;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(TransmitRing.class, "head", long.class);
            TAIL = l.findVarHandle(TransmitRing.class, "tail", long.class);
            WRITER_PARKED = l.findVarHandle(TransmitRing.class, "writerParked", boolean.class);
            LARGE_HEAD = l.findVarHandle(TransmitRing.class, "largeHead", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final int slotSize;
    final int mask;
    final byte[] bytes;
    final MemorySegment segment;
    final int[] lens;
    /** Per slot: 0, or the {@code gso_size} of the super-segment whose bytes are in the next large buffer. */
    final int[] gsoSize;
    /** The large buffers (null until first used), each a virtio-net header and then a super-segment. */
    private final byte[][] large;
    private final MemorySegment[] largeSegments;
    private final int largeSize;
    @SuppressWarnings("unused") private volatile long largeHead; // next large buffer the writer frees; LARGE_HEAD
    private long largeTail;                                    // next large buffer the loop fills (the loop's)
    private long cachedLargeHead;                              // the loop's last view of largeHead
    private long largeNext;                                    // the writer's: the large buffer of its next one
    @SuppressWarnings("unused") private volatile long head;   // next slot the writer writes; through HEAD
    @SuppressWarnings("unused") private volatile long tail;   // next slot the loop fills; through TAIL
    @SuppressWarnings("unused") private volatile boolean writerParked; // through WRITER_PARKED
    private long cachedHead;                                   // the loop's last view of head
    private volatile Thread writer;

    /** A ring whose slots each hold a virtio-net header and a frame of up to {@code maxFrame} bytes. */
    TransmitRing(int maxFrame) {
        this(maxFrame, 0);
    }

    /**
     * A ring whose slots each hold a virtio-net header and a frame of up to {@code maxFrame} bytes, and which takes
     * super-segments of up to {@code maxSuperFrame} bytes (0: none; see the class comment).
     */
    TransmitRing(int maxFrame, int maxSuperFrame) {
        this.slotSize = VnetHeader.LENGTH + maxFrame;
        int slots = Integer.highestOneBit(Math.clamp(RING_BYTES / slotSize, RING_MIN_SLOTS, RING_MAX_SLOTS));
        this.mask = slots - 1;
        this.bytes = new byte[slots * slotSize];
        this.segment = MemorySegment.ofArray(bytes);
        this.lens = new int[slots];
        this.gsoSize = new int[slots];
        this.largeSize = maxSuperFrame > 0 ? VnetHeader.LENGTH + maxSuperFrame : 0;
        this.large = new byte[maxSuperFrame > 0 ? LARGE_SLOTS : 0][];
        this.largeSegments = new MemorySegment[large.length];
    }

    /** The largest super-segment {@link #offerSuperSegment} takes (without its header); 0 if none. */
    int maxSuperFrame() {
        return largeSize == 0 ? 0 : largeSize - VnetHeader.LENGTH;
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
        gsoSize[slot] = 0;
        publish(t);
        return true;
    }

    /**
     * On the loop: copies a TCP super-segment of {@code len} bytes (at most {@link #maxSuperFrame()}) to be cut into
     * pieces of {@code gso} payload bytes into the next large buffer, takes a slot for it and publishes it; false if
     * the ring or its large buffers are full.
     */
    boolean offerSuperSegment(byte[] frame, int off, int len, int gso) {
        if (len > maxSuperFrame() || gso <= 0) {
            throw new IllegalArgumentException("not a super-segment this ring takes: " + len + ", " + gso);
        }
        long t = tail;
        if (t - cachedHead > mask) {
            cachedHead = (long) HEAD.getAcquire(this);
            if (t - cachedHead > mask) {
                return false;
            }
        }
        long lt = largeTail;
        if (lt - cachedLargeHead >= large.length) {
            cachedLargeHead = (long) LARGE_HEAD.getAcquire(this);
            if (lt - cachedLargeHead >= large.length) {
                return false;
            }
        }
        int b = (int) (lt % large.length);
        if (large[b] == null) {
            large[b] = new byte[largeSize];                    // published to the writer by the tail below
            largeSegments[b] = MemorySegment.ofArray(large[b]);
        }
        System.arraycopy(frame, off, large[b], VnetHeader.LENGTH, len);
        int slot = (int) t & mask;
        lens[slot] = len;
        gsoSize[slot] = gso;
        largeTail = lt + 1;
        publish(t);
        return true;
    }

    private void publish(long t) {
        TAIL.setVolatile(this, t + 1);                         // publishes the slot; ordered before the read below
        if ((boolean) WRITER_PARKED.getVolatile(this)) {
            LockSupport.unpark(writer);
        }
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

    /** On the writer: the {@code gso_size} of frame {@code i} if it is a super-segment (in a large buffer), else 0. */
    int gsoSize(long i) {
        return gsoSize[(int) i & mask];
    }

    /** On the writer: the large buffer of the next super-segment (a virtio-net header, then the frame). */
    byte[] largeBytes() {
        return large[(int) (largeNext % large.length)];
    }

    /** On the writer: {@link #largeBytes()} as a segment. */
    MemorySegment largeSegment() {
        return largeSegments[(int) (largeNext % large.length)];
    }

    /** On the writer, once the next super-segment is written: frees its large buffer. */
    void releaseLarge() {
        LARGE_HEAD.setRelease(this, ++largeNext);
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
