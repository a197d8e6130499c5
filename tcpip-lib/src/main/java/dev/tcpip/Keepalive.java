package dev.tcpip;

import java.time.Duration;
import java.util.Objects;

/**
 * TCP keep-alive settings ({@code Mirage_protocols.Keepalive.t}): after {@code after} of idleness a probe
 * is sent, then one every {@code interval}; after {@code probes} unanswered probes the connection ends.
 *
 * <p>The socket stack hands these to the kernel (TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT), which counts
 * in whole seconds: there, durations are rounded up to the next second.
 */
public record Keepalive(Duration after, Duration interval, int probes) {

    public Keepalive {
        Objects.requireNonNull(after, "after");
        Objects.requireNonNull(interval, "interval");
        if (after.isNegative() || after.isZero()) {
            throw new IllegalArgumentException("keepalive 'after' must be positive: " + after);
        }
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("keepalive 'interval' must be positive: " + interval);
        }
        if (probes < 1) {
            throw new IllegalArgumentException("keepalive 'probes' must be at least 1: " + probes);
        }
    }

    /** Whole seconds, rounded up, at least 1: the kernel's unit. */
    public static int ceilSeconds(Duration d) {
        long s = d.getSeconds() + (d.getNano() > 0 ? 1 : 0);
        return (int) Math.clamp(s, 1, Integer.MAX_VALUE);
    }
}
