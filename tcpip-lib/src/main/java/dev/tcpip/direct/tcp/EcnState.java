package dev.tcpip.direct.tcp;

import dev.tcpip.direct.TcpConfig;
import dev.tcpip.wire.Ecn;
import dev.tcpip.wire.TcpHeader;
import dev.tcpip.wire.TcpView;

/**
 * One connection's Explicit Congestion Notification (RFC 3168 §6.1, RFC 8311): the handshake that agrees on it
 * (§6.1.1), the receiver that echoes a CE mark with ECE on every ACK until a CWR arrives (§6.1.3), and the sender
 * that answers ECE by reducing its window at most once a window of data, as a loss would but without
 * retransmitting anything, and says so with CWR on its next new data segment (§6.1.2). Only new data travels
 * ECT(0): never a SYN or SYN-ACK (§6.1.1), a pure ACK (§6.1.4), a retransmission (§6.1.5) or a window probe.
 * Runs on the loop.
 */
final class EcnState {
    private final Connection c;
    /** Negotiated: both SYNs agreed (RFC 3168 §6.1.1). */
    private boolean ok;
    /** A SYN of ours went without ECN setup after one with it (the §6.1.1.1 fallback): no ECN then. */
    private boolean fellBack;
    /** Receiver: a CE mark was seen and no CWR since; ECE goes on every ACK (RFC 3168 §6.1.3). */
    private boolean echo;
    /** Sender: the window was reduced; the next new data segment carries CWR (RFC 3168 §6.1.2). */
    private boolean cwrDue;
    /** Sender: a reduction's window runs until SND.UNA passes {@code reducedUntil} (SND.MAX at the reduction). */
    private boolean reducing;
    private int reducedUntil;

    long ceReceived, eceReceived, reductions, cwrSent; // statistics

    EcnState(Connection c) {
        this.c = c;
    }

    boolean ok() {
        return ok;
    }

    // --- the handshake (RFC 3168 §6.1.1) ---

    /** The flags our SYN carries: ECE and CWR (an ECN-setup SYN) when asking, except on a retransmission (§6.1.1.1). */
    int synFlags(boolean retransmit) {
        if (c.config.ecn() != TcpConfig.EcnMode.ON) {
            return 0;
        }
        if (retransmit) {
            fellBack = true;      // RFC 3168 §6.1.1.1: a SYN that went unanswered may be lost for its ECN bits
            return 0;
        }
        return TcpHeader.ECE | TcpHeader.CWR;
    }

    /** The flags our SYN-ACK carries: ECE alone (an ECN-setup SYN-ACK) once ECN is agreed. */
    int synAckFlags() {
        return ok ? TcpHeader.ECE : 0;
    }

    /** A SYN arrived at a listener (or in a simultaneous open): ECN if it is an ECN-setup SYN and we take ECN. */
    void onSyn(TcpView syn) {
        ok = c.config.ecn() != TcpConfig.EcnMode.OFF && syn.has(TcpHeader.ECE) && syn.has(TcpHeader.CWR)
                && (c.config.ecn() == TcpConfig.EcnMode.ON || c.tcb.state != TcpState.SYN_SENT) && !fellBack;
    }

    /** Our SYN was answered by a SYN-ACK: ECN if we asked and it is an ECN-setup SYN-ACK (ECE without CWR). */
    void onSynAck(TcpView synAck) {
        ok = c.config.ecn() == TcpConfig.EcnMode.ON && !fellBack && synAck.has(TcpHeader.ECE)
                && !synAck.has(TcpHeader.CWR);
    }

    // --- what goes out ---

    /** ECE on a synchronized segment while echoing (RFC 3168 §6.1.3). */
    int ackFlags() {
        return echo ? TcpHeader.ECE : 0;
    }

    /** The ECN field of a data segment: ECT(0) for new data once agreed (RFC 3168 §6.1.2, §6.1.5), else Not-ECT. */
    int dataCodepoint(boolean newData) {
        return ok && newData ? Ecn.ECT_0 : Ecn.NOT_ECT;
    }

    /** CWR on this ECT data segment if a reduction has not been announced yet (RFC 3168 §6.1.2); once. */
    int takeCwr() {
        if (!cwrDue) {
            return 0;
        }
        cwrDue = false;
        cwrSent++;
        return TcpHeader.CWR;
    }

    // --- what comes in ---

    /**
     * An acceptable segment in a synchronized state with its datagram's ECN field: CWR ends the echo, CE (even on
     * the same segment) starts it (RFC 3168 §6.1.3). Returns true if this CE began an echo: that ACK goes at once,
     * so the sender hears of the congestion a round trip sooner.
     */
    boolean onSegment(TcpView seg, int ecn) {
        if (!ok) {
            return false;
        }
        if (seg.has(TcpHeader.CWR)) {
            echo = false;
        }
        if (ecn != Ecn.CE) {
            return false;
        }
        ceReceived++;
        boolean began = !echo;
        echo = true;
        return began;
    }

    /**
     * RFC 3168 §6.1.2: an ACK with ECE: the window is reduced as a loss would reduce it, unless it was reduced
     * already within the window of data this ACK belongs to (by ECE, fast recovery or a timeout); the ACK that
     * brings ECE does not grow the window ({@code cwndBefore} is the window before it was processed). Nothing is
     * retransmitted. RFC 8311 §4.1 lets the reduction be milder than a loss's; this one is the same.
     */
    void onEce(int ack, int cwndBefore, long now) {
        if (!ok) {
            return;
        }
        eceReceived++;
        if (reducing && !Seq.gt(ack, reducedUntil) || c.recovery.recovering()) {
            return;
        }
        CongestionControl cc = c.sender.cc();
        cc.set(cwndBefore);
        cc.onLoss(now, Seq.diff(c.sender.max(), c.sender.una()));
        reductions++;
        reduced();
    }

    /**
     * The window was reduced (for ECE, a fast retransmit or a timeout): RFC 3168 §6.1.2, the next new data segment
     * carries CWR, and ECE is not answered again until this window of data is acknowledged.
     */
    void reduced() {
        if (!ok) {
            return;
        }
        cwrDue = true;
        reducing = true;
        reducedUntil = c.sender.max();
    }

    /** Linux's CWR state: a reduction for ECE whose window of data is still outstanding. */
    boolean inCwr() {
        return reducing && Seq.lt(c.sender.una(), reducedUntil) && reductions > 0;
    }
}
