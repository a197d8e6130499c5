/**
 * Forwarding and the gateway: user-mode networking (the job of slirp4netns, pasta, tun2socks). A
 * {@link dev.tcpip.forward.Forwarder} makes a {@code DirectStack} accept every guest TCP connection and UDP flow to
 * any address and opens it again through an upstream {@link dev.tcpip.Stack} (the socket stack in production,
 * another direct stack in a simulation), relaying the bytes both ways with backpressure, half-close and reset
 * carried across ({@link dev.tcpip.forward.Splice}, and {@code LoopSplice} without a thread per direction for a guest
 * flow relayed to a socket flow). A guest's SYN is answered only once the upstream connect has
 * succeeded, so an upstream failure reaches the guest as a router would say it: RST or ICMP destination unreachable.
 * Besides forwarding, the services a gateway answers itself: {@link DhcpServer} (DHCPv4, RFC 2131),
 * {@link DnsForwarder} (DNS over UDP and TCP to an upstream resolver) and {@link RouterAdvertiser} (IPv6 router
 * advertisements for SLAAC, RFC 4861 §6.2).
 */
package dev.tcpip.forward;
