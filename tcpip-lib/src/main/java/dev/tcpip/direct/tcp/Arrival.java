package dev.tcpip.direct.tcp;

import dev.tcpip.RefusedException;
import dev.tcpip.ResetException;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.wire.AddressText;
import dev.tcpip.wire.Ecn;
import dev.tcpip.wire.TcpHeader;
import dev.tcpip.wire.TcpView;

/**
 * Processes an arriving segment in the order RFC 9293 §3.10.7 gives: LISTEN (§3.10.7.2), SYN-SENT
 * (§3.10.7.3) and the other states (§3.10.7.4), with PAWS (RFC 7323 §5) and RFC 5961's defences; each
 * step hands its part to the part that owns it (ACKs to {@link Sender} and {@link Recovery}, text and FIN
 * to {@link Receiver}) and makes the state changes.
 */
final class Arrival {
    private Arrival() {
    }

    // --- LISTEN: RFC 9293 §3.10.7.2 ---

    /** SYN-ACK retransmissions of a half-open entry made while its backlog is more than half full. */
    static final int PRESSURED_SYN_RETRIES = 1;

    static void listen(DirectTcp layer, DirectTcp.Listener l, FourTuple id, TcpView seg, long now) {
        if (seg.has(TcpHeader.RST)) {
            return;                                                  // first: ignore a RST
        }
        if (seg.has(TcpHeader.ACK)) {
            if (!seg.has(TcpHeader.SYN) && cookie(layer, l, id, seg, now)) {
                return;                                              // RFC 4987 §3.6: it returned a SYN cookie
            }
            layer.counters.inc(StackCounter.TCP_RESETS_SENT);
            Segments.resetFor(layer, id.local(), id.remote(), seg, now);  // second: an ACK gets a RST
            return;
        }
        if (!seg.has(TcpHeader.SYN)) {
            return;                                                  // fourth: anything else is dropped
        }
        TcpConfig cfg = layer.config();
        if (!layer.makeRoom()) {                                     // the connection table is full: refuse
            layer.counters.inc(StackCounter.TCP_RESETS_SENT);
            Segments.resetFor(layer, id.local(), id.remote(), seg, now);
            return;
        }
        if (l.embryonic >= cfg.backlog()) {
            if (cfg.synCookies()) {                                  // RFC 4987 §3.6: answer, keep nothing
                Segments.cookieSynAck(layer, id, seg, now);
                l.lastCookieCounter = SynCookies.counter(now);
                layer.counters.inc(StackCounter.TCP_SYN_COOKIES_SENT);
                TcpEvents.synCookieSent(id, seg.mss());
            } else {
                layer.counters.inc(StackCounter.TCP_SYNS_DROPPED);  // drop: the peer retries
            }
            return;
        }
        Connection c = new Connection(layer, id, l, l.keepalive, now);
        layer.initialize(c, now);
        c.receiver.onSyn(seg.seq());                                 // third: RCV.NXT = SEG.SEQ + 1, IRS = SEG.SEQ
        negotiate(c, seg, now);
        c.ecn.onSyn(seg);                                            // RFC 3168 §6.1.1: an ECN-setup SYN?
        c.sender.onSyn(seg);
        c.tcb.state = TcpState.SYN_RECEIVED;
        l.embryonic++;
        c.countedEmbryonic = true;
        if (2 * l.embryonic > cfg.backlog()) {
            c.retransmitTimer.limitSynRetries(PRESSURED_SYN_RETRIES); // under pressure: give up sooner
        }
        layer.add(c);
        c.sender.sendSyn(now);                                       // <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>
        c.retransmitTimer.arm(now);
    }

