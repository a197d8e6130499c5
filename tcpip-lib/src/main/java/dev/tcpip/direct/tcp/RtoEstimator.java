package dev.tcpip.direct.tcp;

/**
 * The retransmission timeout of RFC 6298: the one place where SRTT, RTTVAR and RTO are computed.
 * Times are nanoseconds. Karn's rule (RFC 6298 §3) is the caller's: it feeds only samples from segments
 * that were not retransmitted (or timestamp echoes, RFC 7323 §4.3, which are unambiguous).
 */
final class RtoEstimator {
    private static final int K = 4;                 // RFC 6298 §2
    private static final long CLOCK_G = 1_000_000;  // clock granularity G: 1 ms

    private final long minRto;
    private final long maxRto;
    private long srtt;
    private long rttvar;
    private long rto;
    private int backoff;
    private boolean measured;
    private long minRtt = Long.MAX_VALUE;

    RtoEstimator(long initialRto, long minRto, long maxRto) {
        this.minRto = minRto;
        this.maxRto = maxRto;
        this.rto = initialRto; // RFC 6298 §2.1
    }

    /** One round-trip sample {@code r}, in nanoseconds. */
    void sample(long r) {
        r = Math.max(r, 1);
        minRtt = Math.min(minRtt, r);
        if (!measured) {                          // RFC 6298 §2.2
            srtt = r;
            rttvar = r / 2;
            measured = true;
        } else {                                  // RFC 6298 §2.3, alpha = 1/8, beta = 1/4
            rttvar = (3 * rttvar + Math.abs(srtt - r)) / 4;
            srtt = (7 * srtt + r) / 8;
        }
        rto = Math.clamp(srtt + Math.max(CLOCK_G, K * rttvar), minRto, maxRto); // RFC 6298 §2.4, §2.5
        backoff = 0; // a new sample after backoff restarts from the computed value (RFC 6298 §5.7)
    }

    /** RFC 6298 §5.5: the timer expired, double the RTO (up to the maximum). */
    void backOff() {
        backoff++;
    }

    /** The current timeout, backed off. */
    long rto() {
        long r = rto;
        for (int i = 0; i < backoff && r < maxRto; i++) {
            r <<= 1;
        }
        return Math.min(r, maxRto);
    }

    long srtt() {
        return srtt;
    }

    long rttvar() {
        return rttvar;
    }

    /** The smallest sample so far, {@code Long.MAX_VALUE} before the first. */
    long minRtt() {
        return minRtt;
    }

    boolean measured() {
        return measured;
    }

    int backoffs() {
        return backoff;
    }
}
