package dev.tcpip.direct.tcp;

import dev.tcpip.ClosedException;
import dev.tcpip.TimedOutException;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.wire.AddressText;
import dev.tcpip.wire.TcpView;

/**
 * Runs the retransmission timer (RFC 6298 §5): starts and restarts it, and on expiry backs it off, counts
 * the retries (RFC 9293 §3.8.3) and hands the expiry on: the SYN goes again, a shut window is probed
 * ({@link Sender}, RFC 9293 §3.8.6.1), else it is a timeout for {@link Recovery}. It measures the round trips
 * (Karn's rule, RFC 6298 §3; timestamps, RFC 7323 §4.1) from which {@link RtoEstimator} computes the RTO.
 */
final class RetransmitTimer {
    private final Connection c;
    private final RtoEstimator rto;
    /** Retransmissions without progress (RFC 9293 §3.8.3 R2; SYNs: {@link TcpConfig#synRetries}). */
    private int retries;
    /** SYN (SYN-ACK) retransmissions allowed: {@link TcpConfig#synRetries}, fewer under SYN pressure. */
    private int synRetries;
    /** Whether we sent the SYN and timed it; not for a connection made from a SYN cookie. */
    private boolean synTimed;
    /** Karn's rule (RFC 6298 §3): one segment timed without timestamps. */
    private boolean rttTiming;
    private int rttSeq;
    private long rttStart;
    long timeouts; // statistics
    /**
     * The system property that lowers the RTO's floor below {@link TcpConfig#minRto} (milliseconds, for the
     * comparison of issue 14; unset by default, when the configuration's 200 ms, Linux's floor, stands). RFC 6298
     * §2.4 asks 1 s; the floor must stay above the peer's delayed ACK (RFC 9293 §3.8.6.3: under 500 ms; Linux's
     * is 40 ms at least). Read at class loading into {@link #minRtoOverride} (ns, 0: none); tests set it.
     */
    static final String MIN_RTO_PROPERTY = "tcpip.tcp.minRtoMs";
    static long minRtoOverride = Math.max(0, Long.getLong(MIN_RTO_PROPERTY, 0)) * 1_000_000L;

    RetransmitTimer(Connection c) {
        this.c = c;
        TcpConfig cfg = c.config;
        long minRto = minRtoOverride > 0 ? Math.min(minRtoOverride, cfg.minRto().toNanos()) : cfg.minRto().toNanos();
        this.rto = new RtoEstimator(cfg.initialRto().toNanos(), minRto, cfg.maxRto().toNanos());
        this.synRetries = cfg.synRetries();
    }

    /**
     * A half-open entry made while its listener's backlog is more than half full: it retransmits its SYN-ACK
     * at most {@code limit} times, so that entries of spoofed SYNs leave the backlog in seconds, not minutes.
     * A real client whose SYN-ACK was lost retransmits its SYN, which draws the SYN-ACK again.
     */
    void limitSynRetries(int limit) {
        synRetries = Math.min(synRetries, limit);
    }

    RtoEstimator rto() {
        return rto;
    }

    /** (Re)starts the timer: it expires one RTO from now. */
    void arm(long now) {
        c.timers.arm(Timers.RETRANSMIT, now + rto.rto());
    }

    /** RFC 6298 §5.1: sending starts the timer if it is not running. */
    void armIfIdle(long now) {
        if (!c.timers.armed(Timers.RETRANSMIT)) {
            arm(now);
        }
    }

    // --- round trips ---

    void onSynSent(long now) {
        synTimed = true;
        if (retries == 0) {
            rttStart = now; // the handshake's round trip is the first RTT sample (RFC 6298 §2.2), Karn permitting
        }
    }

    /** A segment with {@code len} data bytes from {@code seq} went out. */
    void onSent(int seq, int len, boolean retransmit, long now) {
        if (!c.tcb.tsOk && !rttTiming && !retransmit && len > 0) {
            rttTiming = true; // RFC 6298 §3 (Karn): time one new segment at a time
            rttSeq = seq + len;
            rttStart = now;
        }
    }

