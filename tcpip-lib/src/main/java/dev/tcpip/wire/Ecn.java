package dev.tcpip.wire;

/**
 * The ECN field (RFC 3168 §5): the two low bits of the IPv4 TOS octet and of the IPv6 traffic class, with its four
 * codepoints, and where each IP header keeps it.
 */
public final class Ecn {
    /** Not-ECT: the transport does not take part in ECN. */
    public static final int NOT_ECT = 0b00;
    /** ECT(1): ECN-capable transport, codepoint 1 (RFC 8311 §4.2 leaves it to experiments such as L4S). */
    public static final int ECT_1 = 0b01;
    /** ECT(0): ECN-capable transport, the codepoint RFC 3168 §5 senders use. */
    public static final int ECT_0 = 0b10;
    /** CE: congestion experienced, set by a router instead of dropping an ECT packet (RFC 3168 §5). */
    public static final int CE = 0b11;

    private Ecn() {
    }

    /** Whether {@code ecn} is ECT(0) or ECT(1): a packet a queue may mark instead of dropping. */
    public static boolean capable(int ecn) {
        return ecn == ECT_0 || ecn == ECT_1;
    }

    /** The ECN field of the IPv4 header at {@code buf[off]}: the TOS octet's two low bits. */
    public static int ofIpv4(byte[] buf, int off) {
        return buf[off + 1] & 3;
    }

    /** The ECN field of the IPv6 header at {@code buf[off]}: the traffic class's two low bits, bits 4-5 of octet 1. */
    public static int ofIpv6(byte[] buf, int off) {
        return buf[off + 1] >> 4 & 3;
    }

    /** Sets the ECN field of the IPv4 header at {@code buf[off]} and fixes its checksum (RFC 1624 §3 incremental update). */
    public static void setIpv4(byte[] buf, int off, int ecn) {
        int oldWord = (buf[off] & 0xff) << 8 | buf[off + 1] & 0xff;
        buf[off + 1] = (byte) (buf[off + 1] & ~3 | ecn);
        int newWord = (buf[off] & 0xff) << 8 | buf[off + 1] & 0xff;
        int sum = ~((buf[off + 10] & 0xff) << 8 | buf[off + 11] & 0xff) & 0xffff;   // HC' = ~(~HC + ~m + m')
        sum += ~oldWord & 0xffff;
        sum += newWord;
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        int hc = ~sum & 0xffff;
        buf[off + 10] = (byte) (hc >>> 8);
        buf[off + 11] = (byte) hc;
    }

    /**
     * Marks the IP datagram in the frame {@code f[off, off+len)} CE if it is ECN-capable (RFC 3168 §5: what a router
     * does instead of dropping it): an Ethernet frame ({@code ethernet}, IPv4 or IPv6 by its EtherType, no VLAN tag)
     * or a bare datagram (by its version nibble). Returns false, and changes nothing, for Not-ECT, CE already, or
     * anything that is not IPv4 or IPv6.
     */
    public static boolean markCe(byte[] f, int off, int len, boolean ethernet) {
        int ip = off + (ethernet ? 14 : 0);
        int version;
        if (ethernet) {
            int etherType = len >= 14 ? (f[off + 12] & 0xff) << 8 | f[off + 13] & 0xff : 0;
            version = etherType == EtherType.IPV4 ? 4 : etherType == EtherType.IPV6 ? 6 : 0;
        } else {
            version = len > 0 ? (f[off] & 0xff) >> 4 : 0;
        }
        int end = off + len;
        if (version == 4 && end >= ip + 20 && capable(ofIpv4(f, ip))) {
            setIpv4(f, ip, CE);
            return true;
        }
        if (version == 6 && end >= ip + 40 && capable(ofIpv6(f, ip))) {
            setIpv6(f, ip, CE);
            return true;
        }
        return false;
    }

    /** Sets the ECN field of the IPv6 header at {@code buf[off]} (IPv6 has no header checksum). */
    public static void setIpv6(byte[] buf, int off, int ecn) {
        buf[off + 1] = (byte) (buf[off + 1] & ~0x30 | ecn << 4);
    }
}
