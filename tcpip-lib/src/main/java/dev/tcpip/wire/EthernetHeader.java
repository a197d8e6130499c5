package dev.tcpip.wire;

import java.util.Objects;

/**
 * An Ethernet II header to emit: destination, source, EtherType, and an 802.1Q tag control value
 * ({@code vlanTci}, 0..65535) or {@link #UNTAGGED}.
 */
public record EthernetHeader(MacAddress dst, MacAddress src, int etherType, int vlanTci) {

    public static final int UNTAGGED = -1;

    public EthernetHeader {
        Objects.requireNonNull(dst, "dst");
        Objects.requireNonNull(src, "src");
        if (etherType < 0x0600 || etherType > 0xffff || etherType == EtherType.VLAN) {
            throw new IllegalArgumentException("EtherType out of range: " + etherType);
        }
        if (vlanTci < UNTAGGED || vlanTci > 0xffff) {
            throw new IllegalArgumentException("VLAN TCI out of range: " + vlanTci);
        }
    }

    /** An untagged header. */
    public EthernetHeader(MacAddress dst, MacAddress src, int etherType) {
        this(dst, src, etherType, UNTAGGED);
    }

    public int length() {
        return vlanTci == UNTAGGED ? EthernetView.HEADER_LENGTH : EthernetView.TAGGED_HEADER_LENGTH;
    }

    /**
     * Writes an untagged header of the addresses' 48 bits at {@code off}, as {@code new EthernetHeader(new
     * MacAddress(dst), new MacAddress(src), etherType).emit(buf, off)} would, with the same checks, but without making
     * those three objects (the per-frame send path); returns the offset after it.
     */
    public static int emitUntagged(byte[] buf, int off, long dst, long src, int etherType) {
        if ((dst >>> 48) != 0 || (src >>> 48) != 0) {
            throw new IllegalArgumentException("MAC address has more than 48 bits: " + Long.toHexString(dst) + ", "
                    + Long.toHexString(src));
        }
        if (etherType < 0x0600 || etherType > 0xffff || etherType == EtherType.VLAN) {
            throw new IllegalArgumentException("EtherType out of range: " + etherType);
        }
        Bytes.checkRegion(buf, off, EthernetView.HEADER_LENGTH);
        Bytes.put48(buf, off, dst);
        Bytes.put48(buf, off + 6, src);
        Bytes.put16(buf, off + 12, etherType);
        return off + EthernetView.HEADER_LENGTH;
    }

    /** Writes the header at {@code off}; returns the offset after it. */
    public int emit(byte[] buf, int off) {
        Bytes.checkRegion(buf, off, length());
        dst.write(buf, off);
        src.write(buf, off + 6);
        int p = off + 12;
        if (vlanTci != UNTAGGED) {
            Bytes.put16(buf, p, EtherType.VLAN);
            Bytes.put16(buf, p + 2, vlanTci);
            p += 4;
        }
        Bytes.put16(buf, p, etherType);
        return p + 2;
    }
}
