package dev.tcpip.jfr;

import dev.tcpip.TcpInfo;
import dev.tcpip.wire.AddressText;
import java.net.InetSocketAddress;
import java.util.OptionalLong;

/**
 * Commits the stack's JFR events. Every method first makes the event and asks {@link jdk.jfr.Event#isEnabled()}:
 * with no recording of that event on, it returns false before any field is read or any address formatted, the
 * JIT folds the test (the event class answers a constant until a recording enables it) and escape analysis
 * removes the allocation, so a disabled event costs about a field read. Callers pass what they already hold and
 * leave the formatting here, behind the test.
 */
public final class TcpipEvents {
    private TcpipEvents() {
    }

    /** Whether {@link #opened} would record anything now: lets a caller skip making the addresses. */
    public static boolean openedEnabled() {
        return new Events.Opened().isEnabled();
    }

    /** A TCP handshake completed and the flow was handed to the application. */
    public static void opened(String stack, InetSocketAddress local, InetSocketAddress remote, boolean active) {
        Events.Opened e = new Events.Opened();
        if (!e.isEnabled()) {
            return;
        }
        ends(e, stack, local, remote);
        e.active = active;
        e.commit();
    }

    /** Whether {@link #closed} would record anything now: lets a caller skip computing the info. */
    public static boolean closedEnabled() {
        return new Events.Closed().isEnabled();
    }

    /** A flow ended, with its final info. */
    public static void closed(String stack, InetSocketAddress local, InetSocketAddress remote, TcpInfo info) {
        Events.Closed e = new Events.Closed();
        if (!e.isEnabled()) {
            return;
        }
        ends(e, stack, local, remote);
        e.state = info.state().name();
        e.bytesSent = info.bytesSent();
        e.bytesAcked = info.bytesAcked();
        e.bytesReceived = info.bytesReceived();
        e.bytesRetransmitted = info.bytesRetransmitted();
        e.segmentsIn = info.segmentsIn();
        e.segmentsOut = info.segmentsOut();
        e.retransmissions = info.retransmissions();
        e.timeouts = orUnknown(info.timeouts());
        e.rtt = orUnknown(info.rtt());
        e.minRtt = orUnknown(info.minRtt());
        e.cwnd = info.cwnd();
        e.mss = info.mss();
        e.commit();
    }

    /** The retransmission timer expired in {@code state}; {@code rto} is the backed-off timeout. */
    public static void retransmissionTimeout(String stack, InetSocketAddress local, InetSocketAddress remote,
            String state, long rto, int backoffs, long flight) {
        Events.RetransmissionTimeout e = new Events.RetransmissionTimeout();
        if (!e.isEnabled()) {
            return;
        }
        ends(e, stack, local, remote);
        e.state = state;
        e.rto = rto;
        e.backoffs = backoffs;
        e.flight = flight;
        e.commit();
    }

    /** Loss recovery began ({@code timeout}: after a retransmission timeout, else fast recovery). */
    public static void recoveryEntered(String stack, InetSocketAddress local, InetSocketAddress remote,
            boolean timeout, long cwnd, long ssthresh, long flight) {
        Events.RecoveryEntered e = new Events.RecoveryEntered();
        if (!e.isEnabled()) {
            return;
        }
        ends(e, stack, local, remote);
        e.cause = timeout ? "timeout" : "fast";
        e.cwnd = cwnd;
        e.ssthresh = ssthresh;
        e.flight = flight;
        e.commit();
    }

    /** Loss recovery ended after {@code duration} nanoseconds of the stack's clock. */
    public static void recoveryLeft(String stack, InetSocketAddress local, InetSocketAddress remote,
            boolean timeout, long duration, long cwnd) {
        Events.RecoveryLeft e = new Events.RecoveryLeft();
        if (!e.isEnabled()) {
            return;
        }
        ends(e, stack, local, remote);
        e.cause = timeout ? "timeout" : "fast";
        e.elapsed = duration;
        e.cwnd = cwnd;
        e.commit();
    }

    /** Whether {@link #synCookieSent} would record anything now: lets a caller skip making the addresses. */
    public static boolean synCookieEnabled() {
        return new Events.SynCookieSent().isEnabled();
    }

    /** A SYN cookie went out to {@code remote} (RFC 4987 §3.6). */
    public static void synCookieSent(String stack, InetSocketAddress local, InetSocketAddress remote, int mss) {
        Events.SynCookieSent e = new Events.SynCookieSent();
        if (!e.isEnabled()) {
            return;
        }
        ends(e, stack, local, remote);
        e.mss = mss;
        e.commit();
    }

    /** {@code count} frames, datagrams or segments dropped for {@code reason} (a counter's name). */
    public static void frameDropped(Enum<?> reason, long count) {
        Events.FrameDropped e = new Events.FrameDropped();
        if (!e.isEnabled()) {
            return;
        }
        e.reason = reason.name();
        e.count = count;
        e.commit();
    }

    private static void ends(Events.TcpEvent e, String stack, InetSocketAddress local, InetSocketAddress remote) {
        e.stack = stack;
        e.local = AddressText.of(local);
        e.remote = AddressText.of(remote);
    }

    private static long orUnknown(OptionalLong v) {
        return v.orElse(-1);
    }
}
