package dev.tcpip.time;

import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * An {@link EventLoop} on one platform thread and {@link Clock#system()}: it runs posted tasks in order and
 * due timers, and parks until the next deadline or the next posted task. Posting a task allocates nothing
 * (beyond the growth of its queue) and wakes the thread only if it is parked.
 *
 * <p><b>The turn, and running inline.</b> The loop's state belongs to whoever holds the <em>turn</em>, a lock the loop
 * thread holds whenever it runs tasks or timers and lets go of only while it parks. A command {@linkplain
 * #submit(Consumer) submitted} from another thread, or a task handed over with {@link #runOrExecute}, runs on the
 * calling thread itself when the loop is parked with nothing queued and the turn is free: the caller takes the turn,
 * runs it, lets go, and unparks the loop only if the run armed a timer earlier than the one the loop sleeps until.
 * This saves two thread hand-offs per call (waking the loop thread, and the loop waking the caller to say it is
 * done), which a request/response exchange pays several times. One owner at a time still: {@link #inLoop()} is true
 * on whichever thread holds the turn, the loop thread waits for the turn after it wakes (and no caller starts an inline
 * run once it has woken, so callers cannot starve it), and what a caller ran is
 * visible to the loop (and the next caller) through the lock. Order is kept: a caller runs inline only when no task
 * is queued (else it queues its own behind them), and never from inside the turn (a task submitting another queues
 * it, as on the loop thread). A task another thread queues while a submitted command runs inline runs on that caller
 * before it lets go, so the loop thread is not woken for it either (see {@code giveTurnBack}). Tasks run inline do
 * not see the caller's interrupt status (cleared while it holds the turn, set again after: the loop thread is never
 * interrupted, and a task writing to an interruptible channel would close it); a caller interrupted while it holds
 * the turn leaves other threads' tasks to the loop thread. A failure handler ({@link LoopConfig#onTaskFailure}) that
 * throws on a caller does not keep the turn: the tasks it took go back to the queue. On by default: the
 * system property {@value #INLINE_PROPERTY}{@code =false}, read when a loop starts, turns it off. (TapEcnIT's
 * spurious retransmission, once blamed on it, is a tail loss probe of the final segment racing the peer's ACK under
 * load; it happens with inline runs off as well: ARCHITECTURE.md.) A simulation's loop never runs anything inline: its
 * order is the driver's.
 *
 * <p>Use it for TAP devices, the CLI, and in-memory benchmarks at full speed:
 * <pre>{@code
 * try (RealTimeLoop loop = RealTimeLoop.start("stack-a")) { ... }
 * }</pre>
 */
public final class RealTimeLoop implements EventLoop, Timer.TimerOwner {
    /** The system property that turns running inline off when {@code false} (see the class comment). */
    public static final String INLINE_PROPERTY = "tcpip.loop.inline";
    private final boolean inline = !"false".equals(System.getProperty(INLINE_PROPERTY));
    private final String name;
    private final LoopConfig config;
    private final Thread thread;
    private final ReentrantLock lock = new ReentrantLock();
    private final ReentrantLock turn = new ReentrantLock();      // whoever holds it owns the loop's state
    private long wakeAt = Long.MAX_VALUE;                        // the parked loop's deadline; guarded by turn
    private ArrayDeque<Runnable> incoming = new ArrayDeque<>();   // guarded by lock
    private volatile boolean anyIncoming;                         // !incoming.isEmpty(); written under lock
    private ArrayDeque<Runnable> running = new ArrayDeque<>();    // loop thread only
    private final TimerQueue timers = new TimerQueue();           // guarded by turn
    private final AtomicLong timerSeq = new AtomicLong();
    /** Timers moved in place by {@link #reschedule} (each took a {@code timerSeq} number too); churn-counts.sh. */
    private long timersMoved;                                      // guarded by turn
    private volatile boolean sleeping;
    private volatile boolean inlineOwner;                         // a caller, not the loop thread, holds the turn
    private ArrayDeque<Runnable> inlineRunning = new ArrayDeque<>();   // guarded by turn: queued tasks a caller runs
    private boolean callerInterrupted;                            // guarded by turn: the inline caller's interrupt status
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
            anyIncoming = true;
        } finally {
            lock.unlock();
        }
        // A caller running inline runs what was queued meanwhile before it lets go (giveTurnBack), so the loop is
        // not woken for it. inlineOwner is read after anyIncoming was written, and giveTurnBack reads anyIncoming
        // after clearing inlineOwner (both volatile): at least one of the two sees the task.
        if (sleeping && !inlineOwner) {
            LockSupport.unpark(thread);
        }
    }

    /**
     * Runs {@code task} now on this thread if the loop is parked with nothing queued and its turn is free (see the
     * class comment), else {@linkplain #execute queues} it.
     */
    public void runOrExecute(Runnable task) {
        runOrExecute(task, false);
    }

    /**
     * As {@link #runOrExecute(Runnable)}; if {@code runQueued} and it ran here, tasks other threads queued meanwhile run
     * here too before the turn is let go (see {@code giveTurnBack}). Not for a device's reader thread: a queued task
     * may close that device and wait for its reader.
     */
    public void runOrExecute(Runnable task, boolean runQueued) {
        if (!takeTurn(runQueued)) {
            execute(task);
            return;
        }
        try {
            runSafely(task);
        } finally {
            giveTurnBack(runQueued);
        }
    }

    /** As {@link EventLoop#submit(Consumer)}, run on this thread when it can (see the class comment). */
    @Override
    public <T> LoopFuture<T> submit(Consumer<? super LoopFuture<T>> command) {
        if (!takeTurn(true)) {
            return EventLoop.super.submit(command);
        }
        try {
            LoopFuture<T> future = newFuture();
            try {
                command.accept(future);
            } catch (RuntimeException | Error e) {
                future.fail(e);
            }
            return future;
        } finally {
            giveTurnBack(true);
        }
    }

    /**
     * Takes the turn if running inline is allowed now: the loop parked, nothing queued, not nested, not closed. Nothing
     * here may block once the turn is taken: a virtual thread that parked holding it (on the queue's lock, say) would
     * wait for a carrier behind every other runnable virtual thread while the loop and the device's reader wait for
     * it, so the queue is checked through a volatile flag, not its lock. {@code drains}: this caller runs what is
     * queued meanwhile before it lets go (see giveTurnBack).
     */
    private boolean takeTurn(boolean drains) {
        if (!inline || !sleeping || anyIncoming || turn.isHeldByCurrentThread() || !turn.tryLock()) {
            return false;
        }
        if (anyIncoming || closed || !sleeping) {
            turn.unlock();
            return false;
        }
        // The loop thread is never interrupted; tasks run here must not see the caller's interrupt either (a task that
        // writes to an InterruptibleChannel, a splice's socket, would close it). Cleared while the turn is held, set
        // again in giveTurnBack.
        callerInterrupted = Thread.interrupted();
        inlineOwner = drains;
        return true;
    }

    /**
     * Lets go of the turn; wakes the loop if what ran armed a timer before the deadline it sleeps until. If {@code
     * drains} (an application thread's command, never a device's reader: a queued task may close that device and
     * wait for its reader), tasks queued while this caller held the turn (another thread's frame or command, which
     * found the turn taken) run here first, still holding the turn, a bounded number of rounds: the loop thread is
     * woken for them only if it woke meanwhile, the queue's lock is busy or the rounds are used up.
     */
    private void giveTurnBack(boolean drains) {
        boolean wake = true;        // also if a failure handler throws out of runQueuedInline: the loop takes over
        try {
            for (int round = 0; ; round++) {
                Timer next = timers.peek();
                boolean earlier = next != null && next.deadline < wakeAt;
                inlineOwner = false;
                boolean queued = anyIncoming;            // after inlineOwner's write: see execute
                // Interrupted meanwhile (by another thread): other threads' tasks are left to the loop thread.
                if (drains && queued && !earlier && round < INLINE_ROUNDS && !Thread.currentThread().isInterrupted()
                        && runQueuedInline()) {
                    continue;
                }
                wake = earlier || queued;
                return;
            }
        } finally {
            inlineOwner = false;
            boolean interrupted = callerInterrupted;
            callerInterrupted = false;
            turn.unlock();
            if (wake) {
                LockSupport.unpark(thread);
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Rounds of queued tasks a caller runs before it lets go of the turn (see giveTurnBack). */
    private static final int INLINE_ROUNDS = 8;

    /**
     * Holding the turn as a caller: runs the tasks queued so far, in order, if the loop still sleeps and the queue's
     * lock is free (never waits for it: see takeTurn); false if it ran nothing.
     */
    private boolean runQueuedInline() {
        if (!lock.tryLock()) {
            return false;
        }
        try {
            if (closed || !sleeping || incoming.isEmpty()) {
                return false;
            }
            ArrayDeque<Runnable> swap = inlineRunning;
            inlineRunning = incoming;
            incoming = swap;                         // empty: inlineRunning is drained before each swap
            anyIncoming = false;
            inlineOwner = true;
        } finally {
            lock.unlock();
        }
        boolean ran = false;
        try {
            for (Runnable task; !closed && (task = inlineRunning.poll()) != null; ) {
                runSafely(task);
            }
            ran = true;
        } finally {
            if (!ran) {
                requeue();
            }
        }
        for (Runnable task; (task = inlineRunning.poll()) != null; ) {   // closed meanwhile: as abandonAll does
            if (task instanceof Abandonable a) {
                a.abandon();
            }
        }
        return true;
    }

    /**
     * A failure handler threw out of runSafely on a caller (runSafely catches what a task throws; its handler's own
     * throw gets here): the tasks that caller took and did not run go back to the front of the queue, in order, for
     * the loop thread (giveTurnBack wakes it). The only place a caller waits for the queue's lock holding the turn.
     */
    private void requeue() {
        lock.lock();
        try {
            for (Runnable task; (task = inlineRunning.pollLast()) != null; ) {
                incoming.addFirst(task);
            }
            anyIncoming = !incoming.isEmpty();
        } finally {
            lock.unlock();
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

    /** In place (see {@link EventLoop#reschedule}) on the loop, for a pending timer of this loop in its heap. */
    @Override
    public Timer reschedule(Timer timer, long deadlineNanos) {
        if (timer.owner == this && inLoop() && timer.isPending() && timers.contains(timer)) {
            timers.move(timer, deadlineNanos, timerSeq.getAndIncrement());
            timersMoved++;
            return timer;
        }
        return EventLoop.super.reschedule(timer, deadlineNanos);
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
        return turn.isHeldByCurrentThread();
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
        turn.lock();
        try {
            loop();
        } finally {
            turn.unlock();
        }
    }

    private void loop() {
        while (!closed) {
            lock.lock();
            try {
                ArrayDeque<Runnable> swap = running;
                running = incoming;
                incoming = swap;                             // empty: running was drained before the park
                anyIncoming = false;
            } finally {
                lock.unlock();
            }
            for (Runnable task; !closed && (task = running.poll()) != null; ) {
                runOnLoopThread(task);
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
                try {
                    runSafely(t.task, now);
                } catch (Throwable handlerFailed) {
                    handlerFailed(handlerFailed);
                }
            }
        }
    }

    private boolean nothingQueued() {
        lock.lock();
        try {
            return incoming.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    private void park() {
        sleeping = true;
        try {
            if (!nothingQueued() || closed) {
                return;
            }
            Timer next = timers.peek();
            wakeAt = next == null ? Long.MAX_VALUE : next.deadline;
            long wait = next == null ? 0 : next.deadline - Clock.system().nanos();
            if (next != null && wait <= 0) {
                return;
            }
            turn.unlock();                                   // a caller may run inline meanwhile
            try {
                if (next == null) {
                    LockSupport.park(this);
                } else {
                    LockSupport.parkNanos(this, wait);
                }
            } finally {
                sleeping = false;                            // no caller starts inline now: the loop comes first
                turn.lock();                                 // waits for a caller running inline to finish
            }
        } finally {
            sleeping = false;
        }
    }

    /**
     * A task on the loop thread itself: what the failure handler throws is logged and the loop goes on (it would
     * otherwise end the loop thread with the loop still open, and every later submit would wait for good). On a
     * caller running inline the handler's exception reaches the caller instead (see giveTurnBack).
     */
    private void runOnLoopThread(Runnable task) {
        try {
            runSafely(task);
        } catch (Throwable handlerFailed) {
            handlerFailed(handlerFailed);
        }
    }

    private static void handlerFailed(Throwable t) {
        try {
            System.getLogger("dev.tcpip.time").log(System.Logger.Level.ERROR, "event loop failure handler failed", t);
        } catch (Throwable ignored) {
            // nothing left to report it with; the loop goes on
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
            anyIncoming = false;
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
