package dev.tcpip.direct.tcp;

import dev.tcpip.TcpInfo;
import dev.tcpip.wire.TcpView;

/**
 * Detects lost segments and repairs them: the one place a loss is found. Without SACK: duplicate ACKs,
 * fast retransmit and NewReno's partial ACKs (RFC 5681 §3.2, RFC 6582), go-back-N after a timeout. With SACK
 * (RFC 2018): RACK-TLP (RFC 8985) over the {@link SentSegments} scoreboard and {@link Rack}, recovery as
 * RFC 6675 §5's pipe allows, and tail loss probes. A retransmission timeout ({@link RetransmitTimer}) comes
 * here as a loss too (RFC 6298 §5.4, RFC 8985 §6.3).
 */
final class Recovery {
    static final int DUP_THRESH = 3; // RFC 5681 §3.2, RFC 6675 §2
    /** The worst-case delayed ACK RFC 8985 §7.2 adds when a single segment is in flight: 200 ms. */
    private static final long WC_DEL_ACK = 200_000_000L;
    /**
     * The shortest probe timeout. SRTT here is {@link Rack}'s, measured per segment at the loop clock's
     * precision (the RFC 6298 estimator's timestamp samples tick in milliseconds); the floor keeps a probe
     * from racing a peer's ACK on the fastest links.
     */
    private static final long MIN_PTO = 200_000L;
    /**
     * Probes per episode before the RTO is left to act: RFC 8985 §7.3 sends one. Departure: each further probe
     * waits twice as long as the one before (see {@link #scheduleProbe}).
     */
    static final int MAX_PROBES = 3;
    /**
     * The system property that turns Proportional Rate Reduction in SACK recovery on ({@code true}; off by
     * default: under random loss it was slower, see {@link #proportionalRateReduction}). Read at class loading
     * into {@link #prr}, which scripted tests set to compare.
     */
    static final String PRR_PROPERTY = "tcpip.tcp.prr";
    static boolean prr = Boolean.getBoolean(PRR_PROPERTY);
    /** The system property that turns the undo of spurious reductions (D-SACK, RFC 3708) off; into {@link #undo}. */
    static final String UNDO_PROPERTY = "tcpip.tcp.undo";
    static boolean undo = !"false".equals(System.getProperty(UNDO_PROPERTY));

    private final Connection c;
    private final Tcb t;
    private final SentSegments sent = new SentSegments();
    private final Rack rack = new Rack();
    private int dupAcks;
    private boolean active;
    /** Recovery began with a retransmission timeout (RFC 8985 §6.3): cwnd grows by slow start meanwhile. */
    private boolean afterTimeout;
    /** RFC 6582 "recover" / RFC 6675 RecoveryPoint: SND.MAX when recovery began. */
    private int recoveryPoint;
    /** RFC 8985 §7: the loss probe in flight, if {@code probing}: the end it covered, and whether it resent. */
    private boolean probing;
    private int probeEnd;
    private boolean probeRetransmitted;
    /** The probe in flight went in recovery (departure (2)), as part of that episode's repair. */
    private boolean probeInRecovery;
    /** Probes sent in the episode now running (at most {@link #MAX_PROBES}). */
    private int probesSent;
    /** A probe's retransmission in recovery is being sent ({@link #onSent} makes it ambiguous for RACK). */
    private boolean probeSending;
    /** Without SACK, after a timeout: {@code LOSS} until SND.UNA reaches {@code lossEnd} (statistics only). */
    private boolean goBackLoss;
    private int lossEnd;
    /** When the recovery (or go-back-N loss) now running began, for its JFR event. */
    private long recoveryStart;
    // Proportional Rate Reduction (RFC 9937, which obsoletes RFC 6937) in SACK recovery, in bytes.
    private long prrDelivered, prrOut;
    private int recoverFs;
    /** SND.UNA, SACKed bytes and loss marks as the ACK now processed arrived (its DeliveredData, safeACK). */
    private int unaBefore, sackedBefore;
    private long lostMarksBefore;
    // Undo (RFC 3708 §3's detection): the episode [undoStart, undoEnd) whose reduction may be undone, the bytes
    // retransmitted in it and the bytes of it D-SACKed.
    private boolean undoArmed;
    private int undoStart, undoEnd;
    /** ssthresh as the episode's reduction left it: if it changed since, another reduction came (ECE, a probe). */
    private int undoSsthresh;
    private long undoRetransmitted, undoDsacked;
    long sackBlocksReceived, duplicateAcks, fastRetransmits, lossProbes, dsacksReceived, undos; // statistics

