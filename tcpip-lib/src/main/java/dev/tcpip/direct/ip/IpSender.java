package dev.tcpip.direct.ip;

import dev.tcpip.UnreachableException;
import dev.tcpip.wire.IpAddress;

/**
 * What the IP layer offers the transports (TCP, UDP). Every method runs on the stack's event loop.
 */
public interface IpSender {

    /**
     * The local address to send from toward {@code dst} (route lookup) at {@code now}, the event's time
     * (address and router lifetimes expire).
     *
     * @throws UnreachableException no route to {@code dst}, or its IP version is not configured
     */
    IpAddress sourceFor(long now, IpAddress dst) throws UnreachableException;

    /**
     * The largest transport message (IP payload, transport header included) that reaches {@code dst}
     * without fragmentation: the path MTU toward it minus the IP header. TCP derives its MSS from it.
     */
    int maxPayload(IpAddress dst);

    /**
     * Sends one IP datagram carrying {@code protocol} at {@code now}, the time of the event that sends
     * it. {@code payload[off, off+len)} is the complete transport message with its checksum already
     * filled in; the array passes to the IP layer, which may keep it (queued behind address resolution) and the caller must not change it afterwards.
     * Datagrams larger than the MTU are fragmented (IPv4 without DF). Failures to deliver (no route,
     * neighbour unresolved) are counted and, where ICMP would say so, reported through
     * {@link TransportHandler#icmpError}.
     */
    void send(long now, IpAddress src, IpAddress dst, int protocol, byte[] payload, int off, int len);
}
