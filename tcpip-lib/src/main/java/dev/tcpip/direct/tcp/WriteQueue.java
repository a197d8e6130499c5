package dev.tcpip.direct.tcp;

import dev.tcpip.ClosedException;
import dev.tcpip.time.LoopFuture;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands the application's writes to the send buffer, which only the loop touches. A plain write that fits
 * the byte budget is copied on the writer's thread into a single-consumer queue and the writer goes on; the
 * loop drains the queue (one posted task however many writes wait), so a small write costs no round trip
 * to the loop. Any other write (no budget left, writeNodelay, writes ending) waits on the loop as the one
 * pending write, for room in the send buffer or, with nodelay, for its bytes to be sent.
 *
 * <p>The budget is the send buffer's size less what it holds and what is queued for it: writers take from
 * it (any thread), the loop takes what it appends for a pending write and gives back what is acknowledged.
 * So queued plus buffered bytes never exceed the send buffer's size, and a writer that finds no budget
 * blocks until the loop answers it.
 */
final class WriteQueue {
    private final Connection c;
    private final ConcurrentLinkedQueue<byte[]> queued = new ConcurrentLinkedQueue<>();
    private final AtomicLong budget;
    private final AtomicBoolean drainPosted = new AtomicBoolean();
    private final Runnable drain = this::drain;
    /**
     * True once writes may fail (error set, FIN queued): writers then wait for the loop's answer instead of
     * handing bytes over ahead. Written on the loop, read by writers.
     */
    private volatile boolean ended;
    /** Why writes fail now (local close, reset, keepalive, disconnect); null while writes are allowed. Loop only. */
    private ClosedException error;
    /** The write waiting on the loop, or null. Loop only. */
    private PendingWrite pending;

    /** A write waiting for room in the send buffer, or (nodelay) for its bytes to be sent. */
    private static final class PendingWrite {
        final List<ByteBuffer> buffers;
        final LoopFuture<Void> future;
        final boolean nodelay;
        int index;
        int endSeq;

        PendingWrite(List<ByteBuffer> buffers, LoopFuture<Void> future, boolean nodelay) {
            this.buffers = buffers;
            this.future = future;
            this.nodelay = nodelay;
        }
    }

    WriteQueue(Connection c, int capacity) {
        this.c = c;
        this.budget = new AtomicLong(capacity);
    }

    // --- the writer's side (any thread) ---

    /**
     * A plain write: copies {@code data} into the queue and posts a drain if none is posted, when the budget
     * has room for all of it and writes have not ended; else takes nothing and returns false (the writer then
     * waits on the loop). If the flow stops taking writes before the loop drains them, the bytes are lost, as
     * a socket's are when a reset arrives after write returned; the writer's next call reports why.
     */
    boolean offer(List<ByteBuffer> data) {
        if (ended) {
            return false;
        }
        long n = 0;
        for (ByteBuffer b : data) {
            n += b.remaining();
        }
        if (n <= 0 || n > Integer.MAX_VALUE || !reserve(n)) {
            return false;
        }
        byte[] bytes = new byte[(int) n];
        int at = 0;
        for (ByteBuffer b : data) {
            int k = b.remaining();
            b.get(bytes, at, k);
            at += k;
        }
        queued.add(bytes);
        if (drainPosted.compareAndSet(false, true)) {
            c.layer.loop().execute(drain);
        }
        return true;
    }

    private boolean reserve(long n) {
        for (int guard = 0; guard < 1 << 20; guard++) {
            long r = budget.get();
            if (r < n) {
                return false;
            }
            if (budget.compareAndSet(r, r - n)) {
                return true;
            }
        }
        return false;
    }

    // --- the loop's side ---

    /** The drain task: each queued write goes into the send buffer and out as the sender allows. */
    private void drain() {
        drainPosted.set(false);
        long now = c.layer.loop().now(); // this event's time, read once as it enters TCP
        for (byte[] b = queued.poll(); b != null; b = queued.poll()) {
            if (acceptsWrites()) {
                c.sender.appendQueued(b);
                c.sender.output(now);
            }
        }
    }

    private boolean acceptsWrites() {
        return error == null && !c.sender.finQueued() && c.tcb.state.acceptsWrites();
    }

    /** A write that waits on the loop: for room, or (nodelay) until its bytes are sent. */
    void write(List<ByteBuffer> buffers, boolean nodelay, LoopFuture<Void> f, long now) {
        if (error != null) {
            f.fail(error);
            return;
        }
        if (!acceptsWrites()) {
            f.fail(new ClosedException("flow is closed for writing"));
            return;
        }
        if (pending != null) {
            f.fail(new IllegalStateException("another write is pending on this flow"));
            return;
        }
        c.sender.nodelay(nodelay);
        pending = new PendingWrite(buffers, f, nodelay);
        fill();
        c.sender.output(now);
        complete(now);
    }

    /** Copies the pending write into the send buffer as far as the budget allows. */
    private void fill() {
        PendingWrite w = pending;
        if (w == null) {
            return;
        }
        while (w.index < w.buffers.size() && budget.get() > 0) {
            ByteBuffer b = w.buffers.get(w.index);
            budget.addAndGet(-c.sender.append(b, (int) Math.min(budget.get(), Integer.MAX_VALUE)));
            if (!b.hasRemaining()) {
                w.index++;
            }
        }
        w.endSeq = c.sender.bufferEnd();
    }

    /** Room in the send buffer, or bytes sent: go on with the pending write. Called after ACKs and output. */
    void complete(long now) {
        PendingWrite w = pending;
        if (w == null) {
            return;
        }
        if (w.index < w.buffers.size()) {
            int before = c.sender.buffered();
            fill();
            if (c.sender.buffered() != before) {
                c.sender.output(now);
            }
            if (w.index < w.buffers.size()) {
                return;
            }
        }
        if (w.nodelay && Seq.lt(c.sender.max(), w.endSeq) && c.tcb.state.synchronized_()) {
            return; // writeNodelay returns once its bytes have been transmitted
        }
        pending = null;
        w.future.complete(null);
    }

    /** {@code n} bytes of the send buffer were acknowledged: writers may use them again. */
    void freed(int n) {
        budget.addAndGet(n);
    }

    ClosedException error() {
        return error;
    }

    /** The application closed for writing (a FIN is queued): later writes, and the pending one, fail. */
    void end(ClosedException reason) {
        error = reason;
        ended = true;
        if (pending != null) {
            PendingWrite w = pending;
            pending = null;
            w.future.fail(reason);
        }
    }

    /** The connection ended abnormally: writes fail with {@code reason}. */
    void abort(ClosedException reason) {
        error = reason;
        ended = true;
    }

    /**
     * The connection is gone: writes fail; the pending write fails unless all of it was buffered (and it
     * did not wait for transmission).
     */
    void release() {
        if (error == null) {
            error = new ClosedException("flow is closed");
        }
        ended = true;
        if (pending != null) {
            PendingWrite w = pending;
            pending = null;
            if (w.index < w.buffers.size() || w.nodelay) {
                w.future.fail(error);
            } else {
                w.future.complete(null);
            }
        }
    }
}
