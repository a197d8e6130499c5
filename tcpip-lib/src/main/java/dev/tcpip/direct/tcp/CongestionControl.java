package dev.tcpip.direct.tcp;

import dev.tcpip.direct.TcpConfig;

/**
 * The congestion window (RFC 5681 §3): one interface, two algorithms. The loss-recovery procedure
 * ({@link Recovery}) decides when a loss happened; the algorithm decides how the window reacts.
 * Windows are in bytes; {@code smss} is the sender's segment size.
 *
 * <p>The first slow start is HyStart++ (RFC 9406) for both algorithms: it watches the smallest RTT of each round
 * and, when it has grown by a threshold (RFC 9406 §4.2: between 4 and 16 ms, an eighth of the last round's),
 * leaves slow start for Conservative Slow Start (CSS: a quarter of the growth) before the bottleneck's queue
 * overflows; after {@value #CSS_ROUNDS} rounds of CSS it enters congestion avoidance, and if the RTT falls back
 * below the baseline it resumes slow start (the rise was jitter). Loss or ECN ends either as always. RTT samples
 * come per ACK with timestamps; without them (one sample per round trip) there are too few and slow start stays
 * standard. {@value #HYSTART_PROPERTY}{@code =false} turns it off, for comparison.
 */
sealed abstract class CongestionControl permits NewReno, Cubic {
    /** The system property that turns HyStart++ off, read once. */
    static final String HYSTART_PROPERTY = "tcpip.tcp.hystart";
    private static final boolean HYSTART = !"false".equals(System.getProperty(HYSTART_PROPERTY));
    // RFC 9406 §4.3's constants.
    private static final long MIN_RTT_THRESH = 4_000_000, MAX_RTT_THRESH = 16_000_000;
    private static final int MIN_RTT_DIVISOR = 8, N_RTT_SAMPLE = 8, CSS_GROWTH_DIVISOR = 4;
    static final int CSS_ROUNDS = 5;
    private static final long NONE = Long.MAX_VALUE;  // RFC 9406's "infinity"

    protected final int smss;
    protected int cwnd;
    protected int ssthresh = Integer.MAX_VALUE; // RFC 5681 §3.1: arbitrarily high at first
    /** The window and threshold before the last reduction that may be undone ({@link #saveForUndo}). */
    private int undoCwnd, undoSsthresh;
    /** Slow start counts every acknowledged byte: the connection sends super-segments ({@link #countStretchAcks}). */
    private boolean stretchAcks;

    // HyStart++ (RFC 9406 §4.2) state: rounds end when SND.UNA passes windowEnd.
    private boolean hystart = HYSTART;           // only while the first slow start lasts (RFC 9406 §4.2)
    private boolean roundStarted;
    private int windowEnd;
    private long lastRoundMinRtt = NONE, currentRoundMinRtt = NONE, cssBaselineMinRtt = NONE;
    private int rttSampleCount, cssRounds, cssCarry;

    /**
     * The system property that turns the cwnd-limited check on ({@code true}; off by default): cwnd grows outside
     * recovery only while the flight fills it ({@link #cwndLimited}). Read at class loading; tests set it.
     */
    static final String CWND_LIMITED_PROPERTY = "tcpip.tcp.cwndLimited";
    static boolean cwndLimitedCheck = Boolean.getBoolean(CWND_LIMITED_PROPERTY);
    /** The largest flight (SND.MAX - SND.UNA after a send) in this round and the one before; rounds end at flightRoundEnd. */
    private int flightMax, lastFlightMax, flightRoundEnd;
    private boolean flightRoundStarted;

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

    /**
     * A reduction for loss follows that may prove spurious: remember the state before it (RFC 9438 §4.9: cwnd,
     * ssthresh and, for CUBIC, W_max and K).
     */
    void saveForUndo() {
        undoCwnd = cwnd;
        undoSsthresh = ssthresh;
    }

    /**
     * The reduction saved for proved spurious (RFC 3708 §3: every retransmission of the episode was D-SACKed):
     * the window and threshold go back to what they were before it (RFC 9438 §4.9; RFC 4015 §3's response to a
     * spurious episode restores the window likewise), never below what they are now.
     */
    void undo() {
        cwnd = Math.max(cwnd, undoCwnd);
        ssthresh = Math.max(ssthresh, undoSsthresh);
    }

    /** {@code acked} new bytes were acknowledged outside loss recovery. */
    abstract void onAck(long now, int acked, long srtt);

    /** A loss detected by duplicate ACKs or SACK: set ssthresh and cwnd for recovery. */
    abstract void onLoss(long now, int flightSize);

    /** The retransmission timer expired (RFC 5681 §3.1, equation 4, and the loss window of one segment). */
    abstract void onTimeout(long now, int flightSize);

