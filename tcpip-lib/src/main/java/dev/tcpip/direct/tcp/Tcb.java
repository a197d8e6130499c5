package dev.tcpip.direct.tcp;

/**
 * The transmission control block's variables (RFC 9293 §3.3.1), named as there, plus the negotiated
 * options (RFC 7323, RFC 2018). Plain fields: the connection's code reads and writes them on the loop.
 */
final class Tcb {
    TcpState state;

    // send sequence variables (RFC 9293 §3.3.1)
    int iss;
    int sndUna;
    int sndNxt;
    /** The highest sequence number sent + 1: SND.NXT may go back after a timeout (go-back-N). */
    int sndMax;
    /** The send window in bytes, already scaled. */
    int sndWnd;
    int sndWl1;
    int sndWl2;
    /** The largest window the peer has offered (RFC 1122 §4.2.3.4; RFC 5961 §5.2 MAX.SND.WND). */
    int maxSndWnd;

    // receive sequence variables
    int irs;
    int rcvNxt;
    /** RCV.NXT + the window last advertised: the right edge never moves left (RFC 9293 §3.8.6.2.2). */
    int rcvAdvRight;

    // negotiated options
    /** The peer's MSS (RFC 9293 §3.7.1). */
    int peerMss;
    /** Our MSS, offered on the SYN: the path's payload limit minus the TCP header. */
    int ourMss;
    /** Data bytes per full segment: min of both MSS values, less the option bytes every segment carries. */
    int smss;
    boolean wsOk;       // RFC 7323 §2.2: both SYNs carried the option
    int sndWscale;      // RFC 7323 §2.2: shift the peer's window field by this
    int rcvWscale;      // and ours by this
    boolean tsOk;       // RFC 7323 §3.2
    int tsRecent;       // RFC 7323 §4.3
    long tsRecentTime;  // when tsRecent was set (RFC 7323 §5.5: older than 24 days is invalid)
    int tsOffset;       // RFC 7323 §5.4: a per-connection random offset of TSval
    int lastAckSent;    // RFC 7323 §4.3 Last.ACK.sent
    boolean sackOk;     // RFC 2018 §2

    // FIN bookkeeping
    /** The application will send nothing more: a FIN follows the buffered data. */
    boolean finQueued;
    /** Our FIN has been sent at least once (it occupies sequence number {@code finSeq}). */
    boolean finSent;
    int finSeq;
    /** The peer's FIN has been received in order (RCV.NXT counts it). */
    boolean finReceived;
    /** A FIN received out of order: its sequence number, when {@link #finAhead}. */
    boolean finAhead;
    int finAheadSeq;

    // retransmission
    int retries;
    /** Karn's rule (RFC 6298 §3): one segment timed without timestamps. */
    boolean rttTiming;
    int rttSeq;
    long rttStart;

    boolean finAcked() {
        return finSent && Seq.gt(sndUna, finSeq);
    }
}
