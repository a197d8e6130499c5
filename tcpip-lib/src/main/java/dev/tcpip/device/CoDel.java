package dev.tcpip.device;

import java.time.Duration;
import java.util.Objects;

/**
 * CoDel, the Controlled Delay active queue management of RFC 8289, for a rate-limited link direction
 * ({@link LinkConfig#withCoDel}): it watches how long each frame waited in the transmit queue (its sojourn time),
 * and once that has stayed above {@code target} for {@code interval} it drops the frame at the head of the queue,
 * then the next ones at intervals that shrink as {@code interval / sqrt(count)} (the control law, RFC 8289 §3.3)
 * until the sojourn time falls below {@code target} again. With {@code ecn}, a frame whose IP header says
 * ECT(0) or ECT(1) is marked CE instead of being dropped (RFC 8289 §5 "drop or mark", RFC 3168 §5); Not-ECT frames
 * and non-IP frames are dropped.
 *
 * @param target   the acceptable standing queue delay. RFC 8289 §4.4: 5 ms.
 * @param interval the time the delay must stay above target before CoDel acts, on the order of a worst-case
 *                 round trip. RFC 8289 §4.5: 100 ms.
 * @param ecn      mark ECN-capable packets CE instead of dropping them. On.
 */
public record CoDel(Duration target, Duration interval, boolean ecn) {

    /** RFC 8289's values: 5 ms target, 100 ms interval; ECN marking on. */
    public static final CoDel RFC_8289 = new CoDel(Duration.ofMillis(5), Duration.ofMillis(100), true);

    public CoDel {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(interval, "interval");
        if (target.isNegative() || target.isZero() || interval.compareTo(target) <= 0) {
            throw new IllegalArgumentException("CoDel needs 0 < target < interval: " + target + ", " + interval);
        }
    }

    /** The same with ECN marking on or off (off: every packet CoDel picks is dropped). */
    public CoDel withEcn(boolean on) {
        return new CoDel(target, interval, on);
    }
}