    Recovery(Connection c) {
        this.c = c;
        this.t = c.tcb;
    }

    /** A connection's first sequence number: nothing before it needs recovering. */
    void start(int iss) {
        recoveryPoint = iss;
    }

    /** A segment [seq, end) went out (RFC 8985 §6.1: what was sent when). */
    void onSent(int seq, int end, long now) {
        if (t.sackOk) {
            sent.sent(seq, end, probeSending, now);
            if (active && !afterTimeout) {
                prrOut += Seq.diff(end, seq);                 // RFC 9937: prr_out counts all data sent
            }
            if (undoArmed && Seq.lt(seq, c.sender.max())) {
                undoRetransmitted += Seq.diff(Seq.min(end, c.sender.max()), seq); // RFC 3708 §3: retransmissions
            }
        }
    }

    /**
     * RFC 6298 §5.4-5.6: the retransmission timer expired with {@code flight} bytes outstanding (the timer
     * is backed off and restarted already): a loss, and a congestion event.
     */
    void onTimeout(int flight, long now) {
        Sender s = c.sender;
        s.cc().onTimeout(now, flight);
        c.ecn.reduced();                                  // RFC 3168 §6.1.2: CWR on the next new data
        probing = false;
        c.timers.disarm(Timers.PROBE);
        undoArmed = false;                                // a timeout's reduction is not undone here
        if (t.sackOk) {
            // RFC 8985 §6.3: mark SND.UNA's segment and every one whose time is up as lost, and retransmit them
            // in order as the window allows, slow-starting from one segment; what was SACKed is not resent.
            sent.markLossesOnTimeout(rack, reoWnd(true), now);
            if (active && !afterTimeout) {
                rack.onRecoveryEnd();
            }
            entered(true, flight, now);
            active = true;
            afterTimeout = true;
            dupAcks = 0;
            recoveryPoint = s.max();
            retransmitLost(now); // RFC 6298 §5.4: the earliest segment, whatever pipe says
            s.output(now);
            return;
        }
        // RFC 5681 §3.1 / RFC 6298 §5.4: one segment from SND.UNA, go back N; RFC 6582: leave recovery.
        reset();
        entered(true, flight, now);
        goBackLoss = true;
        lossEnd = s.max();
        s.goBack();
        s.output(now);
    }

    // --- acknowledgments (RFC 9293 §3.10.7.4 fifth) ---

    /** The SACK blocks of an ACK (RFC 2018) onto the scoreboard; returns true if the first is a D-SACK. */
    boolean onSack(TcpView seg, int ack, long now) {
        if (!t.sackOk) {
            return false;
        }
        rack.beginAck();
        beginDelivery();
        int blocks = seg.sackBlockCount();
        if (blocks == 0) {
            return false;
        }
        // RFC 2883 §4: a first block below the cumulative ACK, or inside the second, reports data received
        // twice (a D-SACK), not data held out of order.
        boolean dsack = Seq.le(seg.sackRight(0), ack) || blocks > 1 && Seq.ge(seg.sackLeft(0), seg.sackLeft(1))
                && Seq.le(seg.sackRight(0), seg.sackRight(1));
        for (int i = dsack ? 1 : 0; i < blocks; i++) {
            int right = seg.sackRight(i);
            if (Seq.le(right, c.sender.max())) { // RFC 2018 §5: a block beyond what was sent is bogus
                sent.sacked(seg.sackLeft(i), right, rack, now);
            }
        }
        sackBlocksReceived += blocks;
        if (dsack) {
            dsacksReceived++;
            if (undoArmed) {
                // RFC 3708 §3: a D-SACK for data of the episode reports one of its retransmissions as needless.
                int l = Seq.max(seg.sackLeft(0), undoStart), r = Seq.min(seg.sackRight(0), undoEnd);
                undoDsacked += Math.max(0, Seq.diff(r, l));
            }
        }
        return dsack;
    }

