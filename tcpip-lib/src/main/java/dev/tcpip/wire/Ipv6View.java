package dev.tcpip.wire;

import java.util.ArrayList;
import java.util.List;

/**
 * A view of an IPv6 packet (RFC 8200) over bytes in place. {@link #parse} checks the fixed header and
 * walks the extension header chain once (hop-by-hop only first, options' framing, every length within
 * the payload), stopping at the first upper-layer or unknown header (ESP and AH count as upper layers here).
 */
public final class Ipv6View {

    private final byte[] buf;
    private final int off;
    private final int payloadLength;
    private int protocol;
    private int upperOffset;
    private int fragmentAt = -1;
    private int routingAt = -1;
    private int extensionCount;

    private Ipv6View(byte[] buf, int off, int payloadLength) {
        this.buf = buf;
        this.off = off;
        this.payloadLength = payloadLength;
    }

    /** Parses the packet in {@code buf[off..off+len)}; bytes past the payload length are padding. */
    public static Ipv6View parse(byte[] buf, int off, int len) throws ParseException {
        Bytes.checkRegion(buf, off, len);
        ParseException.need("ipv6.header", len, Ipv6Header.FIXED_LENGTH);
        if ((Bytes.u8(buf, off) >>> 4) != 6) {
            throw new ParseException("ipv6.version", "not 6: " + (Bytes.u8(buf, off) >>> 4));
        }
        int payloadLength = Bytes.u16(buf, off + 4);
        if (payloadLength > len - Ipv6Header.FIXED_LENGTH) {
            throw new ParseException("ipv6.payload_length", payloadLength + " exceeds the "
                    + (len - Ipv6Header.FIXED_LENGTH) + " bytes received");
        }
        Ipv6View v = new Ipv6View(buf, off, payloadLength);
        v.walk();
        return v;
    }

    private void walk() throws ParseException {
        int end = off + Ipv6Header.FIXED_LENGTH + payloadLength;
        int next = Bytes.u8(buf, off + 6);
        int p = off + Ipv6Header.FIXED_LENGTH;
        // Each step advances at least 8 bytes inside the payload, so the walk ends.
        while (true) {
            int hl;
            switch (next) {
                case IpProtocol.HOP_BY_HOP, IpProtocol.DESTINATION_OPTIONS, IpProtocol.ROUTING -> {
                    if (next == IpProtocol.HOP_BY_HOP && p != off + Ipv6Header.FIXED_LENGTH) {
                        throw new ParseException("ipv6.hop_by_hop", "not first in the chain"); // RFC 8200 §4.3
                    }
                    ParseException.need("ipv6.extension", end - p, 8);
                    hl = (Bytes.u8(buf, p + 1) + 1) * 8;
                    ParseException.need("ipv6.extension", end - p, hl);
                    if (next == IpProtocol.ROUTING) {
                        routingAt = p;
                    } else {
                        checkOptions(p + 2, p + hl);
                    }
                }
                case IpProtocol.FRAGMENT -> {
                    ParseException.need("ipv6.fragment", end - p, 8);
                    if (fragmentAt >= 0) {
                        throw new ParseException("ipv6.fragment", "more than one fragment header");
                    }
                    fragmentAt = p;
                    hl = 8;
                }
                default -> {
                    protocol = next;
                    upperOffset = p;
                    return;
                }
            }
            next = Bytes.u8(buf, p);
            p += hl;
            extensionCount++;
        }
    }

    // RFC 8200 §4.2: Pad1 is one octet; every other option is type, length, data within the header.
    private void checkOptions(int p, int end) throws ParseException {
        while (p < end) {
            if (buf[p] == 0) {
                p++;
                continue;
            }
            if (p + 2 > end || p + 2 + Bytes.u8(buf, p + 1) > end) {
                throw new ParseException("ipv6.options", "option " + Bytes.u8(buf, p) + " runs past its header");
            }
            p += 2 + Bytes.u8(buf, p + 1);
        }
    }

    public int trafficClass() {
        return (Bytes.i32(buf, off) >>> 20) & 0xff;
    }

    public int flowLabel() {
        return Bytes.i32(buf, off) & 0xfffff;
    }