    /**
     * RFC 4987 §3.6: an ACK (perhaps with data or FIN) for a listening port may return one of our SYN cookies
     * as SEG.ACK - 1, if this listener sent cookies lately. A valid cookie makes the connection its SYN would
     * have made, with the options the cookie carried, and the ACK is then processed as in SYN-RECEIVED, which
     * completes the handshake (ESTABLISHED, the listener's handler) and takes its data. Returns false (the
     * caller answers with a RST) if the cookie does not validate, counted, or the connection table is full.
     */
    private static boolean cookie(DirectTcp layer, DirectTcp.Listener l, FourTuple id, TcpView seg, long now) {
        TcpConfig cfg = layer.config();
        if (!cfg.synCookies() || !l.sentCookiesRecently(now)) {
            return false;
        }
        boolean ts = cfg.timestamps() && seg.hasTimestamps();
        SynCookies.Decoded d = layer.cookies().check(id, seg.ack() - 1, seg.seq() - 1, ts, ts ? seg.tsEcr() : 0, now);
        if (d == null) {
            layer.counters.inc(StackCounter.TCP_SYN_COOKIES_FAILED);
            return false;
        }
        layer.counters.inc(StackCounter.TCP_SYN_COOKIES_VALIDATED);
        if (!layer.makeRoom()) {
            return false;
        }
        Connection c = new Connection(layer, id, l, l.keepalive, now);
        layer.initialize(c, seg.ack() - 1, now);                     // ISS: the cookie
        c.receiver.onSyn(seg.seq() - 1);                             // IRS: the SYN's sequence number
        c.tcb.negotiate(cfg, d, ts);
        c.segments.onSyn(seg, now);                                  // TS.Recent from this ACK's TSval
        c.sender.startCongestionControl();
        c.sender.onSyn(seg);
        c.sender.synSentAsCookie();
        c.receiver.advertiseSyn();                                   // the window the cookie SYN-ACK offered
        c.tcb.state = TcpState.SYN_RECEIVED;
        layer.add(c);
        segment(c, seg, now);                                        // ESTABLISHED at once, then text and FIN
        return true;
    }

    private static void negotiate(Connection c, TcpView syn, long now) {
        c.tcb.negotiate(c.config, syn);
        c.segments.onSyn(syn, now);
        c.sender.startCongestionControl();
    }

    // --- all other states ---

    static void segment(Connection c, TcpView seg, long now) {
        segment(c, seg, Ecn.NOT_ECT, 1, now);
    }

    /**
     * A segment for {@code c} whose datagram's ECN field was {@code ecn} (RFC 3168 §5), standing for
     * {@code segments} segments: more than 1 for a super-segment a device with receive offloads took whole (as
     * GRO makes them), which the statistics and the ACK policy count as the segments it stands for.
     */
    static void segment(Connection c, TcpView seg, int ecn, int segments, long now) {
        c.receiver.segmentsReceived += segments;
        c.receiver.arrivingSegments = segments;
        if (seg.payloadLength() > 0) {
            c.receiver.dataSegmentsReceived += segments;
        }
        c.timers.heard(now);
        FlowRecorder rec = c.recorder;
        if (rec != null) {
            rec.received(seg, c.tcb.sndWscale, now);
        }
        switch (c.tcb.state) {
            case SYN_SENT -> synSent(c, seg, now);
            case CLOSED -> Segments.resetFor(c.layer, c.id.local(), c.id.remote(), seg, now);
            default -> otherStates(c, seg, ecn, now);
        }
        if (rec != null) {
            rec.processed(c, now);
        }
    }

    /** RFC 9293 §3.10.7.3. */
    private static void synSent(Connection c, TcpView seg, long now) {
        boolean ack = seg.has(TcpHeader.ACK);
        if (ack && (Seq.le(seg.ack(), c.sender.iss()) || Seq.gt(seg.ack(), c.sender.max()))) {
            Segments.resetFor(c.layer, c.id.local(), c.id.remote(), seg, now);      // first: unacceptable ACK
            return;
        }
        if (seg.has(TcpHeader.RST)) {                                        // second
            if (ack) {
                c.abort(new ResetException("connection refused"),
                        new RefusedException("connection to " + AddressText.of(c.id.remote(), c.id.remotePort()) + " refused"),
                        false, now);
            }
            return;
        }
        if (!seg.has(TcpHeader.SYN)) {
            return;                                                          // fifth: neither SYN nor RST
        }
        c.receiver.onSyn(seg.seq());                                         // fourth
        c.receiver.forgetSynWindow();
        negotiate(c, seg, now);
        c.sender.onSyn(seg);
        if (ack) {
            c.ecn.onSynAck(seg);                                             // RFC 3168 §6.1.1
        } else {
            c.ecn.onSyn(seg);
        }
        if (ack) {
            c.sender.synAcked(seg.ack());
            c.retransmitTimer.onSynAcked(seg, now);
            c.tcb.state = TcpState.ESTABLISHED;
            c.segments.ack(now);
            c.layer.established(c);
            c.sender.output(now);
        } else {
            c.tcb.state = TcpState.SYN_RECEIVED;                             // simultaneous open
            c.sender.sendSyn(now);
        }
    }

