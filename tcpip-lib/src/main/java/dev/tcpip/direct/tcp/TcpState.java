package dev.tcpip.direct.tcp;

import dev.tcpip.TcpInfo;

/** The connection states of RFC 9293 §3.3.2 (LISTEN lives in the listener table, not in a connection). */
public enum TcpState {
    SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT, CLOSED;

    /** The public state of the same name, looked up once (a lookup by name per info showed in churn profiles). */
    private static final TcpInfo.State[] INFO = new TcpInfo.State[values().length];

    static {
        for (TcpState s : values()) {
            INFO[s.ordinal()] = TcpInfo.State.valueOf(s.name());
        }
    }

    /** This state as {@link TcpInfo} names it. */
    TcpInfo.State info() {
        return INFO[ordinal()];
    }

    /** Synchronized states: the handshake is done (RFC 9293 §3.5). */
    boolean synchronized_() {
        return this != SYN_SENT && this != SYN_RECEIVED && this != CLOSED;
    }

    /** States in which received data is delivered (RFC 9293 §3.10.7.4, seventh). */
    boolean receivesData() {
        return this == ESTABLISHED || this == FIN_WAIT_1 || this == FIN_WAIT_2;
    }

    /** States in which the application may still queue data to send. */
    boolean acceptsWrites() {
        return this == SYN_SENT || this == SYN_RECEIVED || this == ESTABLISHED || this == CLOSE_WAIT;
    }
}
