package dev.tcpip.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.wire.Checksum;
import dev.tcpip.wire.VirtioNetHeader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * When TapDevice's writer merges TCP segments into one GSO frame, and the frame it builds: segmenting it as
 * the kernel does gives back the very segments. No TAP device or root needed.
 */
class GsoCoalescerTest {
    static final int H = VnetHeader.LENGTH;
    static final int ACK = 0x10;
    static final int PSH = 0x08;
    static final int MSS = 1448;                     // MTU 1500 less IPv4, TCP and a timestamp option
    static final long SEQ = 0xffff_f000L;            // the sequence numbers wrap within a run
    static final int ID = 0xfffe;                    // and so do the IPv4 identifications

    @Test
    void aRunOfIpv4SegmentsMergesAndSegmentsBackIntoThem() {
        List<byte[]> segments = run(false, MSS, MSS, MSS, MSS, 700);
        setFlags(segments.get(4), 34, ACK | PSH);           // the last one pushes
        fixChecksums(segments.get(4));
        Ring ring = new Ring(1500, 8);
        long h = 6;                                          // the run wraps around the ring's end
        ring.put(h, segments);
        assertEquals(5, ring.gso.run(h, h + 5));
        int len = ring.gso.build(h, 5);
        byte[] out = Arrays.copyOf(ring.gso.out, len);

        assertEquals(VirtioNetHeader.F_NEEDS_CSUM, out[0], "flags");
        assertEquals(VirtioNetHeader.GSO_TCPV4, out[1], "gso_type");
        assertEquals(14 + 20 + 32, le16(out, 2), "hdr_len");
        assertEquals(MSS, le16(out, 4), "gso_size");
        assertEquals(34, le16(out, 6), "csum_start");
        assertEquals(16, le16(out, 8), "csum_offset");
        int ip = H + 14;
        assertEquals(len - H - 14, u16(out, ip + 2), "IPv4 total length");
        assertEquals(20 + 32 + 4 * MSS + 700, len - H - 14);
        assertEquals(ID, u16(out, ip + 4), "the first segment's identification");
        assertEquals(0, Checksum.compute(out, ip, 20), "a right IPv4 header checksum");
        assertEquals(ACK | PSH, out[H + 34 + 13], "PSH from the last segment");
        assertTrue(completesToARightChecksum(out, 34, 0x0800), "the checksum field holds the pseudo-header sum");
        assertEquals(segments.stream().mapToInt(s -> s.length).sum(), ring.gso.frameBytes(h, 5));
        assertSegmentsBackInto(segments, out);
    }

    @Test
    void aRunOfIpv6SegmentsMergesAndSegmentsBackIntoThem() {
        List<byte[]> segments = run(true, MSS - 20, MSS - 20, 3);
        Ring ring = new Ring(1500, 8);
        ring.put(0, segments);
        assertEquals(3, ring.gso.run(0, 3));
        int len = ring.gso.build(0, 3);
        byte[] out = Arrays.copyOf(ring.gso.out, len);
        assertEquals(VirtioNetHeader.GSO_TCPV6, out[1], "gso_type");
        assertEquals(14 + 40 + 32, le16(out, 2), "hdr_len");
        assertEquals(MSS - 20, le16(out, 4), "gso_size");
        assertEquals(54, le16(out, 6), "csum_start");
        assertEquals(len - H - 54, u16(out, H + 14 + 4), "IPv6 payload length");
        assertTrue(completesToARightChecksum(out, 54, 0x86dd));
        assertSegmentsBackInto(segments, out);
    }

    /** A TUN device's segments have no Ethernet header: the merged frame's offsets count from the IP header. */
    @Test
    void onAnIpLinkBareDatagramsMergeWithOffsetsFromTheIpHeader() {
        List<byte[]> frames = run(false, MSS, MSS, 500);
        List<byte[]> datagrams = frames.stream().map(f -> Arrays.copyOfRange(f, 14, f.length)).toList();
        int slotSize = H + 1500;
        byte[] bytes = new byte[8 * slotSize];
        int[] lens = new int[8];
        for (int i = 0; i < datagrams.size(); i++) {
            System.arraycopy(datagrams.get(i), 0, bytes, i * slotSize + H, datagrams.get(i).length);
            lens[i] = datagrams.get(i).length;
        }
        GsoCoalescer gso = new GsoCoalescer(bytes, lens, slotSize, 7, 0);
        assertEquals(3, gso.run(0, 3));
        int len = gso.build(0, 3);
        byte[] out = Arrays.copyOf(gso.out, len);
        assertEquals(VirtioNetHeader.GSO_TCPV4, out[1], "gso_type");
        assertEquals(20 + 32, le16(out, 2), "hdr_len: IP and TCP headers only");
        assertEquals(MSS, le16(out, 4), "gso_size");
        assertEquals(20, le16(out, 6), "csum_start");
        assertEquals(len - H, u16(out, H + 2), "IPv4 total length");
        assertEquals(0, Checksum.compute(out, H, 20), "a right IPv4 header checksum");
        byte[] payloads = new byte[2 * MSS + 500];
        for (int i = 0, at = 0; i < 3; i++) {
            byte[] d = datagrams.get(i);
            System.arraycopy(d, 52, payloads, at, d.length - 52);
            at += d.length - 52;
        }
        assertArrayEquals(payloads, Arrays.copyOfRange(out, H + 52, len), "the payloads in order");
        assertEquals(1, new GsoCoalescer(bytes, lens, slotSize, 7, 14).run(0, 3),
                "read as Ethernet frames they are not TCP segments");
    }

