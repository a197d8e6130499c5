package dev.tcpip.direct.tcp;

/**
 * Pacing of new data (off by default; {@value #PROPERTY}{@code =true} turns it on): segments leave at a rate of
 * cwnd / SRTT times 2 in slow start and 1.2 in congestion avoidance (the ratios Linux paces at, its
 * {@code tcp_pacing_ss_ratio} and {@code tcp_pacing_ca_ratio}), in bursts of at most {@value #BURST_PROPERTY}
 * segments (default 2, Linux's smallest TSO burst), instead of a whole window at once whenever an ACK opens it.
 * RFC 9293 does not require pacing; RFC 9406 §4.2 and RFC 8985 §7 mention it as what spreads a flight. A token
 * bucket: it holds at most a burst, fills at the rate, and a segment leaves when the bucket holds it, else the
 * sender waits for the {@link Timers#PACE} deadline. Retransmissions and probes are not paced. Loop-thread only.
 */
final class Pacer {
    /** The system property that turns pacing on, read at class loading into {@link #on} (tests set it). */
    static final String PROPERTY = "tcpip.tcp.pacing";
    static boolean on = Boolean.getBoolean(PROPERTY);
    /** The system property for the largest burst, in segments (at least 1). */
    static final String BURST_PROPERTY = "tcpip.tcp.pacing.burst";
    static int burstSegments = Math.max(1, Integer.getInteger(BURST_PROPERTY, 2));
    /** Linux's pacing ratios, in percent of cwnd / SRTT. */
    private static final int SLOW_START_PERCENT = 200, AVOIDANCE_PERCENT = 120;

    /** Bytes the bucket holds, as of {@link #filledAt}; negative: a segment was let go on credit. */
    private double tokens = Double.MAX_VALUE;
    private long filledAt;

    /** Bytes per ns for this window and RTT (0: no RTT sample yet, no pacing). */
    static double rate(int cwnd, int ssthresh, long srtt) {
        if (srtt <= 0) {
            return 0;
        }
        int percent = cwnd < ssthresh ? SLOW_START_PERCENT : AVOIDANCE_PERCENT;
        return cwnd * (percent / 100.0) / srtt;
    }

    /**
     * Whether {@code len} bytes may leave at {@code now} at {@code rate} bytes per ns, for segments of {@code smss};
     * if so they are taken from the bucket. Otherwise {@link #waitUntil} says when.
     */
    boolean take(int len, int smss, double rate, long now) {
        if (rate <= 0) {
            return true;
        }
        double burst = (double) burstSegments * smss;
        tokens = Math.min(burst, tokens + (now - filledAt) * rate);
        filledAt = now;
        if (tokens < Math.min(len, burst)) {
            return false;
        }
        tokens -= len;
        return true;
    }

    /** When the bucket will hold {@code len} bytes (at most a burst) at {@code rate}; after a refused {@link #take}. */
    long waitUntil(int len, int smss, double rate) {
        double need = Math.min(len, (double) burstSegments * smss) - tokens;
        return filledAt + Math.max(1, (long) Math.ceil(need / rate));
    }
}
