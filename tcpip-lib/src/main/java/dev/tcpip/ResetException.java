package dev.tcpip;

/** The connection was reset by the peer (an RST). A kind of {@link ClosedException}. */
public final class ResetException extends ClosedException {

    public ResetException(String message) {
        super(message);
    }

    public ResetException(String message, Throwable cause) {
        super(message, cause);
    }
}
