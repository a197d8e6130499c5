package dev.tcpip.direct.tcp;

import dev.tcpip.direct.TcpConfig;

/**
 * The congestion window (RFC 5681 §3): one interface, two algorithms. The loss-recovery procedure
 * ({@link Recovery}) decides when a loss happened; the algorithm decides how the window reacts.
 * Windows are in bytes; {@code smss} is the sender's segment size.
 */
sealed abstract class CongestionControl permits NewReno, Cubic {
    protected final int smss;
    protected int cwnd;
    protected int ssthresh = Integer.MAX_VALUE; // RFC 5681 §3.1: arbitrarily high at first

    CongestionControl(int smss, int initialWindowSegments) {
        this.smss = smss;
        this.cwnd = initialWindow(smss, initialWindowSegments);
    }

    /** RFC 6928 §2: IW = min(10*MSS, max(2*MSS, 14600)); the configured count replaces 10. */
    static int initialWindow(int smss, int initialWindowSegments) {
        return Math.min(initialWindowSegments * smss, Math.max(2 * smss, initialWindowSegments * 1460));
    }

    static CongestionControl of(TcpConfig.CongestionControlKind kind, int smss, int iw) {
        return switch (kind) {
            case NEW_RENO -> new NewReno(smss, iw);
            case CUBIC -> new Cubic(smss, iw);
        };
    }

    int cwnd() {
        return cwnd;
    }

    int ssthresh() {
        return ssthresh;
    }

    /** RFC 5681 §3.2 fast recovery and RFC 6582 §3.2: the window is raised while in recovery. */
    void inflate(int bytes) {
        cwnd += bytes;
    }

    /** Sets the window (recovery exit, RFC 6582 §3.2 step 3; partial-ACK deflation). */
    void set(int bytes) {
        cwnd = Math.max(bytes, smss);
    }

    /** {@code acked} new bytes were acknowledged outside loss recovery. */
    abstract void onAck(long now, int acked, long srtt);

    /** A loss detected by duplicate ACKs or SACK: set ssthresh and cwnd for recovery. */
    abstract void onLoss(long now, int flightSize);

    /** The retransmission timer expired (RFC 5681 §3.1, equation 4, and the loss window of one segment). */
    abstract void onTimeout(long now, int flightSize);

    /** Slow start (RFC 5681 §3.1), counting acknowledged bytes, at most one SMSS per ACK (RFC 3465 L=1). */
    protected final int slowStart(int acked) {
        int inc = Math.min(acked, smss);
        cwnd += inc;
        return acked - inc;
    }

    abstract String name();
}