    /** What the ACK (or timer) now processed starts from: its DeliveredData and safeACK are measured from it. */
    private void beginDelivery() {
        unaBefore = c.sender.una();
        sackedBefore = sent.sackedBytes();
        lostMarksBefore = sent.lossMarks();
    }

    /** SND.UNA advanced by {@code acked} to {@code ack}: RTT, the window's growth, recovery's progress. */
    void onNewAck(TcpView seg, int ack, int acked, boolean dsack, long now) { // TcpView: for the RTT sample
        Sender s = c.sender;
        CongestionControl cc = s.cc();
        if (t.sackOk) {
            sent.acknowledged(ack, rack, now);
        }
        if (cc != null && !active) {
            cc.onAckForRound(ack, s.nxt());           // RFC 9406 §4.2: rounds, before this ACK's RTT sample
        }
        if (cc != null) {
            cc.onAckForFlight(ack, s.nxt());
        }
        c.retransmitTimer.onNewAck(seg, ack, now);
        long srtt = c.retransmitTimer.rto().srtt();
        if (goBackLoss && Seq.ge(ack, lossEnd)) {
            goBackLoss = false;
            TcpEvents.recoveryLeft(c, true, now - recoveryStart, cc.cwnd(), now);
        }
        c.delivery.onAck(now, acked, srtt, s.unsent() <= 0 && c.writes.waiting() == 0);
        if (active) {
            if (Seq.ge(ack, recoveryPoint)) {
                // RFC 6582 §3.2 step 3 / RFC 6675 §5: full acknowledgment ends recovery; after fast
                // recovery cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS) (RFC 6582 §3.2 step 3,
                // option 1); after a timeout cwnd is what slow start made it.
                if (!afterTimeout && prr && t.sackOk) {
                    // RFC 9937: on leaving recovery, cwnd = ssthresh (unless an undo in the first slow start left
                    // ssthresh unset: then the window restored stays).
                    cc.set(cc.ssthresh() == Integer.MAX_VALUE ? cc.cwnd() : cc.ssthresh());
                } else if (!afterTimeout) {
                    int flight = Seq.diff(s.max(), s.una());
                    cc.set(Math.min(cc.ssthresh(), Math.max(flight, t.smss) + t.smss));
                }
                TcpEvents.recoveryLeft(c, afterTimeout, now - recoveryStart, cc.cwnd(), now);
                active = false;
                afterTimeout = false;
                if (t.sackOk) {
                    rack.onRecoveryEnd(); // RFC 8985 §6.2 step 4
                }
            } else if (!t.sackOk) {
                // RFC 6582 §3.2 step 4: partial ACK, retransmit the next segment, deflate the window.
                s.resend(s.una(), s.max(), now);
                cc.set(cc.cwnd() - acked + (acked >= t.smss ? t.smss : 0));
            } else if (afterTimeout) {
                cc.onAck(now, acked, srtt); // RFC 5681 §3.1: slow start after a timeout
            }
        } else if (cc != null && cc.cwndLimited()) {
            cc.onAck(now, acked, srtt);               // RFC 7661 §4.3, RFC 9438 §4.6: only a window in use grows
        }
        if (probing && Seq.ge(ack, probeEnd)) {
            // RFC 8985 §7.4: the probe's episode ends. A retransmitted probe acknowledged without a D-SACK
            // repaired a loss that nothing else detected: the window answers it as for a loss. Not a probe sent in
            // recovery: the loss it repaired is that recovery's, whose reduction is made (the ACK that ends the
            // recovery often ends the probe's episode too, and once reduced the window twice).
            probing = false;
            if (probeRetransmitted && !probeInRecovery && !dsack && !active) {
                cc.onLoss(now, Seq.diff(s.max(), s.una()));
                c.ecn.reduced();
            }
        } else if (probing) {
            probesSent = MAX_PROBES;  // departure (3): the peer answers; no repeated probe in this episode
        }
        dupAcks = 0;
        c.retransmitTimer.onProgress(now);
    }

