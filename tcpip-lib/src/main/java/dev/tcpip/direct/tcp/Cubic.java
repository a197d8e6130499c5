package dev.tcpip.direct.tcp;

/**
 * CUBIC (RFC 9438). Window arithmetic is in segments (doubles) as in the RFC, stored back in bytes.
 */
final class Cubic extends CongestionControl {
    private static final double C = 0.4;          // RFC 9438 §5
    private static final double BETA = 0.7;       // RFC 9438 §4.6
    private static final double ALPHA = 3 * (1 - BETA) / (1 + BETA); // RFC 9438 §4.3

    private double wMax;        // segments, before the last reduction
    private double k;           // seconds
    private long epochStart = -1;
    private double wEst;        // RFC 9438 §4.3 Reno-friendly estimate, segments

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
        wEst += ALPHA * ackedSeg / seg;                        // RFC 9438 §4.3 equation 4
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
        double seg = (double) cwnd / smss;
        wMax = seg < wMax ? seg * (1 + BETA) / 2 : seg;        // RFC 9438 §4.7 fast convergence
        ssthresh = Math.max((int) (cwnd * BETA), 2 * smss);    // RFC 9438 §4.6
        cwnd = ssthresh;
        epochStart = -1;
    }

    @Override
    void onTimeout(long now, int flightSize) {
        double seg = (double) cwnd / smss;
        wMax = seg < wMax ? seg * (1 + BETA) / 2 : seg;
        ssthresh = Math.max((int) (cwnd * BETA), 2 * smss);    // RFC 9438 §4.8
        cwnd = smss;
        epochStart = -1;
    }

    @Override
    String name() {
        return "cubic";
    }
}
