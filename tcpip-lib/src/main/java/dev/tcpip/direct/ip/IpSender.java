package dev.tcpip.direct.ip;

import dev.tcpip.UnreachableException;
import dev.tcpip.wire.Ecn;
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
    default void send(long now, IpAddress src, IpAddress dst, int protocol, byte[] payload, int off, int len) {
        send(now, src, dst, protocol, Ecn.NOT_ECT, payload, off, len);
    }

    /**
     * {@link #send(long, IpAddress, IpAddress, int, byte[], int, int)} with {@code ecn} (an {@link Ecn} codepoint)
     * in the ECN field of the datagram (and of each of its fragments), RFC 3168 §5; the DSCP stays 0.
     */
    void send(long now, IpAddress src, IpAddress dst, int protocol, int ecn, byte[] payload, int off, int len);

    /** Writes a transport message of the length it was given into {@code buf} from {@code off}. */
    @FunctionalInterface
    interface MessageWriter {
        void write(byte[] buf, int off);
    }

    /**
     * As {@link #send(long, IpAddress, IpAddress, int, int, byte[], int, int)} for a message of {@code len} bytes
     * that {@code writer} writes, once. When the datagram leaves at once and whole (next hop resolved, no
     * fragment needed) it writes straight into the link's transmit buffer, after the IP header: no array per
     * message, one copy of the payload fewer. Otherwise (and by default) into a fresh array sent as usual.
     */
    default void send(long now, IpAddress src, IpAddress dst, int protocol, int ecn, int len, MessageWriter writer) {
        byte[] b = new byte[len];
        writer.write(b, 0);
        send(now, src, dst, protocol, ecn, b, 0, len);
    }

    /**
     * The largest transport message (IP payload) of a TCP super-segment toward {@code dst} that
     * {@link #sendSuperSegment} may take: the device's {@link dev.tcpip.device.NetworkDevice#maxSuperSegment()} less
     * the IP header; 0 if the device takes none (the default).
     */
    default int maxSuperSegment(IpAddress dst) {
        return 0;
    }

    /**
     * Sends a TCP super-segment of {@code len} bytes that {@code writer} writes (at most {@link #maxSuperSegment}, the
     * header's checksum left partial) as one frame whose pieces carry {@code gsoSize} bytes of payload each, for the
     * device to cut (TSO; virtio 1.2 §5.1.6.2 {@code gso_size}), each piece then no longer than {@link #maxPayload}.
     * Only in place, as {@link #send(long, IpAddress, IpAddress, int, int, int, MessageWriter)} when the datagram can
     * leave at once: false, having sent nothing and called nothing, otherwise (the caller sends the pieces itself).
     */
    default boolean sendSuperSegment(long now, IpAddress src, IpAddress dst, int ecn, int len, int gsoSize,
                                     MessageWriter writer) {
        return false;
    }

    /**
     * True if the device below completes TCP and UDP checksums ({@link dev.tcpip.device.NetworkDevice#completesChecksums}):
     * a transport message of at most {@link #maxPayload} bytes (never fragmented) may then go out with only the
     * folded pseudo-header sum in its checksum field. False by default (test doubles, wrapped devices).
     */
    default boolean completesChecksums() {
        return false;
    }

    /**
     * Whether {@code dst} is one of this stack's addresses (or a broadcast or multicast group it takes). With
     * forwarding on, input also delivers TCP and UDP for other destinations; the transports ask this to tell a
     * datagram for this host from one to be forwarded. Layers without forwarding (test doubles) take everything.
     */
    default boolean isOwn(IpAddress dst) {
        return true;
    }

    /**
     * Sends an ICMP destination unreachable of {@code kind} (net, host, port or administratively prohibited) to
     * {@code src} about a datagram {@code src → dst} of {@code protocol} whose transport header began with
     * {@code transport} (at least 8 bytes). For forwarding, which answers a guest's datagram only once the
     * upstream has answered: the datagram is gone by then, so its IP header is rebuilt from the fields a receiver
     * matches an error on (RFC 792 and RFC 4443 §2.4(c): the quoted header and the first transport bytes).
     */
    default void unreachable(long now, IcmpError.Kind kind, IpAddress src, IpAddress dst, int protocol,
                             byte[] transport) {
    }
}