    /**
     * An ACK that did not advance SND.UNA: RFC 5681 §2's duplicate ACK, if it carries no data and the same
     * non-zero window. Not when the window is shut: that answers a persist probe (RFC 9293 §3.8.6.1), the
     * probe's byte was refused, not lost.
     */
    void onOldAck(int ack, int payload, boolean fin, int window, long now) {
        Sender s = c.sender;
        if (ack != s.una() || payload != 0 || fin || s.max() == s.una() || window != s.wnd() || window == 0) {
            return;
        }
        duplicateAcks++;
        dupAcks++;
        // With SACK, RACK (below) decides what is lost, and the count serves limited transmit (RFC 3042).
        if (!t.sackOk && active) {
            s.cc().inflate(t.smss); // RFC 6582 §3.2 step 3 (RFC 5681 §3.2 step 4)
        } else if (!t.sackOk && dupAcks >= DUP_THRESH && Seq.gt(ack, recoveryPoint - 1)) {
            enterRecovery(now);
        }
    }

    /** The ACK's processing is done: with SACK, RACK looks for losses (RFC 8985 §6.2 steps 4, 5). */
    void afterAck(boolean dsack, long now) {
        if (t.sackOk) {
            rack.onAck(dsack, c.sender.una(), c.sender.nxt());
            detectLosses(now);
            maybeUndo(now);
            proportionalRateReduction();
        }
    }

    /**
     * RFC 3708 §3: when every byte retransmitted in the episode has been reported received twice (D-SACK), the
     * loss was not one (reordering, a delayed ACK, a needless probe), and the reduction it caused is undone
     * ({@link CongestionControl#undo}: RFC 9438 §4.9, RFC 4015 §3). Once per episode; a D-SACK may come after
     * the episode ended (the original's ACK ended it), so the episode stays open to D-SACKs until the next one.
     */
    private void maybeUndo(long now) {
        if (undo && undoArmed && c.sender.cc().ssthresh() != undoSsthresh) {
            undoArmed = false;                               // a later reduction for congestion (ECE) stands
        }
        if (undo && undoArmed && undoRetransmitted > 0 && undoDsacked >= undoRetransmitted) {
            undoArmed = false;
            undos++;
            c.sender.cc().undo();
            if (active && !afterTimeout && sent.lostBytes() == 0) {
                // Nothing is left to repair: the episode ends here, at the restored window (else PRR would keep
                // it near pipe until SND.UNA passed the recovery point). With losses still marked it goes on.
                active = false;
                rack.onRecoveryEnd();                         // RFC 8985 §6.2 step 4
                TcpEvents.recoveryLeft(c, false, now - recoveryStart, c.sender.cc().cwnd(), now);
            }
        }
    }

    /**
     * Proportional Rate Reduction (RFC 9937, obsoleting RFC 6937 §3), run on each ACK (and reordering timer) in
     * SACK fast recovery in place of RFC 6675's cut to ssthresh at once: while pipe exceeds ssthresh, send
     * ssthresh/RecoverFS of what is delivered (spreading the reduction over the round trip, so the ACK clock
     * keeps going); below it, PRR-CRB (what was delivered and not yet matched by sending), plus one segment when
     * the ACK advanced SND.UNA and marked no new loss (safeACK: PRR-SSRB), never past ssthresh. The result is
     * applied as cwnd = pipe + SndCnt, which {@link Sender#output} and {@link #retransmitLosses} obey. Off by
     * default ({@value #PRR_PROPERTY}{@code =true} turns it on): under random loss, where RACK's marks drop pipe
     * below ssthresh and RFC 6675 refills it at once, it was slower (BENCHMARKS.md, "Loss recovery levers").
     */
    private void proportionalRateReduction() {
        if (!prr || !active || afterTimeout) {
            return;
        }
        Sender s = c.sender;
        long delivered = Math.max(0, Seq.diff(s.una(), unaBefore) + sent.sackedBytes() - sackedBefore);
        prrDelivered += delivered;                           // DeliveredData: change in SND.UNA plus in SACKed
        int pipe = pipe();
        long ssthresh = s.cc().ssthresh();
        long sndCnt;
        if (pipe > ssthresh) {
            sndCnt = (prrDelivered * ssthresh + recoverFs - 1) / recoverFs - prrOut; // rounded up
        } else {
            boolean safeAck = Seq.gt(s.una(), unaBefore) && sent.lossMarks() == lostMarksBefore;
            sndCnt = Math.max(prrDelivered - prrOut, delivered) + (safeAck ? t.smss : 0);
            sndCnt = Math.min(ssthresh - pipe, sndCnt);
        }
        if (prrOut == 0 && sndCnt < t.smss) {
            sndCnt = t.smss;                                 // the fast retransmit goes whatever the reduction
        }
        s.cc().set((int) Math.min(Integer.MAX_VALUE / 2, pipe + Math.max(0, sndCnt)));
    }

