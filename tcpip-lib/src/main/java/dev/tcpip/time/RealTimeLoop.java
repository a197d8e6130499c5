package dev.tcpip.time;

import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

/**
 * An {@link EventLoop} on one platform thread and {@link Clock#system()}: it runs posted tasks in order and
 * due timers, and parks until the next deadline or the next posted task. Posting a task allocates nothing
 * (beyond the growth of its queue) and wakes the thread only if it is parked.
 *
 * <p>Use it for TAP devices, the CLI, and in-memory benchmarks at full speed:
 * <pre>{@code
 * try (RealTimeLoop loop = RealTimeLoop.start("stack-a")) { ... }
 * }</pre>
 */
public final class RealTimeLoop implements EventLoop, Timer.TimerOwner {
    private final String name;
    private final LoopConfig config;
    private final Thread thread;
    private final ReentrantLock lock = new ReentrantLock();
    private ArrayDeque<Runnable> incoming = new ArrayDeque<>();   // guarded by lock
    private ArrayDeque<Runnable> running = new ArrayDeque<>();    // loop thread only
    private final TimerQueue timers = new TimerQueue();           // loop thread only
    private final AtomicLong timerSeq = new AtomicLong();
    private volatile boolean sleeping;
    private volatile boolean closed;

    private RealTimeLoop(String name, LoopConfig config) {
        this.name = name;
        this.config = config;
        this.thread = Thread.ofPlatform().name("tcpip-loop-" + name).daemon(true).unstarted(this::run);
    }

    /** Starts a loop with {@link LoopConfig#DEFAULTS}. */
    public static RealTimeLoop start(String name) {
        return start(name, LoopConfig.DEFAULTS);
    }

    public static RealTimeLoop start(String name, LoopConfig config) {
        RealTimeLoop loop = new RealTimeLoop(name, config);
        loop.thread.start();
        return loop;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Clock clock() {
        return Clock.system();
    }

    @Override
    public void execute(Runnable task) {
        lock.lock();
        try {
            if (closed) {
                if (task instanceof Abandonable a) {
                    a.abandon();
                }
                return;
            }
            if (incoming.size() >= config.maxPendingTasks()) {
                throw new RejectedExecutionException("event loop " + name + " has "
                        + incoming.size() + " pending tasks (LoopConfig.maxPendingTasks)");
            }
            incoming.add(task);
        } finally {
            lock.unlock();
        }
        if (sleeping) {
            LockSupport.unpark(thread);
        }
    }

    @Override
    public Timer at(long deadlineNanos, LongConsumer task) {
        Timer t = new Timer(deadlineNanos, timerSeq.getAndIncrement(), task, this);
        if (inLoop()) {
            timers.add(t);
        } else {
            execute(() -> {
                if (t.isPending()) {
                    timers.add(t);
                }
            });
        }
        return t;
    }

    @Override
    public void cancelled(Timer timer) {
        if (inLoop()) {
            timers.remove(timer);
        } else {
            execute(() -> timers.remove(timer));
        }
    }

    @Override
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    @Override
    public <T> LoopFuture<T> newFuture() {
        return new LoopFuture<>(this, Blocking.REAL_TIME);
    }

    @Override
    public LoopFuture<Void> spawn(String threadName, AppTask body) {
        LoopFuture<Void> done = newFuture();
        Thread.ofVirtual().name(threadName).start(() -> {
            try {
                body.run();
                done.complete(null);
            } catch (Throwable t) {
                done.fail(t);
            }
        });
        return done;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    /** True while the loop's thread runs (false once {@link #close()} has returned). */
    public boolean isAlive() {
        return thread.isAlive();
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        if (inLoop()) {
            return;
        }
        try {
            if (!thread.join(config.closeTimeout())) {
                throw new IllegalStateException("event loop " + name + " did not stop within "
                        + config.closeTimeout() + ": a task blocks it");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (!closed) {
            lock.lock();
            try {
                ArrayDeque<Runnable> swap = running;
                running = incoming;
                incoming = swap;
            } finally {
                lock.unlock();
            }
            for (Runnable task; !closed && (task = running.poll()) != null; ) {
                runSafely(task);
            }
            runDueTimers();
            if (!closed) {
                park();
            }
        }
        abandonAll();
    }

    private void runDueTimers() {
        long now = Clock.system().nanos();
        for (int n = 0; n < config.timersPerTurn() && !closed; n++) {
            Timer t = timers.peek();
            if (t == null || t.deadline > now) {
                return;
            }
            timers.poll();
            if (t.start()) {
                runSafely(t.task, now);
            }
        }
    }

    private void park() {
        sleeping = true;
        try {
            boolean empty;
            lock.lock();
            try {
                empty = incoming.isEmpty();
            } finally {
                lock.unlock();
            }
            if (!empty || closed) {
                return;
            }
            Timer next = timers.peek();
            if (next == null) {
                LockSupport.park(this);
            } else {
                long wait = next.deadline - Clock.system().nanos();
                if (wait > 0) {
                    LockSupport.parkNanos(this, wait);
                }
            }
        } finally {
            sleeping = false;
        }
    }

    private void runSafely(Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            config.onTaskFailure().accept(t);
        }
    }

    private void runSafely(LongConsumer task, long now) {
        try {
            task.accept(now);
        } catch (Throwable t) {
            config.onTaskFailure().accept(t);
        }
    }

    private void abandonAll() {
        lock.lock();
        try {
            running.addAll(incoming);
            incoming.clear();
        } finally {
            lock.unlock();
        }
        for (Runnable task; (task = running.poll()) != null; ) {
            if (task instanceof Abandonable a) {
                a.abandon();
            }
        }
        timers.clear();
    }

    @Override
    public String toString() {
        return "RealTimeLoop[" + name + (closed ? ", closed]" : "]");
    }
}
