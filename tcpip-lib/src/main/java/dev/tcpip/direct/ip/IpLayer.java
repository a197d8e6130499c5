package dev.tcpip.direct.ip;

import dev.tcpip.wire.IpAddress;

/**
 * What the stack's own upper layers (UDP, ICMP's users) need of an IP layer beyond {@link IpSender}: output with
 * a per-datagram hop limit and a delivery report, answering the datagram being delivered with "port unreachable",
 * and protocol registration. {@link Ipv4}, {@link Ipv6} and the family dispatcher {@link DualIp} implement it.
 * Every method runs on the stack's loop.
 */
public interface IpLayer extends IpSender {

    /** Sends one datagram (fragmented beyond the MTU) and tells {@code delivery} how it went. */
    void output(long now, IpAddress src, IpAddress dst, int protocol, int hopLimit, byte[] p, int off, int len,
                Delivery delivery);

    /** The TTL or hop limit of datagrams this stack originates toward {@code dst}. */
    int defaultHopLimit(IpAddress dst);

    /**
     * Answers the datagram being delivered (only during {@link TransportHandler#input}) with ICMP port unreachable
     * (RFC 1122 §4.1.3.1, RFC 4443 §3.1 code 4), unless it went to a broadcast or multicast address.
     */
    void portUnreachable(long now);

    /** Whether {@code a} is a unicast address of this interface (a source a transport may send from). */
    boolean isLocal(IpAddress a);

    /** Hands received datagrams of {@code protocol} to {@code handler}, and ICMP errors about them. */
    void register(int protocol, TransportHandler handler);
}
