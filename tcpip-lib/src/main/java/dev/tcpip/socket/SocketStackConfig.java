package dev.tcpip.socket;

import dev.tcpip.IpFamily;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link SocketStack}; every knob with its default.
 *
 * @param family           which IP versions the stack serves. Default: {@link IpFamily#DUAL}.
 * @param ipv4Address      the IPv4 address that listening and connecting sockets bind to (the seed's
 *                         {@code Tcpv4_socket.connect} prefix); null for every address. Default: null.
 * @param ipv6Address      the same for IPv6. Default: null.
 * @param connectTimeout   how long {@code connect} waits for the handshake before
 *                         {@link dev.tcpip.TimedOutException}. Default: 30 s.
 * @param readBufferSize   the most bytes one {@code read} returns. Default: 64 KiB, the largest
 *                         amount Linux hands over per loopback read in practice.
 * @param closeBufferLimit how many received bytes {@code close} keeps for later reads while it waits for
 *                         the peer's FIN; past it, close waits for the application to read. Default: 4 MiB.
 */
public record SocketStackConfig(IpFamily family, InetAddress ipv4Address, InetAddress ipv6Address,
                                Duration connectTimeout, int readBufferSize, int closeBufferLimit) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_READ_BUFFER_SIZE = 64 * 1024;
    public static final int DEFAULT_CLOSE_BUFFER_LIMIT = 4 * 1024 * 1024;

    public SocketStackConfig {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (ipv4Address != null && !(ipv4Address instanceof Inet4Address)) {
            throw new IllegalArgumentException("ipv4Address is not an IPv4 address: " + ipv4Address);
        }
        if (ipv6Address != null && !(ipv6Address instanceof Inet6Address)) {
            throw new IllegalArgumentException("ipv6Address is not an IPv6 address: " + ipv6Address);
        }
        if (family == IpFamily.IPV4 && ipv6Address != null || family == IpFamily.IPV6 && ipv4Address != null) {
            throw new IllegalArgumentException("an address of a family the stack does not serve: " + family);
        }
        if (family == IpFamily.DUAL && (ipv4Address != null) != (ipv6Address != null)) {
            throw new IllegalArgumentException("a dual stack binds to every address or to one of each family");
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive: " + connectTimeout);
        }
        if (readBufferSize < 1 || readBufferSize > 16 << 20) {
            throw new IllegalArgumentException("readBufferSize must be 1 byte .. 16 MiB: " + readBufferSize);
        }
        if (closeBufferLimit < 0) {
            throw new IllegalArgumentException("closeBufferLimit must not be negative: " + closeBufferLimit);
        }
    }

    /** The defaults for {@code family}, bound to every address. */
    public static SocketStackConfig of(IpFamily family) {
        return new SocketStackConfig(family, null, null, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_BUFFER_SIZE,
                DEFAULT_CLOSE_BUFFER_LIMIT);
    }

    public SocketStackConfig withIpv4Address(InetAddress a) {
        return new SocketStackConfig(family, a, ipv6Address, connectTimeout, readBufferSize, closeBufferLimit);
    }

    public SocketStackConfig withIpv6Address(InetAddress a) {
        return new SocketStackConfig(family, ipv4Address, a, connectTimeout, readBufferSize, closeBufferLimit);
    }

    public SocketStackConfig withConnectTimeout(Duration d) {
        return new SocketStackConfig(family, ipv4Address, ipv6Address, d, readBufferSize, closeBufferLimit);
    }

    public SocketStackConfig withReadBufferSize(int n) {
        return new SocketStackConfig(family, ipv4Address, ipv6Address, connectTimeout, n, closeBufferLimit);
    }

    public SocketStackConfig withCloseBufferLimit(int n) {
        return new SocketStackConfig(family, ipv4Address, ipv6Address, connectTimeout, readBufferSize, n);
    }
}
