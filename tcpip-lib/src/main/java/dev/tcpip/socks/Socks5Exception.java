package dev.tcpip.socks;

import java.io.IOException;

/**
 * A SOCKS5 failure that is none of the API's {@code TcpipException}s: the proxy accepted no method or rejected the
 * credentials, its reply was malformed, or it answered a request with a failure that says nothing of the target's
 * reachability (REP 0x01, 0x02, 0x07, 0x08 and unassigned codes). The forwarder answers the guest's SYN with a RST
 * for it, as for any other failure.
 */
public final class Socks5Exception extends IOException {

    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Reason {
        /** The proxy answered the method selection with 0xFF (RFC 1928 §3). */
        NO_ACCEPTABLE_METHOD,
        /** The proxy rejected the user and password (RFC 1929 §2, a non-zero STATUS). */
        AUTHENTICATION_FAILED,
        /** A reply that is not SOCKS5, or the proxy closed before it was complete. */
        MALFORMED_REPLY,
        /** A reply with a failure code ({@link #reply()}). */
        FAILURE_REPLY
    }

    private final Reason reason;
    private final int reply;

    public Socks5Exception(Reason reason, int reply, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.reply = reply;
    }

    public Reason reason() {
        return reason;
    }

    /** The REP code of a {@link Reason#FAILURE_REPLY}, otherwise -1. */
    public int reply() {
        return reply;
    }
}
