package dev.tcpip.direct.icmp;

import dev.tcpip.UnreachableException;
import dev.tcpip.PingReply;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.ip.Delivery;
import dev.tcpip.direct.ip.IcmpError;
import dev.tcpip.direct.ip.Ipv6;
import dev.tcpip.direct.ip.TransportHandler;
import dev.tcpip.direct.stats.Counters;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.time.Scheduler;
import dev.tcpip.wire.IcmpQuote;
import dev.tcpip.wire.Icmpv6Message;
import dev.tcpip.wire.Icmpv6View;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.ParseException;
import java.util.Arrays;

/**
 * ICMPv6 (RFC 4443): answers echo requests, sends rate-limited errors, hands received errors to the transport
 * that sent the quoted packet (a packet too big lowers the path MTU first, RFC 8201), passes Neighbor Discovery
 * and MLD messages to {@link Ndp}, and runs this stack's IPv6 pings.
 */
public final class Icmpv6 implements Ipv6.Control {
    /** Echo data per ping at most: the 65,535-byte payload length minus the ICMPv6 header. */
    public static final int MAX_PING = 0xffff - 8;
    /** RFC 4443 §2.4(c): an error quotes as much as fits in the minimum MTU. */
    private static final int MAX_ERROR = Ipv6.MIN_MTU - Ipv6.HEADER;
    private static final int MLD_QUERY = 130;
    private static final int MAX_QUOTED_EXTENSIONS = 16;

    private final Ipv6 ip;
    private final Counters counters;
    private final TokenBucket errorBucket;
    private final TokenBucket echoBucket;
    private final Pings pings;
    private final int identifier;
    private Discovery ndp;

    public Icmpv6(Ipv6 ip, Counters counters, Scheduler scheduler, int identifier, TokenBucket echoBucket) {
        this.ip = ip;
        this.counters = counters;
        this.errorBucket = new TokenBucket(ip.config().icmpErrorsPerSecond(), ip.config().icmpErrorBurst());
        this.echoBucket = echoBucket;
        this.pings = new Pings(scheduler);
        this.identifier = identifier & 0xffff;
    }

    /** Neighbor discovery and MLD (RFC 4861, RFC 3810), which ride on ICMPv6: {@code Ndp} implements it. */
    public interface Discovery {
        void input(long now, Ipv6Address src, Ipv6Address dst, int hopLimit, Icmpv6View m);
    }

    public void bind(Discovery n) {
        this.ndp = n;
    }

    @Override
    public void input(long now, Ipv6Address src, Ipv6Address dst, int hopLimit, byte[] buf, int off, int len,
               boolean multicast, boolean tentative) {
        counters.inc(StackCounter.ICMP6_RX);
        Icmpv6View m;
        try {
            m = Icmpv6View.parse(buf, off, len, src, dst);
        } catch (ParseException e) {
            counters.inc(StackCounter.ICMP6_DROPPED_MALFORMED);
            return;
        }
        int type = m.type();
        if (tentative && type != Icmpv6Message.NEIGHBOR_SOLICITATION && type != Icmpv6Message.NEIGHBOR_ADVERTISEMENT) {
            counters.inc(StackCounter.IP6_DROPPED_NOT_FOR_US);   // RFC 4862 §5.4.3
            return;
        }
        if (m.isNdp() || type == MLD_QUERY) {
            ndp.input(now, src, dst, hopLimit, m);
            return;
        }
        switch (type) {
            case Icmpv6Message.ECHO_REQUEST -> echoRequest(now, src, dst, buf, off, len, multicast, m);
            case Icmpv6Message.ECHO_REPLY -> echoReply(now, src, m);
            case Icmpv6Message.DESTINATION_UNREACHABLE, Icmpv6Message.PACKET_TOO_BIG, Icmpv6Message.TIME_EXCEEDED,
                 Icmpv6Message.PARAMETER_PROBLEM -> error(now, src, m);
            default -> counters.inc(StackCounter.ICMP6_IGNORED);  // RFC 4443 §2.4(b): unknown informational
        }
    }

