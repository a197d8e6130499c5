package dev.tcpip.time;

import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
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
 *
 * <h2>Parts</h2>
 * This class is the façade and the driver: each step it asks the {@link AppScheduler} (the cooperative
 * scheduler of application threads) for a ready thread, else the {@link VirtualClock} (virtual time, posted
 * tasks and timers) for a task or a due timer, else advances the clock. The loops' futures wait through
 * {@link SimulatedBlocking}. The three share one lock, so a step sees them in one consistent state.
 */
public final class Simulation implements AutoCloseable {

    private enum Mode { UNTIL, FOR }

    private final SimulationConfig config;
    private final ReentrantLock lock = new ReentrantLock();
    private final VirtualClock time;
    private final AppScheduler apps;
    private final SimulatedBlocking blocking;
    private final SimulatedLoop appLoop;

    private volatile Thread driver;        // the thread inside a run* call
    private SimulatedLoop running;         // driver thread only: the loop whose task runs now
    private long totalSteps;

    public Simulation(SimulationConfig config) {
        this.config = config;
        this.time = new VirtualClock(lock, config, toString());
        this.apps = new AppScheduler(lock, config.appSliceTimeout(), this::failure);
        this.blocking = new SimulatedBlocking(this, apps);
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
        return time;
    }

    /** Virtual time in nanoseconds. */
    public long now() {
        return time.nanos();
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
        return apps.spawn(appLoop, name, body);
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
        if (apps.isAppThread()) {
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
                apps.checkAppFailure();
                if (done.getAsBoolean()) {
                    return;
                }
                if (steps >= config.maxStepsPerRun()) {
                    throw failure(SimulationException.Reason.STEP_LIMIT, steps + " steps", null);
                }
                totalSteps++;
                VirtualClock.Task task;
                Timer timer = null;
                lock.lock();
                try {
                    if (apps.runNextReady()) {
                        continue;
                    }
                    task = time.pollTask();
                    if (task == null) {
                        Timer top = time.peekTimer();
                        long now = time.nowLocked();
                        if (top != null && top.deadline <= now) {
                            timer = time.pollTimer();
                        } else if (top != null && top.deadline <= timeLimit) {
                            time.advanceTo(top.deadline);
                            continue;
                        } else if (mode == Mode.FOR) {
                            time.advanceTo(Math.max(now, timeLimit));
                            return;
                        } else if (top == null) {
                            throw failure(SimulationException.Reason.IDLE, "nothing left to run and the condition"
                                    + " is false; application threads: " + apps.describeLocked(), null);
                        } else {
                            throw failure(SimulationException.Reason.TIME_LIMIT, "virtual time limit " + timeLimit
                                    + " ns reached; application threads: " + apps.describeLocked(), null);
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
        long at = now();
        runTask(loop, () -> task.accept(at));
    }

    private void runTask(SimulatedLoop loop, Runnable r) {
        if (loop.isClosed()) {
            VirtualClock.abandon(r);
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

    private SimulationException failure(SimulationException.Reason reason, String detail, Throwable cause) {
        return new SimulationException(reason, config.seed(), now(), detail, cause);
    }

    // ---- services for SimulatedLoop and SimulatedBlocking ----

    VirtualClock time() {
        return time;
    }

    AppScheduler apps() {
        return apps;
    }

    Blocking blocking() {
        return blocking;
    }

    SimulatedLoop runningLoop() {
        return driver == Thread.currentThread() ? running : null;
    }

    boolean isClosed() {
        return time.isClosed();
    }

    /** True if {@code t} is inside a run of this simulation. */
    boolean isDriver(Thread t) {
        return driver == t;
    }

    /** True if no thread is inside a run and the simulation is open, so the caller may start one. */
    boolean mayDrive() {
        return driver == null && !isClosed();
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
        List<Thread> left;
        lock.lock();
        try {
            if (time.isClosed()) {
                return;
            }
            time.close();
            left = apps.close();
        } finally {
            lock.unlock();
        }
        AppScheduler.join(left, config.closeTimeout());
    }

    @Override
    public String toString() {
        return "Simulation[seed=" + config.seed() + "]";
    }
}
