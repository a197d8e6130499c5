package dev.tcpip.device;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A small io_uring instance for one thread, through the FFM API only: io_uring_setup(2), io_uring_enter(2) and
 * io_uring_register(2) by number through syscall(2), the submission and completion rings and the SQE array
 * mmap(2)ed, and one provided-buffer ring (IORING_REGISTER_PBUF_RING) of equal buffers in anonymous memory.
 * Layouts and numbers are those of the kernel's {@code <linux/io_uring.h>}. Head and tail indices shared with
 * the kernel are read with acquire and written with release ordering, as the interface requires.
 *
 * <p>Made with IORING_SETUP_SINGLE_ISSUER and IORING_SETUP_DEFER_TASKRUN when the kernel has them: only the
 * thread that made the ring may submit, and completions are posted only while that thread waits in
 * {@link #submitAndWait}. Not thread-safe. {@link #close} unmaps everything; a request that may still write
 * into a provided buffer must have ended first (see {@link TapReader}).
 */
final class IoUring implements AutoCloseable {
    // <asm-generic/unistd.h>: io_uring came after the syscall tables were unified, x86-64 has the same numbers
    private static final long SYS_IO_URING_SETUP = 425;
    private static final long SYS_IO_URING_ENTER = 426;
    private static final long SYS_IO_URING_REGISTER = 427;

    // enum io_uring_op
    static final byte OP_POLL_ADD = 6;
    static final byte OP_ASYNC_CANCEL = 14;
    static final byte OP_READ_MULTISHOT = 49;
    // IOSQE_* (struct io_uring_sqe.flags)
    private static final byte IOSQE_BUFFER_SELECT = 1 << 5;
    // io_uring_setup(2) flags
    private static final int SETUP_CQSIZE = 1 << 3;
    private static final int SETUP_SINGLE_ISSUER = 1 << 12;
    private static final int SETUP_DEFER_TASKRUN = 1 << 13;
    private static final int FEAT_SINGLE_MMAP = 1;
    private static final long OFF_SQ_RING = 0L;
    private static final long OFF_CQ_RING = 0x8000000L;
    private static final long OFF_SQES = 0x10000000L;
    private static final int ENTER_GETEVENTS = 1;
    private static final int REGISTER_PBUF_RING = 22;
    // struct io_uring_cqe.flags
    static final int CQE_F_BUFFER = 1;
    static final int CQE_F_MORE = 1 << 1;
    static final int CQE_BUFFER_SHIFT = 16;

    // struct io_uring_params: 10 u32 fields, then io_sqring_offsets and io_cqring_offsets (40 bytes each)
    private static final int PARAMS_SIZE = 120;
    private static final int P_SQ_ENTRIES = 0;
    private static final int P_CQ_ENTRIES = 4;
    private static final int P_FLAGS = 8;
    private static final int P_FEATURES = 20;
    private static final int P_SQ_OFF = 40;
    private static final int P_CQ_OFF = 80;
    // within io_sqring_offsets / io_cqring_offsets
    private static final int O_HEAD = 0;
    private static final int O_TAIL = 4;
    private static final int O_RING_MASK = 8;
    private static final int O_SQ_ARRAY = 24;
    private static final int O_CQES = 20;
    private static final int SQE_SIZE = 64;
    private static final int CQE_SIZE = 16;
    private static final int BUF_SIZE = 16;                    // struct io_uring_buf: u64 addr, u32 len, u16 bid, u16
    private static final int BUF_RING_TAIL = 14;               // the ring's tail overlays bufs[0].resv

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle SHORT = ValueLayout.JAVA_SHORT.varHandle();

    private final MemorySegment st;
    private final int fd;
    private final MemorySegment sqRing;
    private final MemorySegment cqRing;                        // the same mapping as sqRing with a single mmap
    private final MemorySegment sqes;
    private final int sqMask;
    private final int sqEntries;
    private final long sqHeadOff;
    private final long sqTailOff;
    private final long sqArrayOff;
    private final int cqMask;
    private final long cqHeadOff;
    private final long cqTailOff;
    private final long cqesOff;
    private int sqTail;                                        // ours; published with release
    private int toSubmit;
    private int cqHead;                                        // ours; published with release
    private int cqTail;                                        // as last read with acquire
    private MemorySegment bufRing;                             // null until provideBuffers
    private MemorySegment bufs;
    private int bufMask;
    private int bufSize;
    private int bufTail;

    private IoUring(MemorySegment st, int fd, MemorySegment params, MemorySegment sqRing, MemorySegment cqRing,
                    MemorySegment sqes) {
        this.st = st;
        this.fd = fd;
        this.sqRing = sqRing;
        this.cqRing = cqRing;
        this.sqes = sqes;
        sqEntries = params.get(ValueLayout.JAVA_INT, P_SQ_ENTRIES);
        sqHeadOff = params.get(ValueLayout.JAVA_INT, P_SQ_OFF + O_HEAD);
        sqTailOff = params.get(ValueLayout.JAVA_INT, P_SQ_OFF + O_TAIL);
        sqArrayOff = params.get(ValueLayout.JAVA_INT, P_SQ_OFF + O_SQ_ARRAY);
        sqMask = sqRing.get(ValueLayout.JAVA_INT, params.get(ValueLayout.JAVA_INT, P_SQ_OFF + O_RING_MASK));
        cqHeadOff = params.get(ValueLayout.JAVA_INT, P_CQ_OFF + O_HEAD);
        cqTailOff = params.get(ValueLayout.JAVA_INT, P_CQ_OFF + O_TAIL);
        cqesOff = params.get(ValueLayout.JAVA_INT, P_CQ_OFF + O_CQES);
        cqMask = cqRing.get(ValueLayout.JAVA_INT, params.get(ValueLayout.JAVA_INT, P_CQ_OFF + O_RING_MASK));
        sqTail = (int) INT.getAcquire(sqRing, sqTailOff);
        cqHead = (int) INT.getAcquire(cqRing, cqHeadOff);
        cqTail = cqHead;
    }

    /**
     * Makes a ring of {@code sqEntries} submission and at least {@code cqEntries} completion entries, calling
     * the kernel with errno segment {@code st} (which must outlive the ring).
     */
    static IoUring open(Arena arena, MemorySegment st, int sqEntries, int cqEntries) throws IOException {
        MemorySegment params = arena.allocate(PARAMS_SIZE, 8);
        int fd = setup(st, params, sqEntries, cqEntries, SETUP_CQSIZE | SETUP_SINGLE_ISSUER | SETUP_DEFER_TASKRUN);
        if (fd < 0 && Posix.errno(st) == Posix.EINVAL) {
            fd = setup(st, params, sqEntries, cqEntries, SETUP_CQSIZE);     // a kernel before 6.1
        }
        if (fd < 0) {
            throw failure("io_uring_setup", st);
        }
        long sqSize = params.get(ValueLayout.JAVA_INT, P_SQ_OFF + O_SQ_ARRAY)
                + 4L * params.get(ValueLayout.JAVA_INT, P_SQ_ENTRIES);
        long cqSize = params.get(ValueLayout.JAVA_INT, P_CQ_OFF + O_CQES)
                + (long) CQE_SIZE * params.get(ValueLayout.JAVA_INT, P_CQ_ENTRIES);
        boolean single = (params.get(ValueLayout.JAVA_INT, P_FEATURES) & FEAT_SINGLE_MMAP) != 0;
        MemorySegment sq = null;
        MemorySegment cq = null;
        try {
            sq = map(st, single ? Math.max(sqSize, cqSize) : sqSize, fd, OFF_SQ_RING);
            cq = single ? sq : map(st, cqSize, fd, OFF_CQ_RING);
            MemorySegment sqes = map(st, (long) SQE_SIZE * params.get(ValueLayout.JAVA_INT, P_SQ_ENTRIES), fd,
                    OFF_SQES);
            return new IoUring(st, fd, params, sq, cq, sqes);
        } catch (IOException e) {
            unmap(st, cq != sq ? cq : null);
            unmap(st, sq);
            Posix.close(st, fd);
            throw e;
        }
    }

    private static int setup(MemorySegment st, MemorySegment params, int sqEntries, int cqEntries, int flags) {
        params.fill((byte) 0);
        params.set(ValueLayout.JAVA_INT, P_CQ_ENTRIES, cqEntries);
        params.set(ValueLayout.JAVA_INT, P_FLAGS, flags);
        return (int) Posix.syscall(st, SYS_IO_URING_SETUP, sqEntries, params.address(), 0, 0, 0, 0);
    }

    private static MemorySegment map(MemorySegment st, long size, int fd, long offset) throws IOException {
        int flags = fd < 0 ? Posix.MAP_PRIVATE | Posix.MAP_ANONYMOUS : Posix.MAP_SHARED;
        long addr = Posix.mmap(st, 0, size, Posix.PROT_READ | Posix.PROT_WRITE, flags | Posix.MAP_POPULATE, fd,
                offset);
        if (addr == -1) {
            throw failure("mmap", st);
        }
        return MemorySegment.ofAddress(addr).reinterpret(size);
    }

    private static void unmap(MemorySegment st, MemorySegment m) {
        if (m != null) {
            Posix.munmap(st, m.address(), m.byteSize());
        }
    }

    private static IOException failure(String call, MemorySegment st) {
        return new IOException(call + ": " + Posix.strerror(Posix.errno(st)));
    }

    /**
     * Registers buffer group {@code bgid}: {@code count} (a power of two) buffers of {@code size} bytes, all
     * handed to the kernel.
     */
    void provideBuffers(int bgid, int count, int size) throws IOException {
        MemorySegment ring = map(st, (long) BUF_SIZE * count, -1, 0);    // page-aligned, as the kernel requires
        MemorySegment data;
        try {
            data = map(st, (long) size * count, -1, 0);
        } catch (IOException e) {
            unmap(st, ring);
            throw e;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment reg = a.allocate(40, 8);                         // struct io_uring_buf_reg
            reg.set(ValueLayout.JAVA_LONG, 0, ring.address());
            reg.set(ValueLayout.JAVA_INT, 8, count);
            reg.set(ValueLayout.JAVA_SHORT, 12, (short) bgid);
            if (Posix.syscall(st, SYS_IO_URING_REGISTER, fd, REGISTER_PBUF_RING, reg.address(), 1, 0, 0) < 0) {
                IOException e = failure("io_uring_register(PBUF_RING)", st);
                unmap(st, ring);
                unmap(st, data);
                throw e;
            }
        }
        bufRing = ring;
        bufs = data;
        bufMask = count - 1;
        bufSize = size;
        for (int bid = 0; bid < count; bid++) {
            recycle(bid);
        }
    }

    /** The provided buffers, buffer {@code bid} at {@code bid * bufferSize()}. */
    MemorySegment buffers() {
        return bufs;
    }

    int bufferSize() {
        return bufSize;
    }

    /** Hands buffer {@code bid} back to the kernel (after its content was taken). */
    void recycle(int bid) {
        long e = (long) (bufTail & bufMask) * BUF_SIZE;
        bufRing.set(ValueLayout.JAVA_LONG, e, bufs.address() + (long) bid * bufSize);
        bufRing.set(ValueLayout.JAVA_INT, e + 8, bufSize);
        bufRing.set(ValueLayout.JAVA_SHORT, e + 12, (short) bid);
        bufTail++;
        SHORT.setRelease(bufRing, (long) BUF_RING_TAIL, (short) bufTail);  // the entry before the tail
    }

    /** A multishot read of {@code fd} into buffers of group {@code bgid}, each completion tagged {@code tag}. */
    void prepareReadMultishot(int fd, int bgid, long tag) {
        MemorySegment sqe = nextSqe(OP_READ_MULTISHOT, fd, tag);
        sqe.set(ValueLayout.JAVA_BYTE, 1, IOSQE_BUFFER_SELECT);
        sqe.set(ValueLayout.JAVA_SHORT, 40, (short) bgid);               // buf_group
    }

    /** A one-shot poll of {@code fd} for {@code events} (poll32_events). */
    void preparePoll(int fd, int events, long tag) {
        nextSqe(OP_POLL_ADD, fd, tag).set(ValueLayout.JAVA_INT, 28, events);
    }

    /** Cancels the request tagged {@code target}. */
    void prepareCancel(long target, long tag) {
        nextSqe(OP_ASYNC_CANCEL, -1, tag).set(ValueLayout.JAVA_LONG, 16, target);   // addr: the user_data
    }

    private MemorySegment nextSqe(byte opcode, int fd, long tag) {
        int head = (int) INT.getAcquire(sqRing, sqHeadOff);
        if (sqTail - head >= sqEntries) {
            throw new IllegalStateException("io_uring submission queue full");   // never: at most 3 in flight
        }
        int i = sqTail & sqMask;
        MemorySegment sqe = sqes.asSlice((long) i * SQE_SIZE, SQE_SIZE);
        sqe.fill((byte) 0);
        sqe.set(ValueLayout.JAVA_BYTE, 0, opcode);
        sqe.set(ValueLayout.JAVA_INT, 4, fd);
        sqe.set(ValueLayout.JAVA_LONG, 32, tag);
        sqRing.set(ValueLayout.JAVA_INT, sqArrayOff + 4L * i, i);
        sqTail++;
        INT.setRelease(sqRing, sqTailOff, sqTail);
        toSubmit++;
        return sqe;
    }

    /**
     * Submits what was prepared and waits until at least {@code minComplete} completions are there (0: does not
     * wait, but posts what is ready). 0, or -errno.
     */
    int submitAndWait(int minComplete) {
        long n = Posix.syscall(st, SYS_IO_URING_ENTER, fd, toSubmit, minComplete, ENTER_GETEVENTS, 0, 0);
        if (n < 0) {
            return -Posix.errno(st);
        }
        toSubmit -= (int) n;
        return 0;
    }

    /** True if a completion is waiting; {@link #tag}, {@link #result} and {@link #flags} then describe it. */
    boolean hasCompletion() {
        if (cqHead == cqTail) {
            cqTail = (int) INT.getAcquire(cqRing, cqTailOff);
        }
        return cqHead != cqTail;
    }

    long tag() {
        return cqRing.get(ValueLayout.JAVA_LONG, cqe());
    }

    int result() {
        return cqRing.get(ValueLayout.JAVA_INT, cqe() + 8);
    }

    int flags() {
        return cqRing.get(ValueLayout.JAVA_INT, cqe() + 12);
    }

    private long cqe() {
        return cqesOff + (long) (cqHead & cqMask) * CQE_SIZE;
    }

    /** Done with the current completion: its slot goes back to the kernel. */
    void consume() {
        cqHead++;
        INT.setRelease(cqRing, cqHeadOff, cqHead);
    }

    /** Closes the ring (the kernel cancels what is still pending) and unmaps the rings and the buffers. */
    @Override
    public void close() {
        close(false);
    }

    /**
     * Closes the ring and unmaps the rings; the provided buffers too unless {@code keepBuffers}: when a read
     * into them may not have ended, they stay mapped (and are lost to the process) rather than let the kernel
     * write into memory that mmap(2) may hand out again.
     */
    void close(boolean keepBuffers) {
        Posix.close(st, fd);
        unmap(st, sqes);
        if (cqRing != sqRing) {
            unmap(st, cqRing);
        }
        unmap(st, sqRing);
        unmap(st, bufRing);                                    // the kernel holds its own reference to these pages
        if (!keepBuffers) {
            unmap(st, bufs);
        }
    }
}
