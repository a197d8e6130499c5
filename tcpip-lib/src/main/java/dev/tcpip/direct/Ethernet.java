package dev.tcpip.direct;

import dev.tcpip.device.NetworkDevice;
import dev.tcpip.wire.EtherType;
import dev.tcpip.wire.EthernetHeader;
import dev.tcpip.wire.EthernetView;
import dev.tcpip.wire.MacAddress;
import dev.tcpip.wire.ParseException;

/**
 * The Ethernet layer: accepts frames for this interface's address and broadcast, hands ARP and IPv4 on, and
 * sends frames from one reused buffer (the device copies what it is given).
 */
final class Ethernet {
    private final NetworkDevice device;
    private final MacAddress mac;
    private final Counters counters;
    private final byte[] tx;
    private Arp arp;
    private Ipv4 ipv4;

    Ethernet(NetworkDevice device, int mtu, Counters counters) {
        this.device = device;
        this.mac = new MacAddress(device.mac());
        this.counters = counters;
        this.tx = new byte[mtu + EthernetView.HEADER_LENGTH];
    }

    void bind(Arp a, Ipv4 ip) {
        this.arp = a;
        this.ipv4 = ip;
    }

    MacAddress mac() {
        return mac;
    }

    void input(long now, byte[] frame, int off, int len) {
        counters.inc(StackCounter.ETH_RX_FRAMES);
        EthernetView eth;
        try {
            eth = EthernetView.parse(frame, off, len);
        } catch (ParseException e) {
            counters.inc(StackCounter.ETH_DROPPED_MALFORMED);
            return;
        }
        long dst = eth.dstBits();
        if (dst != mac.bits() && dst != MacAddress.BROADCAST.bits()) {
            counters.inc(StackCounter.ETH_DROPPED_NOT_FOR_US);   // multicast has no listener yet
            return;
        }
        if (eth.tagged()) {
            counters.inc(StackCounter.ETH_DROPPED_UNKNOWN_TYPE); // no VLANs on this interface
            return;
        }
        switch (eth.etherType()) {
            case EtherType.ARP -> arp.input(now, frame, eth.payloadOffset(), eth.payloadLength());
            case EtherType.IPV4 -> ipv4.input(now, frame, eth.payloadOffset(), eth.payloadLength());
            default -> counters.inc(StackCounter.ETH_DROPPED_UNKNOWN_TYPE);
        }
    }

    /** The transmit buffer: an Ethernet header (written by {@link #header}) then up to the MTU of payload. */
    byte[] buffer() {
        return tx;
    }

    /** Writes the header for {@code dst} and {@code etherType}; returns the payload's offset. */
    int header(long dst, int etherType) {
        return new EthernetHeader(new MacAddress(dst), mac, etherType).emit(tx, 0);
    }

    /** Sends the first {@code len} bytes of the buffer. */
    void transmit(int len) {
        counters.inc(StackCounter.ETH_TX_FRAMES);
        device.send(tx, 0, len);
    }
}
