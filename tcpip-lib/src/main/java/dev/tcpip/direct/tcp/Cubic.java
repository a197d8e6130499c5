package dev.tcpip.direct.tcp;

/**
 * CUBIC (RFC 9438). Window arithmetic is in segments (doubles) as in the RFC, stored back in bytes.
 */
final class Cubic extends CongestionControl {
    private static final double C = 0.4;          // RFC 9438 §5
    private static final double BETA = 0.7;       // RFC 9438 §4.6
    private static final double ALPHA = 3 * (1 - BETA) / (1 + BETA); // RFC 9438 §4.3
    /**
     * The system property that turns off RFC 9438 §4.3's switch of alpha to 1 (for comparison); read at class
     * loading into {@link #renoAlpha} (tests set it).
     */
    static final String RENO_ALPHA_PROPERTY = "tcpip.tcp.cubic.alpha1";
    static boolean renoAlpha = !"false".equals(System.getProperty(RENO_ALPHA_PROPERTY));

    private double wMax;        // segments, before the last reduction
    private double k;           // seconds
    private long epochStart = -1;
    private double wEst;        // RFC 9438 §4.3 Reno-friendly estimate, segments
    private double cwndPrior;   // RFC 9438 §4.6 cwnd_prior: segments, before the last reduction
    private double undoWMax, undoCwndPrior; // RFC 9438 §4.9: the state before a reduction, for an undo

    Cubic(int smss, int iw) {
        super(smss, iw);
    }

    @Override
    void onAck(long now, int acked, long srtt) {
        if (cwnd < ssthresh) {
            slowStart(acked); // RFC 9438 §4.10: slow start as in RFC 5681
            return;
        }
        double seg = (double) cwnd / smss;
        if (epochStart < 0) {                                  // RFC 9438 §4.2: a new congestion avoidance epoch
            epochStart = now;
            wEst = seg;
            if (wMax <= seg) {
                wMax = seg;
                k = 0;
            } else {
                k = Math.cbrt((wMax - seg) / C);               // RFC 9438 §4.2 equation 2
            }
        }
        double t = (now - epochStart) / 1e9;
        double rtt = Math.max(srtt, 1_000_000) / 1e9;
        double target = wCubic(t + rtt);                       // RFC 9438 §4.2: W_cubic(t + RTT)
        target = Math.clamp(target, seg, 1.5 * seg);           // RFC 9438 §4.2: cwnd <= target <= 1.5 cwnd
        double ackedSeg = (double) acked / smss;
        // RFC 9438 §4.3 equation 4; once W_est reaches cwnd_prior, alpha SHOULD be 1 (Reno's own increase).
        wEst += (renoAlpha && wEst >= cwndPrior ? 1 : ALPHA) * ackedSeg / seg;
        double next;
        if (wCubic(t) < wEst) {
            next = Math.max(seg, wEst);                        // Reno-friendly region (§4.3)
        } else {
            next = seg + (target - seg) / seg * ackedSeg;      // concave/convex regions (§4.4, §4.5)
        }
        cwnd = (int) Math.min(Integer.MAX_VALUE / 2, Math.max(smss, next * smss));
    }

    private double wCubic(double t) {
        double d = t - k;
        return C * d * d * d + wMax;                           // RFC 9438 §4.2 equation 1
    }

    @Override
    void onLoss(long now, int flightSize) {
        reduce();
        cwnd = ssthresh;
    }

    @Override
    void onTimeout(long now, int flightSize) {
        reduce();                                              // RFC 9438 §4.8: ssthresh as for a loss
        cwnd = smss;
    }

    /**
     * RFC 9438 §4.6 multiplicative decrease (ssthresh = cwnd * beta, at least 2 segments) and §4.7 fast
     * convergence; a new epoch. §4.6 computes from FlightSize, and lets implementations use cwnd if they keep cwnd
     * from growing while the flight does not fill it; this one uses cwnd, and keeps it from growing so
     * only with {@link CongestionControl#CWND_LIMITED_PROPERTY} on (off by default).
     */
    private void reduce() {
        double seg = (double) cwnd / smss;
        cwndPrior = seg;
        wMax = seg < wMax ? seg * (1 + BETA) / 2 : seg;        // RFC 9438 §4.7 fast convergence
        ssthresh = Math.max((int) (cwnd * BETA), 2 * smss);    // RFC 9438 §4.6
        epochStart = -1;
    }

    @Override
    void saveForUndo() {
        super.saveForUndo();
        undoWMax = wMax;
        undoCwndPrior = cwndPrior;
    }

    /** RFC 9438 §4.9: W_max and cwnd_prior as well go back to their values before the spurious reduction. */
    @Override
    void undo() {
        super.undo();
        wMax = undoWMax;
        cwndPrior = undoCwndPrior;
        epochStart = -1;
    }

    @Override
    String name() {
        return "cubic";
    }
}
