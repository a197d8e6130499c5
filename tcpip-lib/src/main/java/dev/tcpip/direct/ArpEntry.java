package dev.tcpip.direct;

import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.MacAddress;

/**
 * One resolved entry of a direct stack's ARP cache, for inspection.
 *
 * @param expiresAt when a dynamic entry expires, in the loop clock's nanoseconds; {@code Long.MAX_VALUE} for
 *     a static entry
 */
public record ArpEntry(Ipv4Address ip, MacAddress mac, boolean isStatic, long expiresAt) {
}
