package dev.tcpip.direct.ip;

import dev.tcpip.wire.IcmpQuote;
import dev.tcpip.wire.IpAddress;

/**
 * An ICMP error as the transports see it: which kind, who reported it, and the quoted datagram's
 * addresses and first bytes of its transport header (at least 8: the ports, and TCP's sequence number).
 *
 * @param kind        what happened
 * @param reporter    the host or router that sent the ICMP message
 * @param src         the quoted datagram's source (this stack's address)
 * @param dst         the quoted datagram's destination
 * @param protocol    the quoted datagram's protocol number
 * @param transport   the quoted transport header bytes (a copy, at least 8 bytes)
 * @param nextHopMtu  for {@link Kind#FRAGMENTATION_NEEDED} / {@link Kind#PACKET_TOO_BIG}: the MTU to use
 *                    (RFC 1191 §4, RFC 8201 §4); otherwise 0
 */
public record IcmpError(Kind kind, IpAddress reporter, IpAddress src, IpAddress dst, int protocol,
                        byte[] transport, int nextHopMtu) {

    public enum Kind {
        NET_UNREACHABLE,
        HOST_UNREACHABLE,
        PROTOCOL_UNREACHABLE,
        PORT_UNREACHABLE,
        /** IPv4: destination unreachable, fragmentation needed and DF set (RFC 792, RFC 1191). */
        FRAGMENTATION_NEEDED,
        /** IPv6: packet too big (RFC 4443 §3.2). */
        PACKET_TOO_BIG,
        ADMINISTRATIVELY_PROHIBITED,
        TIME_EXCEEDED,
        PARAMETER_PROBLEM;

        /** Whether this error is a hard error that ends a connection attempt (RFC 1122 §4.2.3.9). */
        public boolean isHard() {
            return this == PROTOCOL_UNREACHABLE || this == PORT_UNREACHABLE;
        }
    }

    /** The quoted source port (the first two bytes of the transport header). */
    public int srcPort() {
        return IcmpQuote.srcPort(transport);
    }

    /** The quoted destination port. */
    public int dstPort() {
        return IcmpQuote.dstPort(transport);
    }
}
