package dev.tcpip.direct.tcp;

import dev.tcpip.Keepalive;

/**
 * Keep-alive (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6) with the seed's settings: after {@code after} without
 * hearing from the peer a probe goes out, then one every {@code interval}; when {@code probes} probes are
 * unanswered the peer is considered dead. This class only decides; the connection sends.
 */
final class KeepaliveProbe {
    enum Action { WAIT, PROBE, DEAD }

    private final long after;
    private final long interval;
    private final int probes;
    private long lastHeard;
    private int sent;

    KeepaliveProbe(Keepalive k, long now) {
        this.after = k.after().toNanos();
        this.interval = k.interval().toNanos();
        this.probes = k.probes();
        this.lastHeard = now;
    }

    /** Any segment from the peer: it is alive. Returns the next deadline. */
    long heard(long now) {
        lastHeard = now;
        sent = 0;
        return now + after;
    }

    long firstDeadline() {
        return lastHeard + after;
    }

    /** The timer fired at {@code now}: what to do. */
    Action onTimer(long now) {
        if (now < nextDeadline()) {
            return Action.WAIT;
        }
        if (sent >= probes) {
            return Action.DEAD;
        }
        sent++;
        return Action.PROBE;
    }

    /** When the timer should fire next. */
    long nextDeadline() {
        return lastHeard + after + (long) sent * interval;
    }

    int probesSent() {
        return sent;
    }
}
