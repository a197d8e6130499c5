/**
 * The gateway: a direct stack on a TAP device as a private network's router, the job of slirp4netns and pasta
 * ({@code tcpip gateway}). Besides forwarding, the services the gateway answers itself: {@link DhcpServer}
 * (DHCPv4, RFC 2131), {@link DnsForwarder} (DNS over UDP and TCP to an upstream resolver) and
 * {@link RouterAdvertiser} (IPv6 router advertisements for SLAAC, RFC 4861 §6.2).
 */
package dev.tcpip.forward;
