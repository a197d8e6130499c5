package dev.tcpip.direct;

/**
 * How a forwarding stack turns a guest's connection or datagram down, as a router or the far host would: a TCP
 * RST, or an ICMP destination unreachable (ICMPv4 RFC 792 / RFC 1812 §5.2.7.1 codes; ICMPv6 RFC 4443 §3.1 codes).
 * Every constant but {@link #RESET} is named as the internal ICMP error kind that says it.
 */
public enum Refusal {
    /** TCP RST (RFC 9293 §3.10.7.1): the far host refused, or a limit was reached. Not for UDP. */
    RESET,
    /** ICMPv4 code 0, net unreachable; ICMPv6 code 0, no route to destination. */
    NET_UNREACHABLE,
    /** ICMPv4 code 1, host unreachable; ICMPv6 code 3, address unreachable. */
    HOST_UNREACHABLE,
    /** ICMPv4 code 3 / ICMPv6 code 4, port unreachable: the far host refused a UDP datagram. */
    PORT_UNREACHABLE,
    /** ICMPv4 code 13 / ICMPv6 code 1, communication administratively prohibited: a UDP flow beyond a limit. */
    ADMINISTRATIVELY_PROHIBITED;
}
