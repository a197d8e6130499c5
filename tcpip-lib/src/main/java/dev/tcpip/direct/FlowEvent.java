package dev.tcpip.direct;

import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One thing a direct-stack TCP flow did, as its {@link FlowRecording} keeps it: what tcptrace and Wireshark's
 * time-sequence graphs draw. Times are nanoseconds on the stack's clock (virtual time in a simulation). Sequence
 * numbers are all in this side's send sequence space, relative to its initial sequence number and widened to 64
 * bits: the SYN is 0 and the first data byte 1, as Wireshark's relative sequence numbers count. A received ACK,
 * window edge or SACK block is given in the same space, so that one axis carries them all.
 */
public sealed interface FlowEvent {

    /** When it happened: nanoseconds on the stack's clock. */
    long time();

    /** A range of sequence numbers [start, end). */
    record Range(long start, long end) {
        public Range {
            if (end < start) {
                throw new IllegalArgumentException("range ends before it starts: " + start + ".." + end);
            }
        }
    }

    /**
     * A segment this side sent that occupies sequence space: data, SYN or FIN, sent for the first time or again
     * ({@code retransmission}: it starts below the highest sequence number sent before, so a go-back-N resend,
     * a loss repair, a tail loss probe's resend and a window probe's repeat all count, as in
     * {@code TcpInfo.retransmissions}). Pure ACKs are not recorded.
     */
    record SegmentSent(long time, long seq, int length, boolean syn, boolean fin, boolean retransmission)
            implements FlowEvent {
        /** The sequence number after the segment: {@code seq} plus its data, SYN and FIN. */
        public long end() {
            return seq + length + (syn ? 1 : 0) + (fin ? 1 : 0);
        }
    }

    /**
     * A segment from the peer that carries an ACK (every segment after its SYN does, RFC 9293 §3.10.7.4): the
     * cumulative acknowledgment, the right edge of the window it offers ({@code ack} plus the window, scaled,
     * RFC 7323 §2.3), the data it carries, and its SACK blocks (RFC 2018; a D-SACK block, RFC 2883, lies below
     * the ACK). Recorded as it arrives, before it is checked: a segment the connection then drops is here too.
     */
    record SegmentReceived(long time, long ack, long windowEdge, int length, List<Range> sack) implements FlowEvent {
        public SegmentReceived {
            sack = List.copyOf(sack);
        }
    }

    /** The retransmission timer expired (RFC 6298 §5.4-5.6): the RTO now in force, after {@code backoffs} doublings. */
    record RetransmissionTimeout(long time, long rto, int backoffs) implements FlowEvent {
    }

    /**
     * Loss recovery began: fast recovery ({@code timeout} false, RFC 6675 / RFC 6582) or after a timeout; the
     * window and threshold it set.
     */
    record RecoveryEntered(long time, boolean timeout, long cwnd, long ssthresh) implements FlowEvent {
    }

    /** Loss recovery ended: everything outstanding at its start was acknowledged. */
    record RecoveryLeft(long time, boolean timeout, long cwnd) implements FlowEvent {
    }

    /**
     * The congestion window or slow-start threshold changed (bytes), seen after the segment or timer that changed
     * it; the threshold is absent until a loss first set it (RFC 5681 §3.1: "arbitrarily high").
     */
    record CongestionWindow(long time, long cwnd, OptionalLong ssthresh) implements FlowEvent {
        public CongestionWindow {
            Objects.requireNonNull(ssthresh, "ssthresh");
        }
    }
}
