package dev.tcpip.direct.tcp;

/**
 * Loss-recovery state: duplicate-ACK counting (RFC 5681 §3.2), NewReno's recover point (RFC 6582 §3.2)
 * and, with SACK, RFC 6675's RecoveryPoint and HighRxt over a {@link SackScoreboard}.
 */
final class LossRecovery {
    static final int DUP_THRESH = 3; // RFC 5681 §3.2, RFC 6675 §2

    final SackScoreboard board = new SackScoreboard();
    int dupAcks;
    boolean active;
    /** RFC 6582 "recover" / RFC 6675 RecoveryPoint: SND.MAX when recovery began. */
    int recoveryPoint;
    /** RFC 6675 HighRxt: the highest sequence number retransmitted in this recovery + 1. */
    int highRxt;

    /**
     * RFC 6675 §4 SetPipe: the bytes believed in the network: outstanding bytes neither SACKed nor lost,
     * plus lost ones that were retransmitted.
     */
    int pipe(int sndUna, int sndMax, int smss) {
        int frontier = board.lossFrontier(sndUna, smss);
        int unsacked = board.unsackedBetween(sndUna, sndMax);
        int lost = board.unsackedBetween(sndUna, frontier);
        int retransmittedLost = board.unsackedBetween(sndUna, Seq.min(highRxt, frontier));
        return unsacked - lost + retransmittedLost;
    }

    /** RFC 6675 §4 NextSeg rule 1: the first lost, not yet retransmitted sequence number, or -1 via found=false. */
    boolean hasLostHole(int sndUna, int smss) {
        int from = Seq.max(sndUna, highRxt);
        from = board.skipSacked(from);
        return Seq.lt(from, board.lossFrontier(sndUna, smss));
    }

    void reset() {
        dupAcks = 0;
        active = false;
    }
}
