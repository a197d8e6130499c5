/**
 * A SOCKS5 client as a {@link dev.tcpip.Stack}: {@link dev.tcpip.socks.Socks5Stack} opens TCP connections with
 * CONNECT and sends UDP datagrams through UDP ASSOCIATE (RFC 1928), with user/password authentication (RFC 1929),
 * over any other stack. As the upstream of a {@code dev.tcpip.forward.Forwarder} it makes the tun2socks relay.
 * Depends only on the API ({@code dev.tcpip}) and the wire layer's {@code ParseException}.
 */
package dev.tcpip.socks;
