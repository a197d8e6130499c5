package dev.tcpip.direct.icmp;

import dev.tcpip.UnreachableException;
import dev.tcpip.PingReply;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.ip.Delivery;
import dev.tcpip.direct.ip.IcmpError;
import dev.tcpip.direct.ip.Ipv4;
import dev.tcpip.direct.ip.TransportHandler;
import dev.tcpip.direct.stats.Counters;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.time.Scheduler;
import dev.tcpip.wire.IcmpQuote;
import dev.tcpip.wire.Icmpv4Message;
import dev.tcpip.wire.Icmpv4View;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.ParseException;
import java.util.Arrays;

/**
 * ICMPv4 (RFC 792, RFC 1122 §3.2.2): answers echo requests, sends rate-limited destination unreachable and
 * time exceeded errors, hands received errors to the transport that sent the quoted datagram, and runs
 * this stack's pings.
 */
public final class Icmpv4 implements Ipv4.Control {
    /** Echo data per ping at most: 65,535 minus the IPv4 and ICMP headers. */
    public static final int MAX_PING = 0xffff - Ipv4.HEADER - Icmpv4Message.HEADER_LENGTH;

    private final Ipv4 ip;
    private final Counters counters;
    private final Scheduler scheduler;
    private final TokenBucket errorBucket;
    private final TokenBucket echoBucket;
    private final int identifier;
    private final Pings pings;

    public Icmpv4(Ipv4 ip, Counters counters, Scheduler scheduler, int errorsPerSecond, int burst,
                  TokenBucket echoBucket) {
        this.ip = ip;
        this.counters = counters;
        this.scheduler = scheduler;
        this.errorBucket = new TokenBucket(errorsPerSecond, burst);
        this.echoBucket = echoBucket;
        this.pings = new Pings(scheduler);
        this.identifier = ip.address().bits() & 0xffff ^ 0x7470;  // fixed per stack: replays are identical
    }

    @Override
    public void input(long now, Ipv4Address src, Ipv4Address dst, byte[] buf, int off, int len, boolean broadcast) {
        counters.inc(StackCounter.ICMP_RX);
        Icmpv4View m;
        try {
            m = Icmpv4View.parse(buf, off, len);
        } catch (ParseException e) {
            counters.inc(StackCounter.ICMP_DROPPED_MALFORMED);
            return;
        }
        switch (m.type()) {
            case Icmpv4Message.ECHO_REQUEST -> echoRequest(now, src, dst, buf, off, len, broadcast, m);
            case Icmpv4Message.ECHO_REPLY -> echoReply(now, src, m);
            case Icmpv4Message.DESTINATION_UNREACHABLE, Icmpv4Message.TIME_EXCEEDED,
                 Icmpv4Message.PARAMETER_PROBLEM -> error(now, src, m);
            default -> counters.inc(StackCounter.ICMP_ERRORS_IGNORED); // RFC 6633: source quench; redirects; others
        }
    }

    // RFC 792 echo; RFC 1122 §3.2.2.6: reply with the same data; a broadcast request MAY be ignored, and is.
    private void echoRequest(long now, Ipv4Address src, Ipv4Address dst, byte[] buf, int off, int len, boolean broadcast,
                             Icmpv4View m) {
        counters.inc(StackCounter.ICMP_ECHO_REQUESTS_RX);
        if (broadcast || m.code() != 0) {
            return;
        }
        if (!echoBucket.take(now)) {                     // an echo flood costs at most the configured rate
            counters.inc(StackCounter.ICMP_ECHO_RATE_LIMITED);
            return;
        }
        byte[] reply = Arrays.copyOfRange(buf, off, off + len);
        new Icmpv4Message.Echo(true, m.identifier(), m.sequence()).emit(reply, 0, len - Icmpv4Message.HEADER_LENGTH);
        counters.inc(StackCounter.ICMP_ECHO_REPLIES_TX);
        // RFC 1122 §3.2.2.6: the reply's source is the request's specific destination (an alias, perhaps).
        counters.inc(StackCounter.ICMP_TX);
        ip.output(now, dst, src, IpProtocol.ICMP, ip.defaultTtl(), false, reply, 0, reply.length, Delivery.NONE);
    }

    private void echoReply(long now, Ipv4Address src, Icmpv4View m) {
        counters.inc(StackCounter.ICMP_ECHO_REPLIES_RX);
        if (m.identifier() != identifier || !pings.reply(now, src.toInetAddress(), m.sequence(), m.buffer(),
                m.payloadOffset(), m.payloadLength())) {
            counters.inc(StackCounter.ICMP_ECHO_REPLIES_UNMATCHED);
        }
    }

    private void error(long now, Ipv4Address reporter, Icmpv4View m) {
        counters.inc(StackCounter.ICMP_ERRORS_RX);
        IcmpQuote quoted;
        try {
            quoted = IcmpQuote.ipv4(m.buffer(), m.payloadOffset(), m.payloadLength());
        } catch (ParseException e) {
            counters.inc(StackCounter.ICMP_ERRORS_IGNORED);    // not reached: Icmpv4View.parse checked the quote
            return;
        }
        if (!quoted.src().equals(ip.address()) || quoted.transportLength() < IcmpQuote.TRANSPORT_PREFIX) {
            counters.inc(StackCounter.ICMP_ERRORS_IGNORED);    // not about our datagram, or RFC 792's 64 bits missing
            return;
        }
        IcmpError.Kind kind = kindOf(m.type(), m.code());
        IcmpError err = new IcmpError(kind, reporter, quoted.src(), quoted.dst(), quoted.protocol(),
                quoted.transport(), kind == IcmpError.Kind.FRAGMENTATION_NEEDED ? m.nextHopMtu() : 0);
        if (quoted.protocol() == IpProtocol.ICMP) {
            pingError(err);
            return;
        }
        TransportHandler t = ip.transport(quoted.protocol());
        if (t == null) {
            counters.inc(StackCounter.ICMP_ERRORS_IGNORED);
            return;
        }
        t.icmpError(now, err);
    }