    @Test
    void aRunEndsAfterAShortSegmentAndBeforeTheRingsTailAndPushesIfAnySegmentDid() {
        Ring ring = new Ring(1500, 8);
        ring.put(0, run(false, MSS, MSS, 1000, MSS));
        assertEquals(3, ring.gso.run(0, 4), "only the last segment may be short");
        assertEquals(2, ring.gso.run(0, 2), "never beyond the frames there are");
        assertEquals(1, ring.gso.run(0, 1));
        List<byte[]> pushing = run(false, MSS, MSS, MSS);
        setFlags(pushing.get(1), 34, ACK | PSH);
        ring.put(0, pushing);
        assertEquals(3, ring.gso.run(0, 3), "PSH does not end a run");
        byte[] out = ring.gso.out;
        ring.gso.build(0, 3);
        assertEquals(ACK | PSH, out[H + 34 + 13], "the merged frame pushes: one of its segments did");
        List<byte[]> plain = run(false, MSS, MSS, MSS);
        ring.put(0, plain);
        ring.gso.build(0, 3);
        assertEquals(ACK, out[H + 34 + 13], "and does not when none did");
    }

    @Test
    void aMergedDatagramHasAt65535Bytes() {
        int mss = 9000 - 20 - 32;
        Ring ring = new Ring(9000, 16);
        ring.put(0, run(false, mss, mss, mss, mss, mss, mss, mss, mss, mss));
        int k = ring.gso.run(0, 9);
        assertEquals((65_535 - 52) / mss, k);
        assertEquals(7, k);
        assertEquals(2, ring.gso.run(k, 9), "the rest makes a run of its own");
    }

    @Test
    void segmentsMergeOnlyWhenSegmentationGivesThemBack() {
        Map<String, Consumer<byte[]>> second = new java.util.LinkedHashMap<>();
        second.put("another destination MAC", f -> f[5] ^= 1);
        second.put("a VLAN tag's type", f -> put16(f, 12, 0x8100));
        second.put("another TOS (ECN)", f -> f[15] |= 1);
        second.put("DF clear", f -> f[20] = 0);
        second.put("a fragment (MF)", f -> f[20] |= 0x20);
        second.put("a fragment (offset)", f -> f[21] = 1);
        second.put("another TTL", f -> f[22]--);
        second.put("another destination address", f -> f[33]++);
        second.put("an identification out of step", f -> put16(f, 18, ID + 2));
        second.put("UDP", f -> f[23] = 17);
        second.put("another source port", f -> f[34]++);
        second.put("another destination port", f -> f[37]++);
        second.put("a gap in sequence", f -> put16(f, 34 + 6, u16(f, 34 + 6) + 1));
        second.put("another acknowledgement", f -> f[34 + 11]++);
        second.put("another window", f -> f[34 + 15]++);
        second.put("an urgent pointer", f -> f[34 + 19] = 1);
        second.put("another timestamp", f -> f[34 + 20 + 7]++);
        second.put("SYN", f -> setFlags(f, 34, ACK | 0x02));
        second.put("FIN", f -> setFlags(f, 34, ACK | 0x01));
        second.put("RST", f -> setFlags(f, 34, ACK | 0x04));
        second.put("URG", f -> setFlags(f, 34, ACK | 0x20));
        second.put("ECE", f -> setFlags(f, 34, ACK | 0x40));
        second.put("CWR", f -> setFlags(f, 34, ACK | 0x80));
        second.put("no ACK", f -> setFlags(f, 34, 0));
        second.put("the AE bit", f -> f[34 + 12] |= 1);
        for (var e : second.entrySet()) {
            List<byte[]> segments = run(false, MSS, MSS, MSS);
            e.getValue().accept(segments.get(1));
            Ring ring = new Ring(1500, 8);
            ring.put(0, segments);
            assertEquals(1, ring.gso.run(0, 3), e.getKey());
        }

        Ring ring = new Ring(1500, 8);
        ring.put(0, run(false, 1000, MSS));
        assertEquals(1, ring.gso.run(0, 2), "a segment larger than the first");
        ring.put(0, run(false, MSS, 0));
        assertEquals(1, ring.gso.run(0, 2), "a pure acknowledgement");
        List<byte[]> noTimestamp = run(false, MSS, MSS);
        noTimestamp.set(1, segment(false, SEQ + MSS, ID + 1, MSS, 0));
        ring.put(0, noTimestamp);
        assertEquals(1, ring.gso.run(0, 2), "other options (another data offset)");
        List<byte[]> padded = run(false, MSS, 6);
        padded.set(1, Arrays.copyOf(padded.get(1), padded.get(1).length + 4));
        ring.put(0, padded);
        assertEquals(1, ring.gso.run(0, 2), "a frame longer than its datagram (Ethernet padding)");
        List<byte[]> options = run(false, MSS, MSS);
        for (int i = 0; i < 2; i++) {
            byte[] f = options.get(i);
            f[14] = 0x46;                                    // 4 bytes of IP options, the same in both
        }
        ring.put(0, options);
        assertEquals(1, ring.gso.run(0, 2), "IP options");

        Map<String, Consumer<byte[]>> v6 = new java.util.LinkedHashMap<>();
        v6.put("another flow label", f -> f[17]++);
        v6.put("another traffic class", f -> f[15] ^= 0x10);
        v6.put("another hop limit", f -> f[21]--);
        v6.put("another source address", f -> f[29]++);
        v6.put("an extension header", f -> f[20] = 0);
        for (var e : v6.entrySet()) {
            List<byte[]> segments = run(true, MSS - 20, MSS - 20);
            e.getValue().accept(segments.get(1));
            ring.put(0, segments);
            assertEquals(1, ring.gso.run(0, 2), e.getKey());
        }
        ring.put(0, List.of(segment(false, SEQ, ID, MSS, 12), segment(true, SEQ + MSS, 0, MSS, 12)));
        assertEquals(1, ring.gso.run(0, 2), "IPv4 then IPv6");
    }

