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
 * @param ceThreshold with {@code ecn}, also mark CE every ECN-capable frame that waited longer than this, whatever
 *                 the control law says; Not-ECT frames are not touched by it (no drop). Zero: off (the default).
 *                 This is Linux fq_codel's {@code ce_threshold}: a mark costs no retransmission, so a queue can
 *                 signal ECN-capable flows early, at a shallow delay, where a drop would cost each one a
 *                 retransmission (RFC 8087 §3, the benefits of ECN; RFC 7567 §4.2.1, signal early with ECN).
 */
public record CoDel(Duration target, Duration interval, boolean ecn, Duration ceThreshold) {

    /** RFC 8289's values: 5 ms target, 100 ms interval; ECN marking on; no CE threshold. */
    public static final CoDel RFC_8289 = new CoDel(Duration.ofMillis(5), Duration.ofMillis(100), true);

    public CoDel {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(ceThreshold, "ceThreshold");
        if (target.isNegative() || target.isZero() || interval.compareTo(target) <= 0) {
            throw new IllegalArgumentException("CoDel needs 0 < target < interval: " + target + ", " + interval);
        }
        if (ceThreshold.isNegative()) {
            throw new IllegalArgumentException("the CE threshold cannot be negative: " + ceThreshold);
        }
    }

    /** CoDel without a CE threshold. */
    public CoDel(Duration target, Duration interval, boolean ecn) {
        this(target, interval, ecn, Duration.ZERO);
    }

    /** The same with ECN marking on or off (off: every packet CoDel picks is dropped). */
    public CoDel withEcn(boolean on) {
        return new CoDel(target, interval, on, ceThreshold);
    }

    /** The same marking every ECN-capable frame that waited longer than {@code threshold} (zero: off). */
    public CoDel withCeThreshold(Duration threshold) {
        return new CoDel(target, interval, ecn, threshold);
    }
}
