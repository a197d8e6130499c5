package dev.tcpip.time;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Settings of a {@link Simulation}; every knob with its default and the reason for it.
 *
 * @param seed the one seed every random stream of the run derives from ({@link Seeds}). Default 1; tests
 *     should use {@link #seedFromProperty()} so a failure's printed seed can be replayed.
 * @param maxStepsPerRun tasks, timers and application turns one {@code run*} call may take before it throws
 *     {@link SimulationException.Reason#STEP_LIMIT}. Default 20,000,000: minutes of TCP at full rate, and a
 *     livelock (tasks posting tasks forever) is reported in seconds, not hours.
 * @param awaitLimit virtual time a {@link LoopFuture#await()} on the driving thread may run the simulation
 *     before it throws {@link SimulationException.Reason#TIME_LIMIT}. Default 24 h: longer than any TCP
 *     timeout, so only a hang reaches it.
 * @param appSliceTimeout real time an application thread may run without blocking through the stack before
 *     the run throws {@link SimulationException.Reason#APP_STUCK}. Default 30 s: a thread blocked on a plain
 *     lock or I/O (which the simulation cannot see) is reported instead of hanging the test.
 * @param closeTimeout real time {@link Simulation#close()} waits for application threads to end. Default 10 s.
 * @param maxPendingTasks posted tasks not yet run, beyond which posting throws
 *     {@link java.util.concurrent.RejectedExecutionException}. Default 1,048,576, as {@link LoopConfig}.
 * @param epoch the wall-clock instant virtual time 0 stands for, in captures. Default 2025-01-01T00:00Z, fixed
 *     so captures of a seeded run are byte-identical.
 */
public record SimulationConfig(long seed, long maxStepsPerRun, Duration awaitLimit, Duration appSliceTimeout,
                               Duration closeTimeout, int maxPendingTasks, Instant epoch) {

    /** The defaults described above. */
    public static final SimulationConfig DEFAULTS = new SimulationConfig(1, 20_000_000, Duration.ofHours(24),
            Duration.ofSeconds(30), Duration.ofSeconds(10), 1 << 20, Instant.parse("2025-01-01T00:00:00Z"));

    public SimulationConfig {
        if (maxStepsPerRun < 1) {
            throw new IllegalArgumentException("maxStepsPerRun must be positive: " + maxStepsPerRun);
        }
        positive(awaitLimit, "awaitLimit");
        positive(appSliceTimeout, "appSliceTimeout");
        positive(closeTimeout, "closeTimeout");
        if (maxPendingTasks < 1) {
            throw new IllegalArgumentException("maxPendingTasks must be positive: " + maxPendingTasks);
        }
        Objects.requireNonNull(epoch, "epoch");
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
    }

    /** The defaults with another seed. */
    public static SimulationConfig withSeed(long seed) {
        return DEFAULTS.seed(seed);
    }

    public SimulationConfig seed(long newSeed) {
        return new SimulationConfig(newSeed, maxStepsPerRun, awaitLimit, appSliceTimeout, closeTimeout,
                maxPendingTasks, epoch);
    }

    public SimulationConfig maxStepsPerRun(long steps) {
        return new SimulationConfig(seed, steps, awaitLimit, appSliceTimeout, closeTimeout, maxPendingTasks, epoch);
    }

    public SimulationConfig appSliceTimeout(Duration d) {
        return new SimulationConfig(seed, maxStepsPerRun, awaitLimit, d, closeTimeout, maxPendingTasks, epoch);
    }

    /** {@link Seeds#fromProperty()}: the seed of {@code -Dtcpip.seed}, else a fresh one. */
    public static long seedFromProperty() {
        return Seeds.fromProperty();
    }
}
