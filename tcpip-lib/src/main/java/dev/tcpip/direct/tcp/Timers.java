package dev.tcpip.direct.tcp;

import dev.tcpip.ClosedException;
import dev.tcpip.Keepalive;
import dev.tcpip.time.Timer;
import java.util.function.LongConsumer;

/**
 * Holds the connection's deadlines and hands each expiry, with the event's time, to the part that owns it:
 * retransmission and persist ({@link RetransmitTimer}, RFC 6298 §5, RFC 9293 §3.8.6.1), the reordering timer
 * and the loss probe (RFC 8985 §6.2, §7), delayed ACKs ({@link Receiver}, RFC 9293 §3.8.6.3) and the paced sender's
 * next departure ({@link Pacer}); and keep-alive (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6), which it runs itself with a
 * {@link KeepaliveProbe}. TIME-WAIT (RFC 9293 §3.4.2) is not here: {@link DirectTcp}'s table of TIME-WAIT entries
 * ends them with one timer for all.
 *
 * <p>All six share one loop timer, scheduled for the earliest deadline when it was set (lazy: moving a deadline
 * later only stores it; the loop timer notices when it fires and schedules itself again; moving it earlier moves the
 * loop timer in place, {@link dev.tcpip.time.EventLoop#reschedule}), so a busy flow does
 * not schedule and cancel a loop timer per segment, and an idle connection holds six longs and at most one
 * loop timer rather than six timer objects. Loop-thread only.
 */
final class Timers implements LongConsumer {
    static final int RETRANSMIT = 0;
    static final int DELAYED_ACK = 1;
    static final int KEEPALIVE = 2;
    /** RFC 8985 §6.2 step 5: the reordering timer, when segments may be lost once their window passes. */
    static final int REORDER = 3;
    /** RFC 8985 §7: the probe timeout of a tail loss probe. */
    static final int PROBE = 4;
    /** The next paced segment's departure ({@link Pacer}). */
    static final int PACE = 5;
    private static final int KINDS = 6;
    private static final long NONE = Long.MIN_VALUE;

    private final Connection c;
    /**
     * The six deadlines, one field each rather than a {@code long[6]}: one object less per connection, on both sides
     * of each of a churn's short connections; {@link #deadline}/{@link #set} index them.
     */
    private long retransmit = NONE, delayedAck = NONE, keepalive = NONE, reorder = NONE, probe = NONE, pace = NONE;
    /** The loop timer, or null; it fires at {@code scheduledFor}, no later than the earliest deadline. */
    private Timer scheduled;
    private long scheduledFor;
    private KeepaliveProbe keepaliveProbe;
    /** The keep-alive settings applied: written on the loop, read by the application. */
    private volatile Keepalive keepaliveSettings;

    Timers(Connection c) {
        this.c = c;
    }

    /** Sets deadline {@code kind} to {@code at}, earlier or later than before. */
    void arm(int kind, long at) {
        set(kind, at);
        if (scheduled == null || scheduledFor > at) {
            schedule(at);
        }
    }

    /** Disarms {@code kind}; the loop timer stays (it finds nothing to do) until {@link #stopAll()}. */
    void disarm(int kind) {
        set(kind, NONE);
    }

    boolean armed(int kind) {
        return deadline(kind) != NONE;
    }

    /** The deadline of {@code kind}; meaningful only while {@link #armed}. */
    long deadline(int kind) {
        return switch (kind) {
            case RETRANSMIT -> retransmit;
            case DELAYED_ACK -> delayedAck;
            case KEEPALIVE -> keepalive;
            case REORDER -> reorder;
            case PROBE -> probe;
            case PACE -> pace;
            default -> throw new IllegalArgumentException("timer " + kind);
        };
    }

    private void set(int kind, long at) {
        switch (kind) {
            case RETRANSMIT -> retransmit = at;
            case DELAYED_ACK -> delayedAck = at;
            case KEEPALIVE -> keepalive = at;
            case REORDER -> reorder = at;
            case PROBE -> probe = at;
            case PACE -> pace = at;
            default -> throw new IllegalArgumentException("timer " + kind);
        }
    }

