package dev.tcpip.time;

import java.util.function.LongConsumer;

/**
 * The one timer abstraction of every layer: a deadline on the loop's clock and a task that is handed the
 * time of the event that runs it, so protocol code never reads a clock. {@link EventLoop} is the one
 * implementation (tests drive virtual time with a {@link SimulatedLoop}).
 */
@FunctionalInterface
public interface Scheduler {
    /** Runs {@code task} at {@code deadlineNanos} (at once if it has passed), handing it the time it runs at. */
    Timer at(long deadlineNanos, LongConsumer task);
}
