package dev.tcpip.time;

import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

/**
 * The virtual clock of a {@link Simulation} and its queues: the time every loop of the simulation reads,
 * the tasks posted to those loops (run in posting order) and their timers (run in (deadline, scheduling)
 * order). It starts at 0 and moves only when the simulation's driver advances it to the next timer.
 *
 * <p>Its state is guarded by the simulation's lock, shared with the {@link AppScheduler}, so that one step of
 * the driver sees both in one consistent state. Methods whose name does not say "lock held" take the lock
 * themselves.
 */
final class VirtualClock implements Clock {

    /** A task posted to {@code loop}. */
    record Task(SimulatedLoop loop, Runnable runnable) {}

    private final ReentrantLock lock;
    private final long epochNanos;
    private final int maxPendingTasks;
    private final String owner;

    // guarded by lock
    private long now;
    private long timerSeq;
    private final ArrayDeque<Task> tasks = new ArrayDeque<>();
    private final TimerQueue timers = new TimerQueue();
    private boolean closed;

    VirtualClock(ReentrantLock lock, SimulationConfig config, String owner) {
        this.lock = lock;
        this.epochNanos = config.epoch().getEpochSecond() * 1_000_000_000L + config.epoch().getNano();
        this.maxPendingTasks = config.maxPendingTasks();
        this.owner = owner;
    }

    /** Virtual time in nanoseconds. */
    @Override
    public long nanos() {
        lock.lock();
        try {
            return now;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long epochNanos() {
        return epochNanos + nanos();
    }

    boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /** Queues {@code task} for {@code loop}; abandons it if the simulation or the loop is closed. */
    void post(SimulatedLoop loop, Runnable task) {
        lock.lock();
        try {
            if (closed || loop.isClosed()) {
                abandon(task);
                return;
            }
            if (tasks.size() >= maxPendingTasks) {
                throw new RejectedExecutionException(tasks.size() + " pending tasks (SimulationConfig.maxPendingTasks)");
            }
            tasks.add(new Task(loop, task));
        } finally {
            lock.unlock();
        }
    }

    /** A timer of {@code loop}; queued unless the simulation or the loop is closed. */
    Timer schedule(SimulatedLoop loop, long deadline, LongConsumer task) {
        lock.lock();
        try {
            Timer t = new Timer(deadline, timerSeq++, task, loop);
            if (!closed && !loop.isClosed()) {
                timers.add(t);
            }
            return t;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Moves a pending, queued timer to {@code deadline} with the next sequence number (as cancelling it and scheduling
     * anew would order it); null if it is not pending or not queued.
     */
    Timer move(Timer t, long deadline) {
        lock.lock();
        try {
            if (!t.isPending() || !timers.contains(t)) {
                return null;
            }
            timers.move(t, deadline, timerSeq++);
            return t;
        } finally {
            lock.unlock();
        }
    }

    void unschedule(Timer t) {
        lock.lock();
        try {
            timers.remove(t);
        } finally {
            lock.unlock();
        }
    }

    /** Drops the timers of a closed loop. */
    void loopClosed(SimulatedLoop loop) {
        lock.lock();
        try {
            timers.removeOwnedBy(loop);
        } finally {
            lock.unlock();
        }
    }

    /** Lock held: the oldest posted task, or null. */
    Task pollTask() {
        return tasks.poll();
    }

    /** Lock held: the earliest timer, or null. */
    Timer peekTimer() {
        return timers.peek();
    }

    /** Lock held: removes and returns the earliest timer. */
    Timer pollTimer() {
        return timers.poll();
    }

    /** Lock held: the virtual time, for the driver's decisions. */
    long nowLocked() {
        return now;
    }

    /** Lock held: sets the virtual time; the driver only ever moves it forward. */
    void advanceTo(long t) {
        now = t;
    }

    /** Lock held: marks the clock closed and discards every task (abandoning it) and timer. */
    void close() {
        closed = true;
        for (Task t : tasks) {
            abandon(t.runnable());
        }
        tasks.clear();
        timers.clear();
    }

    /** Tells a task that will never run so (to fail its future). */
    static void abandon(Runnable task) {
        if (task instanceof Abandonable a) {
            a.abandon();
        }
    }

    @Override
    public String toString() {
        return "virtual clock of " + owner;
    }
}
