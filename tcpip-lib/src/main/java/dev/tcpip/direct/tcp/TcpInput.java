package dev.tcpip.direct.tcp;

import dev.tcpip.RefusedException;
import dev.tcpip.ResetException;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.wire.TcpHeader;
import dev.tcpip.wire.TcpView;

/**
 * Segment arrival, step by step as RFC 9293 §3.10.7 orders it: LISTEN (§3.10.7.2), SYN-SENT (§3.10.7.3),
 * and the other states (§3.10.7.4), with PAWS (RFC 7323 §5), RFC 5961's defences, ACK processing with
 * RTT measurement, congestion control and loss recovery (RFC 5681, 6582, 6675), and data delivery.
 */
final class TcpInput {
    private static final long PAWS_IDLE = 24L * 24 * 3600 * 1_000_000_000L; // RFC 7323 §5.5: 24 days

    private TcpInput() {
    }

    // --- LISTEN: RFC 9293 §3.10.7.2 ---

    static void listen(DirectTcp layer, DirectTcp.Listener l, FourTuple id, TcpView seg, long now) {
        if (seg.has(TcpHeader.RST)) {
            return;                                                  // first: ignore a RST
        }
        if (seg.has(TcpHeader.ACK)) {
            TcpOutput.resetFor(layer, id.local(), id.remote(), seg); // second: an ACK gets a RST
            return;
        }
        if (!seg.has(TcpHeader.SYN)) {
            return;                                                  // fourth: anything else is dropped
        }
        if (l.embryonic >= layer.config().backlog()) {
            layer.synsDropped++;                                     // bounded backlog: drop, the peer retries
            return;
        }
        Connection c = new Connection(layer, id, l, l.keepalive, now);
        layer.initialize(c, now);
        Tcb t = c.tcb;
        t.irs = seg.seq();                                           // third: RCV.NXT = SEG.SEQ + 1, IRS = SEG.SEQ
        t.rcvNxt = t.irs + 1;
        negotiate(c, seg, now);
        t.sndWnd = seg.window();                                     // RFC 7323 §2.2: a SYN's window is not scaled
        t.maxSndWnd = t.sndWnd;
        t.sndWl1 = seg.seq();
        t.state = TcpState.SYN_RECEIVED;
        l.embryonic++;
        c.countedEmbryonic = true;
        layer.add(c);
        TcpOutput.sendSyn(c, now);                                   // <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>
        c.retransmitTimer.arm(now + c.rto.rto());
    }

    /** The options of the peer's SYN (RFC 9293 §3.7.1; RFC 7323 §2.2, §3.2; RFC 2018 §2). */
    static void negotiate(Connection c, TcpView syn, long now) {
        Tcb t = c.tcb;
        TcpConfig cfg = c.config;
        t.peerMss = syn.mss() > 0 ? syn.mss() : cfg.defaultMss();
        t.wsOk = cfg.windowScaling() && syn.windowScale() >= 0;
        t.sndWscale = t.wsOk ? Math.min(syn.windowScale(), 14) : 0;  // RFC 7323 §2.3: at most 14
        t.rcvWscale = t.wsOk ? cfg.windowScaleToOffer() : 0;
        t.tsOk = cfg.timestamps() && syn.hasTimestamps();
        if (t.tsOk) {
            t.tsRecent = syn.tsVal();
            t.tsRecentTime = now;
        }
        t.sackOk = cfg.sack() && syn.sackPermitted();
        // RFC 9293 §3.7.1, RFC 6691: the data per segment leaves room for the options every segment carries.
        t.smss = Math.max(64, Math.min(t.peerMss, t.ourMss) - TcpOutput.optionBytesPerSegment(t));
        c.cc = CongestionControl.of(cfg.congestionControl(), t.smss, cfg.initialWindow());
    }

    // --- all other states ---

    static void segment(Connection c, TcpView seg, long now) {
        c.segmentsReceived++;
        if (c.keepalive != null) {
            c.keepaliveTimer.arm(c.keepalive.heard(now)); // RFC 1122 §4.2.3.6: any segment shows the peer alive
        }
        switch (c.tcb.state) {
            case SYN_SENT -> synSent(c, seg, now);
            case CLOSED -> TcpOutput.resetFor(c.layer, c.id.local(), c.id.remote(), seg);
            default -> otherStates(c, seg, now);
        }
    }