    // --- loss detection (RFC 8985 §6.2) and recovery (RFC 5681 §3.2, RFC 6582, RFC 6675 §5) ---

    /** RFC 8985 §6.2 step 4's reordering window for this connection now. */
    private long reoWnd(boolean inRecovery) {
        return rack.reoWnd(inRecovery, sent.sackedSegments());
    }

    /**
     * RFC 8985 §6.2 step 5: marks what RACK finds lost, (re)arms the reordering timer for what it cannot yet
     * tell, and enters recovery when something is lost (RFC 6675 §5, with RACK as its loss detector).
     */
    private void detectLosses(long now) {
        if (sent.isEmpty()) {
            c.timers.disarm(Timers.REORDER);
            return;
        }
        long timeout = sent.detectLoss(rack, reoWnd(active), now);
        if (timeout > 0) {
            c.timers.arm(Timers.REORDER, now + timeout);
        } else {
            c.timers.disarm(Timers.REORDER);
        }
        if (sent.lostBytes() > 0 && !active) {
            enterRecovery(now);
        }
    }

    /** RFC 8985 §6.2 step 5: the reordering timer expired; what it waited for may now count as lost. */
    void onReorderTimer(long now) {
        if (!t.sackOk || !t.state.synchronized_() || sent.isEmpty()) {
            return;
        }
        beginDelivery();                                  // no ACK: nothing delivered
        detectLosses(now);
        proportionalRateReduction();
        c.sender.output(now);
    }

    /** RFC 5681 §3.2 / RFC 6582 §3.2 / RFC 6675 §5 (RFC 8985 with SACK): fast retransmit and enter recovery. */
    private void enterRecovery(long now) {
        Sender s = c.sender;
        int flight = Seq.diff(s.max(), s.una());
        active = true;
        afterTimeout = false;
        recoveryPoint = s.max();
        fastRetransmits++;
        undoArmed = false;
        if (!c.ecn.inCwr()) {
            // RFC 3168 §6.1.2: a sender reacts to congestion at most once per window of data; a loss in the window
            // that ECE has already reduced the window for repairs it without reducing again.
            s.cc().saveForUndo();
            s.cc().onLoss(now, flight);
            undoArmed = t.sackOk;
            undoSsthresh = s.cc().ssthresh();
            undoStart = s.una();
            undoEnd = s.max();
            undoRetransmitted = 0;
            undoDsacked = 0;
        }
        c.ecn.reduced();                                  // RFC 3168 §6.1.2: CWR on the next new data
        entered(false, flight, now);
        if (t.sackOk) {
            probing = false;
            c.timers.disarm(Timers.PROBE);
            if (prr) {
                // RFC 9937: RecoverFS, what was outstanding and not yet delivered before this ACK; the first loss
                // goes as PRR's first SndCnt allows (at least one segment).
                prrDelivered = 0;
                prrOut = 0;
                recoverFs = Math.max(t.smss, Seq.diff(s.max(), unaBefore) - sackedBefore);
                return;
            }
            retransmitLost(now); // RFC 6675 §5 step (4.2): the first loss goes at once
            return;
        }
        s.resend(s.una(), s.max(), now);
        s.cc().inflate(DUP_THRESH * t.smss); // RFC 6582 §3.2 step 2: cwnd = ssthresh + 3*SMSS
    }

    /**
     * The congestion state as Linux names it ({@code tcpi_ca_state}): recovery after a timeout is LOSS, fast
     * recovery RECOVERY; duplicate ACKs or SACKed data without a loss yet DISORDER; else OPEN.
     */
    TcpInfo.CongestionState congestionState() {
        if (active) {
            return afterTimeout ? TcpInfo.CongestionState.LOSS : TcpInfo.CongestionState.RECOVERY;
        }
        if (goBackLoss) {
            return TcpInfo.CongestionState.LOSS;
        }
        if (c.ecn.inCwr()) {
            return TcpInfo.CongestionState.CWR;           // the window was reduced for ECE (RFC 3168 §6.1.2)
        }
        if (dupAcks > 0 || t.sackOk && sent.sackedBytes() > 0) {
            return TcpInfo.CongestionState.DISORDER;
        }
        return TcpInfo.CongestionState.OPEN;
    }