    /** The payload length field: extension headers plus upper layer. */
    public int payloadLength() {
        return payloadLength;
    }

    /** The fixed header's next-header field. */
    public int nextHeader() {
        return Bytes.u8(buf, off + 6);
    }

    public int hopLimit() {
        return Bytes.u8(buf, off + 7);
    }

    public Ipv6Address src() {
        return Ipv6Address.read(buf, off + 8);
    }

    public Ipv6Address dst() {
        return Ipv6Address.read(buf, off + 24);
    }

    public long srcHi() {
        return Bytes.i64(buf, off + 8);
    }

    public long srcLo() {
        return Bytes.i64(buf, off + 16);
    }

    public long dstHi() {
        return Bytes.i64(buf, off + 24);
    }

    public long dstLo() {
        return Bytes.i64(buf, off + 32);
    }

    /** The protocol after the extension chain (TCP, UDP, ICMPv6, No Next Header, or one not understood). */
    public int protocol() {
        return protocol;
    }

    public int upperOffset() {
        return upperOffset;
    }

    public int upperLength() {
        return off + Ipv6Header.FIXED_LENGTH + payloadLength - upperOffset;
    }

    /** The upper layer's first byte (an ICMPv6 message's type), or -1 when the upper layer is empty. */
    public int upperFirstByte() {
        return upperLength() >= 1 ? Bytes.u8(buf, upperOffset) : -1;
    }

    public int extensionCount() {
        return extensionCount;
    }

    public boolean hasFragmentHeader() {
        return fragmentAt >= 0;
    }

    /** The fragment offset in bytes, if {@link #hasFragmentHeader()}. */
    public int fragmentOffset() {
        return fragmentAt < 0 ? 0 : Bytes.u16(buf, fragmentAt + 2) & 0xfff8;
    }

    public boolean moreFragments() {
        return fragmentAt >= 0 && (Bytes.u8(buf, fragmentAt + 3) & 1) != 0;
    }

    public int fragmentIdentification() {
        return fragmentAt < 0 ? 0 : Bytes.i32(buf, fragmentAt + 4);
    }

    /** The routing header's segments-left field, or -1 without a routing header. */
    public int segmentsLeft() {
        return routingAt < 0 ? -1 : Bytes.u8(buf, routingAt + 3);
    }

    public int offset() {
        return off;
    }

    public byte[] buffer() {
        return buf;
    }

    /** The pseudo-header partial sum for the upper layer. */
    public long pseudoHeaderSum() {
        return Checksum.pseudoIpv6(src(), dst(), protocol, upperLength());
    }

    public Ipv6Header toHeader() {
        List<Ipv6Extension> ext = new ArrayList<>(extensionCount);
        int next = nextHeader();
        int p = off + Ipv6Header.FIXED_LENGTH;
        for (int i = 0; i < extensionCount; i++) {
            int hl = next == IpProtocol.FRAGMENT ? 8 : (Bytes.u8(buf, p + 1) + 1) * 8;
            ext.add(switch (next) {
                case IpProtocol.HOP_BY_HOP -> new Ipv6Extension.HopByHop(Octets.copyOf(buf, p + 2, hl - 2));
                case IpProtocol.DESTINATION_OPTIONS ->
                        new Ipv6Extension.DestinationOptions(Octets.copyOf(buf, p + 2, hl - 2));
                case IpProtocol.ROUTING -> new Ipv6Extension.Routing(Bytes.u8(buf, p + 2), Bytes.u8(buf, p + 3),
                        Octets.copyOf(buf, p + 4, hl - 4));
                case IpProtocol.FRAGMENT -> new Ipv6Extension.Fragment(Bytes.u16(buf, p + 2) & 0xfff8,
                        (Bytes.u8(buf, p + 3) & 1) != 0, Bytes.i32(buf, p + 4));
                default -> throw new AssertionError("walk() accepted extension header " + next);
            });
            next = Bytes.u8(buf, p);
            p += hl;
        }
        return new Ipv6Header(trafficClass(), flowLabel(), hopLimit(), src(), dst(), ext, protocol, upperLength());
    }
}