    // RFC 4443 §4.2: the reply carries the request's identifier, sequence and data; to a multicast request the
    // reply leaves from a unicast address (§2.2).
    private void echoRequest(long now, Ipv6Address src, Ipv6Address dst, byte[] buf, int off, int len,
                             boolean multicast, Icmpv6View m) {
        counters.inc(StackCounter.ICMP6_ECHO_REQUESTS_RX);
        if (m.code() != 0 || src.equals(Ipv6Address.UNSPECIFIED)) {
            return;
        }
        Ipv6Address from = multicast ? ip.addresses().selectSource(now, src) : dst;
        if (from == null) {
            return;
        }
        if (!echoBucket.take(now)) {                     // an echo flood costs at most the configured rate
            counters.inc(StackCounter.ICMP6_ECHO_RATE_LIMITED);
            return;
        }
        byte[] reply = Arrays.copyOfRange(buf, off, off + len);
        new Icmpv6Message.Echo(true, m.identifier(), m.sequence()).emit(reply, 0, len - 8, from, src);
        counters.inc(StackCounter.ICMP6_ECHO_REPLIES_TX);
        send(now, from, src, reply);
    }

    private void echoReply(long now, Ipv6Address src, Icmpv6View m) {
        if (m.code() != 0 || m.identifier() != identifier || !pings.reply(now, src.toInetAddress(), m.sequence(),
                m.buffer(), m.payloadOffset(), m.payloadLength())) {
            counters.inc(StackCounter.ICMP6_ECHO_REPLIES_UNMATCHED);
        }
    }

    // ---- received errors (RFC 4443 §3, §2.4(d)) ----

    private void error(long now, Ipv6Address reporter, Icmpv6View m) {
        counters.inc(StackCounter.ICMP6_ERRORS_RX);
        IcmpQuote quoted;
        try {
            // RFC 4443 §2.4(d): the quoted packet names the flow; its extension headers are skipped (16 at most).
            quoted = IcmpQuote.ipv6(m.buffer(), m.payloadOffset(), m.payloadLength(), MAX_QUOTED_EXTENSIONS);
        } catch (ParseException e) {
            counters.inc(StackCounter.ICMP6_IGNORED);    // not enough of the invoking packet to tell the flow
            return;
        }
        Ipv6Address qsrc = (Ipv6Address) quoted.src();
        Ipv6Address qdst = (Ipv6Address) quoted.dst();
        if (ip.addresses().find(qsrc) == null || quoted.transportLength() < IcmpQuote.TRANSPORT_PREFIX) {
            counters.inc(StackCounter.ICMP6_IGNORED);    // not about a packet of ours, or its ports not quoted
            return;
        }
        int next = quoted.protocol();
        IcmpError.Kind kind = kindOf(m.type(), m.code());
        int mtu = 0;
        if (kind == IcmpError.Kind.PACKET_TOO_BIG) {
            mtu = ip.routes().lowerPathMtu(qdst, m.value());     // RFC 8201 §4: never below 1280
        }
        IcmpError err = new IcmpError(kind, reporter, qsrc, qdst, next, quoted.transport(), mtu);
        if (next == IpProtocol.ICMPV6) {
            pingError(err);
            return;
        }
        TransportHandler t = ip.transport(next);
        if (t == null) {
            counters.inc(StackCounter.ICMP6_IGNORED);
            return;
        }
        t.icmpError(now, err);
    }

    // RFC 4443 §3.1-3.4; RFC 5461 §4: "unrecognized next header" is as hard as protocol unreachable.
    static IcmpError.Kind kindOf(int type, int code) {
        return switch (type) {
            case Icmpv6Message.PACKET_TOO_BIG -> IcmpError.Kind.PACKET_TOO_BIG;
            case Icmpv6Message.TIME_EXCEEDED -> IcmpError.Kind.TIME_EXCEEDED;
            case Icmpv6Message.PARAMETER_PROBLEM -> code == 1 ? IcmpError.Kind.PROTOCOL_UNREACHABLE
                    : IcmpError.Kind.PARAMETER_PROBLEM;
            default -> switch (code) {
                case 0, 2 -> IcmpError.Kind.NET_UNREACHABLE;
                case 1, 5, 6 -> IcmpError.Kind.ADMINISTRATIVELY_PROHIBITED;
                case 4 -> IcmpError.Kind.PORT_UNREACHABLE;
                default -> IcmpError.Kind.HOST_UNREACHABLE;
            };
        };
    }

