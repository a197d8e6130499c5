package dev.tcpip.device;

/**
 * What a {@link NetworkDevice}'s frames are: Ethernet frames (a memory network's ports, a TAP device) or bare IP
 * datagrams on a point-to-point link (a TUN device, a {@link PointToPointLink}).
 */
public enum LinkType {
    /** Ethernet II frames: destination and source MAC, EtherType, payload; at most the MTU plus 14 bytes. */
    ETHERNET(14, 14),
    /**
     * IPv4 or IPv6 datagrams with no link header, told apart by the version nibble of their first byte; at most
     * the MTU. The link has two ends and no link-layer addresses, so nothing is resolved on it.
     */
    IP(0, 20);

    private final int headerLength;
    private final int minFrame;

    LinkType(int headerLength, int minFrame) {
        this.headerLength = headerLength;
        this.minFrame = minFrame;
    }

    /**
     * The shortest frame a device passes on; shorter ones are dropped as runts: an Ethernet header, or the 20
     * bytes of the smallest IPv4 header (RFC 791 §3.1; an IPv6 header has 40).
     */
    public int minFrame() {
        return minFrame;
    }

    /** Bytes of link header in front of the IP datagram: 14 or 0. */
    public int headerLength() {
        return headerLength;
    }

    /** The largest frame on a link of IP MTU {@code mtu}. */
    public int maxFrame(int mtu) {
        return mtu + headerLength;
    }
}
