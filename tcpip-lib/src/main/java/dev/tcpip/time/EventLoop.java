package dev.tcpip.time;

import dev.tcpip.ClosedException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The single thread that owns a stack's state. Devices hand it frames, timers fire on it, and application
 * threads post commands to it and park on a {@link LoopFuture} until it answers. Protocol code runs only
 * here, so it needs no locks.
 *
 * <p>Two implementations: {@link RealTimeLoop}, a platform thread on {@link Clock#system()}, and the loops
 * of a {@link Simulation}, which all run on the simulation's one thread in virtual time.
 *
 * <pre>{@code
 * // a stack owns a loop and attaches its device to it
 * EventLoop loop = RealTimeLoop.start("stack-a");        // or: simulation.newLoop("stack-a")
 * device.attach(loop, (frame, off, len) -> ethernet.input(loop.now(), frame, off, len));
 * Timer rto = loop.at(now + 200_000_000L, tcb::onRetransmitTimeout);   // the task gets the time it runs at
 * // an application thread (a virtual thread, or one started with loop.spawn) blocks on the loop
 * ReadResult r = loop.<ReadResult>submit(f -> tcb.read(f)).await();
 * }</pre>
 */
public sealed interface EventLoop extends Scheduler, Executor, AutoCloseable permits RealTimeLoop, SimulatedLoop {

    /** A name for threads and messages. */
    String name();

    /** The clock the loop's deadlines refer to. */
    Clock clock();

    /** {@code clock().nanos()}. */
    default long now() {
        return clock().nanos();
    }

    /**
     * Runs {@code task} on the loop, after the tasks already posted (FIFO), from any thread. After
     * {@link #close()}, tasks are discarded silently: a frame arriving at a closed stack is simply lost.
     */
    @Override
    void execute(Runnable task);

    /**
     * Runs {@code task} on the loop at {@code deadlineNanos} of {@link #clock()} (at once if it has passed),
     * from any thread, handing it the loop's time of that event. Timers with equal deadlines run in the order
     * they were scheduled.
     */
    @Override
    Timer at(long deadlineNanos, LongConsumer task);

    /**
     * Moves {@code timer}'s task to {@code deadlineNanos}, earlier or later, as {@code timer.cancel()} and then
     * {@code at(deadlineNanos, task)} would (it runs after the timers already scheduled for that deadline), and
     * returns the timer that now runs it: {@code timer} itself when the loop can move it in place (a timer of this
     * loop still queued, moved on the loop: no new timer, no removal from the loop's heap and no new insertion),
     * else a new one.
     */
    default Timer reschedule(Timer timer, long deadlineNanos) {
        timer.cancel();
        return at(deadlineNanos, timer.task);
    }

    /** {@link #at} for a task that does not need the time. */
    default Timer schedule(long deadlineNanos, Runnable task) {
        return at(deadlineNanos, now -> task.run());
    }

    /** {@link #schedule} at {@code now() + delayNanos} (saturating). */
    default Timer scheduleAfter(long delayNanos, Runnable task) {
        long now = now();
        long deadline = delayNanos > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + Math.max(0, delayNanos);
        return schedule(deadline, task);
    }

    /** True if the calling code runs on this loop (so it may touch the stack's state). */
    boolean inLoop();

    /** A new, pending future bound to this loop's way of blocking. */
    <T> LoopFuture<T> newFuture();

    /**
     * Posts {@code command} to the loop with a new future for it to complete, now or later (when data
     * arrives, a timer fires...), and returns that future. If the loop is closed before the command runs, the
     * future fails with {@link ClosedException}; if the command throws, the future fails with that.
     */
    default <T> LoopFuture<T> submit(Consumer<? super LoopFuture<T>> command) {
        LoopFuture<T> future = newFuture();
        final class Posted implements Runnable, Abandonable {
            @Override
            public void run() {
                try {
                    command.accept(future);
                } catch (RuntimeException | Error e) {
                    future.fail(e);
                }
            }

            @Override
            public void abandon() {
                future.fail(new ClosedException("event loop " + name() + " closed"));
            }
        }
        Posted c = new Posted();
        if (isClosed()) {
            c.abandon();
        } else {
            execute(c);
        }
        return future;
    }

    /**
     * {@link #submit(Consumer)} for protocol commands that need the time: the loop reads its clock once when
     * the command starts and hands it in, so the protocol code below never reads a clock.
     */
    default <T> LoopFuture<T> submit(Command<T> command) {
        return submit((LoopFuture<T> future) -> command.run(now(), future));
    }

    /** A command posted with {@link #submit(Command)}: runs on the loop with the event's time. */
    @FunctionalInterface
    interface Command<T> {
        void run(long now, LoopFuture<T> future);
    }

    /**
     * Starts an application thread (a listen callback, a test's client...). In real time it is a virtual
     * thread; in a simulation it is tracked, so the simulation runs it before advancing virtual time and one
     * at a time in a deterministic order. The future completes when the body returns, or fails with what it
     * threw. In a simulation, a body that throws also fails the run ({@link SimulationException}).
     */
    LoopFuture<Void> spawn(String name, AppTask body);

    /**
     * For application threads: waits {@code duration} of the loop's clock (virtual time in a simulation).
     * Never call it on the loop.
     */
    default void sleep(Duration duration) throws IOException {
        LoopFuture<Void> done = newFuture();
        scheduleAfter(duration.toNanos(), () -> done.complete(null));
        done.await();
    }

    /** True once {@link #close()} was called. */
    boolean isClosed();

    /**
     * Stops the loop: pending tasks and timers are discarded (futures of {@link #submit} commands fail with
     * {@link ClosedException}). Idempotent. A real-time loop's thread has ended when this returns (unless
     * called on the loop itself).
     */
    @Override
    void close();
}
