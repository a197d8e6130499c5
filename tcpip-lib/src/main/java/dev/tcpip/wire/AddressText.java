package dev.tcpip.wire;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Addresses as a user types them, for messages: {@code 127.0.0.1:1}, {@code [2001:db8::1]:80} (IPv6 in RFC 5952 form,
 * in brackets when a port follows, RFC 3986 §3.2.2), never {@code InetAddress.toString}'s {@code /127.0.0.1:1} or
 * {@code host/127.0.0.1}. An unresolved address is its host name as given.
 */
public final class AddressText {

    private AddressText() {
    }

    /** {@code 10.0.0.1}, {@code 2001:db8::1}, {@code fe80::1%eth0}; {@code "null"} for null. */
    public static String of(InetAddress a) {
        if (a == null) {
            return "null";
        }
        if (a instanceof Inet6Address v6) {
            String text = Ipv6Address.of(v6).toString();
            if (v6.getScopedInterface() != null) {
                return text + "%" + v6.getScopedInterface().getName();
            }
            return v6.getScopeId() != 0 ? text + "%" + v6.getScopeId() : text;
        }
        return a.getHostAddress();
    }

    /** {@code 10.0.0.1:80}, {@code [2001:db8::1]:80}: the stack's own address type with a port. */
    public static String of(IpAddress a, int port) {
        return (a instanceof Ipv6Address ? "[" + a + "]" : String.valueOf(a)) + ":" + port;
    }

    /** {@code 127.0.0.1:1}, {@code [::1]:8080}, {@code example.org:443} (unresolved); {@code "null"} for null. */
    public static String of(InetSocketAddress a) {
        if (a == null) {
            return "null";
        }
        InetAddress address = a.getAddress();
        String host = address == null ? a.getHostString()
                : address instanceof Inet6Address ? "[" + of(address) + "]" : of(address);
        return host + ":" + a.getPort();
    }
}
