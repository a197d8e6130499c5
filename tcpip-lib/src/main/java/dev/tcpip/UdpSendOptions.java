package dev.tcpip;

import java.net.InetAddress;

/**
 * Optional settings of {@link Udp#send}: the source port ({@code 0}: an ephemeral port; a port being
 * listened on sends from that listener, so replies reach it), the TTL / hop limit ({@code -1}: the
 * stack's default) and the source address ({@code null}: the stack chooses). A source address must be one of
 * the stack's own: a reply leaves from the address its request was sent to (RFC 1122 §4.1.3.5) when an
 * interface has several.
 * The socket stack cannot set a unicast TTL or a per-datagram source address through java.nio and rejects both.
 */
public record UdpSendOptions(int srcPort, int ttl, InetAddress src) {

    public static final UdpSendOptions DEFAULT = new UdpSendOptions(0, -1, null);

    public UdpSendOptions {
        Ports.check(srcPort);
        if (ttl < -1 || ttl > 255) {
            throw new IllegalArgumentException("ttl must be 1..255, or -1 for the default: " + ttl);
        }
        if (ttl == 0) {
            throw new IllegalArgumentException("ttl 0 would never leave the host");
        }
    }

    /** Source port and TTL; the stack chooses the source address. */
    public UdpSendOptions(int srcPort, int ttl) {
        this(srcPort, ttl, null);
    }

    public static UdpSendOptions fromPort(int srcPort) {
        return new UdpSendOptions(srcPort, -1, null);
    }

    /** These options sending from {@code address}, one of the stack's own. */
    public UdpSendOptions withSource(InetAddress address) {
        return new UdpSendOptions(srcPort, ttl, address);
    }
}
