package dev.tcpip.time;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.LongConsumer;

/**
 * A handle on a task scheduled with {@link Scheduler#at} (or {@link EventLoop#schedule}). Cancelling is O(log n) on the loop's own
 * thread and posts the removal otherwise, so a cancelled timer never stays in the queue until its deadline.
 */
public final class Timer {
    static final int PENDING = 0, RUNNING = 1, DONE = 2, CANCELLED = 3;

    long deadline;           // written by its queue's owner only (TimerQueue.move)
    long seq;                // tie-break: equal deadlines fire in scheduling order
    final LongConsumer task; // gets the loop's time of the event that runs it
    final Object owner;      // the loop it belongs to
    int heapIndex = -1;      // owned by TimerQueue
    /** PENDING, RUNNING, DONE or CANCELLED; a field with a VarHandle, not an AtomicInteger: 16 bytes less a timer. */
    private volatile int state;                       // PENDING (0) at first
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Timer.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    Timer(long deadline, long seq, LongConsumer task, Object owner) {
        this.deadline = deadline;
        this.seq = seq;
        this.task = task;
        this.owner = owner;
    }

    /** The deadline in the loop clock's nanoseconds. */
    public long deadline() {
        return deadline;
    }

    /** True until the task starts running or the timer is cancelled. */
    public boolean isPending() {
        return state == PENDING;
    }

    /**
     * Prevents the task from running, from any thread. Returns true if this call cancelled it, false if it
     * had already run, started running, or been cancelled.
     */
    public boolean cancel() {
        if (!STATE.compareAndSet(this, PENDING, CANCELLED)) {
            return false;
        }
        if (owner instanceof TimerOwner o) {
            o.cancelled(this);
        }
        return true;
    }

    /** Called by the loop before running the task: false if cancelled meanwhile. */
    boolean start() {
        return STATE.compareAndSet(this, PENDING, RUNNING);
    }

    @Override
    public String toString() {
        return "Timer[deadline=" + deadline + ", state=" + state + "]";
    }

    /** The loop side of cancellation: remove the timer from its queue now or later. */
    interface TimerOwner {
        void cancelled(Timer timer);
    }
}
