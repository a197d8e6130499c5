package dev.tcpip.wire;

/**
 * A view of an ICMPv4 message (RFC 792) over bytes in place, checked on parse: length, checksum over
 * the whole message, and for error messages the quoted original IPv4 header.
 */
public final class Icmpv4View {

    private final byte[] buf;
    private final int off;
    private final int len;

    private Icmpv4View(byte[] buf, int off, int len) {
        this.buf = buf;
        this.off = off;
        this.len = len;
    }

    /** Parses the payload of an IPv4 datagram. */
    public static Icmpv4View parse(Ipv4View ip) throws ParseException {
        return parse(ip.buffer(), ip.payloadOffset(), ip.payloadLength());
    }

    /** Parses the message {@code buf[off..off+len)} (the whole IP payload). */
    public static Icmpv4View parse(byte[] buf, int off, int len) throws ParseException {
        Bytes.checkRegion(buf, off, len);
        ParseException.need("icmpv4.header", len, Icmpv4Message.HEADER_LENGTH);
        if (!Checksum.verifies(Checksum.ones(buf, off, len, 0))) {
            throw new ParseException("icmpv4.checksum", "bad checksum");
        }
        Icmpv4View v = new Icmpv4View(buf, off, len);
        if (Icmpv4Message.isError(v.type())) {
            // RFC 792: errors carry the original internet header plus 64 bits of its data.
            Ipv4View.parseQuoted(buf, v.payloadOffset(), v.payloadLength());
        }
        return v;
    }

    public int type() {
        return Bytes.u8(buf, off);
    }

    public int code() {
        return Bytes.u8(buf, off + 1);
    }

    public int checksum() {
        return Bytes.u16(buf, off + 2);
    }

    /** The 32-bit field after the checksum. */
    public int rest() {
        return Bytes.i32(buf, off + 4);
    }

    public int identifier() {
        return Bytes.u16(buf, off + 4);
    }

    public int sequence() {
        return Bytes.u16(buf, off + 6);
    }

    /** The next-hop MTU of a fragmentation-needed message (RFC 1191 §4); 0 from old routers. */
    public int nextHopMtu() {
        return Bytes.u16(buf, off + 6);
    }

    /** The parameter problem pointer (RFC 792). */
    public int pointer() {
        return Bytes.u8(buf, off + 4);
    }

    public boolean isError() {
        return Icmpv4Message.isError(type());
    }

    public int payloadOffset() {
        return off + Icmpv4Message.HEADER_LENGTH;
    }

    public int payloadLength() {
        return len - Icmpv4Message.HEADER_LENGTH;
    }

    public byte[] buffer() {
        return buf;
    }

    /** The quoted original header of an error message (already checked on parse). */
    public Ipv4View quotedHeader() {
        if (!isError()) {
            throw new IllegalStateException("ICMP type " + type() + " quotes no header");
        }
        try {
            return Ipv4View.parseQuoted(buf, payloadOffset(), payloadLength());
        } catch (ParseException e) {
            throw new AssertionError("checked on parse", e);
        }
    }

    /** The first 32 bits of the quoted datagram's data (TCP/UDP source and destination port), or -1 if absent. */
    public long quotedPorts() {
        Ipv4View q = quotedHeader();
        int at = q.payloadOffset();
        return at + 4 <= off + len ? Bytes.u32(buf, at) : -1;
    }

    public Icmpv4Message toMessage() {
        int type = type();
        int code = code();
        int rest = rest();
        if ((type == Icmpv4Message.ECHO_REQUEST || type == Icmpv4Message.ECHO_REPLY) && code == 0) {
            return new Icmpv4Message.Echo(type == Icmpv4Message.ECHO_REPLY, identifier(), sequence());
        }
        if (type == Icmpv4Message.DESTINATION_UNREACHABLE && code <= 15
                && (rest == 0 || code == Icmpv4Message.FRAGMENTATION_NEEDED && (rest >>> 16) == 0)) {
            return new Icmpv4Message.DestinationUnreachable(code, rest);
        }
        if (type == Icmpv4Message.TIME_EXCEEDED && code <= 1 && rest == 0) {
            return new Icmpv4Message.TimeExceeded(code);
        }
        return new Icmpv4Message.Other(type, code, rest);
    }
}