    /** In fast recovery or after a timeout, until what was outstanding then is acknowledged. */
    boolean recovering() {
        return active || goBackLoss;
    }

    /** SACK's scoreboard and RACK's state, for statistics (null without SACK). */
    SentSegments scoreboard() {
        return t.sackOk ? sent : null;
    }

    Rack rack() {
        return rack;
    }

    /** A recovery (or a go-back-N loss) began: its start time, and its event once cwnd has reacted. */
    private void entered(boolean timeout, int flight, long now) {
        recoveryStart = now;
        CongestionControl cc = c.sender.cc();
        TcpEvents.recoveryEntered(c, timeout, cc.cwnd(), cc.ssthresh(), flight, now);
    }

    boolean inSackRecovery() {
        return active && t.sackOk;
    }

    /**
     * RFC 6675 §4 SetPipe, with RFC 8985's notion of lost: the bytes outstanding that are neither SACKed nor
     * lost (retransmitting a lost segment puts it back in flight).
     */
    int pipe() {
        return Seq.diff(c.sender.max(), c.sender.una()) - sent.sackedBytes() - sent.lostBytes();
    }

    /** RFC 3042 §2: on the first two duplicate ACKs, up to two more segments beyond cwnd. */
    int limitedTransmit() {
        return !active && dupAcks > 0 && dupAcks < DUP_THRESH ? dupAcks * t.smss : 0;
    }

    /**
     * RFC 6675 §5 step (C) with RFC 8985's losses: while pipe leaves room for a segment (cwnd - pipe >= SMSS),
     * retransmit the lowest lost segment (NextSeg rule 1, "lost" as RACK marks it). New data follows in
     * {@link Sender#output} (rule 2).
     */
    void retransmitLosses(long now) {
        for (int guard = 0; guard < 1 << 12; guard++) {
            if (pipe() + t.smss > c.sender.cc().cwnd() || !retransmitLost(now)) {
                break;
            }
        }
    }

    /** Retransmits (part of) the lowest lost segment; false if none is lost. */
    private boolean retransmitLost(long now) {
        int none = c.sender.max();
        int from = sent.firstLost(none);
        return from != none && c.sender.resend(from, sent.entryEnd(from), now);
    }

    // --- tail loss probes (RFC 8985 §7) ---

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
     *
     * <p>Departure (2): RFC 8985 §7.3 sends one probe and then leaves the tail to the RTO. A probe repairs a lost
     * tail only if its ACK comes back; when that ACK is lost too (at 2 % loss each way, and against a Linux
     * receiver whose one ACK often covers a whole flight, this happened 5 to 8 times per 64 MiB over TAP, each
     * a 200 ms stall), nothing comes until the RTO. So while a probe's episode gets no ACK of new data, up to
     * {@value #MAX_PROBES} probes go, each after twice the wait of the one before (PTO, 2 PTO, 4 PTO: still a
     * small fraction of the RTO on a LAN), each of new data (none in recovery or without new data to send), and
     * the RTO follows the last.
     */
    void scheduleProbe(long now) {
        Sender s = c.sender;
        Timers timers = c.timers;
        int flight = Seq.diff(s.max(), s.una());
        if (probing) {
            if (!t.sackOk || flight == 0 || probesSent >= MAX_PROBES || !timers.armed(Timers.RETRANSMIT)) {
                timers.disarm(Timers.PROBE);
            } else {
                armProbe(now + (probeTimeout(flight) << probesSent));
            }
            return;
        }
        if (!t.sackOk || flight == 0 || s.wnd() == 0 || !timers.armed(Timers.RETRANSMIT)
                || timers.armed(Timers.REORDER) || !active && sent.sackedBytes() > 0) {
            timers.disarm(Timers.PROBE);
            return;
        }
        armProbe(now + probeTimeout(flight));
    }

