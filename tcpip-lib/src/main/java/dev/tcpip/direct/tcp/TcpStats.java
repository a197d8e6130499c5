package dev.tcpip.direct.tcp;

/**
 * One flow's statistics, as {@code ss -ti} shows them. Times in nanoseconds; windows in bytes.
 *
 * @param state                the RFC 9293 state
 * @param congestionControl    "cubic" or "newreno"
 * @param mss                  data bytes per full segment
 * @param cwnd                 congestion window
 * @param ssthresh             slow-start threshold (Integer.MAX_VALUE before the first loss)
 * @param srtt                 smoothed round-trip time (0 before the first sample)
 * @param rttvar               round-trip time variation
 * @param rto                  current retransmission timeout, backed off
 * @param sndWnd               the peer's window
 * @param rcvWnd               the window this side last advertised
 * @param bytesSent            data bytes sent, retransmissions included
 * @param bytesRetransmitted   data bytes sent again
 * @param bytesReceived        data bytes received in order
 * @param segmentsSent         segments sent
 * @param segmentsRetransmitted segments that carried retransmitted data
 * @param segmentsReceived     segments received (a device's super-segment counts as the segments it stands for)
 * @param sackBlocksReceived   SACK blocks received
 * @param duplicateAcks        duplicate ACKs received (RFC 5681 §2)
 * @param timeouts             retransmission timer expirations
 * @param fastRetransmits      loss recoveries entered on duplicate ACKs, or on losses RACK found (RFC 8985)
 * @param lossProbes           tail loss probes sent (RFC 8985 §7)
 * @param ecn                  ECN was agreed in the handshake (RFC 3168 §6.1.1)
 * @param ceReceived           segments received in datagrams marked CE (RFC 3168 §6.1.3)
 * @param eceReceived          ACKs received with ECE
 * @param ecnReductions        window reductions for ECE (RFC 3168 §6.1.2), not counting losses
 * @param dataSegmentsReceived segments received that carried data (counted so too)
 * @param acksSent             segments sent without data, SYN, FIN or RST: pure ACKs, window updates included
 * @param windowUpdatesSent    of those, the ones sent because a read opened the window (RFC 9293 §3.8.6.2.2)
 */
public record TcpStats(TcpState state, String congestionControl, int mss, int cwnd, int ssthresh, long srtt,
                       long rttvar, long rto, int sndWnd, int rcvWnd, long bytesSent, long bytesRetransmitted,
                       long bytesReceived, long segmentsSent, long segmentsRetransmitted, long segmentsReceived,
                       long sackBlocksReceived, long duplicateAcks, long timeouts, long fastRetransmits,
                       long lossProbes, boolean ecn, long ceReceived, long eceReceived, long ecnReductions,
                       long dataSegmentsReceived, long acksSent, long windowUpdatesSent) {
}
