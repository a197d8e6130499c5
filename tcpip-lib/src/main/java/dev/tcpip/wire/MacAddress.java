package dev.tcpip.wire;

import java.util.HexFormat;

/** A 48-bit Ethernet MAC address held in the low 48 bits of a long. */
public record MacAddress(long bits) {

    /** ff:ff:ff:ff:ff:ff. */
    public static final MacAddress BROADCAST = new MacAddress(0xffff_ffff_ffffL);
    /** 00:00:00:00:00:00. */
    public static final MacAddress ZERO = new MacAddress(0);

    public MacAddress {
        if ((bits >>> 48) != 0) {
            throw new IllegalArgumentException("MAC address has more than 48 bits: " + Long.toHexString(bits));
        }
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff} (or with {@code -}). */
    public static MacAddress parse(String text) {
        String[] parts = text.split("[:-]", -1);
        if (parts.length != 6) {
            throw new IllegalArgumentException("not a MAC address: " + text);
        }
        long v = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 2) {
                throw new IllegalArgumentException("not a MAC address: " + text);
            }
            v = (v << 8) | HexFormat.fromHexDigits(p);
        }
        return new MacAddress(v);
    }

    /** Reads six bytes at {@code off}. */
    public static MacAddress read(byte[] b, int off) {
        return new MacAddress(Bytes.u48(b, off));
    }

    /** The six bytes at {@code off} as the low 48 bits of a long, without making a value (per-frame paths). */
    public static long readBits(byte[] b, int off) {
        return Bytes.u48(b, off);
    }

    /** Whether {@code bits} has the group (I/G) bit: broadcast and multicast addresses. */
    public static boolean isGroup(long bits) {
        return (bits & 0x0100_0000_0000L) != 0;
    }

    /** Writes the six bytes at {@code off}. */
    public void write(byte[] b, int off) {
        Bytes.put48(b, off, bits);
    }

    /** The IPv6 multicast MAC for {@code ip}: 33:33 then its last 32 bits (RFC 2464 §7). */
    public static MacAddress ipv6Multicast(Ipv6Address ip) {
        return new MacAddress(0x3333_0000_0000L | (ip.lo() & 0xffff_ffffL));
    }

    public boolean isBroadcast() {
        return bits == BROADCAST.bits;
    }

    /** Group bit: the least significant bit of the first octet. */
    public boolean isMulticast() {
        return isGroup(bits);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            s.append(HexFormat.of().toHexDigits((byte) (bits >>> shift)));
            if (shift > 0) {
                s.append(':');
            }
        }
        return s.toString();
    }
}
