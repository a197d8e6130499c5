package dev.tcpip.direct.tcp;

/**
 * Receive-buffer auto-tuning ({@link dev.tcpip.direct.TcpConfig#receiveBufferMax()}; ARCHITECTURE.md "Receive buffer
 * auto-tuning"): the receiver's round-trip estimate and what the application took per round trip. RFC 9293 §3.8.6
 * leaves the buffer's size to the implementation; this is dynamic right-sizing as Linux does it, in spirit. Made by
 * {@link Receiver} at a connection's first full-sized in-order segment when its buffer may grow (an idle connection,
 * a request/response of small messages, or a fixed buffer never has one). Loop only.
 */
final class ReceiveTuning {
    /** The receiver's estimate of the round trip, in ns; 0 until measured. */
    private long rtt;
    /** Without timestamps: the sequence number that ends the window being timed, and when timing began (0: not). */
    private int markSeq;
    private long markTime;
    /** When this measure of what the application takes began (0: not yet), and what it took since. */
    private long measureStart;
    private int taken;
    /** The most the application took in one round trip so far. */
    private int space;
    /** Times the buffer grew (for tests). */
    int growths;

    long rtt() {
        return rtt;
    }

    /**
     * With timestamps (RFC 7323 §3.2, §4.3): {@code sample} is now minus the TSval the peer echoed in a full-sized
     * in-order segment. The peer echoes the TSval of our latest segment it had when it sent this one, so that is how
     * long since we sent it: a round trip, with the time the peer's sender waited for our ACK or window. Smoothed with
     * gain 1/8 (as RFC 6298's SRTT); the TSval clock ticks every millisecond, so a sample below one tick counts as one.
     */
    void timestampSample(long sample) {
        long s = Math.max(sample, 1_000_000L);
        rtt = rtt == 0 ? s : rtt + (s - rtt) / 8;
    }

    /**
     * Without timestamps: RCV.NXT is now {@code rcvNxt} with {@code window} offered beyond it. The time RCV.NXT takes
     * to pass the right edge offered when timing began is one window's worth of data, at least a round trip: the
     * least such sample is kept.
     */
    void windowTiming(int rcvNxt, int window, long now) {
        if (markTime != 0 && Seq.lt(rcvNxt, markSeq)) {
            return;
        }
        if (markTime != 0) {
            long sample = Math.max(1, now - markTime);
            rtt = rtt == 0 ? sample : Math.min(rtt, sample);
        }
        markSeq = rcvNxt + window;
        markTime = Math.max(1, now);
    }

    /**
     * The application took {@code n} bytes at {@code now}. Once per receiver round trip, compares what it took in
     * that time with the most it took in one before; when more, returns the buffer size wanted: twice that, plus
     * twice the increase (a sender in slow start doubles its rate each round trip), at most {@code max}. Else 0.
     */
    int taken(int n, long now, int max) {
        if (measureStart == 0) {
            measureStart = Math.max(1, now);
        }
        taken = (int) Math.min(Integer.MAX_VALUE, (long) taken + n);
        if (rtt == 0 || now - measureStart < rtt) {
            return 0;
        }
        long copied = taken;
        taken = 0;
        measureStart = now;
        if (copied <= space) {
            return 0;
        }
        long target = 2 * copied + (space > 0 ? 2 * (copied - space) : 0);
        space = (int) copied;
        return (int) Math.min(max, target);
    }
}
