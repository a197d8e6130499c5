package dev.tcpip.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** The event types, one nested class each; {@link TcpipEvents} fills and commits them. */
final class Events {
    private Events() {
    }

    /** Fields every TCP event carries: which stack, and the connection's two ends. */
    @Category({"tcpip", "TCP"})
    @StackTrace(false)
    abstract static class TcpEvent extends Event {
        @Label("Stack")
        @Description("direct or socket")
        String stack;

        @Label("Local")
        String local;

        @Label("Remote")
        String remote;
    }

    @Name("dev.tcpip.TcpConnectionOpened")
    @Label("TCP Connection Opened")
    @Description("A TCP handshake completed and the flow was handed to the application")
    static final class Opened extends TcpEvent {
        @Label("Active")
        @Description("This side connected (else a listener accepted)")
        boolean active;
    }

    @Name("dev.tcpip.TcpConnectionClosed")
    @Label("TCP Connection Closed")
    @Description("A flow ended (closed, reset or aborted), with its final counts; -1 where the stack cannot know")
    static final class Closed extends TcpEvent {
        @Label("State")
        @Description("The RFC 9293 state the connection was in as it ended")
        String state;

        @Label("Bytes Sent")
        @DataAmount
        long bytesSent;

        @Label("Bytes Acked")
        @DataAmount
        long bytesAcked;

        @Label("Bytes Received")
        @DataAmount
        long bytesReceived;

        @Label("Bytes Retransmitted")
        @DataAmount
        long bytesRetransmitted;

        @Label("Segments In")
        long segmentsIn;

        @Label("Segments Out")
        long segmentsOut;

        @Label("Retransmissions")
        long retransmissions;

        @Label("Timeouts")
        long timeouts;

        @Label("Smoothed RTT")
        @Timespan(Timespan.NANOSECONDS)
        long rtt;

        @Label("Minimum RTT")
        @Timespan(Timespan.NANOSECONDS)
        long minRtt;

        @Label("Congestion Window")
        @DataAmount
        long cwnd;

        @Label("MSS")
        @DataAmount
        long mss;
    }

    @Name("dev.tcpip.TcpRetransmissionTimeout")
    @Label("TCP Retransmission Timeout")
    @Description("The retransmission timer expired (RFC 6298 §5.4): a SYN or data goes again")
    static final class RetransmissionTimeout extends TcpEvent {
        @Label("State")
        String state;

        @Label("RTO")
        @Description("The timeout after backing off")
        @Timespan(Timespan.NANOSECONDS)
        long rto;

        @Label("Backoffs")
        int backoffs;

        @Label("Flight")
        @Description("Bytes outstanding")
        @DataAmount
        long flight;
    }

    @Name("dev.tcpip.TcpRecoveryEntered")
    @Label("TCP Recovery Entered")
    @Description("Loss recovery began: fast recovery (duplicate ACKs or RACK) or after a retransmission timeout")
    static final class RecoveryEntered extends TcpEvent {
        @Label("Cause")
        @Description("fast or timeout")
        String cause;

        @Label("Congestion Window")
        @DataAmount
        long cwnd;

        @Label("Slow-Start Threshold")
        @DataAmount
        long ssthresh;

        @Label("Flight")
        @DataAmount
        long flight;
    }

    @Name("dev.tcpip.TcpRecoveryLeft")
    @Label("TCP Recovery Left")
    @Description("Everything outstanding when recovery began is acknowledged")
    static final class RecoveryLeft extends TcpEvent {
        @Label("Cause")
        @Description("What began the recovery: fast or timeout")
        String cause;

        @Label("Time in Recovery")
        @Description("Time in recovery, on the stack's clock")
        @Timespan(Timespan.NANOSECONDS)
        long elapsed;

        @Label("Congestion Window")
        @DataAmount
        long cwnd;
    }

    @Name("dev.tcpip.TcpSynCookieSent")
    @Label("TCP SYN Cookie Sent")
    @Description("A SYN past a full backlog was answered statelessly (RFC 4987 §3.6)")
    static final class SynCookieSent extends TcpEvent {
        @Label("Peer MSS")
        @Description("The MSS the SYN offered (0: none); the cookie encodes it rounded down to its table")
        int mss;
    }

    @Name("dev.tcpip.FrameDropped")
    @Label("Frame Dropped")
    @Description("The direct stack dropped or refused a frame, a datagram or a segment; the reason is the StackCounter")
    @Category({"tcpip", "Stack"})
    @StackTrace(false)
    @Enabled(false)                                  // a flood makes one per frame: only when asked for
    static final class FrameDropped extends Event {
        @Label("Reason")
        String reason;

        @Label("Count")
        long count;
    }
}
