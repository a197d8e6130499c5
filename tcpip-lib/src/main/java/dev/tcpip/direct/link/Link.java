package dev.tcpip.direct.link;

/**
 * The link layer as IP sees it, whichever the device's frames are: {@link Ethernet} (frames with MAC addresses;
 * next hops resolved by ARP and Neighbor Discovery) or {@link PointToPoint} (bare IP datagrams on a link with
 * two ends and no link-layer addresses, as on a TUN device). IP writes its datagram into {@link #buffer()} after
 * the {@link #header} it asks for, and hands it to {@link #transmit}. Runs on the loop.
 */
public sealed interface Link permits Ethernet, PointToPoint {

    /** A protocol above the link: takes the payload of a received frame. Runs on the loop. */
    interface Receiver {
        void input(long now, byte[] buf, int off, int len);
    }

    /** The receivers of ARP, IPv4 and IPv6; null where that protocol is not configured (or, for ARP, used). */
    void bind(Receiver arp, Receiver ipv4, Receiver ipv6);

    /** A frame from the device. */
    void input(long now, byte[] frame, int off, int len);

    /**
     * Whether next hops have link-layer addresses to resolve (ARP, Neighbor Discovery): true on Ethernet, false on
     * a point-to-point link, where every datagram goes to the one other end.
     */
    boolean resolvesAddresses();

    /** The interface's MAC address (on a point-to-point link, the device's identifier; see its javadoc). */
    dev.tcpip.wire.MacAddress mac();

    /** Takes frames to multicast MAC {@code mac} from now on (nothing to do on a point-to-point link). */
    void acceptMulticast(long mac);

    /** The transmit buffer: a link header (written by {@link #header}) then up to the MTU of payload. */
    byte[] buffer();

    /**
     * Writes the link header for next hop {@code dst} (a MAC address; ignored on a point-to-point link) and
     * {@code etherType} into the buffer; returns where the payload begins (0 on a point-to-point link).
     */
    int header(long dst, int etherType);

    /** Sends the first {@code len} bytes of the buffer. */
    void transmit(int len);

    /**
     * The largest IP datagram of a TCP super-segment the device takes ({@link
     * dev.tcpip.device.NetworkDevice#maxSuperSegment()}), the buffer then holding that much after the link header;
     * 0 if none (the default).
     */
    default int maxSuperSegment() {
        return 0;
    }

    /**
     * Sends the first {@code len} bytes of the buffer as a TCP super-segment whose pieces carry {@code gsoSize}
     * bytes of payload each (only if {@link #maxSuperSegment()} is positive).
     */
    default void transmit(int len, int gsoSize) {
        throw new UnsupportedOperationException("this link takes no super-segments");
    }
}