    // --- what the kernel makes of the merged frame

    /** Cuts the merged frame as tcp_gso_segment() does and compares the pieces with the segments. */
    static void assertSegmentsBackInto(List<byte[]> segments, byte[] out) {
        int headers = le16(out, 2);
        int mss = le16(out, 4);
        int l4 = le16(out, 6);
        boolean v4 = out[1] == VirtioNetHeader.GSO_TCPV4;
        int payload = out.length - H - headers;
        List<byte[]> pieces = new ArrayList<>();
        for (int j = 0, at = 0; at < payload; j++, at += mss) {
            int n = Math.min(mss, payload - at);
            byte[] f = new byte[headers + n];
            System.arraycopy(out, H, f, 0, headers);
            System.arraycopy(out, H + headers + at, f, headers, n);
            long seq = (u32(f, l4 + 4) + at) & 0xffff_ffffL;
            put16(f, l4 + 4, (int) (seq >>> 16));
            put16(f, l4 + 6, (int) seq);
            if (at + n < payload) {
                setFlags(f, l4, f[l4 + 13] & ~(PSH | 0x01));  // PSH and FIN stay on the last piece only
            }
            if (v4) {
                put16(f, 16, f.length - 14);
                put16(f, 18, u16(f, 18) + j);
            } else {
                put16(f, 18, f.length - 54);
            }
            fixChecksums(f);
            pieces.add(f);
        }
        assertEquals(segments.size(), pieces.size());
        for (int i = 0; i < pieces.size(); i++) {
            assertArrayEquals(segments.get(i), pieces.get(i), "segment " + i);
        }
    }

    /** skb_checksum_help() over the merged frame gives a checksum the whole segment verifies with. */
    static boolean completesToARightChecksum(byte[] out, int l4, int type) {
        byte[] f = Arrays.copyOfRange(out, H, out.length);
        int start = l4;
        int sum = Checksum.finish(Checksum.ones(f, start, f.length - start, 0));
        put16(f, l4 + 16, sum);
        int length = f.length - l4;
        long pseudo = type == 0x0800 ? Checksum.ones(f, 26, 8, 6 + length) : Checksum.ones(f, 22, 32, 6 + length);
        return Checksum.verifies(Checksum.ones(f, l4, f.length - l4, pseudo));
    }

    // --- segments

    /** Consecutive segments of one flow with these payload sizes, ACK only, and right checksums. */
    static List<byte[]> run(boolean v6, int... payloads) {
        List<byte[]> segments = new ArrayList<>();
        long seq = SEQ;
        for (int i = 0; i < payloads.length; i++) {
            segments.add(segment(v6, seq, ID + i, payloads[i], 12));
            seq += payloads[i];
        }
        return segments;
    }

