package dev.tcpip.wire;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv6 address as two longs: {@code hi} holds bytes 0..7, {@code lo} bytes 8..15, big-endian. */
public record Ipv6Address(long hi, long lo) implements IpAddress {

    // equals and hashCode written out, as Ipv4Address's (the connection table's lookups). Same results.
    @Override
    public boolean equals(Object o) {
        return o instanceof Ipv6Address a && a.hi == hi && a.lo == lo;
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(hi) + Long.hashCode(lo);
    }

    public static final Ipv6Address UNSPECIFIED = new Ipv6Address(0, 0);
    /** ff02::1, all nodes on the link. */
    public static final Ipv6Address ALL_NODES = new Ipv6Address(0xff02L << 48, 1);
    /** ff02::2, all routers on the link. */
    public static final Ipv6Address ALL_ROUTERS = new Ipv6Address(0xff02L << 48, 2);

    /** Parses textual IPv6 (RFC 4291 §2.2, including {@code ::} and a dotted IPv4 tail; no zone). */
    public static Ipv6Address parse(String text) {
        if (text.isEmpty() || text.indexOf('%') >= 0 || !text.contains(":")) {
            throw new IllegalArgumentException("not an IPv6 address: " + text);
        }
        try {
            // A literal containing ':' is never resolved by name: InetAddress parses it.
            InetAddress a = InetAddress.getByName(text.startsWith("[") ? text : "[" + text + "]");
            if (a instanceof Inet6Address v6) {
                return of(v6);
            }
            // An IPv4-mapped literal comes back as an Inet4Address.
            return new Ipv6Address(0, 0xffff_0000_0000L | (Ipv4Address.of((java.net.Inet4Address) a).bits() & 0xffff_ffffL));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IPv6 address: " + text, e);
        }
    }

    public static Ipv6Address of(Inet6Address address) {
        return read(address.getAddress(), 0);
    }

    public static Ipv6Address read(byte[] b, int off) {
        return new Ipv6Address(Bytes.i64(b, off), Bytes.i64(b, off + 8));
    }

    public void write(byte[] b, int off) {
        Bytes.put64(b, off, hi);
        Bytes.put64(b, off + 8, lo);
    }

    /** The solicited-node multicast address ff02::1:ffXX:XXXX for this address (RFC 4291 §2.7.1). */
    public Ipv6Address solicitedNode() {
        return new Ipv6Address(0xff02L << 48, 0x0000_0001_ff00_0000L | (lo & 0x00ff_ffffL));
    }

    /** The link-local address fe80::/64 with the modified EUI-64 of {@code mac} (RFC 4291 App. A). */
    public static Ipv6Address linkLocal(MacAddress mac) {
        long m = mac.bits();
        long eui = ((m >>> 24) << 40) | (0xfffeL << 24) | (m & 0xff_ffffL);
        eui ^= 0x0200_0000_0000_0000L;
        return new Ipv6Address(0xfe80L << 48, eui);
    }

    public boolean isMulticast() {
        return (hi >>> 56) == 0xff;
    }

    public Inet6Address toInetAddress() {
        byte[] b = new byte[16];
        write(b, 0);
        try {
            return Inet6Address.getByAddress(null, b, -1);
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // sixteen bytes are always a valid address
        }
    }

    @Override
    public String toString() {
        // RFC 5952 canonical text: InetAddress prints no "::" compression, so do it here.
        int[] w = new int[8];
        for (int i = 0; i < 4; i++) {
            w[i] = (int) (hi >>> (48 - 16 * i)) & 0xffff;
            w[i + 4] = (int) (lo >>> (48 - 16 * i)) & 0xffff;
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (w[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && w[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder s = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLen - 1;
                continue;
            }
            if (s.length() > 0 && s.charAt(s.length() - 1) != ':') {
                s.append(':');
            }
            s.append(Integer.toHexString(w[i]));
        }
        return s.toString();
    }
}
