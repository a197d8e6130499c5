package dev.tcpip;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/** Which IP versions a stack speaks. */
public enum IpFamily {
    /** IPv4 only. */
    IPV4,
    /** IPv6 only. */
    IPV6,
    /** IPv4 and IPv6 at once. */
    DUAL;

    /** Whether a stack of this family can talk to {@code address}. */
    public boolean accepts(InetAddress address) {
        return switch (this) {
            case IPV4 -> address instanceof Inet4Address;
            case IPV6 -> address instanceof Inet6Address;
            case DUAL -> true;
        };
    }
}
