package dev.tcpip;

/** The seed's {@code `Timeout}: no answer in time (connect timeout, SYN or data retries exhausted). */
public final class TimedOutException extends TcpipException {

    public TimedOutException(String message) {
        super(message, null);
    }

    public TimedOutException(String message, Throwable cause) {
        super(message, cause);
    }
}
