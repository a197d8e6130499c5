package dev.tcpip.wire;

/**
 * The 10-byte {@code struct virtio_net_hdr} of {@code <linux/virtio_net.h>} (virtio 1.2, §5.1.6) that precedes
 * every frame read from or written to a TAP device opened with {@code IFF_VNET_HDR}: {@code u8 flags},
 * {@code u8 gso_type}, then {@code hdr_len}, {@code gso_size}, {@code csum_start} and {@code csum_offset} as
 * 16-bit little-endian values (the device is set to little-endian). {@code csum_start} counts from the frame's
 * first byte, {@code csum_offset} from {@code csum_start}.
 *
 * @param flags {@link #F_NEEDS_CSUM}, {@link #F_DATA_VALID} or 0
 * @param gsoType {@link #GSO_NONE}, {@link #GSO_TCPV4} or {@link #GSO_TCPV6}
 * @param hdrLen the length of the headers (Ethernet, IP, TCP) of a GSO frame
 * @param gsoSize the payload size of each segment a GSO frame is cut into
 * @param csumStart where the checksummed region begins, with {@link #F_NEEDS_CSUM}
 * @param csumOffset where the checksum field is within that region, with {@link #F_NEEDS_CSUM}
 */
public record VirtioNetHeader(int flags, int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset) {

    /** The header's length in bytes. */
    public static final int LENGTH = 10;
    /** {@code VIRTIO_NET_HDR_F_NEEDS_CSUM}: the checksum at csum_start + csum_offset is to be completed. */
    public static final int F_NEEDS_CSUM = 1;
    /**
     * {@code VIRTIO_NET_HDR_F_DATA_VALID} (virtio 1.2 §5.1.6.4.1): on a frame read, the device (here the kernel)
     * has validated its checksums; never set on a frame written (§5.1.6.2.1).
     */
    public static final int F_DATA_VALID = 2;
    /** {@code VIRTIO_NET_HDR_GSO_NONE}: a frame as it is. */
    public static final int GSO_NONE = 0;
    /** {@code VIRTIO_NET_HDR_GSO_TCPV4}: a TCP over IPv4 frame to be cut into segments. */
    public static final int GSO_TCPV4 = 1;
    /** {@code VIRTIO_NET_HDR_GSO_TCPV6}: a TCP over IPv6 frame to be cut into segments. */
    public static final int GSO_TCPV6 = 4;
    /**
     * {@code VIRTIO_NET_HDR_GSO_ECN}, or'ed into a TCP GSO type: the segment has CWR set, which segmentation keeps on
     * the first piece only (virtio 1.2 §5.1.6.2; Linux maps it to {@code SKB_GSO_TCP_ECN}).
     */
    public static final int GSO_ECN = 0x80;
    /** All zeros: a frame with complete checksums, no segmentation. */
    public static final VirtioNetHeader NONE = new VirtioNetHeader(0, GSO_NONE, 0, 0, 0, 0);

    public VirtioNetHeader {
        if ((flags | gsoType) >>> 8 != 0 || (hdrLen | gsoSize | csumStart | csumOffset) >>> 16 != 0) {
            throw new IllegalArgumentException("virtio-net header field out of range: " + flags + ", " + gsoType
                    + ", " + hdrLen + ", " + gsoSize + ", " + csumStart + ", " + csumOffset);
        }
    }

    /** The header for a frame whose checksum at {@code csumStart + csumOffset} is to be completed. */
    public static VirtioNetHeader needsChecksum(int csumStart, int csumOffset) {
        return new VirtioNetHeader(F_NEEDS_CSUM, GSO_NONE, 0, 0, csumStart, csumOffset);
    }

    /** Reads the header at {@code b[at..at + LENGTH)}. */
    public static VirtioNetHeader read(byte[] b, int at) {
        Bytes.checkRegion(b, at, LENGTH);
        return new VirtioNetHeader(Bytes.u8(b, at), Bytes.u8(b, at + 1), Bytes.le16(b, at + 2),
                Bytes.le16(b, at + 4), Bytes.le16(b, at + 6), Bytes.le16(b, at + 8));
    }

    /** The flags of the header at {@code at}, without making a value (for the per-frame receive path). */
    public static int flags(byte[] b, int at) {
        return Bytes.u8(b, at);
    }

    /** The GSO type of the header at {@code at}, without making a value (for the per-frame receive path). */
    public static int gsoType(byte[] b, int at) {
        return Bytes.u8(b, at + 1);
    }

    /** The {@code gso_size} of the header at {@code at}: the payload of each segment a GSO frame stands for. */
    public static int gsoSize(byte[] b, int at) {
        return Bytes.le16(b, at + 4);
    }

    /** The {@code csum_start} of the header at {@code at}, counted from the frame's first byte. */
    public static int csumStart(byte[] b, int at) {
        return Bytes.le16(b, at + 6);
    }

    /** The {@code csum_offset} of the header at {@code at}, counted from {@code csum_start}. */
    public static int csumOffset(byte[] b, int at) {
        return Bytes.le16(b, at + 8);
    }

    /** Writes the header to {@code b[at..at + LENGTH)}. */
    public void write(byte[] b, int at) {
        Bytes.checkRegion(b, at, LENGTH);
        Bytes.put8(b, at, flags);
        Bytes.put8(b, at + 1, gsoType);
        Bytes.putLe16(b, at + 2, hdrLen);
        Bytes.putLe16(b, at + 4, gsoSize);
        Bytes.putLe16(b, at + 6, csumStart);
        Bytes.putLe16(b, at + 8, csumOffset);
    }
}
