package dev.tcpip;

import java.net.InetAddress;
import java.time.Duration;

/**
 * The answer to an ICMP or ICMPv6 echo request ({@code DirectStack.ping}, {@code SocketStack.ping}): who replied,
 * the echo data size, the sequence number and the round-trip time on the stack's clock (virtual time in a
 * simulation).
 */
public record PingReply(InetAddress from, int size, int sequence, Duration rtt) {
}
