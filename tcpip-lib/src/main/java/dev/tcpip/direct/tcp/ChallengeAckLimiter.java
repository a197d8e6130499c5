package dev.tcpip.direct.tcp;

/** RFC 5961 §7: at most a configured number of challenge ACKs per second, for the whole stack. */
final class ChallengeAckLimiter {
    private final int perSecond;
    private long windowStart = Long.MIN_VALUE;
    private int sent;

    ChallengeAckLimiter(int perSecond) {
        this.perSecond = perSecond;
    }

    boolean allow(long now) {
        if (windowStart == Long.MIN_VALUE || now - windowStart >= 1_000_000_000L) {
            windowStart = now;
            sent = 0;
        }
        if (sent >= perSecond) {
            return false;
        }
        sent++;
        return true;
    }
}
