package dev.tcpip.direct.tcp;

import dev.tcpip.wire.TcpView;
import java.nio.ByteBuffer;

/**
 * Decides what to send next and sends it: the send sequence space (RFC 9293 §3.3.1) over the send buffer,
 * within the peer's window and the congestion window ({@link CongestionControl}, RFC 5681 §3.1), with
 * Nagle's algorithm (RFC 896, RFC 1122 §4.2.3.4), sender SWS avoidance (RFC 1122 §4.2.3.4), the FIN, and
 * zero-window probes (RFC 9293 §3.8.6.1). What is lost and must go again is {@link Recovery}'s to say.
 */
final class Sender {
    private final Connection c;
    private final Tcb t;
    private final SendBuffer buffer;
    private CongestionControl cc;
    /** Per-flow Nagle switch: true after writeNodelay, false again after a plain write. */
    private boolean nodelay;
    /** Spaces new segments when {@link Pacer#on}; made on first need. */
    private Pacer pacer;

    private int iss;
    private int sndUna;
    private int sndNxt;
    /** The highest sequence number sent + 1: SND.NXT may go back after a timeout (go-back-N). */
    private int sndMax;
    /** The send window in bytes, already scaled. */
    private int sndWnd;
    private int sndWl1;
    private int sndWl2;
    /** The largest window the peer has offered (RFC 1122 §4.2.3.4; RFC 5961 §5.2 MAX.SND.WND). */
    private int maxSndWnd;
    /** The application will send nothing more: a FIN follows the buffered data. */
    private boolean finQueued;
    /** Our FIN has been sent at least once (it occupies sequence number {@code finSeq}). */
    private boolean finSent;
    private int finSeq;

    long bytesSent, bytesRetransmitted, segmentsRetransmitted, bytesAcked; // statistics

    Sender(Connection c) {
        this.c = c;
        this.t = c.tcb;
        this.buffer = new SendBuffer(c.config.sendBufferSize());
    }

    /** A new connection's send variables (RFC 9293 §3.4.1). */
    void start(int iss) {
        this.iss = iss;
        sndUna = iss;
        sndNxt = iss;
        sndMax = iss;
    }

    int iss() {
        return iss;
    }

    int una() {
        return sndUna;
    }

    int nxt() {
        return sndNxt;
    }

    int max() {
        return sndMax;
    }

    int wnd() {
        return sndWnd;
    }

    int maxWnd() {
        return maxSndWnd;
    }

    boolean finQueued() {
        return finQueued;
    }

    boolean finSent() {
        return finSent;
    }

    int finSeq() {
        return finSeq;
    }

    boolean finAcked() {
        return finSent && Seq.gt(sndUna, finSeq);
    }

    CongestionControl cc() {
        return cc;
    }

    /** The handshake set the segment size: the congestion window starts (RFC 5681 §3.1, RFC 6928). */
    void startCongestionControl() {
        cc = CongestionControl.of(c.config.congestionControl(), t.smss, c.config.initialWindow());
    }

    void nodelay(boolean on) {
        nodelay = on;
    }

    // --- the buffer ---

    int buffered() {
        return buffer.length();
    }

    /** The sequence number after the last buffered byte. */
    int bufferEnd() {
        return sndUna + buffer.length();
    }

    /** Buffered bytes not yet sent (negative while a FIN beyond them is outstanding). */
    int unsent() {
        return Seq.diff(bufferEnd(), sndNxt);
    }

    /** A plain write's buffer, kept (not copied), budgeted by {@link WriteQueue}: it fits, and Nagle is on again. */
    void appendQueued(ByteBuffer data) {
        buffer.keep(data);
        nodelay = false;
    }

    /** Up to {@code max} bytes of a waiting write: copied for a writeNodelay ({@code copy}), else kept. */
    int append(ByteBuffer src, int max, boolean copy) {
        return buffer.append(src, max, copy);
    }

    /** Copies {@code n} buffered bytes from sequence number {@code seq}. */
    void copy(int seq, byte[] dst, int dstOff, int n) {
        buffer.copy(Seq.diff(seq, sndUna), dst, dstOff, n);
    }

    void queueFin() {
        finQueued = true;
    }

    // --- the send loop ---

    /** Sends what the windows, Nagle and SWS avoidance allow; then lets waiting calls go on. */
    void output(long now) {
        switch (t.state) {
            case ESTABLISHED, CLOSE_WAIT, FIN_WAIT_1, CLOSING, LAST_ACK -> { }
            default -> {
                return;
            }
        }
        Recovery r = c.recovery;
        if (r.inSackRecovery()) {
            r.retransmitLosses(now);
        }
        int bufEnd = bufferEnd();
        int full = c.segments.dataPerSegment();
        c.segments.beginBurst(full);                      // full segments of new data may leave as one (TSO)
        try {
            sendWhatIsAllowed(r, bufEnd, full, now);
        } finally {
            c.segments.endBurst(now);
        }
        if (unsent() > 0 && sndNxt == sndUna) {
            c.retransmitTimer.armIfIdle(now); // RFC 9293 §3.8.6.1: a zero window with data waiting starts the persist timer
        }
        r.scheduleProbe(now);
        c.writes.complete(now);
        c.wakeCloser();
    }

