package dev.tcpip.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** Addresses in messages as a user types them: no leading slash, IPv6 compressed and bracketed before a port. */
class AddressTextTest {

    @Test
    void socketAddressesReadAsTyped() {
        assertEquals("127.0.0.1:1", AddressText.of(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 1)));
        assertEquals("[::1]:8080", AddressText.of(new InetSocketAddress(InetAddress.ofLiteral("::1"), 8080)));
        assertEquals("[2001:db8::1]:80",
                AddressText.of(new InetSocketAddress(InetAddress.ofLiteral("2001:db8:0:0:0:0:0:1"), 80)));
        assertEquals("example.invalid:443", AddressText.of(InetSocketAddress.createUnresolved("example.invalid", 443)));
        // A name that was resolved still shows only its address, as the message's reader would type it.
        assertEquals("10.0.0.1:7",
                AddressText.of(new InetSocketAddress(InetAddress.ofLiteral("10.0.0.1"), 7)));
        assertEquals("null", AddressText.of((InetSocketAddress) null));
    }

    @Test
    void addressesWithoutPorts() throws Exception {
        assertEquals("10.0.0.1", AddressText.of(InetAddress.ofLiteral("10.0.0.1")));
        assertEquals("fe80::1", AddressText.of(InetAddress.ofLiteral("fe80:0:0:0:0:0:0:1")));
        assertEquals("fe80::1%3", AddressText.of(Inet6Address.getByAddress(null,
                InetAddress.ofLiteral("fe80::1").getAddress(), 3)));
        assertEquals("10.0.0.1:80", AddressText.of(Ipv4Address.parse("10.0.0.1"), 80));
        assertEquals("[2001:db8::2]:80", AddressText.of(Ipv6Address.parse("2001:db8::2"), 80));
    }
}
