package dev.tcpip.time;

/**
 * A {@link Simulation} run could not finish as asked. The message carries the seed and the virtual time, so
 * the run can be replayed with {@code -Dtcpip.seed=...}.
 */
public final class SimulationException extends RuntimeException {

    /** Why the run stopped. */
    public enum Reason {
        /** {@link SimulationConfig#maxStepsPerRun()} steps were taken and the condition was still false. */
        STEP_LIMIT,
        /** The virtual-time bound was reached and the condition was still false. */
        TIME_LIMIT,
        /** Nothing can happen any more (no task, no timer, no runnable thread) and the condition is false. */
        IDLE,
        /** A loop task or timer threw. */
        TASK_FAILED,
        /** An application thread threw. */
        APP_FAILED,
        /** An application thread ran longer than {@link SimulationConfig#appSliceTimeout()} without blocking. */
        APP_STUCK
    }

    private final Reason reason;
    private final long seed;
    private final long virtualNanos;

    SimulationException(Reason reason, long seed, long virtualNanos, String detail, Throwable cause) {
        super(reason + ": " + detail + " (seed=" + seed + " [0x" + Long.toHexString(seed) + "], virtual time="
                + virtualNanos + " ns; replay with -Dtcpip.seed=" + seed + ")", cause);
        this.reason = reason;
        this.seed = seed;
        this.virtualNanos = virtualNanos;
    }

    public Reason reason() {
        return reason;
    }

    public long seed() {
        return seed;
    }

    /** The virtual time when the run stopped. */
    public long virtualNanos() {
        return virtualNanos;
    }
}