    /** RFC 9293 §3.10.7.3. */
    private static void synSent(Connection c, TcpView seg, long now) {
        Tcb t = c.tcb;
        boolean ack = seg.has(TcpHeader.ACK);
        if (ack && (Seq.le(seg.ack(), t.iss) || Seq.gt(seg.ack(), t.sndMax))) {
            TcpOutput.resetFor(c.layer, c.id.local(), c.id.remote(), seg); // first: unacceptable ACK
            return;
        }
        if (seg.has(TcpHeader.RST)) {                                        // second
            if (ack) {
                c.abort(new ResetException("connection refused"),
                        new RefusedException("connection to " + c.id.remote() + ":" + c.id.remotePort() + " refused"),
                        false);
            }
            return;
        }
        if (!seg.has(TcpHeader.SYN)) {
            return;                                                          // fifth: neither SYN nor RST
        }
        t.irs = seg.seq();                                                   // fourth
        t.rcvNxt = t.irs + 1;
        t.rcvAdvRight = t.rcvNxt; // our SYN's window was offered before RCV.NXT existed: nothing offered yet
        negotiate(c, seg, now);
        t.sndWnd = seg.window();
        t.maxSndWnd = t.sndWnd;
        t.sndWl1 = seg.seq();
        if (ack) {
            t.sndUna = seg.ack();
            t.sndWl2 = seg.ack();
            handshakeRtt(c, seg, now);
            t.retries = 0;
            c.retransmitTimer.disarm();
            t.state = TcpState.ESTABLISHED;
            TcpOutput.sendAck(c);
            c.layer.established(c);
            TcpOutput.output(c, now);
        } else {
            t.state = TcpState.SYN_RECEIVED;                                 // simultaneous open
            TcpOutput.sendSyn(c, now);
        }
    }

    private static void handshakeRtt(Connection c, TcpView seg, long now) {
        Tcb t = c.tcb;
        if (t.tsOk && seg.hasTimestamps() && seg.tsEcr() != 0) {
            c.rto.sample((long) (TcpOutput.tsVal(c, now) - seg.tsEcr()) * 1_000_000); // RFC 7323 §4.1
        } else if (t.retries == 0) {
            c.rto.sample(now - t.rttStart);                                          // RFC 6298 §3 Karn
        }
    }

