package dev.tcpip.direct.ip;

import dev.tcpip.UnreachableException;
import dev.tcpip.wire.IpAddress;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.Ipv6Address;

/**
 * The transports' one IP layer on a stack with IPv4, IPv6 or both: each call goes to the layer of the
 * destination's family. A family that is not configured is unreachable.
 */
public final class DualIp implements IpLayer {
    private final Ipv4 v4;   // null: no IPv4
    private final Ipv6 v6;   // null: no IPv6
    private final boolean completesChecksums;

    public DualIp(Ipv4 v4, Ipv6 v6) {
        this(v4, v6, false);
    }

    /** Both families over one device; {@code completesChecksums}: the device's answer (see {@link IpSender}). */
    public DualIp(Ipv4 v4, Ipv6 v6, boolean completesChecksums) {
        this.v4 = v4;
        this.v6 = v6;
        this.completesChecksums = completesChecksums;
    }

    @Override
    public boolean completesChecksums() {
        return completesChecksums;
    }

    private IpLayer of(IpAddress dst) {
        return switch (dst) {
            case Ipv4Address a -> v4;
            case Ipv6Address a -> v6;
        };
    }

    @Override
    public IpAddress sourceFor(long now, IpAddress dst) throws UnreachableException {
        IpLayer ip = of(dst);
        if (ip == null) {
            throw new UnreachableException("this stack has no " + (dst instanceof Ipv4Address ? "IPv4" : "IPv6")
                    + " address: " + dst, UnreachableException.Scope.NETWORK, null);
        }
        return ip.sourceFor(now, dst);
    }

    @Override
    public boolean isLocal(IpAddress a) {
        IpLayer ip = of(a);
        return ip != null && ip.isLocal(a);
    }

    @Override
    public int maxPayload(IpAddress dst) {
        IpLayer ip = of(dst);
        return ip == null ? Ipv6.MIN_MTU - Ipv6.HEADER : ip.maxPayload(dst);
    }

    @Override
    public void send(long now, IpAddress src, IpAddress dst, int protocol, int ecn, byte[] payload, int off,
                     int len) {
        IpLayer ip = of(dst);
        if (ip != null) {
            ip.send(now, src, dst, protocol, ecn, payload, off, len);
        }
    }

    @Override
    public int maxSuperSegment(IpAddress dst) {
        IpLayer ip = of(dst);
        return ip == null ? 0 : ip.maxSuperSegment(dst);
    }

    @Override
    public boolean sendSuperSegment(long now, IpAddress src, IpAddress dst, int ecn, int len, int gsoSize,
                                    MessageWriter writer) {
        IpLayer ip = of(dst);
        return ip != null && ip.sendSuperSegment(now, src, dst, ecn, len, gsoSize, writer);
    }

    @Override
    public void send(long now, IpAddress src, IpAddress dst, int protocol, int ecn, int len, MessageWriter writer) {
        IpLayer ip = of(dst);
        if (ip != null) {
            ip.send(now, src, dst, protocol, ecn, len, writer);
        }
    }

    @Override
    public void output(long now, IpAddress src, IpAddress dst, int protocol, int hopLimit, byte[] p, int off,
                       int len, Delivery delivery) {
        IpLayer ip = of(dst);
        if (ip == null) {
            delivery.failed(now, IcmpError.Kind.NET_UNREACHABLE, "no route to " + dst);
            return;
        }
        ip.output(now, src, dst, protocol, hopLimit, p, off, len, delivery);
    }

    @Override
    public int defaultHopLimit(IpAddress dst) {
        IpLayer ip = of(dst);
        return ip == null ? 64 : ip.defaultHopLimit(dst);
    }

    @Override
    public void portUnreachable(long now) {
        // Only the layer delivering a datagram right now answers; the other has none.
        if (v4 != null) {
            v4.portUnreachable(now);
        }
        if (v6 != null) {
            v6.portUnreachable(now);
        }
    }

    @Override
    public boolean isOwn(IpAddress dst) {
        IpLayer ip = of(dst);
        return ip != null && ip.isOwn(dst);
    }

    @Override
    public void unreachable(long now, IcmpError.Kind kind, IpAddress src, IpAddress dst, int protocol,
                            byte[] transport) {
        IpLayer ip = of(dst);
        if (ip != null) {
            ip.unreachable(now, kind, src, dst, protocol, transport);
        }
    }

    /** Forwarding on or off in both families (see {@link Ipv4#acceptAnyDestination}). */
    public void acceptAnyDestination(boolean on) {
        if (v4 != null) {
            v4.acceptAnyDestination(on);
        }
        if (v6 != null) {
            v6.acceptAnyDestination(on);
        }
    }

    @Override
    public void register(int protocol, TransportHandler handler) {
        if (v4 != null) {
            v4.register(protocol, handler);
        }
        if (v6 != null) {
            v6.register(protocol, handler);
        }
    }
}