    /** A TCP segment with {@code optionBytes} of options (12: NOP, NOP, timestamps), ACK only. */
    static byte[] segment(boolean v6, long seq, int id, int payload, int optionBytes) {
        int l4 = v6 ? 54 : 34;
        int thl = 20 + optionBytes;
        byte[] f = new byte[l4 + thl + payload];
        int ip = 14;
        byte[] macs = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
        System.arraycopy(macs, 0, f, 0, 12);
        if (v6) {
            put16(f, 12, 0x86dd);
            f[ip] = 0x60;
            f[ip + 1] = 0x0a;                                // a flow label
            put16(f, ip + 4, thl + payload);
            f[ip + 6] = 6;
            f[ip + 7] = 64;
            f[ip + 8] = (byte) 0xfd;
            f[ip + 23] = 2;
            f[ip + 24] = (byte) 0xfd;
            f[ip + 39] = 1;
        } else {
            put16(f, 12, 0x0800);
            f[ip] = 0x45;
            f[ip + 1] = 0x02;                                // ECT(0)
            put16(f, ip + 2, f.length - 14);
            put16(f, ip + 4, id);
            f[ip + 6] = 0x40;                                // DF
            f[ip + 8] = 64;
            f[ip + 9] = 6;
            byte[] addresses = {10, 77, 0, 2, 10, 77, 0, 1};
            System.arraycopy(addresses, 0, f, ip + 12, 8);
        }
        put16(f, l4, 5555);
        put16(f, l4 + 2, 7777);
        put16(f, l4 + 4, (int) (seq >>> 16));
        put16(f, l4 + 6, (int) seq);
        put16(f, l4 + 8, 0x1234);
        put16(f, l4 + 10, 0x5678);
        f[l4 + 12] = (byte) (thl / 4 << 4);
        f[l4 + 13] = ACK;
        put16(f, l4 + 14, 501);
        if (optionBytes == 12) {
            byte[] ts = {1, 1, 8, 10, 0, 0, 0x30, 0x39, 0, 0, 0x10, 0x01};
            System.arraycopy(ts, 0, f, l4 + 20, 12);
        }
        for (int i = 0; i < payload; i++) {
            f[l4 + thl + i] = (byte) ((seq + i) * 31 + 7);   // by sequence number, so a misplaced byte shows
        }
        fixChecksums(f);
        return f;
    }

    static void setFlags(byte[] f, int l4, int flags) {
        f[l4 + 13] = (byte) flags;
    }

    /** The IPv4 header checksum (if IPv4) and the TCP checksum, as the stack writes them. */
    static void fixChecksums(byte[] f) {
        boolean v4 = u16(f, 12) == 0x0800;
        int l4 = v4 ? 34 : 54;
        int length = f.length - l4;
        long pseudo;
        if (v4) {
            put16(f, 24, 0);
            put16(f, 24, Checksum.compute(f, 14, 20));
            pseudo = Checksum.ones(f, 26, 8, 6 + length);
        } else {
            pseudo = Checksum.ones(f, 22, 32, 6 + length);
        }
        put16(f, l4 + 16, 0);
        put16(f, l4 + 16, Checksum.finish(Checksum.ones(f, l4, length, pseudo)));
    }

    /** TapDevice's ring layout: a virtio-net header, then the frame, in slots of the MTU's size. */
    static final class Ring {
        final byte[] bytes;
        final int[] lens;
        final int slotSize;
        final int mask;
        final GsoCoalescer gso;

        Ring(int mtu, int slots) {
            slotSize = H + mtu + 14;
            mask = slots - 1;
            bytes = new byte[slots * slotSize];
            lens = new int[slots];
            gso = new GsoCoalescer(bytes, lens, slotSize, mask, 14);
        }

        void put(long from, List<byte[]> frames) {
            for (int i = 0; i < frames.size(); i++) {
                int slot = (int) (from + i) & mask;
                byte[] f = frames.get(i);
                Arrays.fill(bytes, slot * slotSize, slot * slotSize + H, (byte) 0x5a);   // a stale header
                System.arraycopy(f, 0, bytes, slot * slotSize + H, f.length);
                lens[slot] = f.length;
            }
        }
    }

    static int u16(byte[] b, int i) {
        return (b[i] & 0xff) << 8 | b[i + 1] & 0xff;
    }

    static long u32(byte[] b, int i) {
        return (long) u16(b, i) << 16 | u16(b, i + 2);
    }

    static int le16(byte[] b, int i) {
        return b[i] & 0xff | (b[i + 1] & 0xff) << 8;
    }

    static void put16(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 8);
        b[i + 1] = (byte) v;
    }
}
