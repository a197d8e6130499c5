package dev.tcpip;

/**
 * Optional settings of {@link Udp#send}: the source port ({@code 0}: an ephemeral port; a port being
 * listened on sends from that listener, so replies reach it) and the TTL / hop limit ({@code -1}: the
 * stack's default).
 * The socket stack cannot set a unicast TTL through java.nio and rejects one.
 */
public record UdpSendOptions(int srcPort, int ttl) {

    public static final UdpSendOptions DEFAULT = new UdpSendOptions(0, -1);

    public UdpSendOptions {
        Ports.check(srcPort);
        if (ttl < -1 || ttl > 255) {
            throw new IllegalArgumentException("ttl must be 1..255, or -1 for the default: " + ttl);
        }
        if (ttl == 0) {
            throw new IllegalArgumentException("ttl 0 would never leave the host");
        }
    }

    public static UdpSendOptions fromPort(int srcPort) {
        return new UdpSendOptions(srcPort, -1);
    }
}