    /** The loop of {@link #output}: segments while the windows, Nagle and SWS avoidance allow. */
    private void sendWhatIsAllowed(Recovery r, int bufEnd, int full, long now) {
        for (int guard = 0; guard < 1 << 16; guard++) {
            int unsent = Seq.diff(bufEnd, sndNxt);
            boolean finDue = finQueued && unsent >= 0;
            if (unsent <= 0 && !finDue) {
                break;
            }
            int flight = r.inSackRecovery() ? r.pipe() : Seq.diff(sndNxt, sndUna);
            int cwnd = cc.cwnd() + r.limitedTransmit();
            // RFC 5681 §3.1: send at most min(cwnd, rwnd) - flight; the peer's window from SND.UNA.
            int usable = Math.min(cwnd - flight, sndWnd - Seq.diff(sndNxt, sndUna));
            int len = Math.max(0, Math.min(Math.min(unsent, full), usable));
            boolean fin = finDue && len == unsent && (unsent == 0 || len > 0);
            if (len == 0 && !fin) {
                break;
            }
            if (len < unsent && len < full && len < maxSndWnd / 2) {
                break; // RFC 1122 §4.2.3.4: sender SWS avoidance, wait for a bigger window
            }
            if (len == unsent && len < full && !fin && flight > 0 && c.config.nagle() && !nodelay
                    && Seq.ge(sndNxt, sndMax)) {
                break; // RFC 896, RFC 1122 §4.2.3.4: one small segment in flight at a time
            }
            if (Pacer.on && len > 0 && !pace(len, now)) {
                break;
            }
            send(sndNxt, len, fin, now);
            if (fin) {
                break;
            }
        }
    }

    /**
     * Pacing ({@link Pacer}): whether {@code len} new bytes may leave now; if not, the {@link Timers#PACE} deadline is
     * set for when they may, and the send loop stops until it.
     */
    private boolean pace(int len, long now) {
        double rate = Pacer.rate(cc.cwnd(), cc.ssthresh(), c.recovery.smoothedRtt());
        if (pacer == null) {
            pacer = new Pacer();
        }
        if (pacer.take(len, t.smss, rate, now)) {
            return true;
        }
        c.timers.arm(Timers.PACE, pacer.waitUntil(len, t.smss, rate));
        return false;
    }

    /** Sends {@code len} bytes from sequence {@code seq} (plus FIN), updating SND.NXT/SND.MAX and counters. */
    void send(int seq, int len, boolean fin, long now) {
        send(seq, len, fin, true, now);
    }

    /** {@link #send(int, int, boolean, long)}; {@code ect}: new data here may travel ECT (not a window probe). */
    private void send(int seq, int len, boolean fin, boolean ect, long now) {
        boolean retransmit = Seq.lt(seq, sndMax);
        // RFC 3168 §6.1.5: retransmissions go Not-ECT; so do segments without data (§6.1.4) and window probes.
        c.segments.data(seq, len, fin, ect && len > 0 && !retransmit, !retransmit, now);
        FlowRecorder rec = c.recorder;
        if (rec != null) {
            rec.sent(c, seq, len, false, fin, retransmit, now);
        }
        if (len > 0) {
            bytesSent += len;
            if (retransmit) {
                bytesRetransmitted += len;
                segmentsRetransmitted++;
            }
        }
        int end = seq + len + (fin ? 1 : 0);
        c.retransmitTimer.onSent(seq, len, retransmit, now);
        c.recovery.onSent(seq, end, now);
        if (seq == sndNxt) {
            sndNxt = end; // a retransmitted hole (seq below SND.NXT) leaves SND.NXT alone
        }
        sndMax = Seq.max(sndMax, end);
        if (cc != null) {
            cc.onFlight(Seq.diff(sndMax, sndUna));
        }
        if (fin && !finSent) {
            finSent = true;
            finSeq = seq + len;
            c.onFinSent();
        }
        c.retransmitTimer.armIfIdle(now); // RFC 6298 §5.1
    }

    /** Resends the start of [from, end) (at most a segment), with the FIN if it ends there; false if empty. */
    boolean resend(int from, int end, long now) {
        int len = Math.max(0, Math.min(Seq.diff(Seq.min(end, bufferEnd()), from), c.segments.dataPerSegment()));
        boolean fin = finSent && from + len == finSeq && Seq.gt(end, finSeq);
        if (len == 0 && !fin) {
            return false;
        }
        send(from, len, fin, now);
        return true;
    }

    /** A new segment of up to {@code max} bytes from SND.NXT (a loss probe's, RFC 8985 §7.3). */
    void sendNew(int max, long now) {
        send(sndNxt, Math.min(Math.min(unsent(), c.segments.dataPerSegment()), max), false, now);
    }

