package dev.tcpip.direct.tcp;

import dev.tcpip.ClosedException;
import dev.tcpip.TimedOutException;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.wire.Checksum;
import dev.tcpip.wire.IpAddress;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.TcpHeader;
import dev.tcpip.wire.TcpOptions;
import dev.tcpip.wire.TcpView;
import java.util.List;

/**
 * Everything a connection sends, and its timers: what to send and when (RFC 9293 §3.8, RFC 5681,
 * RFC 6675), segment building, retransmission timeouts (RFC 6298 §5), persist (RFC 9293 §3.8.6.1),
 * delayed ACKs and keep-alive probes.
 */
final class TcpOutput {
    private static final int TS_OPTION_LENGTH = 12;

    private TcpOutput() {
    }

    // --- the send loop ---

    /** Sends what the windows, Nagle and SWS avoidance allow; then an ACK if one is still owed. */
    static void output(Connection c, long now) {
        Tcb t = c.tcb;
        switch (t.state) {
            case ESTABLISHED, CLOSE_WAIT, FIN_WAIT_1, CLOSING, LAST_ACK -> { }
            default -> {
                return;
            }
        }
        if (c.recovery.active && t.sackOk) {
            sackRecoveryOutput(c, now);
        }
        int bufEnd = t.sndUna + c.sendBuffer.length();
        int full = segmentData(c);
        for (int guard = 0; guard < 1 << 16; guard++) {
            int unsent = Seq.diff(bufEnd, t.sndNxt);
            boolean finDue = t.finQueued && unsent >= 0;
            if (unsent <= 0 && !finDue) {
                break;
            }
            int flight = c.recovery.active && t.sackOk
                    ? c.recovery.pipe(t.sndUna, t.sndMax) : Seq.diff(t.sndNxt, t.sndUna);
            int cwnd = c.cc.cwnd() + limitedTransmit(c);
            // RFC 5681 §3.1: send at most min(cwnd, rwnd) - flight; the peer's window from SND.UNA.
            int usable = Math.min(cwnd - flight, t.sndWnd - Seq.diff(t.sndNxt, t.sndUna));
            int len = Math.max(0, Math.min(Math.min(unsent, full), usable));
            boolean fin = finDue && len == unsent && (unsent == 0 || len > 0);
            if (len == 0 && !fin) {
                break;
            }
            if (len < unsent && len < full && len < t.maxSndWnd / 2) {
                break; // RFC 1122 §4.2.3.4: sender SWS avoidance, wait for a bigger window
            }
            if (len == unsent && len < full && !fin && flight > 0 && nagle(c)
                    && Seq.ge(t.sndNxt, t.sndMax)) {
                break; // RFC 896, RFC 1122 §4.2.3.4: one small segment in flight at a time
            }
            sendData(c, t.sndNxt, len, fin, now);
            if (fin) {
                break;
            }
        }
        armPersistIfNeeded(c, now);
        scheduleProbe(c, now);
        c.completeWrites();
        c.wakeCloser();
    }

    /**
     * The data a segment sent now may carry: SMSS (which already leaves room for timestamps) less the SACK
     * option it will carry while out-of-order data is held. RFC 6691 §2: the sender MUST reduce the data
     * length by the options it includes (RFC 9293 §3.7.1, Eff.snd.MSS); else the segment exceeds the path
     * MTU and is fragmented, or dropped where DF is set.
     */
    static int segmentData(Connection c) {
        Tcb t = c.tcb;
        if (!t.sackOk || c.outOfOrder.isEmpty()) {
            return t.smss;
        }
        int blocks = Math.min(c.outOfOrder.runs(), maxSackBlocks(t));
        return Math.max(1, t.smss - sackOptionBytes(blocks));
    }

    /** RFC 2018 §3: 40 option bytes hold 4 blocks, or 3 beside timestamps. */
    private static int maxSackBlocks(Tcb t) {
        return t.tsOk ? 3 : 4;
    }

