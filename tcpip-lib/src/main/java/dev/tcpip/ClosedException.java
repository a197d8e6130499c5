package dev.tcpip;

/**
 * The seed's {@code `Closed}: the flow (or stack) is closed, so the data could not be written. Thrown by
 * {@code write} after a local {@code close}/{@code shutdown(WRITE)}, after a reset, after keep-alive gave
 * up, and after {@link Stack#disconnect()}.
 */
public sealed class ClosedException extends TcpipException permits ResetException {

    public ClosedException(String message) {
        super(message, null);
    }

    public ClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
