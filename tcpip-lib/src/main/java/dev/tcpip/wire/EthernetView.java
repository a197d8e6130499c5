package dev.tcpip.wire;

/**
 * A view of an Ethernet II frame header, with an optional 802.1Q tag, over bytes in place. The
 * frame check sequence is not part of the bytes (devices strip it). The payload runs to the end of
 * the region; the network layer's own length trims any padding.
 */
public final class EthernetView {

    /** Destination, source, EtherType. */
    public static final int HEADER_LENGTH = 14;
    /** Header with one 802.1Q tag. */
    public static final int TAGGED_HEADER_LENGTH = 18;

    private final byte[] buf;
    private final int off;
    private final int len;
    private final boolean tagged;

    private EthernetView(byte[] buf, int off, int len, boolean tagged) {
        this.buf = buf;
        this.off = off;
        this.len = len;
        this.tagged = tagged;
    }

    /** Checks the header fits in {@code buf[off..off+len)} and returns a view of it. */
    public static EthernetView parse(byte[] buf, int off, int len) throws ParseException {
        Bytes.checkRegion(buf, off, len);
        ParseException.need("ethernet.header", len, HEADER_LENGTH);
        boolean tagged = Bytes.u16(buf, off + 12) == EtherType.VLAN;
        if (tagged) {
            ParseException.need("ethernet.vlan", len, TAGGED_HEADER_LENGTH);
            if (Bytes.u16(buf, off + 16) == EtherType.VLAN) {
                throw new ParseException("ethernet.vlan", "stacked 802.1Q tags are not supported");
            }
        }
        if (Bytes.u16(buf, off + (tagged ? 16 : 12)) < 0x0600) {
            throw new ParseException("ethernet.type", "an 802.3 length, not an Ethernet II type");
        }
        return new EthernetView(buf, off, len, tagged);
    }

    public long dstBits() {
        return Bytes.u48(buf, off);
    }

    public long srcBits() {
        return Bytes.u48(buf, off + 6);
    }

    public MacAddress dst() {
        return new MacAddress(dstBits());
    }

    public MacAddress src() {
        return new MacAddress(srcBits());
    }

    public boolean tagged() {
        return tagged;
    }

    /** The 802.1Q tag control information (PCP, DEI, VID), or -1 if untagged. */
    public int vlanTci() {
        return tagged ? Bytes.u16(buf, off + 14) : -1;
    }

    /** The EtherType of the payload (after the tag, if any). */
    public int etherType() {
        return Bytes.u16(buf, off + (tagged ? 16 : 12));
    }

    public int headerLength() {
        return tagged ? TAGGED_HEADER_LENGTH : HEADER_LENGTH;
    }

    public int payloadOffset() {
        return off + headerLength();
    }

    public int payloadLength() {
        return len - headerLength();
    }

    public byte[] buffer() {
        return buf;
    }

    public EthernetHeader toHeader() {
        return new EthernetHeader(dst(), src(), etherType(), vlanTci());
    }
}