    /** A SACK option of {@code blocks} blocks (2 + 8 each), padded to a 32-bit boundary with NOPs. */
    static int sackOptionBytes(int blocks) {
        return (2 + 8 * blocks + 3) & ~3;
    }

    private static boolean nagle(Connection c) {
        return c.config.nagle() && !c.nodelay;
    }

    /** RFC 3042 §2: on the first two duplicate ACKs, up to two more segments beyond cwnd. */
    private static int limitedTransmit(Connection c) {
        LossRecovery r = c.recovery;
        return !r.active && r.dupAcks > 0 && r.dupAcks < LossRecovery.DUP_THRESH ? r.dupAcks * c.tcb.smss : 0;
    }

    /**
     * RFC 6675 §5 step (C) with RFC 8985's losses: while pipe leaves room for a segment (cwnd - pipe >= SMSS),
     * retransmit the lowest lost segment (NextSeg rule 1, "lost" as RACK marks it). New data follows in
     * {@link #output} (rule 2).
     */
    private static void sackRecoveryOutput(Connection c, long now) {
        Tcb t = c.tcb;
        LossRecovery r = c.recovery;
        for (int guard = 0; guard < 1 << 12; guard++) {
            if (r.pipe(t.sndUna, t.sndMax) + t.smss > c.cc.cwnd() || !retransmitLost(c, now)) {
                break;
            }
        }
    }

    /** Retransmits (part of) the lowest lost segment; false if none is lost. */
    static boolean retransmitLost(Connection c, long now) {
        Tcb t = c.tcb;
        SentSegments sent = c.recovery.sent;
        int from = sent.firstLost(t.sndMax);
        return from != t.sndMax && resend(c, from, sent.entryEnd(from), now);
    }

    /** Resends the start of [from, end) (at most a segment), with the FIN if it ends there; false if empty. */
    private static boolean resend(Connection c, int from, int end, long now) {
        Tcb t = c.tcb;
        int dataEnd = t.sndUna + c.sendBuffer.length();
        int len = Math.max(0, Math.min(Seq.diff(Seq.min(end, dataEnd), from), segmentData(c)));
        boolean fin = t.finSent && from + len == t.finSeq && Seq.gt(end, t.finSeq);
        if (len == 0 && !fin) {
            return false;
        }
        sendData(c, from, len, fin, now);
        return true;
    }

    /** Sends {@code len} bytes from sequence {@code seq} (plus FIN), updating SND.NXT/SND.MAX and counters. */
    static void sendData(Connection c, int seq, int len, boolean fin, long now) {
        Tcb t = c.tcb;
        boolean retransmit = Seq.lt(seq, t.sndMax);
        int flags = TcpHeader.ACK | (len > 0 ? TcpHeader.PSH : 0) | (fin ? TcpHeader.FIN : 0);
        emit(c, flags, seq, len, options(c, now), window(c));
        c.ackPolicy.onAckSent();
        c.delayedAckTimer.disarm();
        if (len > 0) {
            c.bytesSent += len;
            if (retransmit) {
                c.bytesRetransmitted += len;
                c.segmentsRetransmitted++;
            }
        }
        if (!t.tsOk && !t.rttTiming && !retransmit && len > 0) {
            t.rttTiming = true; // RFC 6298 §3 (Karn): time one new segment at a time
            t.rttSeq = seq + len;
            t.rttStart = now;
        }
        int end = seq + len + (fin ? 1 : 0);
        if (t.sackOk) {
            c.recovery.sent.sent(seq, end, now); // RFC 8985 §6.1: what was sent when
        }
        if (seq == t.sndNxt) {
            t.sndNxt = end; // a retransmitted hole (seq below SND.NXT) leaves SND.NXT alone
        }
        t.sndMax = Seq.max(t.sndMax, end);
        if (fin && !t.finSent) {
            t.finSent = true;
            t.finSeq = seq + len;
            // RFC 9293 §3.10.4 CLOSE: ESTABLISHED -> FIN-WAIT-1, CLOSE-WAIT -> LAST-ACK
            t.state = t.state == TcpState.CLOSE_WAIT ? TcpState.LAST_ACK : TcpState.FIN_WAIT_1;
        }
        if (!c.retransmitTimer.armed()) {
            c.retransmitTimer.arm(now + c.rto.rto()); // RFC 6298 §5.1
        }
    }

