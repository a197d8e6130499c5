package dev.tcpip.direct.link;

import dev.tcpip.device.NetworkDevice;
import dev.tcpip.device.OffloadReceiver;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.stats.Counters;
import dev.tcpip.wire.MacAddress;

/**
 * A point-to-point IP link (a TUN device, a {@link dev.tcpip.device.PointToPointLink}): each frame is one IPv4 or
 * IPv6 datagram with no link header, handed to IPv4 or IPv6 by the version nibble of its first byte (the
 * {@code IFF_NO_PI} TUN convention; RFC 791 §3.1 and RFC 8200 §3 put the version there). There is no ARP and no
 * address resolution: the link has one other end, and every datagram goes to it. Datagrams are sent from one
 * reused buffer of the MTU's size, or of a TCP super-segment's if the device takes those (a {@code TunDevice} with
 * segmentation offload); the device copies what it is given.
 */
public final class PointToPoint implements Link {
    private final NetworkDevice device;
    private final MacAddress id;
    private final Counters counters;
    private final byte[] tx;
    /** The device completes TCP checksums: super-segments go with {@link OffloadReceiver#CHECKSUM_VALID}. */
    private final boolean completes;
    private final int maxSuperSegment;
    private Receiver ipv4;
    private Receiver ipv6;

    public PointToPoint(NetworkDevice device, int mtu, Counters counters) {
        this.device = device;
        this.id = new MacAddress(device.mac());
        this.counters = counters;
        this.completes = device.completesChecksums();
        this.maxSuperSegment = Math.min(device.maxSuperSegment(), 65_535);
        this.tx = new byte[Math.max(mtu, maxSuperSegment)];
    }

    /** ARP has no place here; {@code arp} must be null. */
    @Override
    public void bind(Receiver arp, Receiver ip, Receiver ip6) {
        if (arp != null) {
            throw new IllegalArgumentException("a point-to-point IP link has no ARP");
        }
        this.ipv4 = ip;
        this.ipv6 = ip6;
    }

    @Override
    public void input(long now, byte[] frame, int off, int len) {
        counters.inc(StackCounter.IPLINK_RX_FRAMES);
        Receiver to = len < 1 ? null : switch ((frame[off] & 0xf0) >>> 4) {
            case 4 -> ipv4;
            case 6 -> ipv6;
            default -> null;
        };
        if (to == null) {
            counters.inc(StackCounter.IPLINK_DROPPED_UNKNOWN_VERSION);
            return;
        }
        to.input(now, frame, off, len);
    }

    @Override
    public boolean resolvesAddresses() {
        return false;
    }

    @Override
    public MacAddress mac() {
        return id;
    }

    @Override
    public void acceptMulticast(long mac) {
        // every datagram on the link is for us or for forwarding; IP checks the destination
    }

    @Override
    public byte[] buffer() {
        return tx;
    }

    @Override
    public int header(long dst, int etherType) {
        return 0;
    }

    @Override
    public void transmit(int len) {
        counters.inc(StackCounter.IPLINK_TX_FRAMES);
        device.send(tx, 0, len);
    }

    @Override
    public int maxSuperSegment() {
        return maxSuperSegment;
    }

    @Override
    public void transmit(int len, int gsoSize) {
        counters.inc(StackCounter.IPLINK_TX_FRAMES);
        device.send(tx, 0, len, OffloadReceiver.of(completes, gsoSize));
    }
}
