package dev.tcpip;

/** No route to the destination, the neighbour could not be resolved, or its address family is not served. */
public final class UnreachableException extends TcpipException {

    public UnreachableException(String message) {
        super(message, null);
    }

    public UnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