    /** Our SYN was acknowledged: the handshake's RTT sample, and the timer stops. */
    void onSynAcked(TcpView seg, long now) {
        // A SYN cookie's ACK gives no sample: the SYN-ACK's send time is unknown and its TSval was rounded down.
        if (synTimed && c.segments.echoes(seg)) {
            rto.sample(c.segments.echoRtt(seg, now));             // RFC 7323 §4.1
        } else if (synTimed && retries == 0) {
            rto.sample(now - rttStart);                           // RFC 6298 §3 Karn
        }
        retries = 0;
        c.timers.disarm(Timers.RETRANSMIT);
    }

    /**
     * SND.UNA advanced to {@code ack}: an RTT sample (RFC 7323 §4.1 with timestamps; else RFC 6298 §3 timing
     * one segment, Karn's rule), and the retries start over.
     */
    void onNewAck(TcpView seg, int ack, long now) {
        long r = -1;
        if (c.segments.echoes(seg)) {
            r = c.segments.echoRtt(seg, now);
        } else if (rttTiming && Seq.ge(ack, rttSeq)) {
            rttTiming = false;
            r = now - rttStart;
        }
        if (r >= 0) {
            rto.sample(r);
            CongestionControl cc = c.sender.cc();
            if (cc != null) {
                cc.onRttSample(r);                 // RFC 9406 §4.2: HyStart++ watches each round's smallest
            }
        }
        retries = 0;
    }

    /** RFC 6298 §5.2, §5.3: all acknowledged stops the timer, new data acknowledged restarts it. */
    void onProgress(long now) {
        c.timers.disarm(Timers.RETRANSMIT);
        if (c.sender.una() != c.sender.max()) {
            arm(now);
        }
    }

    /** The peer answered with a shut window: probing goes on while it does (RFC 1122 §4.2.2.17). */
    void onZeroWindow() {
        retries = 0;
    }

    // --- expiry ---

    void onExpiry(long now) {
        Tcb t = c.tcb;
        switch (t.state) {
            case SYN_SENT, SYN_RECEIVED -> {
                if (++retries > synRetries) {
                    c.abort(new ClosedException("connection timed out"),
                            new TimedOutException("no answer to SYN from " + AddressText.of(c.id.remote(), c.id.remotePort())), false, now);
                    return;
                }
                timeouts++;
                rto.backOff(); // RFC 6298 §5.5
                TcpEvents.retransmissionTimeout(c, rto.rto(), rto.backoffs(), 0, now);
                c.sender.sendSyn(now);
                arm(now);
                return;
            }
            case ESTABLISHED, CLOSE_WAIT, FIN_WAIT_1, CLOSING, LAST_ACK -> { }
            default -> {
                return;
            }
        }
        Sender s = c.sender;
        int flight = Seq.diff(s.max(), s.una());
        if (flight == 0 && s.unsent() <= 0) {
            return;
        }
        if (++retries > c.config.dataRetries()) { // RFC 9293 §3.8.3 R2
            c.abort(new ClosedException("connection timed out"), null, true, now);
            return;
        }
        rto.backOff(); // RFC 6298 §5.5
        rttTiming = false; // RFC 6298 §3 Karn: no sample from a retransmitted segment
        if (flight == 0 || s.wnd() == 0) {
            // RFC 9293 §3.8.6.1 persist, not a congestion event: probe the window, or probe it again.
            if (flight == 0) {
                s.probeWindow(now);
            } else {
                s.reprobeWindow(now);
            }
            arm(now);
            return;
        }
        timeouts++;
        TcpEvents.retransmissionTimeout(c, rto.rto(), rto.backoffs(), flight, now);
        arm(now);
        c.recovery.onTimeout(flight, now);
    }
}