    /** RFC 9293 §3.10.7.4, for SYN-RECEIVED and every synchronized state. */
    private static void otherStates(Connection c, TcpView seg, long now) {
        Tcb t = c.tcb;
        int flags = seg.flags();
        boolean rst = (flags & TcpHeader.RST) != 0;
        boolean syn = (flags & TcpHeader.SYN) != 0;
        boolean fin = (flags & TcpHeader.FIN) != 0;
        int seq = seg.seq();
        int payload = seg.payloadLength();
        int segLen = payload + (syn ? 1 : 0) + (fin ? 1 : 0);

        // A retransmitted SYN in SYN-RECEIVED: our SYN-ACK was lost, send it again.
        if (t.state == TcpState.SYN_RECEIVED && syn && !rst && seq == t.irs) {
            TcpOutput.sendSyn(c, now);
            return;
        }
        // RFC 7323 §5.3 R1: PAWS, drop a segment whose TSval is older than TS.Recent (unless TS.Recent is stale).
        if (t.tsOk && seg.hasTimestamps() && !rst && Seq.lt(seg.tsVal(), t.tsRecent)
                && now - t.tsRecentTime < PAWS_IDLE) {
            TcpOutput.sendAck(c);
            return;
        }
        // RFC 9293 §3.10.7.4 fourth, RFC 6191 §2: in TIME-WAIT a SYN whose timestamp is newer than TS.Recent
        // opens a new incarnation if the port still listens; without timestamps it gets a challenge ACK below.
        if (t.state == TcpState.TIME_WAIT && syn && !rst && !seg.has(TcpHeader.ACK) && t.tsOk
                && seg.hasTimestamps() && Seq.gt(seg.tsVal(), t.tsRecent) && c.layer.reopen(c, seg, now)) {
            return;
        }
        // RFC 9293 §3.10.7.4 TIME-WAIT: a retransmission of the peer's FIN is acknowledged (below, as an old
        // segment) and restarts the 2 MSL timeout.
        if (t.state == TcpState.TIME_WAIT && fin && !rst && seq + payload + 1 == t.rcvNxt) {
            c.timeWaitTimer.arm(now + 2 * c.config.msl().toNanos());
        }
        // First: is the sequence number acceptable?
        int rcvWnd = Math.max(0, Seq.diff(t.rcvAdvRight, t.rcvNxt));
        boolean acceptable;
        if (segLen == 0) {
            // RCV.NXT =< SEG.SEQ =< RCV.NXT+RCV.WND: RFC 9293 §3.10.7.4's "special allowance ... to accept
            // valid ACKs" for the peer's ACKs once it has sent up to our right edge (the data lost or refused):
            // its ACK and window must still be processed (for RCV.WND = 0 this is SEG.SEQ = RCV.NXT).
            acceptable = Seq.ge(seq, t.rcvNxt) && Seq.le(seq, t.rcvNxt + rcvWnd);
        } else if (rcvWnd == 0) {
            acceptable = seq == t.rcvNxt; // RFC 9293 §3.10.7.4: zero window, still take ACK/RST/URG
        } else {
            acceptable = Seq.inWindow(seq, t.rcvNxt, t.rcvNxt + rcvWnd)
                    || Seq.inWindow(seq + segLen - 1, t.rcvNxt, t.rcvNxt + rcvWnd);
        }
        if (!acceptable) {
            if (!rst) {
                TcpOutput.sendAck(c);
            }
            return;
        }
        // RFC 7323 §4.3: remember TSval of the segment that covers Last.ACK.sent.
        if (t.tsOk && seg.hasTimestamps() && Seq.le(seq, t.lastAckSent)) {
            t.tsRecent = seg.tsVal();
            t.tsRecentTime = now;
        }
        // Second: RST. RFC 5961 §3.2: only an exact match resets; in-window gets a challenge ACK.
        if (rst) {
            if (t.state == TcpState.TIME_WAIT) {
                return; // RFC 1337 §3 (TIME-WAIT assassination): ignore a RST in TIME-WAIT
            }
            if (seq != t.rcvNxt) {
                TcpOutput.sendChallengeAck(c, now);
                return;
            }
            switch (t.state) {
                case SYN_RECEIVED -> {
                    if (c.listener != null) {
                        c.release(null); // passive open: back to LISTEN, i.e. forget it
                    } else {
                        c.abort(new ResetException("connection refused"), new RefusedException("connection refused"),
                                false);
                    }
                }
                case CLOSING, LAST_ACK -> c.release(null);
                default -> c.abort(new ResetException("connection reset by peer"), null, false);
            }
            return;
        }
        // Fourth: SYN in a synchronized state (RFC 5961 §4.2, RFC 9293 §3.10.7.4): a challenge ACK.
        if (syn) {
            TcpOutput.sendChallengeAck(c, now);
            return;
        }
        // Fifth: the ACK field.
        if (!seg.has(TcpHeader.ACK)) {
            return;
        }
        int ack = seg.ack();
        if (t.state == TcpState.SYN_RECEIVED) {
            if (!Seq.gt(ack, t.sndUna) || Seq.gt(ack, t.sndMax)) {
                TcpOutput.resetFor(c.layer, c.id.local(), c.id.remote(), seg);
                return;
            }
            t.state = TcpState.ESTABLISHED;
            t.sndWnd = seg.window() << t.sndWscale;
            t.maxSndWnd = Math.max(t.maxSndWnd, t.sndWnd);
            t.sndWl1 = seq;
            t.sndWl2 = ack;
            handshakeRtt(c, seg, now);
            t.sndUna = ack;
            t.retries = 0;
            c.retransmitTimer.disarm();
            c.layer.established(c);
        }
        // RFC 5961 §5.2: acceptable if SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT; else (challenge) ACK, drop.
        if (Seq.gt(ack, t.sndMax) || Seq.lt(ack, t.sndUna - Math.max(t.maxSndWnd, 1))) {
            TcpOutput.sendChallengeAck(c, now);
            return;
        }
        processAck(c, seg, ack, payload, fin, now);
        if (c.released) {
            c.wakeAll();
            return;
        }
        boolean ackNow = false;
        // Seventh: segment text.
        if (payload > 0 && t.state.receivesData()) {
            ackNow = receiveData(c, seg, seq, payload, rcvWnd);
        } else if (payload > 0) {
            ackNow = c.ackPolicy.onInOrderData(0, t.smss, true); // text in a state that takes none: ACK it
        }
        // Eighth: FIN.
        if (fin) {
            int finAt = seq + payload;
            if (finAt == t.rcvNxt) {
                receiveFin(c, now);
            } else if (Seq.gt(finAt, t.rcvNxt)) {
                t.finAhead = true;
                t.finAheadSeq = finAt;
            }
            ackNow = true;
        }
        if (t.finAhead && t.finAheadSeq == t.rcvNxt && !t.finReceived) {
            receiveFin(c, now);
        }
        TcpOutput.output(c, now);
        if (c.ackPolicy.pending()) {
            if (ackNow) {
                TcpOutput.sendAck(c);
            } else if (!c.delayedAckTimer.armed()) {
                c.delayedAckTimer.arm(now + c.config.delayedAck().toNanos()); // RFC 9293 §3.8.6.3
            }
        }
        c.wakeAll();
    }

