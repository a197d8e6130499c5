package dev.tcpip.device;

import java.util.HexFormat;

/**
 * MAC addresses as 48-bit {@code long}s, and the two frame fields the device layer reads. Package-private
 * until the wire layer's MAC value type lands; then this folds into it.
 */
final class Mac {
    static final long BROADCAST = 0xffff_ffff_ffffL;
    static final long MASK = 0xffff_ffff_ffffL;

    private Mac() {}

    /** The 6 bytes at {@code off}, big-endian. */
    static long read(byte[] b, int off) {
        return (b[off] & 0xffL) << 40 | (b[off + 1] & 0xffL) << 32 | (b[off + 2] & 0xffL) << 24
                | (b[off + 3] & 0xffL) << 16 | (b[off + 4] & 0xffL) << 8 | (b[off + 5] & 0xffL);
    }

    static void write(long mac, byte[] b, int off) {
        for (int i = 0; i < 6; i++) {
            b[off + i] = (byte) (mac >>> (40 - 8 * i));
        }
    }

    /** Destination of a frame. */
    static long dst(byte[] frame, int off) {
        return read(frame, off);
    }

    /** Source of a frame. */
    static long src(byte[] frame, int off) {
        return read(frame, off + 6);
    }

    /** The group bit (I/G, least significant bit of the first byte): broadcast and multicast. */
    static boolean isGroup(long mac) {
        return (mac & 0x0100_0000_0000L) != 0;
    }

    static long check(long mac) {
        if ((mac & ~MASK) != 0) {
            throw new IllegalArgumentException("not a 48-bit MAC: 0x" + Long.toHexString(mac));
        }
        return mac;
    }

    static String format(long mac) {
        byte[] b = new byte[6];
        write(mac, b, 0);
        return HexFormat.ofDelimiter(":").formatHex(b);
    }
}
