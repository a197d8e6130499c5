package dev.tcpip.time;

import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The cooperative scheduler of a {@link Simulation}'s application threads: it runs them one at a time, each
 * until it waits on a {@link LoopFuture} or ends, handing the turn back and forth with the simulation's
 * driving thread, so that interleavings never depend on the operating system.
 *
 * <p>A thread is ready when spawned and when a future it waits on completes, and the driver gives ready
 * threads their turn in that order. A thread that neither blocks through a future nor ends within
 * {@link SimulationConfig#appSliceTimeout()} stops the run ({@link SimulationException.Reason#APP_STUCK}); one
 * that throws stops the next step ({@link SimulationException.Reason#APP_FAILED}). Its state is guarded by the
 * simulation's lock, shared with the {@link VirtualClock}; methods whose name does not say "lock held" take
 * the lock themselves.
 */
final class AppScheduler {

    /** Makes the exception that stops a run, with the seed and the virtual time. */
    interface Failures {
        SimulationException failure(SimulationException.Reason reason, String detail, Throwable cause);
    }

    private enum AppState { READY, RUNNING, BLOCKED, DONE }

    /** An application thread: it runs only while {@code turn == this}. */
    private final class App {
        final String name;
        final Condition myTurn = lock.newCondition();
        AppState state = AppState.READY;
        LoopFuture<?> waitingOn;
        Thread thread;

        App(String name) {
            this.name = name;
        }

        @Override
        public String toString() {
            return name + "(" + state + (waitingOn == null ? "" : " on " + waitingOn) + ")";
        }
    }

    private final ReentrantLock lock;
    private final Duration appSliceTimeout;
    private final Failures failures;
    private final Condition driverTurn;
    private final ThreadLocal<App> currentApp = new ThreadLocal<>();

    // guarded by lock
    private final ArrayDeque<App> ready = new ArrayDeque<>();
    private final List<App> apps = new ArrayList<>();
    private App turn;                      // null: the driver's turn
    private Throwable appFailure;
    private String appFailureName;
    private boolean closed;

    AppScheduler(ReentrantLock lock, Duration appSliceTimeout, Failures failures) {
        this.lock = lock;
        this.appSliceTimeout = appSliceTimeout;
        this.failures = failures;
        this.driverTurn = lock.newCondition();
    }

    /** True on a thread started by {@link #spawn}. */
    boolean isAppThread() {
        return currentApp.get() != null;
    }

    /** Starts {@code body} on a new virtual thread, ready to run at the driver's next step. */
    LoopFuture<Void> spawn(SimulatedLoop loop, String name, AppTask body) {
        LoopFuture<Void> done = loop.newFuture();
        App app = new App(name);
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("simulation closed");
            }
            apps.add(app);
            ready.add(app);
            app.thread = Thread.ofVirtual().name(name).unstarted(() -> runApp(app, body, done));
        } finally {
            lock.unlock();
        }
        app.thread.start();
        return done;
    }

    private void runApp(App me, AppTask body, LoopFuture<Void> done) {
        currentApp.set(me);
        lock.lock();
        try {
            awaitTurn(me);
        } finally {
            lock.unlock();
        }
        Throwable failed = null;
        try {
            if (isClosed()) {
                throw new InterruptedIOException("simulation closed before " + me.name + " ran");
            }
            body.run();
        } catch (Throwable t) {
            failed = t;
        }
        lock.lock();
        try {
            if (failed != null && !closed && appFailure == null) {
                appFailure = failed;
                appFailureName = me.name;
            }
            if (failed == null) {
                done.complete(null);
            } else {
                done.fail(failed);
            }
            me.state = AppState.DONE;
            apps.remove(me);
            if (turn == me) {
                turn = null;
                driverTurn.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Driver side, lock held: lets the next ready thread run until it blocks or ends. Returns false if no
     * thread is ready.
     */
    boolean runNextReady() {
        App app = ready.poll();
        if (app == null) {
            return false;
        }
        app.state = AppState.RUNNING;
        turn = app;
        app.myTurn.signal();
        long waitNanos = appSliceTimeout.toNanos();
        while (turn == app) {
            if (waitNanos <= 0) {
                throw failures.failure(SimulationException.Reason.APP_STUCK, "application thread " + app.name
                        + " ran " + appSliceTimeout + " without blocking through the stack"
                        + " (blocked on a lock, a queue, Thread.sleep or real I/O?)", null);
            }
            try {
                waitNanos = driverTurn.awaitNanos(waitNanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while application thread " + app.name + " ran", e);
            }
        }
        return true;
    }

    /** Application side, lock held: hands the turn back and waits for the next one. */
    private void yieldTurn(App me) {
        if (turn == me) {
            turn = null;
            driverTurn.signal();
        }
        awaitTurn(me);
    }

    private void awaitTurn(App me) {
        while (turn != me && !closed) {
            me.myTurn.awaitUninterruptibly();
        }
    }

    /** Driver side: throws {@link SimulationException.Reason#APP_FAILED} once for a thread that threw. */
    void checkAppFailure() {
        lock.lock();
        try {
            if (appFailure != null) {
                Throwable t = appFailure;
                appFailure = null;
                throw failures.failure(SimulationException.Reason.APP_FAILED,
                        "application thread " + appFailureName + " threw " + t, t);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Application side: gives the turn away until {@code future} is done.
     *
     * @throws InterruptedIOException if the simulation closes meanwhile
     */
    void awaitDone(LoopFuture<?> future) throws InterruptedIOException {
        App me = currentApp.get();
        lock.lock();
        try {
            while (!future.isDone()) {
                if (closed) {
                    throw new InterruptedIOException("simulation closed");
                }
                me.state = AppState.BLOCKED;
                me.waitingOn = future;
                @SuppressWarnings("unchecked")
                List<App> waiters = (List<App>) future.simWaiters;
                if (waiters == null) {
                    future.simWaiters = waiters = new ArrayList<>(1);
                }
                waiters.add(me);
                yieldTurn(me);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Makes the threads waiting on {@code future}, now done, ready in the order they began to wait. */
    void wake(LoopFuture<?> future) {
        lock.lock();
        try {
            @SuppressWarnings("unchecked")
            List<App> waiters = (List<App>) future.simWaiters;
            if (waiters == null) {
                return;
            }
            future.simWaiters = null;
            for (App app : waiters) {
                if (app.state == AppState.BLOCKED && app.waitingOn == future) {
                    app.state = AppState.READY;
                    app.waitingOn = null;
                    ready.add(app);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Lock held: a description of the live threads, for failure messages. */
    String describeLocked() {
        return apps.toString();
    }

    /**
     * Lock held: marks the scheduler closed and wakes every live thread (a blocked {@link #awaitDone} throws
     * {@link InterruptedIOException}). Returns the threads to {@link #join}.
     */
    List<Thread> close() {
        closed = true;
        ready.clear();
        List<Thread> left = new ArrayList<>(apps.size());
        for (App app : apps) {
            app.myTurn.signal();
            left.add(app.thread);
        }
        driverTurn.signal();
        return left;
    }

    /**
     * Interrupts {@code threads} and waits until they end, within {@code timeout} in all.
     *
     * @throws IllegalStateException naming the threads still alive after {@code timeout}
     */
    static void join(List<Thread> threads, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> alive = new ArrayList<>();
        for (Thread thread : threads) {
            thread.interrupt();
            try {
                long wait = Math.max(1, deadline - System.nanoTime());
                if (!thread.join(Duration.ofNanos(wait))) {
                    alive.add(thread.getName());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!alive.isEmpty()) {
            throw new IllegalStateException("application threads still alive after "
                    + timeout.toMillis() + " ms: " + alive);
        }
    }
}
