package dev.tcpip.direct.link;

import dev.tcpip.device.NetworkDevice;
import dev.tcpip.device.OffloadReceiver;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.stats.Counters;
import dev.tcpip.wire.EtherType;
import dev.tcpip.wire.EthernetHeader;
import dev.tcpip.wire.EthernetView;
import dev.tcpip.wire.MacAddress;
import dev.tcpip.wire.ParseException;

/**
 * The Ethernet layer: accepts frames for this interface's address, broadcast and the joined IPv6 groups, hands
 * ARP, IPv4 and IPv6 on, and
 * sends frames from one reused buffer (the device copies what it is given).
 */
public final class Ethernet implements Link {
    private final NetworkDevice device;
    private final MacAddress mac;
    private final Counters counters;
    private final byte[] tx;
    /** The device completes TCP checksums: every frame goes with {@link OffloadReceiver#CHECKSUM_VALID}. */
    private final boolean completes;
    private final int maxSuperSegment;
    private Receiver arp;
    private Receiver ipv4;
    private Receiver ipv6;
    /** Multicast MACs of the groups IPv6 joined (RFC 2464 §7); a handful, so a small array. */
    private long[] multicast = new long[0];

    public Ethernet(NetworkDevice device, int mtu, Counters counters) {
        this.device = device;
        this.mac = new MacAddress(device.mac());
        this.counters = counters;
        this.completes = device.completesChecksums();
        this.maxSuperSegment = Math.min(device.maxSuperSegment(), 65_535);
        this.tx = new byte[Math.max(mtu, maxSuperSegment) + EthernetView.HEADER_LENGTH];
    }

    /** The receivers of ARP, IPv4 and IPv6 frames; null where that protocol is not configured. */
    @Override
    public void bind(Receiver a, Receiver ip, Receiver ip6) {
        this.arp = a;
        this.ipv4 = ip;
        this.ipv6 = ip6;
    }

    /** Takes frames to {@code mac} from now on. */
    @Override
    public void acceptMulticast(long mac) {
        if (!accepts(mac)) {
            multicast = java.util.Arrays.copyOf(multicast, multicast.length + 1);
            multicast[multicast.length - 1] = mac;
        }
    }

    private boolean accepts(long mac) {
        for (long m : multicast) {
            if (m == mac) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean resolvesAddresses() {
        return true;
    }

    @Override
    public MacAddress mac() {
        return mac;
    }

    @Override
    public void input(long now, byte[] frame, int off, int len) {
        counters.inc(StackCounter.ETH_RX_FRAMES);
        EthernetView eth;
        try {
            eth = EthernetView.parse(frame, off, len);
        } catch (ParseException e) {
            counters.inc(StackCounter.ETH_DROPPED_MALFORMED);
            return;
        }
        long dst = eth.dstBits();
        if (dst != mac.bits() && dst != MacAddress.BROADCAST.bits() && !accepts(dst)) {
            counters.inc(StackCounter.ETH_DROPPED_NOT_FOR_US);   // a group nobody joined
            return;
        }
        if (eth.tagged()) {
            counters.inc(StackCounter.ETH_DROPPED_UNKNOWN_TYPE); // no VLANs on this interface
            return;
        }
        switch (eth.etherType()) {
            case EtherType.ARP -> {
                if (arp != null) {
                    arp.input(now, frame, eth.payloadOffset(), eth.payloadLength());
                } else {
                    counters.inc(StackCounter.ETH_DROPPED_UNKNOWN_TYPE);
                }
            }
            case EtherType.IPV4 -> {
                if (ipv4 != null) {
                    ipv4.input(now, frame, eth.payloadOffset(), eth.payloadLength());
                } else {
                    counters.inc(StackCounter.ETH_DROPPED_UNKNOWN_TYPE);
                }
            }
            case EtherType.IPV6 -> {
                if (ipv6 != null) {
                    ipv6.input(now, frame, eth.payloadOffset(), eth.payloadLength());
                } else {
                    counters.inc(StackCounter.ETH_DROPPED_UNKNOWN_TYPE);
                }
            }
            default -> counters.inc(StackCounter.ETH_DROPPED_UNKNOWN_TYPE);
        }
    }

    /** The transmit buffer: an Ethernet header (written by {@link #header}) then up to the MTU of payload. */
    @Override
    public byte[] buffer() {
        return tx;
    }

    /** Writes the header for {@code dst} and {@code etherType}; returns the payload's offset. */
    @Override
    public int header(long dst, int etherType) {
        return EthernetHeader.emitUntagged(tx, 0, dst, mac.bits(), etherType);   // no objects per frame
    }

    /** Sends the first {@code len} bytes of the buffer. */
    @Override
    public void transmit(int len) {
        counters.inc(StackCounter.ETH_TX_FRAMES);
        if (completes) {
            device.send(tx, 0, len, OffloadReceiver.CHECKSUM_VALID);
        } else {
            device.send(tx, 0, len);
        }
    }

    @Override
    public int maxSuperSegment() {
        return maxSuperSegment;
    }

    @Override
    public void transmit(int len, int gsoSize) {
        counters.inc(StackCounter.ETH_TX_FRAMES);
        device.send(tx, 0, len, OffloadReceiver.of(completes, gsoSize));
    }
}
