package dev.tcpip.direct.tcp;

import dev.tcpip.wire.IpAddress;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.Ipv6Address;
import java.util.Objects;

/** A connection's identity (RFC 9293 §3.3.1: the socket pair), from this side's point of view. */
record FourTuple(IpAddress local, int localPort, IpAddress remote, int remotePort) {

    // The connection table's key, looked up per segment: equals and hashCode written out (the ports first, the
    // cheapest test) rather than the record's generated ones, which go through ObjectMethods' method handles.
    @Override
    public boolean equals(Object o) {
        return o instanceof FourTuple t && t.localPort == localPort && t.remotePort == remotePort
                && Objects.equals(t.local, local) && Objects.equals(t.remote, remote);
    }

    @Override
    public int hashCode() {
        return ((Objects.hashCode(local) * 31 + localPort) * 31 + Objects.hashCode(remote)) * 31 + remotePort;
    }

    /** The addresses as 64-bit words, for keyed hashing. */
    long[] words(boolean withLocalPort) {
        return new long[] {bits(local), bits(remote),
            (long) remotePort << 16 | (withLocalPort ? localPort : 0)};
    }

    private static long bits(IpAddress a) {
        return switch (a) {
            case Ipv4Address v4 -> v4.bits() & 0xffffffffL;
            case Ipv6Address v6 -> v6.hi() * 31 + v6.lo();
        };
    }
}
