package dev.tcpip.direct.ip;

import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.stats.Counters;
import dev.tcpip.wire.Ecn;
import dev.tcpip.wire.Icmpv6Message;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv6Address;

/**
 * Hands a received packet's upper layer to ICMPv6 or the transport registered for it (RFC 8200 §4: an unknown
 * next header is a parameter problem), sends the parameter problems input raises, and remembers the packet being
 * delivered so that a transport can have it answered with port unreachable (RFC 4443 §3.1). Runs on the loop.
 */
final class Ipv6Demux {
    private final Counters counters;
    private final TransportHandler[] transports = new TransportHandler[256];
    private Ipv6.Control icmp;

    // The packet being delivered right now, so that a transport can have it answered with an ICMPv6 error.
    private byte[] curBuf;
    private int curOff;
    private int curLen;
    private boolean curMulticast;

    Ipv6Demux(Counters counters) {
        this.counters = counters;
    }

    void bind(Ipv6.Control icmpLayer) {
        this.icmp = icmpLayer;
    }

    void register(int protocol, TransportHandler handler) {
        if (protocol == IpProtocol.ICMPV6) {
            throw new IllegalArgumentException("protocol 58 is ICMPv6, which the stack handles itself");
        }
        transports[protocol] = handler;
    }

    TransportHandler transport(int protocol) {
        return transports[protocol];
    }

    TransportHandler[] transports() {
        return transports;
    }

    /**
     * Delivers the upper layer {@code buf[p, end)} of {@code protocol}, named by the field at {@code nextField}, of
     * the packet {@code buf[off, off+ipLen)}.
     */
    void deliver(long now, Ipv6Address src, Ipv6Address dst, int hopLimit, byte[] buf, int off, int ipLen,
                 int protocol, int nextField, int p, int end, boolean multicast, boolean mayAnswer,
                 boolean tentative) {
        if (protocol == IpProtocol.ICMPV6) {
            icmp.input(now, src, dst, hopLimit, buf, p, end - p, multicast, tentative);
            return;
        }
        if (tentative) {
            counters.inc(StackCounter.IP6_DROPPED_NOT_FOR_US);
            return;
        }
        if (protocol == IpProtocol.NO_NEXT_HEADER) {
            return;                                       // RFC 8200 §4.7: nothing follows
        }
        TransportHandler t = transports[protocol];
        if (t == null) {
            counters.inc(StackCounter.IP6_DROPPED_UNKNOWN_PROTOCOL);
            // RFC 8200 §4: unrecognized next header, a parameter problem code 1 at the field naming it.
            parameterProblem(now, 1, nextField - off, buf, off, ipLen, multicast, mayAnswer);
            return;
        }
        curBuf = buf;
        curOff = off;
        curLen = ipLen;
        curMulticast = multicast || !mayAnswer;
        try {
            t.input(now, src, dst, Ecn.ofIpv6(buf, off), buf, p, end - p);   // RFC 3168 §5: the traffic class's ECN field
        } finally {
            curBuf = null;
        }
    }

    /** RFC 4443 §3.4 parameter problem about {@code buf[off, off+ipLen)}, unless §2.4(e) forbids an answer. */
    void parameterProblem(long now, int code, int pointer, byte[] buf, int off, int ipLen, boolean multicast,
                          boolean mayAnswer) {
        if (mayAnswer && !multicast) {
            icmp.sendError(now, Icmpv6Message.PARAMETER_PROBLEM, code, pointer, buf, off, ipLen);
        }
    }

    void portUnreachable(long now) {
        if (curBuf != null && !curMulticast) {
            icmp.sendError(now, Icmpv6Message.DESTINATION_UNREACHABLE, 4, 0, curBuf, curOff, curLen);
        }
    }

    /** Destination unreachable of {@code code} (RFC 4443 §3.1) about the packet {@code quote[0, len)}. */
    void unreachable(long now, int code, byte[] quote, int len) {
        icmp.sendError(now, Icmpv6Message.DESTINATION_UNREACHABLE, code, 0, quote, 0, len);
    }

    /** Time exceeded, fragment reassembly (RFC 4443 §3.3 code 1). */
    void timeExceededReassembly(long now, byte[] header, byte[] firstData) {
        icmp.timeExceededReassembly(now, header, firstData);
    }
}