    /** RFC 9293 §3.8.6.1: a zero window with data waiting and nothing in flight starts the persist timer. */
    private static void armPersistIfNeeded(Connection c, long now) {
        Tcb t = c.tcb;
        int unsent = Seq.diff(t.sndUna + c.sendBuffer.length(), t.sndNxt);
        if (unsent > 0 && t.sndNxt == t.sndUna && !c.retransmitTimer.armed()) {
            c.retransmitTimer.arm(now + c.rto.rto());
        }
    }

    // --- timers ---

    static void onRetransmitTimer(Connection c, long now) {
        Tcb t = c.tcb;
        switch (t.state) {
            case SYN_SENT, SYN_RECEIVED -> {
                if (++t.retries > c.config.synRetries()) {
                    c.abort(new ClosedException("connection timed out"),
                            new TimedOutException("no answer to SYN from " + c.id.remote()), false);
                    return;
                }
                c.timeouts++;
                c.rto.backOff(); // RFC 6298 §5.5
                sendSyn(c, now);
                c.retransmitTimer.arm(now + c.rto.rto());
                return;
            }
            case ESTABLISHED, CLOSE_WAIT, FIN_WAIT_1, CLOSING, LAST_ACK -> { }
            default -> {
                return;
            }
        }
        int flight = Seq.diff(t.sndMax, t.sndUna);
        int unsent = Seq.diff(t.sndUna + c.sendBuffer.length(), t.sndNxt);
        if (flight == 0 && unsent <= 0) {
            return;
        }
        if (++t.retries > c.config.dataRetries()) { // RFC 9293 §3.8.3 R2
            c.abort(new ClosedException("connection timed out"), null, true);
            return;
        }
        c.rto.backOff(); // RFC 6298 §5.5
        t.rttTiming = false; // RFC 6298 §3 Karn: no sample from a retransmitted segment
        if (flight == 0) {
            // RFC 9293 §3.8.6.1 persist: probe a zero window with one byte; RFC 1122 §4.2.3.4: or send what a
            // too-small window allows, overriding sender SWS avoidance. Not a congestion event.
            int len = Math.min(unsent, Math.max(1, Math.min(t.sndWnd, segmentData(c))));
            sendData(c, t.sndNxt, len, false, now);
            c.retransmitTimer.arm(now + c.rto.rto());
            return;
        }
        if (t.sndWnd == 0) {
            // RFC 9293 §3.8.6.1: the probe byte sent before is retransmitted while the window stays shut.
            boolean hasData = c.sendBuffer.length() > 0;
            sendData(c, t.sndUna, hasData ? 1 : 0, !hasData && t.finSent, now);
            c.retransmitTimer.arm(now + c.rto.rto());
            return;
        }
        c.timeouts++;
        c.cc.onTimeout(now, flight);
        LossRecovery r = c.recovery;
        r.probing = false;
        c.probeTimer.disarm();
        c.retransmitTimer.arm(now + c.rto.rto());
        if (t.sackOk) {
            // RFC 8985 §6.3: mark SND.UNA's segment and every one whose time is up as lost, and retransmit them
            // in order as the window allows, slow-starting from one segment; what was SACKed is not resent.
            r.sent.markLossesOnTimeout(r.rack, reoWnd(c, true), now);
            if (r.active && !r.afterTimeout) {
                r.rack.onRecoveryEnd();
            }
            r.active = true;
            r.afterTimeout = true;
            r.dupAcks = 0;
            r.recoveryPoint = t.sndMax;
            retransmitLost(c, now); // RFC 6298 §5.4: the earliest segment, whatever pipe says
            output(c, now);
            return;
        }
        // RFC 5681 §3.1 / RFC 6298 §5.4: one segment from SND.UNA, go back N; RFC 6582: leave recovery.
        r.reset();
        t.sndNxt = t.sndUna;
        output(c, now);
    }