    /**
     * The smoothed RTT in ns, or 0 before a sample: {@link Rack}'s (per segment, at the loop clock's precision), else
     * the RFC 6298 estimator's.
     */
    long smoothedRtt() {
        RtoEstimator rto = c.retransmitTimer.rto();
        return rack.srtt() > 0 ? rack.srtt() : rto.measured() ? rto.srtt() : 0;
    }

    /** RFC 8985 §7.2's PTO for {@code flight} bytes outstanding. */
    private long probeTimeout(int flight) {
        long srtt = smoothedRtt();
        long pto = srtt > 0 ? Math.max(2 * srtt, MIN_PTO) : 1_000_000_000L;
        // "FlightSize is one segment" gets the worst-case delayed ACK. Departure: so does any flight that ends
        // with our FIN. A receiver entering CLOSE-WAIT holds its ACK back for the application's answer (Linux
        // goes into delayed-ACK mode there, as the stack does; see Arrival), whatever the flight, so a probe
        // after 2 * SRTT resends what it has (TapEcnIT saw Linux count such duplicates); the cost is that a
        // stream's very last segments, if lost, wait for the RTO.
        Sender s = c.sender;
        boolean finInFlight = s.finSent() && !s.finAcked();
        if ((flight <= t.smss || finInFlight) && !active) {
            pto += WC_DEL_ACK;
        }
        return pto;
    }

    /** The probe timer at {@code at}, if that comes before the RTO (RFC 8985 §7.2); else none. */
    private void armProbe(long at) {
        Timers timers = c.timers;
        if (at < timers.deadline(Timers.RETRANSMIT)) {
            timers.arm(Timers.PROBE, at);
        } else {
            timers.disarm(Timers.PROBE);
        }
    }

    /**
     * RFC 8985 §7.3: the probe timeout expired: send one new segment if the windows allow, else retransmit
     * the last segment sent, so that the peer's ACK (SACKing it) lets RACK find what was lost before it. In
     * recovery (the departure above) the probe resends the segment at SND.UNA instead: if it was lost it is
     * repaired; if only the ACKs were, the duplicate draws an ACK (RFC 5681 §4.2) with the state of things.
     */
    void onProbeTimer(long now) {
        Sender s = c.sender;
        if (!t.sackOk || probing && probesSent >= MAX_PROBES || Seq.diff(s.max(), s.una()) == 0
                || !t.state.synchronized_()) {
            return;
        }
        int rwndRoom = s.wnd() - Seq.diff(s.nxt(), s.una());
        int before = s.max();
        if (!probing) {
            probesSent = 0;
        }
        boolean fresh = !active && s.unsent() > 0 && rwndRoom > 0 && s.nxt() == s.max();
        if (probing && !fresh) {
            // Departure (3): a repeated probe sends new data only, outside recovery, so that a peer that merely
            // delays its ACK receives nothing twice; the RTO covers the rest.
            c.timers.disarm(Timers.PROBE);
            return;
        }
        if (fresh) {
            s.sendNew(rwndRoom, now);
            probeRetransmitted = false;
        } else {
            int from = active ? s.una() : sent.lastStart(s.una());
            if (!active && sent.lastSacked()) {
                return;
            }
            probeSending = active;      // in recovery an earlier copy of SND.UNA may still be on its way
            boolean resent = s.resend(from, sent.entryEnd(from), now);
            probeSending = false;
            if (!resent) {
                return;
            }
            probeRetransmitted = true;
        }
        lossProbes++;
        probeInRecovery = active;
        // Outside recovery the episode ends when the whole flight is acknowledged (RFC 8985 §7.4); in it, at
        // any progress of SND.UNA, so that a later stall in the same recovery may be probed again.
        probeEnd = active ? s.una() + 1 : probing ? Seq.max(probeEnd, s.max()) : Seq.max(before, s.max());
        probing = true;
        probesSent++;
        c.timers.disarm(Timers.RETRANSMIT);
        c.retransmitTimer.arm(now); // RFC 8985 §7.3: the RTO follows the probe
        scheduleProbe(now);         // departure (2): the next probe, if any
    }

    private void reset() {
        goBackLoss = false;
        dupAcks = 0;
        active = false;
        afterTimeout = false;
    }

    /** The connection ended or entered TIME-WAIT: nothing is left to recover. */
    void clear() {
        reset();
        sent.clear();
        probing = false;
    }
}