    /** RFC 9293 §3.10.7.4, for SYN-RECEIVED and every synchronized state. */
    private static void otherStates(Connection c, TcpView seg, int ecn, long now) {
        Tcb t = c.tcb;
        Receiver rcv = c.receiver;
        int flags = seg.flags();
        boolean rst = (flags & TcpHeader.RST) != 0;
        boolean syn = (flags & TcpHeader.SYN) != 0;
        boolean fin = (flags & TcpHeader.FIN) != 0;
        int seq = seg.seq();
        int payload = seg.payloadLength();
        int segLen = payload + (syn ? 1 : 0) + (fin ? 1 : 0);

        // A retransmitted SYN in SYN-RECEIVED: our SYN-ACK was lost, send it again.
        if (t.state == TcpState.SYN_RECEIVED && syn && !rst && seq == rcv.irs()) {
            c.sender.sendSyn(now);
            return;
        }
        // RFC 7323 §5.3 R1: PAWS, drop a segment whose TSval is older than TS.Recent (unless TS.Recent is stale).
        if (!rst && c.segments.pawsRejects(seg, now)) {
            c.segments.ack(now);
            return;
        }
        // RFC 9293 §3.10.7.4 fourth, RFC 6191 §2: in TIME-WAIT a SYN whose timestamp is newer than TS.Recent
        // opens a new incarnation if the port still listens; without timestamps it gets a challenge ACK below.
        if (t.state == TcpState.TIME_WAIT && syn && !rst && !seg.has(TcpHeader.ACK)
                && c.segments.newerThanRecent(seg) && c.layer.reopen(c, seg, now)) {
            return;
        }
        // RFC 9293 §3.10.7.4 TIME-WAIT: a retransmission of the peer's FIN is acknowledged (below, as an old
        // segment) and restarts the 2 MSL timeout.
        if (t.state == TcpState.TIME_WAIT && fin && !rst && rcv.isFinAgain(seq, payload)) {
            c.layer.restartTimeWait(c, now);
        }
        // First: is the sequence number acceptable?
        int rcvWnd = rcv.window();
        if (!rcv.acceptable(seq, segLen, rcvWnd)) {
            if (!rst) {
                c.segments.ack(now);
            }
            return;
        }
        c.segments.noteTsRecent(seg, seq, now);
        // Second: RST. RFC 5961 §3.2: only an exact match resets; in-window gets a challenge ACK.
        if (rst) {
            reset(c, seq, now);
            return;
        }
        // Fourth: SYN in a synchronized state (RFC 5961 §4.2, RFC 9293 §3.10.7.4): a challenge ACK.
        if (syn) {
            challengeAck(c, now);
            return;
        }
        // RFC 3168 §6.1.3: CWR ends the echo of CE, CE starts it; the first CE is acknowledged at once.
        boolean ceBegan = c.ecn.onSegment(seg, ecn);
        // Fifth: the ACK field.
        if (!seg.has(TcpHeader.ACK)) {
            return;
        }
        int ack = seg.ack();
        if (t.state == TcpState.SYN_RECEIVED) {
            if (!Seq.gt(ack, c.sender.una()) || Seq.gt(ack, c.sender.max())) {
                Segments.resetFor(c.layer, c.id.local(), c.id.remote(), seg, now);
                return;
            }
            t.state = TcpState.ESTABLISHED;
            c.sender.synAcked(seg, ack);
            c.retransmitTimer.onSynAcked(seg, now);
            c.layer.established(c);
        }
        // RFC 5961 §5.2: acceptable if SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT; else (challenge) ACK, drop.
        if (Seq.gt(ack, c.sender.max()) || Seq.lt(ack, c.sender.una() - Math.max(c.sender.maxWnd(), 1))) {
            challengeAck(c, now);
            return;
        }
        ack(c, seg, ack, payload, fin, now);
        if (c.released) {
            c.wakeAll(now);
            return;
        }
        boolean ackNow = ceBegan;
        boolean ackOwedBefore = rcv.ackPending();
        // Seventh: segment text.
        if (payload > 0 && t.state.receivesData()) {
            ackNow |= rcv.data(seg, seq, payload, rcvWnd, now);
        } else if (payload > 0) {
            ackNow |= rcv.textRefused(); // text in a state that takes none: ACK it
        }
        // Eighth: FIN. Acknowledged at once, except a FIN that takes ESTABLISHED to CLOSE-WAIT in the one segment
        // not yet acknowledged: the application's close usually follows within a moment and its FIN carries the
        // ACK (one segment less per short connection), so that ACK is delayed like one for data (RFC 1122
        // §4.2.3.2: less than 0.5 s; the delayed-ACK timer). With one segment in flight the peer's probe timeout
        // allows for a delayed ACK (RFC 8985 §7.2); with an ACK already owed for earlier data, it goes now.
        boolean finIn = rcv.fin(fin, seq + payload);
        boolean wasEstablished = t.state == TcpState.ESTABLISHED;
        if (finIn) {
            c.onFinReceived(now);
        }
        ackNow |= fin && !(finIn && !ackOwedBefore && wasEstablished && t.state == TcpState.CLOSE_WAIT);
        // A pending read takes the data first, so that the segments sent next (data or the ACK owed) offer the
        // space it freed: sent before it, they offered less, and a window update had to follow each read.
        boolean read = c.answerPendingRead(now);
        c.sender.output(now);
        rcv.ackOrDelay(ackNow, now);
        if (read) {
            rcv.windowUpdateIfWorthIt(now);
        }
        c.wakeAll(now);
    }

