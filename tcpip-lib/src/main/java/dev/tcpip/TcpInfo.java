package dev.tcpip;

import java.util.OptionalLong;

/**
 * One TCP flow's state and counts, as {@code ss -ti} shows them, the same record on both stacks
 * ({@link TcpFlow#info()}). Times are in nanoseconds, windows and byte counts in bytes, rates in bytes per second.
 *
 * <p>Where the values come from. The direct stack reads its own connection state on its loop. The socket stack
 * asks the kernel ({@code getsockopt(TCP_INFO)}, {@code struct tcp_info} of {@code linux/tcp.h}), whose fields
 * map one to one; the kernel counts {@code cwnd} and {@code ssthresh} in segments, given here times its sender
 * MSS. A field a stack cannot know is <em>absent</em> (an empty {@link OptionalLong}), never zero:
 * <ul>
 *   <li>direct stack: {@code pacingRate} (it does not pace); {@code lost}, {@code sacked} and
 *       {@code reorderingSeen} on a connection without SACK (only the SACK scoreboard marks them);
 *       {@code rwndLimited} and {@code sndbufLimited} (not timed);</li>
 *   <li>socket stack: whatever the running kernel's {@code struct tcp_info} is too short to carry (the length
 *       {@code getsockopt} returns says): {@code sendWindow} before Linux 5.19,
 *       {@code receiveWindow} before 6.2, {@code timeouts} before 6.7.</li>
 * </ul>
 * {@code ssthresh} is absent on both before the first loss (Linux: {@code TCP_INFINITE_SSTHRESH}), {@code rtt},
 * {@code rttVariance} and {@code minRtt} before the first round-trip sample, {@code deliveryRate} before the first
 * acknowledged data.
 *
 * @param state              the RFC 9293 state
 * @param congestionState    the sender's congestion state (Linux's {@code tcpi_ca_state})
 * @param rto                the retransmission timeout now, backed off (RFC 6298)
 * @param rtt                the smoothed round-trip time (RFC 6298 SRTT)
 * @param rttVariance        the round-trip time variation (RFC 6298 RTTVAR)
 * @param minRtt             the smallest round-trip time seen
 * @param mss                data bytes per full segment this side sends (options every segment carries excluded)
 * @param cwnd               the congestion window in bytes
 * @param ssthresh           the slow-start threshold in bytes
 * @param sendWindow         the peer's receive window, scaled
 * @param sendWindowScale    the shift applied to the peer's window field (RFC 7323; 0 without scaling)
 * @param receiveWindow      the window this side advertised last, scaled
 * @param receiveWindowScale the shift this side applies to its window field
 * @param bytesSent          data bytes sent, retransmissions included
 * @param bytesAcked         bytes the peer acknowledged (socket stack: as Linux counts them, with the SYN and
 *                           FIN sequence numbers; direct stack: data bytes only)
 * @param bytesReceived      data bytes received in order (socket stack: as Linux counts them, with the peer's FIN
 *                           once it arrived)
 * @param bytesRetransmitted data bytes sent again
 * @param segmentsIn         segments received
 * @param segmentsOut        segments sent
 * @param retransmissions    segments retransmitted, in all
 * @param timeouts           retransmission timer expirations, in all
 * @param lost               segments now taken for lost and not yet retransmitted
 * @param sacked             segments now selectively acknowledged (RFC 2018) above the cumulative ACK
 * @param dsacks             duplicate SACKs received (RFC 2883): data the peer received twice
 * @param reorderingSeen     times reordering was detected (RFC 8985 §6.2 step 3)
 * @param deliveryRate       the rate at which data was acknowledged, over about the last round trip
 * @param appLimited         the delivery rate was measured while the application gave too little to fill cwnd
 * @param pacingRate         the rate segments are paced at
 * @param rwndLimited        time spent with data to send but the peer's window shut to it
 * @param sndbufLimited      time spent with the send buffer full
 * @param unsentBytes        bytes written by the application and not yet sent
 */
public record TcpInfo(State state, CongestionState congestionState, long rto, OptionalLong rtt,
                      OptionalLong rttVariance, OptionalLong minRtt, int mss, long cwnd, OptionalLong ssthresh,
                      OptionalLong sendWindow, int sendWindowScale, OptionalLong receiveWindow, int receiveWindowScale,
                      long bytesSent, long bytesAcked, long bytesReceived, long bytesRetransmitted,
                      long segmentsIn, long segmentsOut, long retransmissions, OptionalLong timeouts,
                      OptionalLong lost, OptionalLong sacked, OptionalLong dsacks, OptionalLong reorderingSeen,
                      OptionalLong deliveryRate, boolean appLimited, OptionalLong pacingRate,
                      OptionalLong rwndLimited, OptionalLong sndbufLimited, long unsentBytes) {

    /** The connection states of RFC 9293 §3.3.2 a flow can be in. */
    public enum State {
        SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT,
        CLOSED
    }

    /**
     * The sender's congestion state, Linux's names: {@code OPEN} (no loss suspected), {@code DISORDER} (duplicate
     * ACKs or SACKs seen, nothing taken for lost yet), {@code CWR} (the window was reduced for ECN; the direct
     * stack never is), {@code RECOVERY} (fast recovery, RFC 6582 / RFC 6675), {@code LOSS} (after a retransmission
     * timeout, until what was outstanding then is acknowledged).
     */
    public enum CongestionState {
        OPEN, DISORDER, CWR, RECOVERY, LOSS
    }

    public TcpInfo {
        java.util.Objects.requireNonNull(state, "state");
        java.util.Objects.requireNonNull(congestionState, "congestionState");
    }

    /** A copy with another state: what a flow reports once it is gone ({@link State#CLOSED}). */
    public TcpInfo withState(State s) {
        return new TcpInfo(s, congestionState, rto, rtt, rttVariance, minRtt, mss, cwnd, ssthresh, sendWindow,
                sendWindowScale, receiveWindow, receiveWindowScale, bytesSent, bytesAcked, bytesReceived,
                bytesRetransmitted, segmentsIn, segmentsOut, retransmissions, timeouts, lost, sacked, dsacks,
                reorderingSeen, deliveryRate, appLimited, pacingRate, rwndLimited, sndbufLimited, unsentBytes);
    }
}
