package dev.tcpip.wire;

import java.util.ArrayList;
import java.util.List;

/**
 * A view of an ICMPv6 message (RFC 4443) over bytes in place, checked on parse: length, checksum with
 * the IPv6 pseudo-header, and for Neighbor Discovery messages (RFC 4861) code 0, the fixed part's
 * length and every option's framing. Option values are then read in place.
 */
public final class Icmpv6View {

    private final byte[] buf;
    private final int off;
    private final int len;
    private int optionsAt = -1;
    private int sourceLinkLayerAt = -1;
    private int targetLinkLayerAt = -1;
    private int mtuAt = -1;
    private int prefixCount;

    private Icmpv6View(byte[] buf, int off, int len) {
        this.buf = buf;
        this.off = off;
        this.len = len;
    }

    /** Parses the upper-layer payload of an IPv6 packet. */
    public static Icmpv6View parse(Ipv6View ip) throws ParseException {
        return parse(ip.buffer(), ip.upperOffset(), ip.upperLength(), ip.src(), ip.dst());
    }

    /** Parses the message {@code buf[off..off+len)} sent from {@code src} to {@code dst}. */
    public static Icmpv6View parse(byte[] buf, int off, int len, Ipv6Address src, Ipv6Address dst)
            throws ParseException {
        Bytes.checkRegion(buf, off, len);
        ParseException.need("icmpv6.header", len, 8);
        if (!Checksum.verifies(Checksum.ones(buf, off, len, Checksum.pseudoIpv6(src, dst, IpProtocol.ICMPV6, len)))) {
            throw new ParseException("icmpv6.checksum", "bad checksum");
        }
        Icmpv6View v = new Icmpv6View(buf, off, len);
        int fixed = switch (v.type()) {
            case Icmpv6Message.ROUTER_SOLICITATION -> 8;
            case Icmpv6Message.ROUTER_ADVERTISEMENT -> 16;
            case Icmpv6Message.NEIGHBOR_SOLICITATION, Icmpv6Message.NEIGHBOR_ADVERTISEMENT -> 24;
            case Icmpv6Message.REDIRECT -> 40;
            default -> -1;
        };
        if (fixed > 0) {
            if (v.code() != 0) {
                throw new ParseException("icmpv6.code", "NDP message with code " + v.code()); // RFC 4861 §6.1
            }
            ParseException.need("ndp.header", len, fixed);
            v.optionsAt = off + fixed;
            v.walkOptions();
        }
        return v;
    }

