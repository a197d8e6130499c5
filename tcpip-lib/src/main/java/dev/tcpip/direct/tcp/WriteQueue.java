package dev.tcpip.direct.tcp;

import dev.tcpip.ClosedException;
import dev.tcpip.time.EventLoop;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.time.RealTimeLoop;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Hands the application's writes to the send buffer, which only the loop touches. A plain write that fits
 * the byte budget goes into a single-consumer queue as it is (the buffers themselves, not copied: the seed's
 * {@code write} says a written buffer must not be reused) and the writer goes on; the loop drains the queue (one
 * posted task however many writes wait) into the send buffer, which keeps them, so a small write costs no round
 * trip to the loop and a large one no copy. Any other write (no budget left, writeNodelay, writes ending)
 * waits on the loop as the one pending write, for room in the send buffer or, with nodelay, for its bytes to
 * be sent (a writeNodelay's bytes are copied: its caller gets its buffer back once they were transmitted).
 *
 * <p>The budget is the send buffer's size less what it holds and what is queued for it: writers take from
 * it (any thread), the loop takes what it appends for a pending write and gives back what is acknowledged.
 * So queued plus buffered bytes never exceed the send buffer's size, and a writer that finds no budget
 * blocks until the loop answers it.
 *
 * <p>The shared fields are updated through {@link VarHandle}s and the queue is made on the first handed
 * write, so that an idle connection carries no extra objects for them.
 */
final class WriteQueue {
    private static final VarHandle QUEUED;
    private static final VarHandle BUDGET;
    private static final VarHandle DRAIN_POSTED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            QUEUED = l.findVarHandle(WriteQueue.class, "queued", ConcurrentLinkedQueue.class);
            BUDGET = l.findVarHandle(WriteQueue.class, "budget", long.class);
            DRAIN_POSTED = l.findVarHandle(WriteQueue.class, "drainPosted", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Connection c;
    /** Writes handed over and not yet drained; null until the first. */
    private volatile ConcurrentLinkedQueue<ByteBuffer> queued;
    /** The send buffer's size (loop only; it grows with cwnd, {@link #grow}). */
    private long capacity;
    /** Bytes writers may still hand over (see above). */
    private volatile long budget;
    /** A drain task is posted and has not started. */
    private volatile boolean drainPosted;
    /**
     * The application called close, whose command the loop runs after the drain posted before it (set by the
     * closing thread before it posts the command): the drain then queues the FIN with the last write.
     */
    private volatile boolean closing;
    /**
     * True once writes may fail (error set, FIN queued): writers then wait for the loop's answer instead of
     * handing bytes over ahead. Written on the loop, read by writers.
     */
    private volatile boolean ended;
    /** Why writes fail now (local close, reset, keepalive, disconnect); null while writes are allowed. Loop only. */
    private ClosedException error;
    /**
     * Why writes fail when no exception was made yet (a local close, the connection released): the exception is
     * made by the first caller that needs it, so a connection that closes cleanly makes none. Loop only.
     */
    private String closedMessage;
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
        this.capacity = capacity;
        this.budget = capacity;
    }

    /**
     * Bytes the application wrote that are not in the send buffer yet (on the loop): queued for the drain, and
     * what a waiting write still holds.
     */
    long waiting() {
        long n = Math.max(0, capacity - budget - c.sender.buffered());
        PendingWrite w = pending;
        if (w != null) {
            for (int i = w.index; i < w.buffers.size(); i++) {
                n += w.buffers.get(i).remaining();
            }
        }
        return n;
    }

    // --- the writer's side (any thread) ---

    /**
     * A plain write: puts {@code data}'s buffers (views of their remaining bytes, which are taken: each buffer's
     * position moves to its limit, as a copy would) in the queue and posts a drain if none is posted, when the
     * budget has room for all of it and writes have not ended; else takes nothing and returns false (the writer then
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
        ConcurrentLinkedQueue<ByteBuffer> q = queue();
        for (ByteBuffer b : data) {
            if (b.hasRemaining()) {
                q.add(b.slice());
                b.position(b.limit());
            }
        }
        if (DRAIN_POSTED.compareAndSet(this, false, true)) {
            // On a parked real-time loop the drain runs here, holding the loop's turn (the relay's selector thread
            // writes a guest flow's reply this way without waking the loop), with what other threads queue on the loop
            // meanwhile (an in-memory peer's answer: RealTimeLoop.giveTurnBack); else it is queued.
            EventLoop loop = c.layer.loop();
            if (loop instanceof RealTimeLoop realTime) {
                realTime.runOrExecute(this::drain, true);
            } else {
                loop.execute(this::drain);
            }
        }
        return true;
    }

    private boolean reserve(long n) {
        for (int guard = 0; guard < 1 << 20; guard++) {
            long r = budget;
            if (r < n) {
                return false;
            }
            if (BUDGET.compareAndSet(this, r, r - n)) {
                return true;
            }
        }
        return false;
    }

    private ConcurrentLinkedQueue<ByteBuffer> queue() {
        ConcurrentLinkedQueue<ByteBuffer> q = queued;
        if (q == null) {
            QUEUED.compareAndSet(this, null, new ConcurrentLinkedQueue<ByteBuffer>());
            q = queued;
        }
        return q;
    }

    // --- the loop's side ---

    /**
     * The drain task: each queued write goes into the send buffer and out as the sender allows. When the
     * application has closed meanwhile (write then close, back to back), the FIN is queued with the last write,
     * so that it leaves in that write's last segment (a FIN may carry data, RFC 9293 §3.1, §3.10.4 CLOSE: "queue
     * this until all preceding SENDs have been segmentized") instead of in a segment of its own when the close
     * command runs next.
     */
    private void drain() {
        drainPosted = false;
        long now = c.layer.loop().now(); // this event's time, read once as it enters TCP
        ConcurrentLinkedQueue<ByteBuffer> q = queued; // set: a drain is posted after the first write is queued
        for (ByteBuffer b = q.poll(), next; b != null; b = next) {
            next = q.poll();
            if (acceptsWrites()) {
                c.sender.appendQueued(b);
                if (next == null && closing) {
                    c.startClose(now);
                }
                c.sender.output(now);
            }
        }
    }

    /**
     * The application is closing: the close command follows on the loop. Called on the closing thread before it
     * posts that command.
     */
    void closing() {
        closing = true;
    }

    private boolean acceptsWrites() {
        return !writesFail() && !c.sender.finQueued() && c.tcb.state.acceptsWrites();
    }

    /** A write that waits on the loop: for room, or (nodelay) until its bytes are sent. */
    void write(List<ByteBuffer> buffers, boolean nodelay, LoopFuture<Void> f, long now) {
        if (writesFail()) {
            f.fail(error());
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

    /** Copies the pending write into the send buffer as far as the budget allows, taking from it first. */
    private void fill() {
        PendingWrite w = pending;
        if (w == null) {
            return;
        }
        while (w.index < w.buffers.size()) {
            ByteBuffer b = w.buffers.get(w.index);
            long r = budget;
            if (r <= 0) {
                break;
            }
            int n = (int) Math.min(b.remaining(), r);
            if (n > 0 && !BUDGET.compareAndSet(this, r, r - n)) {
                continue; // a writer took some meanwhile: take from what is left
            }
            c.sender.append(b, n, w.nodelay);
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

    /** The send buffer grew by {@code n} bytes: writers may hand over that much more. */
    void grow(int n) {
        capacity += n;
        BUDGET.getAndAdd(this, (long) n);
    }

    /** {@code n} bytes of the send buffer were acknowledged: writers may use them again. */
    void freed(int n) {
        BUDGET.getAndAdd(this, (long) n);
    }

    /** Why writes fail, or null while they are allowed. */
    ClosedException error() {
        if (error == null && closedMessage != null) {
            error = new ClosedException(closedMessage);
        }
        return error;
    }

    /** True once writes fail (closed locally, aborted, released). */
    boolean writesFail() {
        return error != null || closedMessage != null;
    }

    /** The application closed for writing (a FIN is queued): later writes, and the pending one, fail. */
    void end() {
        closedMessage = "flow is closed for writing";
        ended = true;
        if (pending != null) {
            PendingWrite w = pending;
            pending = null;
            w.future.fail(error());
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
        if (!writesFail()) {
            closedMessage = "flow is closed";
        }
        ended = true;
        if (pending != null) {
            PendingWrite w = pending;
            pending = null;
            if (w.index < w.buffers.size() || w.nodelay) {
                w.future.fail(error());
            } else {
                w.future.complete(null);
            }
        }
    }
}