    private void pingError(IcmpError err) {
        byte[] t = err.transport();
        if (IcmpQuote.icmpType(t) != Icmpv6Message.ECHO_REQUEST || IcmpQuote.echoIdentifier(t) != identifier
                || !pings.fail(IcmpQuote.echoSequence(t),
                new UnreachableException(err.dst() + ": " + err.kind() + " (reported by " + err.reporter() + ")"))) {
            counters.inc(StackCounter.ICMP6_IGNORED);
        }
    }

    // ---- errors we send (RFC 4443 §2.4) ----

    /** RFC 8200 §4.5: fragment reassembly time exceeded (code 1), quoting fragment zero. */
    @Override
    public void timeExceededReassembly(long now, byte[] header, byte[] firstData) {
        byte[] quoted = new byte[header.length + firstData.length];
        System.arraycopy(header, 0, quoted, 0, header.length);
        System.arraycopy(firstData, 0, quoted, header.length, firstData.length);
        sendError(now, Icmpv6Message.TIME_EXCEEDED, 1, 0, quoted, 0, quoted.length);
    }

    /**
     * Sends an error about the packet {@code buf[ipOff, ipOff+ipLen)}; the callers have excluded errors about
     * errors and multicast destinations where RFC 4443 §2.4(e) forbids them.
     */
    @Override
    public void sendError(long now, int type, int code, int value, byte[] buf, int ipOff, int ipLen) {
        IcmpQuote invoking;
        try {
            invoking = IcmpQuote.ipv6FixedHeader(buf, ipOff, ipLen);
        } catch (ParseException e) {
            return;                                      // not reached: IPv6 input checked the header
        }
        Ipv6Address to = (Ipv6Address) invoking.src();
        Ipv6Address invokedDst = (Ipv6Address) invoking.dst();
        // RFC 4443 §2.4(e.4): never to a source that does not name one node.
        if (to.isMulticast() || to.equals(Ipv6Address.UNSPECIFIED)) {
            return;
        }
        Ipv6Address from = invokedDst.isMulticast() || ip.addresses().find(invokedDst) == null
                ? ip.addresses().selectSource(now, to) : invokedDst;
        if (from == null) {
            return;
        }
        if (!errorBucket.take(now)) {                   // RFC 4443 §2.4(f)
            counters.inc(StackCounter.ICMP6_ERRORS_RATE_LIMITED);
            return;
        }
        int quoted = Math.min(ipLen, MAX_ERROR - 8);
        byte[] m = new byte[8 + quoted];
        System.arraycopy(buf, ipOff, m, 8, quoted);
        new Icmpv6Message.Error(type, code, value).emit(m, 0, quoted, from, to);
        counters.inc(StackCounter.ICMP6_ERRORS_TX);
        send(now, from, to, m);
    }

    private void send(long now, Ipv6Address from, Ipv6Address to, byte[] m) {
        counters.inc(StackCounter.ICMP6_TX);
        ip.sender().output(now, from, to, IpProtocol.ICMPV6, ip.defaultHopLimit(to), null, m, 0, m.length, Delivery.NONE);
    }

    // ---- ping ----

    public void ping(long now, Ipv6Address dst, int size, long timeoutNanos, LoopFuture<PingReply> future) {
        Ipv6Address src;
        try {
            src = (Ipv6Address) ip.sourceFor(now, dst);
        } catch (UnreachableException e) {
            future.fail(e);
            return;
        }
        byte[] m = new byte[8 + size];
        int seq = pings.start(now, dst, size, timeoutNanos, future, m, 8);
        if (seq < 0) {
            return;
        }
        new Icmpv6Message.Echo(false, identifier, seq).emit(m, 0, size, src, dst);
        counters.inc(StackCounter.ICMP6_TX);
        ip.sender().output(now, src, dst, IpProtocol.ICMPV6, ip.defaultHopLimit(dst), null, m, 0, m.length,
                pings.delivery(seq));
    }

    public void close() {
        pings.close();
    }
}
