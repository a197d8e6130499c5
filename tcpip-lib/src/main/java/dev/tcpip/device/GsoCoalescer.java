package dev.tcpip.device;

import dev.tcpip.wire.FrameLayout;
import dev.tcpip.wire.TcpHeader;

/**
 * Generic segmentation offload for the writer of a {@link TapDevice} or {@link TunDevice}: merges a run of consecutive frames of its
 * transmit ring that are TCP segments of one flow into one frame, whose virtio-net header asks the kernel to
 * take it as that run ({@code VIRTIO_NET_HDR_GSO_TCPV4} or {@code _TCPV6}, virtio 1.2 §5.1.6.2). One write(2)
 * then runs the kernel's receive path once for the run instead of once per segment: delivered locally, the
 * merged frame is what GRO would have made of the segments; forwarded, the kernel cuts it back into them.
 *
 * <p>Segments merge only when that is exactly so, that is when the kernel's segmentation
 * ({@code tcp_gso_segment()}, {@code inet_gso_segment()}) gives back the very segments: the same Ethernet
 * header (a TUN device's frames have none); IPv4 with no options and not a fragment, the same TOS, flags (DF), TTL and addresses, and
 * identifications that count up by one (as segmentation numbers them), or IPv6 with TCP as the next header
 * (no extension header) and the same traffic class, flow label, hop limit and addresses; the same ports,
 * acknowledgement number, data offset, window, urgent pointer and options (so the same timestamps);
 * contiguous sequence numbers; no flag but ACK and PSH; every segment but the last with the first one's payload size ({@code gso_size}),
 * the last one with at most that many bytes and at least one; an IP datagram of at most 65,535 bytes in all.
 * A run ends at the first frame that breaks a rule; a run of one is written as it is.
 *
 * <p>PSH is the one difference allowed. The direct stack sets it on every data segment, which draws
 * prompter ACKs from Linux under loss (measured: 42-53 MB/s against 12-15 MB/s with PSH only on the segment
 * that empties the send buffer, 2 % loss, over TAP); the merged frame pushes if any of its segments did. Taken
 * locally, it is one segment whose data is all delivered at once, which is what PSH asks for (RFC 9293
 * §3.9.1); cut back by the kernel for forwarding, only its last piece carries PSH, as when GRO merges a run
 * that ends with a push.
 *
 * <p>The merged frame has the first segment's headers with PSH as above, the IP length (IPv4 total
 * length, IPv6 payload length) and the IPv4 header checksum fixed up, and in the TCP checksum field the sum
 * of the pseudo-header over the merged length, with {@code NEEDS_CSUM} at that field, as for checksum offload
 * (segmentation adjusts that sum to each segment's length). So it is used only with checksum offload.
 *
 * <p>Used by the writer thread only. The ring is {@link TransmitRing}'s arrays: slot {@code i & mask} holds a
 * frame of {@code lens[i & mask]} bytes at {@code (i & mask) * slotSize + VnetHeader.LENGTH}. Where the headers
 * and fields of a frame are is {@link FrameLayout}'s business; this class only decides and copies.
 */
final class GsoCoalescer {
    static final int MAX_IP_DATAGRAM = 65_535;
    private static final int ACK = TcpHeader.ACK;
    private static final int PSH = TcpHeader.PSH;

    private final byte[] ring;
    private final int[] lens;
    private final int[] gsoSizes;                            // per slot: a super-segment's gso_size, else 0
    private final int slotSize;
    private final int mask;
    private final int linkHeader;
    private final FrameLayout first;
    private final FrameLayout other;
    /** The merged frame {@link #build} makes: a virtio-net header, then the frame. */
    final byte[] out;

    /**
     * A coalescer over {@code ring}, for frames with a link header of {@code linkHeader} bytes (14 or 0): a
     * super-segment the stack made (in a large buffer) is never merged with anything.
     */
    GsoCoalescer(TransmitRing ring, int linkHeader) {
        this(ring.bytes, ring.lens, ring.gsoSize, ring.slotSize, ring.mask, linkHeader);
    }