    /**
     * Slow start (RFC 5681 §3.1), counting acknowledged bytes, at most one SMSS per ACK (RFC 3465 L=1), or, once
     * the connection sends super-segments ({@link #countStretchAcks}), every byte up to ssthresh; in HyStart++'s CSS
     * a quarter of that (RFC 9406 §4.2).
     */
    protected final int slowStart(int acked) {
        int inc = Math.min(acked, stretchAcks ? ssthresh - cwnd : smss);
        if (inConservativeSlowStart()) {
            cssCarry += inc;
            cwnd += cssCarry / CSS_GROWTH_DIVISOR;
            cssCarry %= CSS_GROWTH_DIVISOR;
        } else {
            cwnd += inc;
        }
        return acked - inc;
    }

    /**
     * The connection sends TCP super-segments (TSO): from now on slow start counts every byte an ACK acknowledges, as
     * Linux does, not RFC 3465 §2.3's at most L SMSS (RFC 9406 §4.2 asks L = 8 without pacing). A receiver with receive
     * offloads acknowledges a super-segment of up to 44 segments with one stretch ACK; with L the window would grow by
     * L segments per such ACK instead of doubling per round trip (a 16 MiB transfer over a 1 ms link took 1.8x as
     * long). L guards against the burst a stretch ACK releases, and a sender with TSO sends its window in such
     * bursts anyway. Without TSO L stays 1: with delayed ACKs every byte would make slow start double per round trip
     * instead of 1.5x, and at 2 % random loss on a LAN with a 512-frame queue that overshoot cost a third more time.
     */
    void countStretchAcks() {
        stretchAcks = true;
    }

    /** A segment was sent: {@code flight} bytes are outstanding. */
    final void onFlight(int flight) {
        flightMax = Math.max(flightMax, flight);
    }

    /** A new ACK of {@code ack}, SND.NXT being {@code sndNxt}: the flight's rounds (as HyStart++'s, RFC 9406 §4.2). */
    final void onAckForFlight(int ack, int sndNxt) {
        if (flightRoundStarted && Seq.lt(ack, flightRoundEnd)) {
            return;
        }
        flightRoundStarted = true;
        flightRoundEnd = sndNxt;
        lastFlightMax = flightMax;
        flightMax = 0;
    }

    /**
     * Whether the window is in use, so that an ACK may grow it (always, unless {@link #cwndLimitedCheck}). RFC 9438 §4.6
     * lets CUBIC reduce from cwnd instead of FlightSize only if cwnd stops growing while the flight does not fill it;
     * RFC 7661 §4.3 keeps a window that is not validated from growing. Test, as Linux's: the largest flight of this
     * round or the last one reached cwnd less a segment in congestion avoidance, half of cwnd in slow start (where
     * the window doubles per round, so a flight of half of it fills the next).
     */
    final boolean cwndLimited() {
        if (!cwndLimitedCheck) {
            return true;
        }
        long flight = Math.max(flightMax, lastFlightMax);
        return cwnd < ssthresh ? 2 * flight >= cwnd : flight + smss > cwnd;
    }

    /** Whether HyStart++ has left standard slow start for CSS. */
    final boolean inConservativeSlowStart() {
        return hystart && cssBaselineMinRtt != NONE;
    }

    /**
     * A new ACK of {@code ack} outside loss recovery, SND.NXT being {@code sndNxt}: HyStart++'s rounds (RFC 9406
     * §4.2: a round ends when the data sent at its start is acknowledged). Called before the ACK's RTT sample.
     */
    final void onAckForRound(int ack, int sndNxt) {
        if (!hystart) {
            return;
        }
        if (cwnd >= ssthresh) {
            hystart = false;                                   // slow start ended (loss, ECN, or CSS's end)
            return;
        }
        if (roundStarted && Seq.lt(ack, windowEnd)) {
            return;
        }
        roundStarted = true;
        windowEnd = sndNxt;
        lastRoundMinRtt = currentRoundMinRtt;
        currentRoundMinRtt = NONE;
        rttSampleCount = 0;
        if (cssBaselineMinRtt != NONE && ++cssRounds >= CSS_ROUNDS) {
            ssthresh = cwnd;                                   // CSS is over: congestion avoidance
            hystart = false;
        }
    }

    /** An RTT sample of {@code rtt} ns from a new ACK: HyStart++'s delay-increase test (RFC 9406 §4.2). */
    final void onRttSample(long rtt) {
        if (!hystart || !roundStarted || cwnd >= ssthresh) {
            return;
        }
        currentRoundMinRtt = Math.min(currentRoundMinRtt, rtt);
        rttSampleCount++;
        if (rttSampleCount < N_RTT_SAMPLE || currentRoundMinRtt == NONE || lastRoundMinRtt == NONE) {
            return;
        }
        if (cssBaselineMinRtt == NONE) {
            long threshold = Math.clamp(lastRoundMinRtt / MIN_RTT_DIVISOR, MIN_RTT_THRESH, MAX_RTT_THRESH);
            if (currentRoundMinRtt >= lastRoundMinRtt + threshold) {
                cssBaselineMinRtt = currentRoundMinRtt;        // the delay rose: Conservative Slow Start
                cssRounds = 0;
            }
        } else if (currentRoundMinRtt < cssBaselineMinRtt) {
            cssBaselineMinRtt = NONE;                          // it fell back: a false alarm, slow start resumes
        }
    }

    abstract String name();
}
