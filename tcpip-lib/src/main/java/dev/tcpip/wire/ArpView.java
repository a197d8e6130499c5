package dev.tcpip.wire;

/** A view of an ARP packet for Ethernet and IPv4 (RFC 826), checked on parse. */
public final class ArpView {

    private final byte[] buf;
    private final int off;

    private ArpView(byte[] buf, int off) {
        this.buf = buf;
        this.off = off;
    }

    /** Accepts only hardware type 1 (Ethernet), protocol 0x0800, lengths 6 and 4, operation 1 or 2. */
    public static ArpView parse(byte[] buf, int off, int len) throws ParseException {
        Bytes.checkRegion(buf, off, len);
        ParseException.need("arp.header", len, ArpPacket.LENGTH);
        if (Bytes.u16(buf, off) != ArpPacket.HTYPE_ETHERNET) {
            throw new ParseException("arp.htype", "not Ethernet: " + Bytes.u16(buf, off));
        }
        if (Bytes.u16(buf, off + 2) != EtherType.IPV4) {
            throw new ParseException("arp.ptype", "not IPv4: " + Bytes.u16(buf, off + 2));
        }
        if (Bytes.u8(buf, off + 4) != 6 || Bytes.u8(buf, off + 5) != 4) {
            throw new ParseException("arp.hlen", "address lengths are not 6 and 4");
        }
        int op = Bytes.u16(buf, off + 6);
        if (op != ArpPacket.REQUEST && op != ArpPacket.REPLY) {
            throw new ParseException("arp.op", "not a request or reply: " + op);
        }
        return new ArpView(buf, off);
    }

    public int operation() {
        return Bytes.u16(buf, off + 6);
    }

    public long senderMacBits() {
        return Bytes.u48(buf, off + 8);
    }

    public int senderIpBits() {
        return Bytes.i32(buf, off + 14);
    }

    public long targetMacBits() {
        return Bytes.u48(buf, off + 18);
    }

    public int targetIpBits() {
        return Bytes.i32(buf, off + 24);
    }

    public ArpPacket toPacket() {
        return new ArpPacket(operation(), new MacAddress(senderMacBits()), new Ipv4Address(senderIpBits()),
                new MacAddress(targetMacBits()), new Ipv4Address(targetIpBits()));
    }
}