    /** A coalescer over the ring's arrays, for frames with a link header of {@code linkHeader} bytes (14 or 0). */
    GsoCoalescer(byte[] ring, int[] lens, int slotSize, int mask, int linkHeader) {
        this(ring, lens, new int[lens.length], slotSize, mask, linkHeader);
    }

    private GsoCoalescer(byte[] ring, int[] lens, int[] gsoSizes, int slotSize, int mask, int linkHeader) {
        this.ring = ring;
        this.lens = lens;
        this.gsoSizes = gsoSizes;
        this.slotSize = slotSize;
        this.mask = mask;
        this.linkHeader = linkHeader;
        this.first = new FrameLayout(linkHeader);
        this.other = new FrameLayout(linkHeader);
        this.out = new byte[VnetHeader.LENGTH + linkHeader + MAX_IP_DATAGRAM];
    }

    private int frame(long i) {
        return ((int) i & mask) * slotSize + VnetHeader.LENGTH;
    }

    private int length(long i) {
        return lens[(int) i & mask];
    }

    /**
     * How many frames from index {@code h} on (before {@code t}) can go as one merged frame: 1 when the frame
     * at {@code h} goes alone.
     */
    int run(long h, long t) {
        if (t - h < 2 || !mergeable(first, h)) {
            return 1;
        }
        int headers = first.headersLength();
        int mss = first.payloadLength();
        if (mss <= 0) {
            return 1;
        }
        boolean v4 = first.ipVersion() == 4;
        int datagram = first.ipLength();
        long next = first.seq() + mss;
        int k = 1;
        for (long i = h + 1; i != t; i++) {
            int payload = length(i) - headers;
            if (!mergeable(other, i) || other.ipVersion() != first.ipVersion() || !first.sameFlowHeaders(other)
                    || payload <= 0 || payload > mss || datagram + payload > MAX_IP_DATAGRAM
                    || other.seq() != (next & 0xffff_ffffL)
                    || v4 && other.ipId() != (first.ipId() + k & 0xffff)) {
                break;
            }
            k++;
            datagram += payload;
            next += payload;
            if (payload < mss) {
                break;                                       // only the last may be short
            }
        }
        return k;
    }

    /**
     * Points {@code layout} at frame {@code i}; whether it is a TCP segment that may be merged on its own terms
     * (see the class comment): IPv4 without options or IPv6 without extension headers, not a fragment, no
     * padding, a whole TCP header, only ACK and maybe PSH; not a super-segment already.
     */
    private boolean mergeable(FrameLayout layout, long i) {
        return gsoSizes[(int) i & mask] == 0 && layout.locate(ring, frame(i), length(i))
                && layout.ipHeaderLength() == (layout.ipVersion() == 4 ? 20 : 40)
                && !layout.padded() && layout.tcpHeaderFits() && (layout.tcpFlags() & ~PSH) == ACK;
    }

    /**
     * Builds in {@link #out} the merged frame of the {@code k} frames from {@code h} on (a run {@link #run}
     * allowed) with its virtio-net header; returns its length, header included.
     */
    int build(long h, int k) {
        mergeable(first, h);
        int headers = first.headersLength();
        int mss = first.payloadLength();
        System.arraycopy(ring, frame(h), out, VnetHeader.LENGTH, headers);
        int at = VnetHeader.LENGTH + headers;
        int push = 0;
        for (int i = 0; i < k; i++) {
            int payload = length(h + i) - headers;
            System.arraycopy(ring, frame(h + i) + headers, out, at, payload);
            at += payload;
            other.locate(ring, frame(h + i), length(h + i));
            push |= other.tcpFlags() & PSH;
        }
        other.locate(out, VnetHeader.LENGTH, at - VnetHeader.LENGTH);   // the first one's headers, all payloads
        other.setTcpFlags(ACK | push);                        // PSH if any segment of the run had it
        other.setIpLength(at - VnetHeader.LENGTH - linkHeader);
        VnetHeader.superSegment(other, out, 0, mss);         // as for a super-segment TCP made itself
        return at;
    }

    /** The frame bytes (without virtio-net headers) of the {@code k} frames from {@code h} on. */
    int frameBytes(long h, int k) {
        int n = 0;
        for (int i = 0; i < k; i++) {
            n += length(h + i);
        }
        return n;
    }
}
