package dev.tcpip.direct;

import java.net.InetAddress;
import java.time.Duration;

/**
 * The answer to {@link DirectStack#ping}: who replied, the echo data size, the sequence number and the
 * round-trip time on the stack's clock (virtual time in a simulation).
 */
public record PingReply(InetAddress from, int size, int sequence, Duration rtt) {
}
