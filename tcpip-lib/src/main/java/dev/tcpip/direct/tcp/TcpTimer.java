package dev.tcpip.direct.tcp;

import dev.tcpip.time.EventLoop;
import dev.tcpip.time.Timer;

/**
 * A restartable deadline on the loop. Re-arming to a later deadline (every ACK moves the retransmission
 * timer) only stores the new deadline; the loop timer already scheduled notices it when it fires and
 * schedules itself again. So a busy flow does not schedule and cancel a loop timer per segment.
 */
final class TcpTimer {
    private static final long NONE = Long.MIN_VALUE;

    private final EventLoop loop;
    private final Runnable onExpiry;
    private final Runnable fire = this::fire;
    private long deadline = NONE;
    private Timer scheduled;
    private long scheduledFor;

    TcpTimer(EventLoop loop, Runnable onExpiry) {
        this.loop = loop;
        this.onExpiry = onExpiry;
    }

    void arm(long at) {
        deadline = at;
        if (scheduled == null || scheduledFor > at) {
            if (scheduled != null) {
                scheduled.cancel();
            }
            scheduledFor = at;
            scheduled = loop.schedule(at, fire);
        }
    }

    /** Disarms; the loop timer stays (it is cheap and finds nothing to do) unless {@link #stop()}. */
    void disarm() {
        deadline = NONE;
    }

    /** Disarms and removes the loop timer: for connections that end. */
    void stop() {
        deadline = NONE;
        if (scheduled != null) {
            scheduled.cancel();
            scheduled = null;
        }
    }

    boolean armed() {
        return deadline != NONE;
    }

    long deadline() {
        return deadline;
    }

    private void fire() {
        scheduled = null;
        if (deadline == NONE) {
            return;
        }
        long now = loop.now();
        if (now < deadline) {
            scheduledFor = deadline;
            scheduled = loop.schedule(deadline, fire);
            return;
        }
        deadline = NONE;
        onExpiry.run();
    }
}
