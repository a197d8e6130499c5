package dev.tcpip.direct.tcp;

/**
 * Loss-recovery state. Without SACK: duplicate-ACK counting (RFC 5681 §3.2) and NewReno's recover point
 * (RFC 6582 §3.2). With SACK: RACK-TLP (RFC 8985) detects losses from the per-segment record
 * {@link SentSegments}, and recovery retransmits them as RFC 6675 §5's pipe allows; a tail loss probe
 * (RFC 8985 §7) stands in for the retransmission timeout when a flight's last segments go missing.
 */
final class LossRecovery {
    static final int DUP_THRESH = 3; // RFC 5681 §3.2, RFC 6675 §2

    final SentSegments sent = new SentSegments();
    final Rack rack = new Rack();
    int dupAcks;
    boolean active;
    /** Recovery began with a retransmission timeout (RFC 8985 §6.3): cwnd grows by slow start meanwhile. */
    boolean afterTimeout;
    /** RFC 6582 "recover" / RFC 6675 RecoveryPoint: SND.MAX when recovery began. */
    int recoveryPoint;

    /** RFC 8985 §7: the loss probe in flight, if {@code probing}: the end it covered, and whether it resent. */
    boolean probing;
    int probeEnd;
    boolean probeRetransmitted;

    /** A connection's first sequence number: nothing before it needs recovering. */
    void start(int iss) {
        recoveryPoint = iss;
    }

    /**
     * RFC 6675 §4 SetPipe, with RFC 8985's notion of lost: the bytes outstanding that are neither SACKed nor
     * lost (retransmitting a lost segment puts it back in flight).
     */
    int pipe(int sndUna, int sndMax) {
        return Seq.diff(sndMax, sndUna) - sent.sackedBytes() - sent.lostBytes();
    }

    void reset() {
        dupAcks = 0;
        active = false;
        afterTimeout = false;
    }

    void clear() {
        reset();
        sent.clear();
        probing = false;
    }
}