    /**
     * The loop timer to fire at {@code at}: the one scheduled is moved there in place (a short connection moves it
     * earlier twice, SYN to data to delayed ACK: two timers fewer made and cancelled), else a new one.
     */
    private void schedule(long at) {
        scheduledFor = at;
        scheduled = scheduled != null ? c.layer.loop().reschedule(scheduled, at) : c.layer.loop().at(at, this);
    }

    /**
     * The loop timer fired: every deadline due runs, earliest first (ties in the order of the kinds), each at most
     * once per call (a part that sets its deadline to the past again runs at the next turn); then the loop timer is
     * scheduled for the earliest deadline left.
     */
    @Override
    public void accept(long now) {
        scheduled = null;
        int done = 0;
        for (int pass = 0; pass < KINDS; pass++) {
            int next = -1;
            for (int k = 0; k < KINDS; k++) {
                long d = deadline(k);
                if ((done & 1 << k) == 0 && d != NONE && d <= now && (next < 0 || d < deadline(next))) {
                    next = k;
                }
            }
            if (next < 0) {
                break;
            }
            done |= 1 << next;
            set(next, NONE);
            expire(next, now);
        }
        long earliest = Long.MAX_VALUE;
        boolean any = false;
        for (int k = 0; k < KINDS; k++) {
            long d = deadline(k);
            if (d != NONE) {
                any = true;
                earliest = Math.min(earliest, d);
            }
        }
        if (any && (scheduled == null || scheduledFor > earliest)) {
            schedule(earliest);
        }
    }

    private void expire(int kind, long now) {
        switch (kind) {
            case RETRANSMIT -> c.retransmitTimer.onExpiry(now);
            case DELAYED_ACK -> c.receiver.onDelayedAckTimer(now);
            case KEEPALIVE -> onKeepaliveTimer(now);
            case REORDER -> c.recovery.onReorderTimer(now);
            case PROBE -> c.recovery.onProbeTimer(now);
            case PACE -> c.sender.output(now);
            default -> throw new IllegalArgumentException("timer " + kind);
        }
    }

    // --- keep-alive ---

    /** Keep-alive with these settings from now on, or none ({@code k} null). */
    void setKeepalive(Keepalive k, long now) {
        keepaliveSettings = k;
        if (k == null) {
            keepaliveProbe = null;
            disarm(KEEPALIVE);
            return;
        }
        if (c.released) {
            return;
        }
        keepaliveProbe = new KeepaliveProbe(k, now);
        arm(KEEPALIVE, keepaliveProbe.firstDeadline());
    }

    Keepalive keepaliveSettings() {
        return keepaliveSettings;
    }

    /** A segment arrived: RFC 1122 §4.2.3.6, any segment shows the peer alive. */
    void heard(long now) {
        if (keepaliveProbe != null) {
            arm(KEEPALIVE, keepaliveProbe.heard(now));
        }
    }

    private void onKeepaliveTimer(long now) {
        KeepaliveProbe k = keepaliveProbe;
        if (k == null || !c.tcb.state.synchronized_()) {
            if (k != null && !c.released) {
                arm(KEEPALIVE, now + 1_000_000_000L);
            }
            return;
        }
        switch (k.onTimer(now)) {
            case WAIT -> arm(KEEPALIVE, k.nextDeadline());
            case PROBE -> {
                c.segments.keepaliveProbe(now);
                arm(KEEPALIVE, k.nextDeadline());
            }
            case DEAD -> c.abort(new ClosedException("keep-alive: the peer stopped answering"), null, true, now);
        }
    }

    // --- endings ---

    /** Every deadline off and the loop timer cancelled: for a connection that ends. */
    void stopAll() {
        retransmit = delayedAck = keepalive = reorder = probe = pace = NONE;
        if (scheduled != null) {
            scheduled.cancel();
            scheduled = null;
        }
    }
}