    /** The second step's RST, in window (RFC 9293 §3.10.7.4, RFC 5961 §3.2, RFC 1337). */
    private static void reset(Connection c, int seq, long now) {
        if (c.tcb.state == TcpState.TIME_WAIT) {
            return; // RFC 1337 §3 (TIME-WAIT assassination): ignore a RST in TIME-WAIT
        }
        if (seq != c.receiver.nxt()) {
            challengeAck(c, now);
            return;
        }
        switch (c.tcb.state) {
            case SYN_RECEIVED -> {
                if (c.listener != null) {
                    c.release(null); // passive open: back to LISTEN, i.e. forget it
                } else {
                    c.abort(new ResetException("connection refused"), new RefusedException("connection refused"),
                            false, now);
                }
            }
            case CLOSING, LAST_ACK -> c.release(null);
            default -> c.abort(new ResetException("connection reset by peer"), null, false, now);
        }
    }

    /** RFC 5961 §3.2, §4.2, §5.2: a challenge ACK, rate-limited for the whole stack (§7). */
    private static void challengeAck(Connection c, long now) {
        if (c.layer.challengeAcks().allow(now)) {
            c.segments.ack(now);
        }
    }

    /** The fifth step's ACK processing for synchronized states. */
    private static void ack(Connection c, TcpView seg, int ack, int payload, boolean fin, long now) {
        Sender s = c.sender;
        Recovery r = c.recovery;
        int window = seg.window() << c.tcb.sndWscale; // RFC 7323 §2.3
        boolean dsack = r.onSack(seg, ack, now);
        int cwndBefore = s.cc().cwnd();
        if (Seq.gt(ack, s.una())) {
            int acked = s.acknowledge(ack);
            r.onNewAck(seg, ack, acked, dsack, now);
            if (s.finAcked()) {
                c.onFinAcked(now);
            }
        } else {
            r.onOldAck(ack, payload, fin, window, now);
        }
        if (s.updateWindow(seg.seq(), ack, window)) {
            c.retransmitTimer.onZeroWindow();
        }
        if (seg.has(TcpHeader.ECE)) {
            c.ecn.onEce(ack, cwndBefore, now);                   // RFC 3168 §6.1.2: congestion, without a loss
        }
        r.afterAck(dsack, now);
    }
}
