package dev.tcpip.time;

import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import java.util.random.RandomGenerator;

/**
 * Deterministic virtual time for many event loops (all stacks and the network) and their application
 * threads. The thread that calls a {@code run*} method (the driver, usually the test) runs every loop's
 * tasks itself, one at a time, in one total order; when nothing is runnable it jumps the virtual clock to
 * the earliest timer. A one-hour timeout costs one step, and a seed replays a run exactly.
 *
 * <h2>Application threads</h2>
 * Tests and callbacks block (a {@code flow.read()} waits for the stack). Such threads are started with
 * {@link #spawn} or {@link EventLoop#spawn} and run one at a time, handed the turn by the driver: a spawned
 * thread runs until it waits on a {@link LoopFuture} (every blocking call of the stack does) or ends, and
 * only then does the driver run loop tasks again. Runnable application threads always go before loop
 * tasks, and virtual time never advances while one is runnable, so timeouts cannot fire spuriously and
 * interleavings do not depend on the operating system.
 *
 * <p>The rule that makes this sound: <b>in a simulation, application threads block only through
 * {@link LoopFuture#await()}</b> (the stack's calls, {@link EventLoop#sleep}, a spawned thread's future),
 * never on a plain lock, queue, {@code Thread.sleep} or real I/O shared with another application thread.
 * A thread that does is seen as still running: after {@link SimulationConfig#appSliceTimeout()} the run
 * throws {@link SimulationException.Reason#APP_STUCK} naming it. Application code must also take time
 * from the loop's clock and randomness from {@link #random(String)} to replay exactly.
 *
 * <pre>{@code
 * try (Simulation sim = new Simulation(SimulationConfig.withSeed(SimulationConfig.seedFromProperty()))) {
 *     SimulatedLoop a = sim.newLoop("a"), b = sim.newLoop("b");
 *     // ... stacks on a and b, devices on a MemoryNetwork ...
 *     LoopFuture<Void> client = sim.spawn("client", () -> { ... blocking calls ... });
 *     sim.runUntil(client::isDone, Duration.ofMinutes(5));
 *     client.getNow();                                   // rethrows what the client threw
 * }
 * }</pre>
 *
 * The driving thread may itself call {@link LoopFuture#await()} outside any loop task: that runs the
 * simulation until the future is done (within {@link SimulationConfig#awaitLimit()}).
 */
public final class Simulation implements AutoCloseable, Blocking {

    private enum Mode { UNTIL, FOR }

    private enum AppState { READY, RUNNING, BLOCKED, DONE }

    private record Task(SimulatedLoop loop, Runnable runnable) {}

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

    private final SimulationConfig config;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition driverTurn = lock.newCondition();
    private final ThreadLocal<App> currentApp = new ThreadLocal<>();
    private final SimulatedLoop appLoop;
    private final Clock clock;
    private final long epochNanos;

    // guarded by lock
    private long now;
    private long timerSeq;
    private final ArrayDeque<Task> tasks = new ArrayDeque<>();
    private final TimerQueue timers = new TimerQueue();
    private final ArrayDeque<App> ready = new ArrayDeque<>();
    private final List<App> apps = new ArrayList<>();
    private App turn;                      // null: the driver's turn
    private Throwable appFailure;
    private String appFailureName;
    private boolean closed;

    private volatile Thread driver;        // the thread inside a run* call
    private SimulatedLoop running;         // driver thread only: the loop whose task runs now
    private long totalSteps;

    public Simulation(SimulationConfig config) {
        this.config = config;
        this.epochNanos = config.epoch().getEpochSecond() * 1_000_000_000L + config.epoch().getNano();
        this.clock = new Clock() {
            @Override
            public long nanos() {
                return now();
            }

            @Override
            public long epochNanos() {
                return Simulation.this.epochNanos + now();
            }

            @Override
            public String toString() {
                return "virtual clock of " + Simulation.this;
            }
        };
        this.appLoop = new SimulatedLoop(this, "sim");
    }

    /** A simulation with {@link SimulationConfig#DEFAULTS} and {@code seed}. */
    public static Simulation withSeed(long seed) {
        return new Simulation(SimulationConfig.withSeed(seed));
    }

    public SimulationConfig config() {
        return config;
    }

    public long seed() {
        return config.seed();
    }

    /** The virtual clock shared by all loops of this simulation; starts at 0. */
    public Clock clock() {
        return clock;
    }

