package dev.tcpip.direct.tcp;

import dev.tcpip.ClosedException;
import dev.tcpip.Keepalive;
import dev.tcpip.time.LazyTimer;

/**
 * Holds the connection's deadlines, each a {@link LazyTimer} that hands its expiry and the event's time to
 * the part that owns it: retransmission and persist ({@link RetransmitTimer}, RFC 6298 §5, RFC 9293 §3.8.6.1),
 * the reordering timer and the loss probe (RFC 8985 §6.2, §7), delayed ACKs ({@link Receiver}, RFC 9293
 * §3.8.6.3) and TIME-WAIT (RFC 9293 §3.4.2); and keep-alive (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6), which it
 * runs itself with a {@link KeepaliveProbe}.
 */
final class Timers {
    private final Connection c;
    final LazyTimer retransmit;
    final LazyTimer delayedAck;
    final LazyTimer keepalive;
    final LazyTimer timeWait;
    /** RFC 8985 §6.2 step 5: the reordering timer, when segments may be lost once their window passes. */
    final LazyTimer reorder;
    /** RFC 8985 §7: the probe timeout of a tail loss probe. */
    final LazyTimer probe;
    private KeepaliveProbe keepaliveProbe;
    /** The keep-alive settings applied: written on the loop, read by the application. */
    private volatile Keepalive keepaliveSettings;

    Timers(Connection c) {
        this.c = c;
        this.retransmit = new LazyTimer(c.layer.loop(), now -> c.retransmitTimer.onExpiry(now));
        this.delayedAck = new LazyTimer(c.layer.loop(), now -> c.receiver.onDelayedAckTimer(now));
        this.keepalive = new LazyTimer(c.layer.loop(), this::onKeepaliveTimer);
        this.timeWait = new LazyTimer(c.layer.loop(), now -> c.release(null));
        this.reorder = new LazyTimer(c.layer.loop(), now -> c.recovery.onReorderTimer(now));
        this.probe = new LazyTimer(c.layer.loop(), now -> c.recovery.onProbeTimer(now));
    }

    // --- keep-alive ---

    /** Keep-alive with these settings from now on, or none ({@code k} null). */
    void setKeepalive(Keepalive k, long now) {
        keepaliveSettings = k;
        if (k == null) {
            keepaliveProbe = null;
            keepalive.disarm();
            return;
        }
        if (c.released) {
            return;
        }
        keepaliveProbe = new KeepaliveProbe(k, now);
        keepalive.arm(keepaliveProbe.firstDeadline());
    }

    Keepalive keepaliveSettings() {
        return keepaliveSettings;
    }

    /** A segment arrived: RFC 1122 §4.2.3.6, any segment shows the peer alive. */
    void heard(long now) {
        if (keepaliveProbe != null) {
            keepalive.arm(keepaliveProbe.heard(now));
        }
    }

    private void onKeepaliveTimer(long now) {
        KeepaliveProbe k = keepaliveProbe;
        if (k == null || !c.tcb.state.synchronized_()) {
            if (k != null && !c.released) {
                keepalive.arm(now + 1_000_000_000L);
            }
            return;
        }
        switch (k.onTimer(now)) {
            case WAIT -> keepalive.arm(k.nextDeadline());
            case PROBE -> {
                c.segments.keepaliveProbe(now);
                keepalive.arm(k.nextDeadline());
            }
            case DEAD -> c.abort(new ClosedException("keep-alive: the peer stopped answering"), null, true, now);
        }
    }

    // --- endings ---

    /** TIME-WAIT: every timer stops but its own, which runs for 2 x MSL. */
    void enterTimeWait(long now) {
        stopAllBut(timeWait);
        timeWait.arm(now + 2 * c.config.msl().toNanos());
    }

    void stopAll() {
        stopAllBut(null);
    }

    private void stopAllBut(LazyTimer kept) {
        for (LazyTimer timer : new LazyTimer[] {retransmit, delayedAck, keepalive, timeWait, reorder, probe}) {
            if (timer != kept) {
                timer.stop();
            }
        }
    }
}
