package dev.tcpip.direct;

/**
 * What a {@link DirectStack} counts, per layer: frames and datagrams in and out, and every reason for a
 * drop. Malformed input at any layer is counted here and dropped, never thrown.
 */
public enum StackCounter {
    // Ethernet
    ETH_RX_FRAMES, ETH_TX_FRAMES, ETH_DROPPED_MALFORMED, ETH_DROPPED_NOT_FOR_US, ETH_DROPPED_UNKNOWN_TYPE,
    // a point-to-point IP link (a TUN device): datagrams in and out, and those of neither version 4 nor 6 (or
    // of a version the stack was not configured for)
    IPLINK_RX_FRAMES, IPLINK_TX_FRAMES, IPLINK_DROPPED_UNKNOWN_VERSION,
    // ARP (RFC 826)
    ARP_RX, ARP_TX_REQUESTS, ARP_TX_REPLIES, ARP_DROPPED_MALFORMED, ARP_NOT_FOR_US, ARP_ADDRESS_CONFLICT,
    ARP_CACHE_EVICTED, ARP_CACHE_FULL, ARP_PENDING_QUEUE_FULL, ARP_RESOLUTION_FAILED, ARP_PENDING_DROPPED,
    // IPv4 (RFC 791)
    IP_RX, IP_TX, IP_DROPPED_MALFORMED, IP_DROPPED_NOT_FOR_US, IP_DROPPED_BAD_SOURCE, IP_DROPPED_NO_ROUTE,
    IP_DROPPED_DF_TOO_BIG, IP_DROPPED_UNKNOWN_PROTOCOL, IP_FRAGMENTS_TX,
    // IPv4 reassembly (RFC 815)
    IP_FRAGMENTS_RX, IP_REASSEMBLED, IP_FRAGMENT_DUPLICATE, IP_REASSEMBLY_OVERLAP, IP_REASSEMBLY_LIMIT,
    IP_REASSEMBLY_TIMEOUT, IP_FRAGMENT_MALFORMED,
    /** RFC 3168 §5.3: a datagram whose fragments carried CE and Not-ECT, dropped rather than reassembled. */
    IP_REASSEMBLY_DROPPED_ECN,
    // ICMPv4 (RFC 792)
    ICMP_RX, ICMP_TX, ICMP_DROPPED_MALFORMED, ICMP_ECHO_REQUESTS_RX, ICMP_ECHO_REPLIES_TX, ICMP_ECHO_REPLIES_RX,
    ICMP_ECHO_REPLIES_UNMATCHED, ICMP_ERRORS_RX, ICMP_ERRORS_TX, ICMP_ERRORS_RATE_LIMITED, ICMP_ERRORS_IGNORED,
    ICMP_ECHO_RATE_LIMITED,
    // UDP (RFC 768)
    UDP_RX, UDP_TX, UDP_DROPPED_MALFORMED, UDP_DROPPED_CHECKSUM, UDP_DROPPED_NO_LISTENER, UDP_DROPPED_QUEUE_FULL,
    UDP_ICMP_ERRORS,
    // IPv6 (RFC 8200); its reassembly counts in the IP_FRAGMENT*/IP_REASSEMBL* counters above
    IP6_RX, IP6_TX, IP6_DROPPED_MALFORMED, IP6_DROPPED_NOT_FOR_US, IP6_DROPPED_BAD_SOURCE, IP6_DROPPED_NO_ROUTE,
    IP6_DROPPED_UNKNOWN_PROTOCOL, IP6_DROPPED_UNKNOWN_OPTION, IP6_DROPPED_BAD_EXTENSION, IP6_FRAGMENTS_TX,
    IP6_ATOMIC_FRAGMENTS,
    // IPv6 addresses (RFC 4862)
    IP6_ADDRESSES_CONFIGURED, IP6_DAD_CONFLICTS, IP6_ADDRESS_CONFLICTS,
    // ICMPv6 (RFC 4443)
    ICMP6_RX, ICMP6_TX, ICMP6_DROPPED_MALFORMED, ICMP6_ECHO_REQUESTS_RX, ICMP6_ECHO_REPLIES_TX,
    ICMP6_ECHO_REPLIES_UNMATCHED, ICMP6_ERRORS_RX, ICMP6_ERRORS_TX, ICMP6_ERRORS_RATE_LIMITED, ICMP6_IGNORED,
    ICMP6_ECHO_RATE_LIMITED,
    // Neighbor Discovery (RFC 4861) and MLDv2 (RFC 3810)
    NDP_NS_TX, NDP_NS_RX, NDP_NA_TX, NDP_NA_RX, NDP_RS_TX, NDP_RS_RX, NDP_RA_TX, NDP_RA_RX, NDP_REDIRECTS_RX, NDP_DAD_PROBES_TX,
    NDP_DROPPED_INVALID, NDP_NOT_FOR_US, NDP_PREFIX_IGNORED, NDP_CACHE_FULL, NDP_CACHE_EVICTED,
    NDP_PENDING_QUEUE_FULL, NDP_RESOLUTION_FAILED, NDP_UNREACHABLE, MLD_REPORTS_TX,
    // TCP (RFC 9293): malformed segments, RSTs for segments of no connection, SYNs dropped at a full backlog
    // (SYN cookies off), SYN cookies (RFC 4987 §3.6) sent / final ACKs validated / ACKs that failed, SYNs
    // refused (RST) because the connection table is full, TIME_WAIT entries ended early to bound their table;
    // in-order payloads the receive queue kept in the device's own frame array instead of copying them
    TCP_DROPPED_MALFORMED, TCP_RESETS_SENT, TCP_SYNS_DROPPED, TCP_SYN_COOKIES_SENT, TCP_SYN_COOKIES_VALIDATED,
    TCP_SYN_COOKIES_FAILED, TCP_TABLE_FULL, TCP_TIME_WAIT_EVICTED, TCP_RX_PAYLOADS_KEPT;

    /**
     * Whether this counter counts something dropped or refused (a frame, datagram, segment or reply not delivered
     * or not sent): the {@code *DROPPED*}, {@code *MALFORMED*}, {@code *_FULL} and {@code *RATE_LIMITED}
     * counters, reassembly given up ({@code IP_REASSEMBLY_OVERLAP}, {@code _LIMIT}, {@code _TIMEOUT}) and SYN
     * cookies that failed. Each such count is also a JFR {@code dev.tcpip.FrameDropped} event naming it.
     */
    public boolean isDrop() {
        String n = name();
        return n.contains("DROPPED") || n.contains("MALFORMED") || n.endsWith("_FULL") || n.endsWith("RATE_LIMITED")
                || this == IP_REASSEMBLY_OVERLAP || this == IP_REASSEMBLY_LIMIT || this == IP_REASSEMBLY_TIMEOUT
                || this == TCP_SYN_COOKIES_FAILED;
    }
}
