package dev.tcpip.direct.ip;

import dev.tcpip.wire.Ecn;
import dev.tcpip.wire.IpAddress;

/**
 * What a transport (TCP, UDP) gives the IP layer, which demultiplexes by protocol number. Every method
 * runs on the stack's event loop and must not block or throw: malformed input is counted and dropped.
 */
public interface TransportHandler {

    /**
     * One received transport message (reassembled if it was fragmented). {@code buf[off, off+len)} is
     * lent for the duration of the call only; its checksum has not been verified yet (the transport
     * knows its pseudo-header rules).
     */
    void input(long now, IpAddress src, IpAddress dst, byte[] buf, int off, int len);

    /**
     * {@link #input(long, IpAddress, IpAddress, byte[], int, int)} with the datagram's ECN field ({@link Ecn}, RFC
     * 3168 §5), which the IP layer hands on unchanged. Transports that take no part in ECN keep this default.
     */
    default void input(long now, IpAddress src, IpAddress dst, int ecn, byte[] buf, int off, int len) {
        input(now, src, dst, buf, off, len);
    }

    /** An ICMP or ICMPv6 error about a datagram this transport sent. */
    void icmpError(long now, IcmpError error);
}
