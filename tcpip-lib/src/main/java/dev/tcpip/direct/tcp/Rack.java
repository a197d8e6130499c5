package dev.tcpip.direct.tcp;

/**
 * RACK's state (RFC 8985 §6.1, §6.2): the most recently sent segment known delivered (its transmission time,
 * end and RTT), the minimum RTT, whether reordering has been seen, and the reordering window's DSACK-driven
 * multiplier. A segment sent before that one and still unacknowledged after an RTT plus the reordering
 * window is taken for lost ({@link SentSegments#detectLoss}): loss inferred from time, not from counting
 * duplicate ACKs, so lost retransmissions and short flights are caught too.
 */
final class Rack {
    private static final int REO_WND_PERSIST = 16;

    private long xmitTs = Long.MIN_VALUE;     // RACK.xmit_ts
    private int endSeq;                       // RACK.end_seq
    private long rtt;                         // RACK.rtt
    private long minRtt = Long.MAX_VALUE;     // RACK.min_RTT
    /** RFC 6298 §2.3's smoothing of the same samples, at the loop clock's precision: the PTO's SRTT. */
    private long srtt;
    private boolean reorderingSeen;           // RACK.reordering_seen
    private int fack;                         // RACK.fack: the highest end delivered
    private boolean fackSet;
    private int fackBeforeAck;
    private boolean dsackRoundSet;            // RACK.dsack_round
    private int dsackRound;
    private int reoWndMult = 1;               // RACK.reo_wnd_mult
    private int reoWndPersist;                // RACK.reo_wnd_persist
    /** Times step 3 found a segment delivered below one delivered before (statistics). */
    private long reorderEvents;

    /** An ACK arrives: segments it delivers are compared with what was delivered before it (step 3). */
    void beginAck() {
        fackBeforeAck = fack;
    }

    /** RFC 8985 §6.2 steps 1 to 3 for one segment newly acknowledged or SACKed. */
    void delivered(long xmit, int end, boolean retransmitted, long now) {
        long sample = now - xmit;
        // Step 2: a retransmitted segment acknowledged sooner than the minimum RTT was most likely delivered by
        // its original transmission (the ACK was already on its way): its time says nothing.
        if (retransmitted && sample < minRtt) {
            return;
        }
        if (!retransmitted) {
            minRtt = Math.min(minRtt, sample);        // step 1 (Karn: only unambiguous samples)
            srtt = srtt == 0 ? Math.max(sample, 1) : (7 * srtt + sample) / 8;
            if (fackSet && Seq.lt(end, fackBeforeAck)) {
                reorderingSeen = true;                // step 3: delivered below what was delivered before
                reorderEvents++;
            }
        }
        deliveredAmbiguous(end);
        if (sentAfter(xmit, end, xmitTs, endSeq)) {   // step 2: the most recently sent segment delivered
            xmitTs = xmit;
            endSeq = end;
            rtt = sample;
        }
    }

    /** A segment whose transmission time is unknown (sent three times) was delivered: only RACK.fack moves. */
    void deliveredAmbiguous(int end) {
        if (!fackSet || Seq.gt(end, fack)) {
            fack = end;
            fackSet = true;
        }
    }

    /** RFC 8985 RACK_sent_after: sent later, or at the same time and ending later. */
    private static boolean sentAfter(long t1, int seq1, long t2, int seq2) {
        return t1 > t2 || t1 == t2 && Seq.gt(seq1, seq2);
    }

    /** True if a segment sent at {@code xmit} ending at {@code end} went out before RACK's segment. */
    boolean sentBefore(long xmit, int end) {
        return xmitTs != Long.MIN_VALUE && sentAfter(xmitTs, endSeq, xmit, end);
    }

    long rtt() {
        return rtt;
    }

    long minRtt() {
        return minRtt;
    }

    /** The smoothed RTT of delivered segments, 0 before the first sample. */
    long srtt() {
        return srtt;
    }

    boolean reorderingSeen() {
        return reorderingSeen;
    }

    long reorderEvents() {
        return reorderEvents;
    }

    /**
     * RFC 8985 §6.2 step 4: the DSACK-driven multiplier grows once per round trip that sees a DSACK (RFC
     * 2883: the peer received something twice, so a retransmission was spurious), and falls back after 16
     * recoveries without one.
     */
    void onAck(boolean dsack, int sndUna, int sndNxt) {
        if (dsackRoundSet && Seq.ge(sndUna, dsackRound)) {
            dsackRoundSet = false;
        }
        if (!dsackRoundSet && dsack) {
            dsackRoundSet = true;
            dsackRound = sndNxt;
            reoWndMult++;
            reoWndPersist = REO_WND_PERSIST;
        }
    }

    /** Step 4: a recovery ended. */
    void onRecoveryEnd() {
        if (--reoWndPersist <= 0) {
            reoWndMult = 1;
        }
    }

    /**
     * Step 4's reordering window: none while no reordering has been seen and the sender is in recovery or
     * has DupThresh segments SACKed (the duplicate-ACK rule's territory); else a quarter of the minimum RTT
     * times the multiplier, at most SRTT.
     */
    long reoWnd(boolean inRecovery, int sackedSegments) {
        if (!reorderingSeen && (inRecovery || sackedSegments >= Recovery.DUP_THRESH) || minRtt == Long.MAX_VALUE) {
            return 0;
        }
        return Math.min(minRtt / 4 * reoWndMult, srtt);
    }
}
