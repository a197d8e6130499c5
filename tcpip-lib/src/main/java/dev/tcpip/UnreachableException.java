package dev.tcpip;

/**
 * No route to the destination, the neighbour could not be resolved, or its address family is not served. {@link #scope()}
 * tells a network that cannot be reached (ENETUNREACH, ICMP net unreachable) from a host that does not answer
 * (EHOSTUNREACH, no ARP or neighbour advertisement, ICMP host unreachable): a forwarding gateway reports them
 * to its guest as different ICMP codes.
 */
public final class UnreachableException extends TcpipException {

    /** What could not be reached. */
    public enum Scope {
        /** No route to the destination's network. */
        NETWORK,
        /** The network is reached but the host is not (or it is not known which). */
        HOST
    }

    private final Scope scope;

    public UnreachableException(String message) {
        this(message, Scope.HOST, null);
    }

    public UnreachableException(String message, Throwable cause) {
        this(message, Scope.HOST, cause);
    }

    public UnreachableException(String message, Scope scope, Throwable cause) {
        super(message, cause);
        this.scope = java.util.Objects.requireNonNull(scope, "scope");
    }

    /** Whether the network or only the host was unreachable. */
    public Scope scope() {
        return scope;
    }
}
