package dev.tcpip;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * A received UDP datagram: where it came from, where it was sent to and its payload (a fresh buffer).
 * On the socket stack, {@code dst} carries the listening socket's address, which is the wildcard
 * address when it listens on all addresses (java.nio does not expose IP_PKTINFO).
 */
public record Datagram(InetSocketAddress src, InetSocketAddress dst, ByteBuffer payload) {
}