    // RFC 792 codes; RFC 1122 §3.2.2.1 adds 6..12; RFC 1812 §5.2.7.1 adds 13 (administratively prohibited).
    static IcmpError.Kind kindOf(int type, int code) {
        return switch (type) {
            case Icmpv4Message.TIME_EXCEEDED -> IcmpError.Kind.TIME_EXCEEDED;
            case Icmpv4Message.PARAMETER_PROBLEM -> IcmpError.Kind.PARAMETER_PROBLEM;
            default -> switch (code) {
                case 0, 6, 11 -> IcmpError.Kind.NET_UNREACHABLE;
                case 2 -> IcmpError.Kind.PROTOCOL_UNREACHABLE;
                case 3 -> IcmpError.Kind.PORT_UNREACHABLE;
                case 4 -> IcmpError.Kind.FRAGMENTATION_NEEDED;
                case 9, 10, 13 -> IcmpError.Kind.ADMINISTRATIVELY_PROHIBITED;
                default -> IcmpError.Kind.HOST_UNREACHABLE;
            };
        };
    }

    private void pingError(IcmpError err) {
        byte[] t = err.transport();
        if (IcmpQuote.icmpType(t) != Icmpv4Message.ECHO_REQUEST || IcmpQuote.echoIdentifier(t) != identifier
                || !pings.fail(IcmpQuote.echoSequence(t),
                new UnreachableException(err.dst() + ": " + err.kind() + " (reported by " + err.reporter() + ")"))) {
            counters.inc(StackCounter.ICMP_ERRORS_IGNORED);
        }
    }

    // ---- errors we send (RFC 1122 §3.2.2) ----

    @Override
    public void destinationUnreachable(long now, int code, byte[] buf, int ipOff, int header, int payload) {
        sendError(now, new Icmpv4Message.DestinationUnreachable(code, 0), buf, ipOff, header, payload);
    }

    /** RFC 792 time exceeded, code 1: fragment reassembly time exceeded, quoting fragment zero. */
    @Override
    public void timeExceededReassembly(long now, byte[] header, byte[] firstData) {
        byte[] quoted = new byte[header.length + Math.min(8, firstData.length)];
        System.arraycopy(header, 0, quoted, 0, header.length);
        System.arraycopy(firstData, 0, quoted, header.length, quoted.length - header.length);
        sendError(now, new Icmpv4Message.TimeExceeded(1), quoted, 0, header.length, quoted.length - header.length);
    }

    private void sendError(long now, Icmpv4Message msg, byte[] buf, int ipOff, int header, int payload) {
        IcmpQuote invoking;
        try {
            invoking = IcmpQuote.ipv4(buf, ipOff, header + payload);
        } catch (ParseException e) {
            return;                                      // not reached: IPv4 input checked the header
        }
        Ipv4Address to = (Ipv4Address) invoking.src();
        int src = to.bits();
        // RFC 1122 §3.2.2: never about an ICMP error (nor a message we cannot tell is not one)...
        if (invoking.protocol() == IpProtocol.ICMP && !isQuery(invoking.firstTransportByte())) {
            return;
        }
        // ...nor to a source that does not name one host (IPv4 input already dropped those; broadcast
        // destinations were excluded by the caller).
        if (src == 0 || src == -1 || to.isMulticast()) {
            return;
        }
        if (!errorBucket.take(now)) {
            counters.inc(StackCounter.ICMP_ERRORS_RATE_LIMITED);
            return;
        }
        int quoted = header + Math.min(8, payload);      // RFC 792: the internet header plus 64 bits of data
        byte[] m = new byte[Icmpv4Message.HEADER_LENGTH + quoted];
        System.arraycopy(buf, ipOff, m, Icmpv4Message.HEADER_LENGTH, quoted);
        msg.emit(m, 0, quoted);
        counters.inc(StackCounter.ICMP_ERRORS_TX);
        send(now, to, m);
    }

    private static boolean isQuery(int type) {
        return type == Icmpv4Message.ECHO_REQUEST || type == Icmpv4Message.ECHO_REPLY || type == 13 || type == 14;
    }

    private void send(long now, Ipv4Address to, byte[] m) {
        counters.inc(StackCounter.ICMP_TX);
        ip.output(now, ip.address(), to, IpProtocol.ICMP, ip.defaultTtl(), false, m, 0, m.length, Delivery.NONE);
    }

    // ---- ping ----

    public void ping(long now, Ipv4Address dst, int size, long timeoutNanos, LoopFuture<PingReply> future) {
        byte[] m = new byte[Icmpv4Message.HEADER_LENGTH + size];
        int seq = pings.start(now, dst, size, timeoutNanos, future, m, Icmpv4Message.HEADER_LENGTH);
        if (seq < 0) {
            return;
        }
        new Icmpv4Message.Echo(false, identifier, seq).emit(m, 0, size);
        counters.inc(StackCounter.ICMP_TX);
        ip.output(now, ip.address(), dst, IpProtocol.ICMP, ip.defaultTtl(), false, m, 0, m.length,
                pings.delivery(seq));
    }

    public void close() {
        pings.close();
    }
}