    /** RFC 8985 §6.2 step 4's reordering window for this connection now. */
    static long reoWnd(Connection c, boolean inRecovery) {
        return c.recovery.rack.reoWnd(inRecovery, c.recovery.sent.sackedSegments());
    }

    /** RFC 8985 §6.2 step 5: the reordering timer expired; what it waited for may now count as lost. */
    static void onReorderTimer(Connection c, long now) {
        if (!c.tcb.sackOk || !c.tcb.state.synchronized_() || c.recovery.sent.isEmpty()) {
            return;
        }
        TcpInput.detectLosses(c, now);
        output(c, now);
    }

    // --- tail loss probes (RFC 8985 §7) ---

    /** The worst-case delayed ACK RFC 8985 §7.2 adds when a single segment is in flight: 200 ms. */
    private static final long WC_DEL_ACK = 200_000_000L;
    /**
     * The shortest probe timeout. SRTT here is {@link Rack}'s, measured per segment at the loop clock's
     * precision (the RFC 6298 estimator's timestamp samples tick in milliseconds); the floor keeps a probe
     * from racing a peer's ACK on the fastest links.
     */
    private static final long MIN_PTO = 200_000L;

    /**
     * RFC 8985 §7.2: after sending new data or on an ACK of new data, with SACK, outside recovery, no probe
     * outstanding and nothing SACKed (the reordering timer covers that), (re)start the probe timeout:
     * PTO = 2 * SRTT (plus the worst-case delayed ACK when one segment is in flight), never after the RTO.
     *
     * <p>Departure: the timer also runs in recovery, where RFC 8985 leaves it to the RTO. There, when the
     * last retransmission or the ACK that answers it is lost and nothing was sent after it, no ACK can come
     * and RACK has nothing to reason from; Linux as a receiver compresses its SACKs, so a flight's final ACK
     * is often the only one. A 200 ms RTO is a thousand round trips on a LAN or a TAP device: instead, after
     * a PTO without news, one probe resends the segment at SND.UNA (see {@link #onProbeTimer}).
     */
    static void scheduleProbe(Connection c, long now) {
        Tcb t = c.tcb;
        LossRecovery r = c.recovery;
        int flight = Seq.diff(t.sndMax, t.sndUna);
        if (!t.sackOk || r.probing || flight == 0 || t.sndWnd == 0 || !c.retransmitTimer.armed()
                || c.reorderTimer.armed() || !r.active && r.sent.sackedBytes() > 0) {
            c.probeTimer.disarm();
            return;
        }
        long srtt = r.rack.srtt() > 0 ? r.rack.srtt() : c.rto.measured() ? c.rto.srtt() : 0;
        long pto = srtt > 0 ? Math.max(2 * srtt, MIN_PTO) : 1_000_000_000L;
        if (flight <= t.smss && !r.active) {
            pto += WC_DEL_ACK;
        }
        long at = now + pto;
        if (at < c.retransmitTimer.deadline()) {
            c.probeTimer.arm(at);
        } else {
            c.probeTimer.disarm();
        }
    }