    /** The fifth step's ACK processing for synchronized states. */
    private static void processAck(Connection c, TcpView seg, int ack, int payload, boolean fin, long now) {
        Tcb t = c.tcb;
        LossRecovery r = c.recovery;
        int window = seg.window() << t.sndWscale; // RFC 7323 §2.3
        boolean dsack = false;
        if (t.sackOk) {
            r.rack.beginAck();
            int blocks = seg.sackBlockCount();
            if (blocks > 0) {
                // RFC 2883 §4: a first block below the cumulative ACK, or inside the second, reports data
                // received twice (a D-SACK), not data held out of order.
                dsack = Seq.le(seg.sackRight(0), ack) || blocks > 1 && Seq.ge(seg.sackLeft(0), seg.sackLeft(1))
                        && Seq.le(seg.sackRight(0), seg.sackRight(1));
                for (int i = dsack ? 1 : 0; i < blocks; i++) {
                    int right = seg.sackRight(i);
                    if (Seq.le(right, t.sndMax)) { // RFC 2018 §5: a block beyond what was sent is bogus
                        r.sent.sacked(seg.sackLeft(i), right, r.rack, now);
                    }
                }
                c.sackBlocksReceived += blocks;
            }
        }
        if (Seq.gt(ack, t.sndUna)) {
            int acked = Seq.diff(ack, t.sndUna);
            int dataAcked = Math.min(acked, c.sendBuffer.length());
            c.sendBuffer.acknowledge(dataAcked);
            if (t.sackOk) {
                r.sent.acknowledged(ack, r.rack, now);
            }
            t.sndUna = ack;
            if (Seq.lt(t.sndNxt, ack)) {
                t.sndNxt = ack;
            }
            // RTT (RFC 7323 §4.1 with timestamps; else RFC 6298 §3 timing one segment, Karn's rule)
            if (t.tsOk && seg.hasTimestamps() && seg.tsEcr() != 0) {
                c.rto.sample((long) (TcpOutput.tsVal(c, now) - seg.tsEcr()) * 1_000_000);
            } else if (t.rttTiming && Seq.ge(ack, t.rttSeq)) {
                t.rttTiming = false;
                c.rto.sample(now - t.rttStart);
            }
            t.retries = 0;
            if (r.active) {
                if (Seq.ge(ack, r.recoveryPoint)) {
                    // RFC 6582 §3.2 step 3 / RFC 6675 §5: full acknowledgment ends recovery; after fast
                    // recovery cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS) (RFC 6582 §3.2 step 3,
                    // option 1); after a timeout cwnd is what slow start made it.
                    if (!r.afterTimeout) {
                        int flight = Seq.diff(t.sndMax, t.sndUna);
                        c.cc.set(Math.min(c.cc.ssthresh(), Math.max(flight, t.smss) + t.smss));
                    }
                    r.active = false;
                    r.afterTimeout = false;
                    if (t.sackOk) {
                        r.rack.onRecoveryEnd(); // RFC 8985 §6.2 step 4
                    }
                } else if (!t.sackOk) {
                    // RFC 6582 §3.2 step 4: partial ACK, retransmit the next segment, deflate the window.
                    retransmitFirst(c, now);
                    c.cc.set(c.cc.cwnd() - acked + (acked >= t.smss ? t.smss : 0));
                } else if (r.afterTimeout) {
                    c.cc.onAck(now, acked, c.rto.srtt()); // RFC 5681 §3.1: slow start after a timeout
                }
            } else if (c.cc != null) {
                c.cc.onAck(now, acked, c.rto.srtt());
            }
            if (r.probing && Seq.ge(ack, r.probeEnd)) {
                // RFC 8985 §7.4: the probe's episode ends. A retransmitted probe acknowledged without a D-SACK
                // repaired a loss that nothing else detected: the window answers it as for a loss.
                r.probing = false;
                if (r.probeRetransmitted && !dsack && !r.active) {
                    c.cc.onLoss(now, Seq.diff(t.sndMax, t.sndUna));
                }
            }
            r.dupAcks = 0;
            // RFC 6298 §5.2, §5.3: all acknowledged stops the timer, new data acknowledged restarts it.
            if (t.sndUna == t.sndMax) {
                c.retransmitTimer.disarm();
            } else {
                c.retransmitTimer.disarm();
                c.retransmitTimer.arm(now + c.rto.rto());
            }
            finAcked(c, now);
        } else if (ack == t.sndUna && payload == 0 && !fin && t.sndMax != t.sndUna
                && window == t.sndWnd && window != 0) {
            // RFC 5681 §2: a duplicate ACK. Not when the window is shut: that answers a persist probe
            // (RFC 9293 §3.8.6.1), the probe's byte was refused, not lost.
            c.duplicateAcks++;
            r.dupAcks++;
            // With SACK, RACK (below) decides what is lost, and the count serves limited transmit (RFC 3042).
            if (!t.sackOk && r.active) {
                c.cc.inflate(t.smss); // RFC 6582 §3.2 step 3 (RFC 5681 §3.2 step 4)
            } else if (!t.sackOk && r.dupAcks >= LossRecovery.DUP_THRESH && Seq.gt(ack, r.recoveryPoint - 1)) {
                enterRecovery(c, now);
            }
        }
        // RFC 9293 §3.10.7.4 fifth: update the send window from the newest segment.
        if (Seq.lt(t.sndWl1, seg.seq()) || t.sndWl1 == seg.seq() && Seq.le(t.sndWl2, ack)) {
            if (t.sndWnd == 0 && window > 0 && Seq.gt(t.sndNxt, ack)) {
                t.sndNxt = ack; // the window reopened: a zero-window probe beyond it was dropped, send again
            }
            t.sndWnd = window;
            t.sndWl1 = seg.seq();
            t.sndWl2 = ack;
            t.maxSndWnd = Math.max(t.maxSndWnd, window);
            if (window == 0) {
                t.retries = 0; // the peer answers: probing goes on while it does (RFC 1122 §4.2.2.17)
            }
        }
        if (t.sackOk) {
            r.rack.onAck(dsack, t.sndUna, t.sndNxt);
            detectLosses(c, now);
        }
    }

