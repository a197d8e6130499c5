package dev.tcpip.direct;

import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.MacAddress;

/**
 * One entry of a {@link DirectStack}'s neighbor cache (RFC 4861 §5.1), as {@link DirectStack#neighbors()}
 * reports it: the MAC is {@code null} while the entry is {@link State#INCOMPLETE}.
 */
public record NeighborEntry(Ipv6Address address, MacAddress mac, State state, boolean router) {

    /** The reachability states of RFC 4861 §7.3.2. */
    public enum State { INCOMPLETE, REACHABLE, STALE, DELAY, PROBE }
}