    /** Virtual time in nanoseconds. */
    public long now() {
        lock.lock();
        try {
            return now;
        } finally {
            lock.unlock();
        }
    }

    /** Steps taken by all runs so far (tasks, timers, application turns and clock jumps). */
    public long steps() {
        return totalSteps;
    }

    /** A new event loop driven by this simulation. */
    public SimulatedLoop newLoop(String name) {
        return new SimulatedLoop(this, name);
    }

    /** A reproducible random stream for {@code label}: {@link Seeds#random}{@code (seed(), label)}. */
    public RandomGenerator random(String label) {
        return Seeds.random(config.seed(), label);
    }

    /** {@link EventLoop#spawn} on the simulation's own loop, for test code. */
    public LoopFuture<Void> spawn(String name, AppTask body) {
        return spawn(appLoop, name, body);
    }

    /**
     * Runs until {@code done} is true. {@code done} is checked before every step, on the driving thread.
     *
     * @throws SimulationException if {@code maxVirtual} of virtual time passes, the step limit is hit, the
     *     simulation goes idle, or a task or application thread fails; the message carries the seed
     */
    public void runUntil(BooleanSupplier done, Duration maxVirtual) {
        runUntil(done, maxVirtual.toNanos());
    }

    /** {@link #runUntil(BooleanSupplier, Duration)} with the bound in nanoseconds. */
    public void runUntil(BooleanSupplier done, long maxVirtualNanos) {
        drive(done, deadlineAfter(maxVirtualNanos), Mode.UNTIL);
    }

    /**
     * Runs everything due within {@code duration} of virtual time, then sets the clock to exactly
     * {@code now + duration}.
     *
     * @throws SimulationException on the step limit or a failure
     */
    public void runFor(Duration duration) {
        drive(() -> false, deadlineAfter(duration.toNanos()), Mode.FOR);
    }