    // RFC 4861 §4.6: every option has a length in 8-octet units; zero is invalid; all must fit.
    private void walkOptions() throws ParseException {
        int p = optionsAt;
        int end = off + len;
        while (p < end) {
            ParseException.need("ndp.option", end - p, 2);
            int type = Bytes.u8(buf, p);
            int olen = Bytes.u8(buf, p + 1) * 8;
            if (olen == 0) {
                throw new ParseException("ndp.option", "option " + type + " has length 0");
            }
            ParseException.need("ndp.option", end - p, olen);
            switch (type) {
                case NdpOption.SOURCE_LINK_LAYER_ADDRESS -> sourceLinkLayerAt = olen == 8 ? p + 2 : sourceLinkLayerAt;
                case NdpOption.TARGET_LINK_LAYER_ADDRESS -> targetLinkLayerAt = olen == 8 ? p + 2 : targetLinkLayerAt;
                case NdpOption.PREFIX_INFORMATION -> {
                    if (olen != 32) {
                        throw new ParseException("ndp.prefix_information", "length " + olen / 8 + " is not 4");
                    }
                    if (Bytes.u8(buf, p + 2) > 128) {
                        throw new ParseException("ndp.prefix_information", "prefix length above 128");
                    }
                    prefixCount++;
                }
                case NdpOption.MTU -> {
                    if (olen != 8) {
                        throw new ParseException("ndp.mtu", "length " + olen / 8 + " is not 1");
                    }
                    mtuAt = p + 4;
                }
                default -> { }
            }
            p += olen;
        }
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

    /** The 32 bits after the checksum. */
    public int rest() {
        return Bytes.i32(buf, off + 4);
    }

    public int identifier() {
        return Bytes.u16(buf, off + 4);
    }

    public int sequence() {
        return Bytes.u16(buf, off + 6);
    }

    /** The MTU of a packet too big message, or a parameter problem's pointer (unsigned 32-bit). */
    public long value() {
        return Bytes.u32(buf, off + 4);
    }

    public boolean isNdp() {
        return optionsAt >= 0;
    }

    /** The target address of a neighbor solicitation, advertisement or redirect. */
    public Ipv6Address target() {
        requireType(Icmpv6Message.NEIGHBOR_SOLICITATION, Icmpv6Message.NEIGHBOR_ADVERTISEMENT, Icmpv6Message.REDIRECT);
        return Ipv6Address.read(buf, off + 8);
    }

    /** The destination address of a redirect. */
    public Ipv6Address destination() {
        requireType(Icmpv6Message.REDIRECT, Icmpv6Message.REDIRECT, Icmpv6Message.REDIRECT);
        return Ipv6Address.read(buf, off + 24);
    }

    /** Neighbor advertisement flags R, S, O as bits 0x80, 0x40, 0x20; router advertisement flags M, O as 0x80, 0x40. */
    public int ndpFlags() {
        return type() == Icmpv6Message.ROUTER_ADVERTISEMENT ? Bytes.u8(buf, off + 5) : Bytes.u8(buf, off + 4);
    }

    public int curHopLimit() {
        return Bytes.u8(buf, off + 4);
    }

    public int routerLifetime() {
        return Bytes.u16(buf, off + 6);
    }

    public long reachableTime() {
        return Bytes.u32(buf, off + 8);
    }

    public long retransTimer() {
        return Bytes.u32(buf, off + 12);
    }

    /** The source link-layer address option's MAC bits, or -1 if absent. */
    public long sourceLinkLayer() {
        return sourceLinkLayerAt < 0 ? -1 : Bytes.u48(buf, sourceLinkLayerAt);
    }

    /** The target link-layer address option's MAC bits, or -1 if absent. */
    public long targetLinkLayer() {
        return targetLinkLayerAt < 0 ? -1 : Bytes.u48(buf, targetLinkLayerAt);
    }

    /** The MTU option's value, or -1 if absent. */
    public long mtuOption() {
        return mtuAt < 0 ? -1 : Bytes.u32(buf, mtuAt);
    }

    public int prefixCount() {
        return prefixCount;
    }

    /** The offset after the fixed message header (echo data, an error's invoking packet, NDP options). */
    public int payloadOffset() {
        return isNdp() ? optionsAt : off + 8;
    }

    public int payloadLength() {
        return off + len - payloadOffset();
    }

    public byte[] buffer() {
        return buf;
    }

    private void requireType(int a, int b, int c) {
        int t = type();
        if (t != a && t != b && t != c) {
            throw new IllegalStateException("not available in ICMPv6 type " + t);
        }
    }

    /** The NDP options, in order (for NDP messages; empty otherwise). */
    public List<NdpOption> options() {
        List<NdpOption> list = new ArrayList<>();
        if (!isNdp()) {
            return list;
        }
        int end = off + len;
        for (int p = optionsAt; p < end; p += Bytes.u8(buf, p + 1) * 8) {
            int type = Bytes.u8(buf, p);
            int olen = Bytes.u8(buf, p + 1) * 8;
            list.add(switch (type) {
                case NdpOption.SOURCE_LINK_LAYER_ADDRESS, NdpOption.TARGET_LINK_LAYER_ADDRESS -> {
                    if (olen != 8) {
                        yield new NdpOption.Other(type, Octets.copyOf(buf, p + 2, olen - 2));
                    }
                    MacAddress mac = MacAddress.read(buf, p + 2);
                    yield type == NdpOption.SOURCE_LINK_LAYER_ADDRESS ? new NdpOption.SourceLinkLayerAddress(mac)
                            : new NdpOption.TargetLinkLayerAddress(mac);
                }
                case NdpOption.PREFIX_INFORMATION -> new NdpOption.PrefixInformation(Bytes.u8(buf, p + 2),
                        (buf[p + 3] & 0x80) != 0, (buf[p + 3] & 0x40) != 0, Bytes.u32(buf, p + 4),
                        Bytes.u32(buf, p + 8), Ipv6Address.read(buf, p + 16));
                case NdpOption.MTU -> new NdpOption.Mtu(Bytes.u32(buf, p + 4));
                default -> new NdpOption.Other(type, Octets.copyOf(buf, p + 2, olen - 2));
            });
        }
        return list;
    }

    public Icmpv6Message toMessage() {
        int type = type();
        int code = code();
        return switch (type) {
            case Icmpv6Message.ECHO_REQUEST, Icmpv6Message.ECHO_REPLY -> code == 0
                    ? new Icmpv6Message.Echo(type == Icmpv6Message.ECHO_REPLY, identifier(), sequence())
                    : new Icmpv6Message.Other(type, code, rest());
            case Icmpv6Message.DESTINATION_UNREACHABLE, Icmpv6Message.TIME_EXCEEDED -> rest() == 0
                    ? new Icmpv6Message.Error(type, code, 0) : new Icmpv6Message.Other(type, code, rest());
            case Icmpv6Message.PACKET_TOO_BIG, Icmpv6Message.PARAMETER_PROBLEM ->
                    new Icmpv6Message.Error(type, code, rest());
            case Icmpv6Message.ROUTER_SOLICITATION -> new Icmpv6Message.RouterSolicitation(options());
            case Icmpv6Message.ROUTER_ADVERTISEMENT -> new Icmpv6Message.RouterAdvertisement(curHopLimit(),
                    (ndpFlags() & 0x80) != 0, (ndpFlags() & 0x40) != 0, routerLifetime(), reachableTime(),
                    retransTimer(), options());
            case Icmpv6Message.NEIGHBOR_SOLICITATION -> new Icmpv6Message.NeighborSolicitation(target(), options());
            case Icmpv6Message.NEIGHBOR_ADVERTISEMENT -> new Icmpv6Message.NeighborAdvertisement(
                    (ndpFlags() & 0x80) != 0, (ndpFlags() & 0x40) != 0, (ndpFlags() & 0x20) != 0, target(), options());
            case Icmpv6Message.REDIRECT -> new Icmpv6Message.Redirect(target(), destination(), options());
            default -> new Icmpv6Message.Other(type, code, rest());
        };
    }
}
