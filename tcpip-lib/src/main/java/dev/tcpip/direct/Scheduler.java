package dev.tcpip.direct;

import dev.tcpip.time.Timer;
import java.util.function.LongConsumer;

/** How protocol code asks for a deadline: the task gets {@code now} when it runs, so nobody reads a clock. */
@FunctionalInterface
interface Scheduler {
    Timer at(long deadlineNanos, LongConsumer task);
}
