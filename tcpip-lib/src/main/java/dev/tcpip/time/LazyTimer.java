package dev.tcpip.time;

import java.util.function.LongConsumer;

/**
 * A restartable deadline on a {@link Scheduler}, for timers that move on every packet. Re-arming to a later
 * deadline only stores it; the scheduled timer notices when it fires and schedules itself again. So a busy
 * flow does not schedule and cancel a loop timer per segment. The expiry is handed the event's time.
 * Loop-thread only.
 */
public final class LazyTimer {
    private static final long NONE = Long.MIN_VALUE;

    private final Scheduler scheduler;
    private final LongConsumer onExpiry;
    private final LongConsumer fire = this::fire;
    private long deadline = NONE;
    private Timer scheduled;
    private long scheduledFor;

    public LazyTimer(Scheduler scheduler, LongConsumer onExpiry) {
        this.scheduler = scheduler;
        this.onExpiry = onExpiry;
    }

    /** Sets the deadline to {@code at}, earlier or later than the current one. */
    public void arm(long at) {
        deadline = at;
        if (scheduled == null || scheduledFor > at) {
            if (scheduled != null) {
                scheduled.cancel();
            }
            scheduledFor = at;
            scheduled = scheduler.at(at, fire);
        }
    }

    /** Disarms; the scheduled timer stays (it is cheap and finds nothing to do) unless {@link #stop()}. */
    public void disarm() {
        deadline = NONE;
    }

    /** Disarms and cancels the scheduled timer: for owners that end. */
    public void stop() {
        deadline = NONE;
        if (scheduled != null) {
            scheduled.cancel();
            scheduled = null;
        }
    }

    public boolean armed() {
        return deadline != NONE;
    }

    /** The deadline; meaningful only while {@link #armed()}. */
    public long deadline() {
        return deadline;
    }

    private void fire(long now) {
        scheduled = null;
        if (deadline == NONE) {
            return;
        }
        if (now < deadline) {
            scheduledFor = deadline;
            scheduled = scheduler.at(deadline, fire);
            return;
        }
        deadline = NONE;
        onExpiry.accept(now);
    }
}