    /**
     * RFC 8985 §7.3: the probe timeout expired: send one new segment if the windows allow, else retransmit
     * the last segment sent, so that the peer's ACK (SACKing it) lets RACK find what was lost before it. In
     * recovery (the departure above) the probe resends the segment at SND.UNA instead: if it was lost it is
     * repaired; if only the ACKs were, the duplicate draws an ACK (RFC 5681 §4.2) with the state of things.
     */
    static void onProbeTimer(Connection c, long now) {
        Tcb t = c.tcb;
        LossRecovery r = c.recovery;
        if (!t.sackOk || r.probing || Seq.diff(t.sndMax, t.sndUna) == 0 || !t.state.synchronized_()) {
            return;
        }
        int unsent = Seq.diff(t.sndUna + c.sendBuffer.length(), t.sndNxt);
        int rwndRoom = t.sndWnd - Seq.diff(t.sndNxt, t.sndUna);
        int before = t.sndMax;
        if (!r.active && unsent > 0 && rwndRoom > 0 && t.sndNxt == t.sndMax) {
            int len = Math.min(Math.min(unsent, segmentData(c)), rwndRoom);
            sendData(c, t.sndNxt, len, false, now);
            r.probeRetransmitted = false;
        } else {
            int from = r.active ? t.sndUna : r.sent.lastStart(t.sndUna);
            if (!r.active && r.sent.lastSacked() || !resend(c, from, r.sent.entryEnd(from), now)) {
                return;
            }
            r.probeRetransmitted = true;
        }
        c.lossProbes++;
        r.probing = true;
        // Outside recovery the episode ends when the whole flight is acknowledged (RFC 8985 §7.4); in it, at
        // any progress of SND.UNA, so that a later stall in the same recovery may be probed again.
        r.probeEnd = r.active ? t.sndUna + 1 : Seq.max(before, t.sndMax);
        c.retransmitTimer.disarm();
        c.retransmitTimer.arm(now + c.rto.rto()); // RFC 8985 §7.3: the RTO follows the probe
    }

    static void onDelayedAckTimer(Connection c) {
        if (c.ackPolicy.pending()) {
            sendAck(c);
        }
    }

    static void onKeepaliveTimer(Connection c, long now) {
        KeepaliveProbe k = c.keepalive;
        if (k == null || !c.tcb.state.synchronized_()) {
            if (k != null && !c.released) {
                c.keepaliveTimer.arm(now + 1_000_000_000L);
            }
            return;
        }
        switch (k.onTimer(now)) {
            case WAIT -> c.keepaliveTimer.arm(k.nextDeadline());
            case PROBE -> {
                // RFC 9293 §3.8.4 / RFC 1122 §4.2.3.6: SEG.SEQ = SND.NXT - 1, no data, elicits an ACK.
                emit(c, TcpHeader.ACK, c.tcb.sndUna - 1, 0, options(c, now), window(c));
                c.keepaliveTimer.arm(k.nextDeadline());
            }
            case DEAD -> c.abort(new ClosedException("keep-alive: the peer stopped answering"), null, true);
        }
    }

    // --- control segments ---

    /** SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED), with the options we offer (RFC 9293 §3.7.1, RFC 7323, RFC 2018). */
    static void sendSyn(Connection c, long now) {
        Tcb t = c.tcb;
        boolean synAck = t.state == TcpState.SYN_RECEIVED;
        TcpConfig cfg = c.config;
        boolean ws = synAck ? t.wsOk : cfg.windowScaling();
        boolean ts = synAck ? t.tsOk : cfg.timestamps();
        boolean sack = synAck ? t.sackOk : cfg.sack();
        TcpOptions o = new TcpOptions(t.ourMss, ws ? t.rcvWscale : TcpOptions.ABSENT, sack, ts,
                ts ? tsVal(c, now) : 0, ts && synAck ? t.tsRecent : 0, List.of());
        int win = Math.min(c.receiveBuffer.free(), 0xffff); // RFC 7323 §2.2: a SYN's window is never scaled
        emit(c, TcpHeader.SYN | (synAck ? TcpHeader.ACK : 0), t.iss, 0, o, win);
        t.rcvAdvRight = t.rcvNxt + win;
        t.sndNxt = t.iss + 1;
        t.sndMax = t.iss + 1;
        if (t.retries == 0) {
            t.rttStart = now; // the handshake's round trip is the first RTT sample (RFC 6298 §2.2), Karn permitting
        }
    }

