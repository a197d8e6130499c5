package dev.tcpip.direct.tcp;

import dev.tcpip.TcpInfo;
import dev.tcpip.jfr.TcpipEvents;
import java.net.InetSocketAddress;

/**
 * The direct stack's TCP events for JFR ({@link TcpipEvents}), from a connection's own state, and for the
 * connection's {@link FlowRecorder} when it has one.
 */
final class TcpEvents {
    private static final String STACK = "direct";

    private TcpEvents() {
    }

    /** The addresses are made only while a recording takes the event (two JDK addresses each, per connection). */
    static void opened(Connection c, boolean active) {
        if (TcpipEvents.openedEnabled()) {
            TcpipEvents.opened(STACK, c.flow.src(), c.flow.dst(), active);
        }
    }

    /** The info, too, is made only while a recording takes the event. */
    static void closed(Connection c) {
        if (TcpipEvents.closedEnabled()) {
            TcpipEvents.closed(STACK, c.flow.src(), c.flow.dst(), c.info());
        }
    }

    static void retransmissionTimeout(Connection c, long rto, int backoffs, long flight, long now) {
        FlowRecorder rec = c.recorder;
        if (rec != null) {
            rec.timeout(rto, backoffs, now);
        }
        TcpipEvents.retransmissionTimeout(STACK, c.flow.src(), c.flow.dst(), String.valueOf(c.tcb.state), rto,
                backoffs, flight);
    }

    static void recoveryEntered(Connection c, boolean timeout, long cwnd, long ssthresh, long flight, long now) {
        FlowRecorder rec = c.recorder;
        if (rec != null) {
            rec.recoveryEntered(c, timeout, cwnd, ssthresh, now);
        }
        TcpipEvents.recoveryEntered(STACK, c.flow.src(), c.flow.dst(), timeout, cwnd, ssthresh, flight);
    }

    static void recoveryLeft(Connection c, boolean timeout, long duration, long cwnd, long now) {
        FlowRecorder rec = c.recorder;
        if (rec != null) {
            rec.recoveryLeft(c, timeout, cwnd, now);
        }
        TcpipEvents.recoveryLeft(STACK, c.flow.src(), c.flow.dst(), timeout, duration, cwnd);
    }

    static void synCookieSent(FourTuple id, int peerMss) {
        if (TcpipEvents.synCookieEnabled()) {
            TcpipEvents.synCookieSent(STACK, new InetSocketAddress(id.local().toInetAddress(), id.localPort()),
                    new InetSocketAddress(id.remote().toInetAddress(), id.remotePort()), peerMss);
        }
    }
}
