package dev.tcpip.time;

/**
 * A monotonic clock in nanoseconds, the only source of time for a stack. Protocol code never reads it
 * itself: the stack's loop reads it once per event and hands {@code now} to the protocol core.
 *
 * <p>Two kinds exist: {@link #system()}, shared by every {@link RealTimeLoop}, and the virtual clock of a
 * {@link Simulation}, which moves only when the simulation has nothing runnable. Both start near zero, so
 * deadlines compare with plain {@code <}: no wrap-around arithmetic is needed (2^63 ns is 292 years).
 */
public interface Clock {

    /** Monotonic time in nanoseconds; never decreases. Comparable only with the same clock's values. */
    long nanos();

    /**
     * Wall-clock time in nanoseconds since 1970-01-01T00:00Z that corresponds to {@link #nanos()}: for
     * timestamps in captures and logs, never for deadlines. Virtual clocks return a fixed epoch plus
     * virtual time, so captures of a seeded run are byte-identical.
     */
    long epochNanos();

    /** The real monotonic clock: {@link System#nanoTime()} measured from this class's first use. */
    static Clock system() {
        return SystemClock.INSTANCE;
    }
}

/** {@link Clock#system()}: one origin for the whole JVM, so real-time loops and devices agree. */
final class SystemClock implements Clock {
    static final SystemClock INSTANCE = new SystemClock();

    private final long origin = System.nanoTime();
    private final long epochAtOrigin;

    private SystemClock() {
        java.time.Instant now = java.time.Instant.now();
        epochAtOrigin = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    @Override
    public long nanos() {
        return System.nanoTime() - origin;
    }

    @Override
    public long epochNanos() {
        return epochAtOrigin + nanos();
    }

    @Override
    public String toString() {
        return "Clock.system()";
    }
}