    /**
     * A segment without data: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> (RFC 9293 §3.10.7.4). SND.NXT is the
     * RFC's, the highest sequence sent ({@code sndMax}): after a timeout {@code sndNxt} goes back to resend
     * (go-back-N), and an ACK numbered from there lies below the peer's RCV.NXT, which fails the peer's
     * acceptability test, so the peer drops it unread. When both ends were resending at once, neither ever
     * saw the other's ACKs and both timed out (16-MiB transfers under 10 % loss, found in simulation).
     */
    static void sendAck(Connection c) {
        emit(c, TcpHeader.ACK, c.tcb.sndMax, 0, options(c, c.now()), window(c));
        c.ackPolicy.onAckSent();
        c.delayedAckTimer.disarm();
    }

    /** RFC 5961 §3.2, §4.2, §5.2: a challenge ACK, rate-limited for the whole stack (§7). */
    static void sendChallengeAck(Connection c, long now) {
        if (c.layer.challengeAcks().allow(now)) {
            sendAck(c);
        }
    }

    /** An abortive close: <SEQ=SND.NXT><CTL=RST> (RFC 9293 §3.10.5 ABORT). */
    static void sendReset(Connection c) {
        emit(c, TcpHeader.RST | TcpHeader.ACK, c.tcb.sndMax, 0, TcpOptions.NONE, 0); // SND.NXT: as sendAck
    }

    /** Sends an ACK when the window opened enough to be worth telling (RFC 1122 §4.2.3.3). */
    static void windowUpdateIfWorthIt(Connection c) {
        Tcb t = c.tcb;
        if (!t.state.synchronized_() || t.finReceived) {
            return;
        }
        int advertised = Math.max(0, Seq.diff(t.rcvAdvRight, t.rcvNxt));
        int free = Math.min(c.receiveBuffer.free(), 0xffff << t.rcvWscale);
        if (free - advertised >= Math.min(c.receiveBuffer.capacity() / 2, t.ourMss)) {
            sendAck(c);
        }
    }

    // --- building segments ---

    static int tsVal(Connection c, long now) {
        return (int) (now / 1_000_000) + c.tcb.tsOffset; // RFC 7323 §5.4: a 1 ms clock
    }

    /** The options of a synchronized segment: timestamps (RFC 7323 §3.2), SACK blocks (RFC 2018 §4). */
    private static TcpOptions options(Connection c, long now) {
        Tcb t = c.tcb;
        boolean sack = t.sackOk && !c.outOfOrder.isEmpty();
        if (!t.tsOk && !sack) {
            return TcpOptions.NONE;
        }
        List<TcpOptions.SackBlock> blocks = sack ? c.outOfOrder.sackBlocks(maxSackBlocks(t)) : List.of();
        return new TcpOptions(TcpOptions.ABSENT, TcpOptions.ABSENT, false, t.tsOk,
                t.tsOk ? tsVal(c, now) : 0, t.tsOk ? t.tsRecent : 0, blocks);
    }

