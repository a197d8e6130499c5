package dev.tcpip.direct.tcp;

/**
 * The rate at which the peer acknowledges data, for statistics ({@code ss}'s {@code delivery_rate}): bytes newly
 * acknowledged over an interval of at least one smoothed round trip, measured from ACK to ACK. Simpler than
 * Linux's per-ACK sampling (it times each segment from its send to its acknowledgment): this is the average over
 * the last whole interval, and an interval in which some ACK found the sender with nothing more to send is
 * marked application-limited (its rate says what the application offered, not what the path carries).
 */
final class DeliveryRate {
    /** The shortest interval, when no round trip is known yet or it is shorter: 1 ms. */
    private static final long MIN_INTERVAL = 1_000_000L;

    private long start = Long.MIN_VALUE;
    private long bytes;
    private boolean limited;
    private long rate = -1;
    private boolean rateAppLimited;

    /** {@code acked} bytes were newly acknowledged at {@code now}; {@code appLimited}: nothing was left to send. */
    void onAck(long now, int acked, long srtt, boolean appLimited) {
        if (start == Long.MIN_VALUE) {
            start = now;                      // the first ACK opens the first interval; its bytes went before it
            return;
        }
        bytes += acked;
        limited |= appLimited;
        long elapsed = now - start;
        if (elapsed >= Math.max(srtt, MIN_INTERVAL)) {
            rate = (long) (bytes * 1e9 / elapsed);
            rateAppLimited = limited;
            start = now;
            bytes = 0;
            limited = false;
        }
    }

    /** Bytes per second over the last whole interval, or -1 before one has passed. */
    long rate() {
        return rate;
    }

    boolean appLimited() {
        return rateAppLimited;
    }
}