    /**
     * RFC 8985 §6.2 step 5: marks what RACK finds lost, (re)arms the reordering timer for what it cannot yet
     * tell, and enters recovery when something is lost (RFC 6675 §5, with RACK as its loss detector).
     */
    static void detectLosses(Connection c, long now) {
        LossRecovery r = c.recovery;
        if (r.sent.isEmpty()) {
            c.reorderTimer.disarm();
            return;
        }
        long timeout = r.sent.detectLoss(r.rack, TcpOutput.reoWnd(c, r.active), now);
        if (timeout > 0) {
            c.reorderTimer.arm(now + timeout);
        } else {
            c.reorderTimer.disarm();
        }
        if (r.sent.lostBytes() > 0 && !r.active) {
            enterRecovery(c, now);
        }
    }

    /** RFC 5681 §3.2 / RFC 6582 §3.2 / RFC 6675 §5 (RFC 8985 with SACK): fast retransmit and enter recovery. */
    private static void enterRecovery(Connection c, long now) {
        Tcb t = c.tcb;
        LossRecovery r = c.recovery;
        int flight = Seq.diff(t.sndMax, t.sndUna);
        r.active = true;
        r.afterTimeout = false;
        r.recoveryPoint = t.sndMax;
        c.fastRetransmits++;
        c.cc.onLoss(now, flight);
        if (t.sackOk) {
            r.probing = false;
            c.probeTimer.disarm();
            TcpOutput.retransmitLost(c, now); // RFC 6675 §5 step (4.2): the first loss goes at once
            return;
        }
        retransmitFirst(c, now);
        c.cc.inflate(LossRecovery.DUP_THRESH * t.smss); // RFC 6582 §3.2 step 2: cwnd = ssthresh + 3*SMSS
    }