    private long deadlineAfter(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("negative duration: " + nanos);
        }
        long t = now();
        return nanos > Long.MAX_VALUE - t ? Long.MAX_VALUE : t + nanos;
    }

    private void drive(BooleanSupplier done, long timeLimit, Mode mode) {
        if (currentApp.get() != null) {
            throw new IllegalStateException("an application thread cannot drive the simulation");
        }
        if (driver != null) {
            throw new IllegalStateException("the simulation is already running (on " + driver + ")");
        }
        if (isClosed()) {
            throw new IllegalStateException("simulation closed");
        }
        driver = Thread.currentThread();
        try {
            for (long steps = 0; ; steps++) {
                checkAppFailure();
                if (done.getAsBoolean()) {
                    return;
                }
                if (steps >= config.maxStepsPerRun()) {
                    throw failure(SimulationException.Reason.STEP_LIMIT, steps + " steps", null);
                }
                totalSteps++;
                Task task;
                Timer timer = null;
                lock.lock();
                try {
                    App app = ready.poll();
                    if (app != null) {
                        giveTurn(app);
                        continue;
                    }
                    task = tasks.poll();
                    if (task == null) {
                        Timer top = timers.peek();
                        if (top != null && top.deadline <= now) {
                            timer = timers.poll();
                        } else if (top != null && top.deadline <= timeLimit) {
                            now = top.deadline;
                            continue;
                        } else if (mode == Mode.FOR) {
                            now = Math.max(now, timeLimit);
                            return;
                        } else if (top == null) {
                            throw failure(SimulationException.Reason.IDLE,
                                    "nothing left to run and the condition is false; application threads: " + apps, null);
                        } else {
                            throw failure(SimulationException.Reason.TIME_LIMIT,
                                    "virtual time limit " + timeLimit + " ns reached; application threads: " + apps, null);
                        }
                    }
                } finally {
                    lock.unlock();
                }
                if (task != null) {
                    runTask(task.loop(), task.runnable());
                } else if (timer.start()) {
                    runTimer((SimulatedLoop) timer.owner, timer.task);
                }
            }
        } finally {
            driver = null;
        }
    }

    private void runTimer(SimulatedLoop loop, LongConsumer task) {
        long at = now;
        runTask(loop, () -> task.accept(at));
    }

    private void runTask(SimulatedLoop loop, Runnable r) {
        if (loop.isClosed()) {
            if (r instanceof Abandonable a) {
                a.abandon();
            }
            return;
        }
        running = loop;
        try {
            r.run();
        } catch (Throwable t) {
            throw failure(SimulationException.Reason.TASK_FAILED, "a task of loop " + loop.name() + " threw " + t, t);
        } finally {
            running = null;
        }
    }

    /** Driver side, lock held: lets {@code app} run until it blocks or ends. */
    private void giveTurn(App app) {
        app.state = AppState.RUNNING;
        turn = app;
        app.myTurn.signal();
        long waitNanos = config.appSliceTimeout().toNanos();
        while (turn == app) {
            if (waitNanos <= 0) {
                throw failure(SimulationException.Reason.APP_STUCK, "application thread " + app.name
                        + " ran " + config.appSliceTimeout() + " without blocking through the stack"
                        + " (blocked on a lock, a queue, Thread.sleep or real I/O?)", null);
            }
            try {
                waitNanos = driverTurn.awaitNanos(waitNanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while application thread " + app.name + " ran", e);
            }
        }
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

    private void checkAppFailure() {
        lock.lock();
        try {
            if (appFailure != null) {
                Throwable t = appFailure;
                appFailure = null;
                throw failure(SimulationException.Reason.APP_FAILED,
                        "application thread " + appFailureName + " threw " + t, t);
            }
        } finally {
            lock.unlock();
        }
    }

    private SimulationException failure(SimulationException.Reason reason, String detail, Throwable cause) {
        return new SimulationException(reason, config.seed(), now(), detail, cause);
    }

    // ---- Blocking: how LoopFuture.await() waits in this simulation ----

    @Override
    public void block(LoopFuture<?> future) throws InterruptedIOException {
        App me = currentApp.get();
        if (me != null) {
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
            return;
        }
        Thread self = Thread.currentThread();
        if (driver == self) {
            throw new IllegalStateException("a loop task must never block (await on " + future.loop() + ")");
        }
        if (driver == null && !isClosed()) {
            drive(future::isDone, deadlineAfter(config.awaitLimit().toNanos()), Mode.UNTIL);
            return;
        }
        throw new IllegalStateException("in a simulation only threads started with spawn() and the thread driving"
                + " the simulation may block; " + self + " is neither");
    }

    @Override
    public void completed(LoopFuture<?> future) {
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

    // ---- services for SimulatedLoop ----

    SimulatedLoop runningLoop() {
        return driver == Thread.currentThread() ? running : null;
    }

    boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    void post(SimulatedLoop loop, Runnable task) {
        lock.lock();
        try {
            if (closed || loop.isClosed()) {
                if (task instanceof Abandonable a) {
                    a.abandon();
                }
                return;
            }
            if (tasks.size() >= config.maxPendingTasks()) {
                throw new RejectedExecutionException(tasks.size() + " pending tasks (SimulationConfig.maxPendingTasks)");
            }
            tasks.add(new Task(loop, task));
        } finally {
            lock.unlock();
        }
    }

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

    void unschedule(Timer t) {
        lock.lock();
        try {
            timers.remove(t);
        } finally {
            lock.unlock();
        }
    }

    void loopClosed(SimulatedLoop loop) {
        lock.lock();
        try {
            timers.removeOwnedBy(loop);
        } finally {
            lock.unlock();
        }
    }

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

    /**
     * Ends the simulation: discards tasks and timers, releases blocked application threads (their
     * {@code await()} throws {@link InterruptedIOException}) and waits for them to end.
     *
     * @throws IllegalStateException if an application thread is still alive after
     *     {@link SimulationConfig#closeTimeout()}
     */
    @Override
    public void close() {
        List<App> left;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (Task t : tasks) {
                if (t.runnable() instanceof Abandonable a) {
                    a.abandon();
                }
            }
            tasks.clear();
            timers.clear();
            ready.clear();
            left = List.copyOf(apps);
            for (App app : left) {
                app.myTurn.signal();
            }
            driverTurn.signal();
        } finally {
            lock.unlock();
        }
        long deadline = System.nanoTime() + config.closeTimeout().toNanos();
        List<String> alive = new ArrayList<>();
        for (App app : left) {
            app.thread.interrupt();
            try {
                long wait = Math.max(1, deadline - System.nanoTime());
                if (!app.thread.join(Duration.ofNanos(wait))) {
                    alive.add(app.name);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!alive.isEmpty()) {
            throw new IllegalStateException("application threads still alive after "
                    + config.closeTimeout().toMillis() + " ms: " + alive);
        }
    }

    @Override
    public String toString() {
        return "Simulation[seed=" + config.seed() + "]";
    }
}