    /**
     * RFC 9293 §3.8.6.1 persist: probe a zero window with one byte; RFC 1122 §4.2.3.4: or send what a
     * too-small window allows, overriding sender SWS avoidance.
     */
    void probeWindow(long now) {
        send(sndNxt, Math.min(unsent(), Math.max(1, Math.min(sndWnd, c.segments.dataPerSegment()))), false, false,
                now);
    }

    /** RFC 9293 §3.8.6.1: the probe byte sent before is retransmitted while the window stays shut. */
    void reprobeWindow(long now) {
        boolean hasData = buffer.length() > 0;
        send(sndUna, hasData ? 1 : 0, !hasData && finSent, now);
    }

    /** Go back N: send again from SND.UNA (RFC 5681 §3.1 / RFC 6298 §5.4 without SACK; a smaller MSS). */
    void goBack() {
        sndNxt = sndUna;
    }

    /** RFC 1191 §6.2 / RFC 8201 §5.2: the path takes only {@code mss} bytes a segment; resend what was in flight. */
    void lowerMss(int mss, long now) {
        if (mss < t.smss) {
            t.smss = mss;
            goBack();
            output(now);
        }
    }

    // --- what arrives ---

    /** The peer's SYN: its window (RFC 7323 §2.2: a SYN's is not scaled) and SND.WL1. */
    void onSyn(TcpView syn) {
        sndWnd = syn.window();
        maxSndWnd = sndWnd;
        sndWl1 = syn.seq();
    }

    /** Our SYN acknowledged in SYN-SENT (RFC 9293 §3.10.7.3 fourth). */
    void synAcked(int ack) {
        sndUna = ack;
        sndWl2 = ack;
    }

    /** Our SYN acknowledged in SYN-RECEIVED (RFC 9293 §3.10.7.4 fifth): the window from this segment. */
    void synAcked(TcpView seg, int ack) {
        sndWnd = seg.window() << t.sndWscale;
        maxSndWnd = Math.max(maxSndWnd, sndWnd);
        sndWl1 = seg.seq();
        sndWl2 = ack;
        sndUna = ack;
    }

    /** SND.UNA advances to {@code ack}: frees the data acknowledged; returns how many sequence numbers were. */
    int acknowledge(int ack) {
        int acked = Seq.diff(ack, sndUna);
        int dataAcked = Math.min(acked, buffer.length());
        buffer.acknowledge(dataAcked);
        bytesAcked += dataAcked;
        c.writes.freed(dataAcked);
        if (dataAcked > 0) {
            growBuffer();
        }
        sndUna = ack;
        if (Seq.lt(sndNxt, ack)) {
            sndNxt = ack;
        }
        return acked;
    }

    /**
     * Send-buffer auto-tuning (TcpConfig#sendBufferMax): the buffer grows to twice cwnd, up to the maximum, so that
     * behind a full congestion window as much again waits to go out as the ACKs make room. RFC 9293 §3.8.6 leaves
     * buffer sizes to the implementation; Linux's {@code tcp_sndbuf_expand} sizes it so. Never shrinks. Over TAP a
     * fixed 256 KiB buffer had the whole of it in flight and the sender waiting on ACKs (BENCHMARKS.md "TCP send
     * path, continued").
     */
    private void growBuffer() {
        int max = c.config.sendBufferMax();
        int limit = buffer.limit();
        if (limit >= max || cc == null) {
            return;
        }
        int want = (int) Math.min(max, 2L * cc.cwnd());
        if (want > limit) {
            buffer.grow(want);
            c.writes.grow(want - limit);
        }
    }

    /**
     * RFC 9293 §3.10.7.4 fifth: update the send window from the newest segment. Returns true if the peer
     * answered with a shut window.
     */
    boolean updateWindow(int seq, int ack, int window) {
        if (!(Seq.lt(sndWl1, seq) || sndWl1 == seq && Seq.le(sndWl2, ack))) {
            return false;
        }
        if (sndWnd == 0 && window > 0 && Seq.gt(sndNxt, ack)) {
            sndNxt = ack; // the window reopened: a zero-window probe beyond it was dropped, send again
        }
        sndWnd = window;
        sndWl1 = seq;
        sndWl2 = ack;
        maxSndWnd = Math.max(maxSndWnd, window);
        return window == 0;
    }

    // --- the handshake ---

    /** SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED): it occupies the ISS. */
    /** Our SYN-ACK went out as a SYN cookie (RFC 4987 §3.6), without this connection: SND.NXT = ISS + 1. */
    void synSentAsCookie() {
        sndNxt = iss + 1;
        sndMax = iss + 1;
    }

    void sendSyn(long now) {
        c.segments.syn(iss, Seq.lt(iss, sndMax), now);
        FlowRecorder rec = c.recorder;
        if (rec != null) {
            rec.sent(c, iss, 0, true, false, Seq.lt(iss, sndMax), now);
        }
        sndNxt = iss + 1;
        sndMax = iss + 1;
        c.retransmitTimer.onSynSent(now);
    }
}
