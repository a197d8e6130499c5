package dev.tcpip;

/** The seed's {@code `Refused}: the peer refused the connection (RST to a SYN, ICMP unreachable). */
public final class RefusedException extends TcpipException {

    public RefusedException(String message) {
        super(message, null);
    }

    public RefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
