package dev.tcpip.direct.icmp;

/** A token bucket in the loop clock's time: {@code rate} tokens per second, at most {@code burst} saved. */
public final class TokenBucket {
    private static final long SECOND = 1_000_000_000L;
    private final long rate;
    private final long burst;
    private long tokensNanos;      // tokens × 10^9, so that refills need no division
    private final long fullAfter;  // nanoseconds that refill an empty bucket
    private long last = Long.MIN_VALUE;

    public TokenBucket(int rate, int burst) {
        this.rate = rate;
        this.burst = burst;
        this.tokensNanos = burst * SECOND;
        this.fullAfter = rate == 0 ? 0 : burst * SECOND / rate + 1;
    }

    boolean take(long now) {
        if (last != Long.MIN_VALUE && now > last) {
            long elapsed = Math.min(now - last, fullAfter);      // capped: no overflow
            tokensNanos = Math.min(burst * SECOND, tokensNanos + elapsed * rate);
        }
        last = now;
        if (tokensNanos < SECOND) {
            return false;
        }
        tokensNanos -= SECOND;
        return true;
    }
}