    private static void retransmitFirst(Connection c, long now) {
        Tcb t = c.tcb;
        int len = Math.min(TcpOutput.segmentData(c), c.sendBuffer.length());
        len = Math.min(len, Seq.diff(t.sndMax, t.sndUna));
        boolean fin = t.finSent && t.sndUna + len == t.finSeq && Seq.gt(t.sndMax, t.finSeq);
        if (len > 0 || fin) {
            TcpOutput.sendData(c, t.sndUna, len, fin, now);
        }
    }

    /** State changes when our FIN is acknowledged (RFC 9293 §3.10.7.4 fifth, per state). */
    private static void finAcked(Connection c, long now) {
        Tcb t = c.tcb;
        if (!t.finAcked()) {
            return;
        }
        switch (t.state) {
            case FIN_WAIT_1 -> t.state = TcpState.FIN_WAIT_2;
            case CLOSING -> c.layer.enterTimeWait(c, now);
            case LAST_ACK -> c.release(null);
            default -> { }
        }
    }

    /** Seventh step: in-window data to the receive buffer or the out-of-order queue. Returns "ACK now". */
    private static boolean receiveData(Connection c, TcpView seg, int seq, int payload, int rcvWnd) {
        Tcb t = c.tcb;
        int skip = Math.max(0, Seq.diff(t.rcvNxt, seq));              // already received
        int start = seq + skip;
        int room = Math.max(0, Seq.diff(t.rcvNxt + Math.max(rcvWnd, c.receiveBuffer.free()), start));
        int len = Math.min(payload - skip, room);                     // RFC 9293 §3.10.7.4: trim to the window
        len = Math.min(len, c.receiveBuffer.free() - Seq.diff(start, t.rcvNxt));
        if (len <= 0) {
            // RFC 9293 §3.8.6.1, RFC 1122 §4.2.2.17: a zero-window probe (or data beyond the window) is
            // answered at once with an ACK carrying the current window.
            return c.ackPolicy.onInOrderData(0, t.smss, true);
        }
        int off = seg.payloadOffset() + skip;
        if (start == t.rcvNxt) {
            boolean hadHoles = !c.outOfOrder.isEmpty();
            if (c.readShutdown) {
                t.rcvNxt += len; // shutdown(READ): accepted and discarded
            } else {
                c.receiveBuffer.append(seg.buffer(), off, len);
                t.rcvNxt += len;
                if (hadHoles) {
                    int before = t.rcvNxt;
                    t.rcvNxt = c.outOfOrder.drain(t.rcvNxt, c.receiveBuffer);
                    c.bytesReceived += Seq.diff(t.rcvNxt, before);
                }
            }
            c.bytesReceived += len;
            // RFC 5681 §4.2: ACK at once when a hole is filled; else every second full segment.
            return c.ackPolicy.onInOrderData(len, t.smss, hadHoles);
        }
        c.outOfOrder.insert(start, seg.buffer(), off, len);
        c.ackPolicy.onInOrderData(0, t.smss, true);
        return true; // RFC 5681 §4.2 / RFC 9293 §3.10.7.4: out-of-order data, a duplicate ACK at once
    }

    /** Eighth step: the peer's FIN (RFC 9293 §3.10.7.4), once every byte before it has arrived. */
    private static void receiveFin(Connection c, long now) {
        Tcb t = c.tcb;
        t.rcvNxt += 1;
        t.finReceived = true;
        t.finAhead = false;
        c.ackPolicy.onInOrderData(0, t.smss, true);
        switch (t.state) {
            case SYN_RECEIVED, ESTABLISHED -> t.state = TcpState.CLOSE_WAIT;
            case FIN_WAIT_1 -> {
                if (t.finAcked()) {
                    c.layer.enterTimeWait(c, now);
                } else {
                    t.state = TcpState.CLOSING;
                }
            }
            case FIN_WAIT_2 -> c.layer.enterTimeWait(c, now);
            default -> { }
        }
    }
}