    /**
     * The window field to send (RFC 9293 §3.8.6.2.2 receiver SWS avoidance; RFC 7323 §2.3 scaling): the
     * right edge moves only by at least min(buffer/2, MSS), never left, and never past the buffer's free
     * space, so every byte the peer may send fits.
     *
     * <p>RFC 7323 §2.4: with a scale factor, a right edge fixed while RCV.NXT advances by amounts smaller than
     * the scale's granularity can only be offered rounded up (beyond what was promised, perhaps beyond the
     * buffer) or down (a window that shrinks by less than one unit). Rounding up on every ACK moves the edge
     * further each time: it once let the peer send past the buffer, whose tail was then dropped and taken
     * for loss. So round up only while the buffer has room; else round down, and keep honouring the old edge
     * ({@code rcvAdvRight} never moves left), which the buffer still covers.
     */
    private static int window(Connection c) {
        Tcb t = c.tcb;
        int advertised = Math.max(0, Seq.diff(t.rcvAdvRight, t.rcvNxt));
        int free = c.receiveBuffer.free();
        int wnd = free - advertised >= Math.min(c.receiveBuffer.capacity() / 2, t.ourMss) ? free : advertised;
        wnd = Math.max(wnd, advertised);
        int field = Math.min(wnd >> t.rcvWscale, 0xffff); // scaling rounds the free space down
        if ((field << t.rcvWscale) < advertised && field < 0xffff && ((field + 1) << t.rcvWscale) <= free) {
            field++; // round up rather than move the right edge left, but only into space we have
        }
        // Else the field retracts the edge by less than one scale unit (RFC 7323 §2.4, Appendix F): rounding
        // up each ACK would offer more than the buffer holds. The edge already offered stays in rcvAdvRight,
        // backed by free space, so data up to it is still taken (RFC 9293 §3.8.6.2.2).
        t.rcvAdvRight = Seq.max(t.rcvAdvRight, t.rcvNxt + (field << t.rcvWscale));
        return field;
    }

    static void emit(Connection c, int flags, int seq, int len, TcpOptions options, int window) {
        Tcb t = c.tcb;
        int ack = (flags & TcpHeader.ACK) != 0 ? t.rcvNxt : 0;
        TcpHeader h = new TcpHeader(c.id.localPort(), c.id.remotePort(), seq, ack, flags, window, 0, options, len);
        int hl = h.length();
        byte[] b = new byte[hl + len];
        if (len > 0) {
            c.sendBuffer.copy(Seq.diff(seq, t.sndUna), b, hl, len);
        }
        h.emit(b, 0, pseudoHeader(c.id.local(), c.id.remote(), b.length));
        t.lastAckSent = ack;
        c.segmentsSent++;
        c.layer.ip().send(c.id.local(), c.id.remote(), IpProtocol.TCP, b, 0, b.length);
    }

    static long pseudoHeader(IpAddress src, IpAddress dst, int length) {
        return switch (src) {
            case Ipv4Address s -> Checksum.pseudoIpv4(s.bits(), ((Ipv4Address) dst).bits(), IpProtocol.TCP, length);
            case Ipv6Address s -> Checksum.pseudoIpv6(s, (Ipv6Address) dst, IpProtocol.TCP, length);
        };
    }

    /**
     * The reset for a segment that belongs to no connection (RFC 9293 §3.10.7.1): if it has an ACK,
     * <SEQ=SEG.ACK><CTL=RST>; else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. Never for a RST.
     */
    static void resetFor(DirectTcp layer, IpAddress local, IpAddress remote, TcpView seg) {
        if (seg.has(TcpHeader.RST)) {
            return;
        }
        TcpHeader h;
        if (seg.has(TcpHeader.ACK)) {
            h = new TcpHeader(seg.dstPort(), seg.srcPort(), seg.ack(), 0, TcpHeader.RST, 0, 0, TcpOptions.NONE, 0);
        } else {
            int segLen = seg.payloadLength() + (seg.has(TcpHeader.SYN) ? 1 : 0) + (seg.has(TcpHeader.FIN) ? 1 : 0);
            h = new TcpHeader(seg.dstPort(), seg.srcPort(), 0, seg.seq() + segLen, TcpHeader.RST | TcpHeader.ACK,
                    0, 0, TcpOptions.NONE, 0);
        }
        byte[] b = new byte[h.length()];
        h.emit(b, 0, pseudoHeader(local, remote, b.length));
        layer.ip().send(local, remote, IpProtocol.TCP, b, 0, b.length);
    }

    static int optionBytesPerSegment(Tcb t) {
        return t.tsOk ? TS_OPTION_LENGTH : 0;
    }
}
