package dev.tcpip.time;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Settings of a {@link RealTimeLoop}; every knob with its default and the reason for it.
 *
 * @param maxPendingTasks tasks posted and not yet run, beyond which {@link EventLoop#execute} throws
 *     {@link java.util.concurrent.RejectedExecutionException}. Default 1,048,576: far above what a stack
 *     posts (devices queue frames in their own bounded rings), low enough that a runaway producer fails
 *     instead of exhausting the heap.
 * @param closeTimeout how long {@link EventLoop#close()} waits for the loop thread to end before it
 *     reports a task that blocks the loop. Default 10 s.
 * @param timersPerTurn timers run before the loop looks at posted tasks again. Default 1024: a burst of
 *     expiring timers cannot starve incoming frames.
 * @param onTaskFailure what happens to an exception thrown by a task or timer; the loop goes on. Default:
 *     logged at ERROR through {@link System.Logger}.
 */
public record LoopConfig(int maxPendingTasks, Duration closeTimeout, int timersPerTurn,
                         Consumer<Throwable> onTaskFailure) {

    /** The defaults described above. */
    public static final LoopConfig DEFAULTS = new LoopConfig(1 << 20, Duration.ofSeconds(10), 1024,
            t -> System.getLogger("dev.tcpip.time").log(System.Logger.Level.ERROR, "event loop task failed", t));

    public LoopConfig {
        if (maxPendingTasks < 1) {
            throw new IllegalArgumentException("maxPendingTasks must be positive: " + maxPendingTasks);
        }
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        if (closeTimeout.isNegative()) {
            throw new IllegalArgumentException("closeTimeout must not be negative: " + closeTimeout);
        }
        if (timersPerTurn < 1) {
            throw new IllegalArgumentException("timersPerTurn must be positive: " + timersPerTurn);
        }
        Objects.requireNonNull(onTaskFailure, "onTaskFailure");
    }

    public LoopConfig withOnTaskFailure(Consumer<Throwable> handler) {
        return new LoopConfig(maxPendingTasks, closeTimeout, timersPerTurn, handler);
    }

    public LoopConfig withMaxPendingTasks(int max) {
        return new LoopConfig(max, closeTimeout, timersPerTurn, onTaskFailure);
    }
}
