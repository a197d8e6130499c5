package dev.tcpip.direct.tcp;

/** Reno's window (RFC 5681 §3.1) with NewReno's recovery (RFC 6582, driven by {@link Recovery}). */
final class NewReno extends CongestionControl {
    private int bytesAcked; // RFC 5681 §3.1 congestion avoidance by byte counting

    NewReno(int smss, int iw) {
        super(smss, iw);
    }

    @Override
    void onAck(long now, int acked, long srtt) {
        if (cwnd < ssthresh) {
            slowStart(acked);
            return;
        }
        // RFC 5681 §3.1: cwnd grows by one SMSS per cwnd of acknowledged bytes.
        bytesAcked += acked;
        if (bytesAcked >= cwnd) {
            bytesAcked -= cwnd;
            cwnd += smss;
        }
    }

    @Override
    void onLoss(long now, int flightSize) {
        ssthresh = Math.max(flightSize / 2, 2 * smss); // RFC 5681 §3.2 equation 4
        cwnd = ssthresh;
        bytesAcked = 0;
    }

    @Override
    void onTimeout(long now, int flightSize) {
        ssthresh = Math.max(flightSize / 2, 2 * smss); // RFC 5681 §3.1 equation 4
        cwnd = smss;                                   // loss window
        bytesAcked = 0;
    }

    @Override
    String name() {
        return "newreno";
    }
}
