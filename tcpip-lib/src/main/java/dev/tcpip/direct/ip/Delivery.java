package dev.tcpip.direct.ip;

import dev.tcpip.wire.IpAddress;

/**
 * Who hears how one outgoing datagram fared: sent (handed to the device), or failed before it left (no
 * route, too big with DF, the next hop unresolved). Called on the loop, once.
 *
 * <p>The IP layers' {@code output} methods take {@code null} for "a failure goes to the transport as an ICMP
 * error" ({@link IpSender#send}'s contract): the {@link #toTransport} object is then made only on the rare path
 * where it is needed (a failure, or a wait for the next hop's link address), so sending a segment whose next hop
 * is known allocates nothing for it.
 */
public interface Delivery {
    void sent();

    void failed(long now, IcmpError.Kind kind, String why);

    /**
     * Reports a failure to the transport registered for {@code protocol} as an ICMP error from {@code reporter}
     * quoting the first 8 bytes of {@code p[off, off+len)} ({@link IpSender#send}'s contract).
     */
    static Delivery toTransport(TransportHandler[] transports, IpAddress reporter, IpAddress src, IpAddress dst,
                                int protocol, byte[] p, int off, int len, int mtu) {
        return new Delivery() {
            @Override
            public void sent() {
            }

            @Override
            public void failed(long now, IcmpError.Kind kind, String why) {
                TransportHandler t = transports[protocol];
                if (t != null) {
                    t.icmpError(now, new IcmpError(kind, reporter, src, dst, protocol,
                            java.util.Arrays.copyOfRange(p, off, off + Math.min(len, 8)),
                            kind == IcmpError.Kind.FRAGMENTATION_NEEDED ? mtu : 0));
                }
            }
        };
    }

    /** {@code d}, or when it is null the {@link #toTransport} report for this datagram. */
    static Delivery orToTransport(Delivery d, TransportHandler[] transports, IpAddress reporter, IpAddress src,
                                  IpAddress dst, int protocol, byte[] p, int off, int len, int mtu) {
        return d != null ? d : toTransport(transports, reporter, src, dst, protocol, p, off, len, mtu);
    }

    /** Tells {@code d} that its datagram left, unless it is null (nobody waits to hear it). */
    static void sent(Delivery d) {
        if (d != null) {
            d.sent();
        }
    }

    /** Nobody listens (ICMP messages the stack sends on its own). */
    Delivery NONE = new Delivery() {
        @Override
        public void sent() {
        }

        @Override
        public void failed(long now, IcmpError.Kind kind, String why) {
        }
    };
}
