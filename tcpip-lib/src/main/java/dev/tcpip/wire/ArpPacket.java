package dev.tcpip.wire;

import java.util.Objects;

/** An ARP request or reply for Ethernet and IPv4 (RFC 826) to emit. */
public record ArpPacket(int operation, MacAddress senderMac, Ipv4Address senderIp, MacAddress targetMac,
        Ipv4Address targetIp) {

    public static final int LENGTH = 28;
    public static final int REQUEST = 1;
    public static final int REPLY = 2;
    static final int HTYPE_ETHERNET = 1;

    public ArpPacket {
        if (operation != REQUEST && operation != REPLY) {
            throw new IllegalArgumentException("ARP operation must be 1 or 2: " + operation);
        }
        Objects.requireNonNull(senderMac, "senderMac");
        Objects.requireNonNull(senderIp, "senderIp");
        Objects.requireNonNull(targetMac, "targetMac");
        Objects.requireNonNull(targetIp, "targetIp");
    }

    public int length() {
        return LENGTH;
    }

    /** Writes the 28 bytes at {@code off}; returns the offset after them. */
    public int emit(byte[] buf, int off) {
        Bytes.checkRegion(buf, off, LENGTH);
        Bytes.put16(buf, off, HTYPE_ETHERNET);
        Bytes.put16(buf, off + 2, EtherType.IPV4);
        Bytes.put8(buf, off + 4, 6);
        Bytes.put8(buf, off + 5, 4);
        Bytes.put16(buf, off + 6, operation);
        senderMac.write(buf, off + 8);
        senderIp.write(buf, off + 14);
        targetMac.write(buf, off + 18);
        targetIp.write(buf, off + 24);
        return off + LENGTH;
    }
}
