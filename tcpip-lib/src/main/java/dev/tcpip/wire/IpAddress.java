package dev.tcpip.wire;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/** An IP address of either version, as the direct stack handles it: a small value, no name lookups. */
public sealed interface IpAddress permits Ipv4Address, Ipv6Address {

    /** The same address as a JDK InetAddress (for the API's InetSocketAddress values). */
    InetAddress toInetAddress();

    /** The direct stack's value for a JDK address. */
    static IpAddress of(InetAddress a) {
        return switch (a) {
            case Inet4Address v4 -> Ipv4Address.of(v4);
            case Inet6Address v6 -> Ipv6Address.of(v6);
            default -> throw new IllegalArgumentException("not an IP address: " + a);
        };
    }
}
