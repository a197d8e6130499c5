package dev.tcpip.device;

import static dev.tcpip.device.GsoCoalescerTest.ACK;
import static dev.tcpip.device.GsoCoalescerTest.H;
import static dev.tcpip.device.GsoCoalescerTest.ID;
import static dev.tcpip.device.GsoCoalescerTest.MSS;
import static dev.tcpip.device.GsoCoalescerTest.PSH;
import static dev.tcpip.device.GsoCoalescerTest.SEQ;
import static dev.tcpip.device.GsoCoalescerTest.le16;
import static dev.tcpip.device.GsoCoalescerTest.put16;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.wire.Checksum;
import dev.tcpip.wire.VirtioNetHeader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A TAP or TUN device's writer and the stack's TCP super-segments (what {@code KernelDevice.send} with a GSO size
 * puts in the ring): each goes as one GSO write whose header and bytes are what {@link GsoCoalescer} writes for the
 * same segments merged; if the kernel refuses GSO ({@code EINVAL}) it is cut and its pieces written. The writer
 * drains the ring on the test's thread into a recording stand-in for the descriptor. No TAP device or root needed.
 */
class TapSuperSegmentTest {
    private static final int CWR = 0x80;

    /** What the writer wrote, each write a copy (virtio-net header and frame); refuses GSO writes if told to. */
    private static final class Recorder implements TapWriter.Output {
        final List<byte[]> writes = new ArrayList<>();
        boolean refuseGso;
        int refused;

        @Override
        public long write(MemorySegment st, MemorySegment buf, int len) {
            byte[] w = buf.asSlice(0, len).toArray(ValueLayout.JAVA_BYTE);
            if (refuseGso && w[1] != VirtioNetHeader.GSO_NONE) {
                refused++;
                return -Posix.EINVAL;
            }
            writes.add(w);
            return len;
        }
    }

    /** A ring and its writer (thread not started) for frames with this link header, draining into a recorder. */
    private static final class Device {
        final TransmitRing ring;
        final TapWriter writer;
        final Recorder out = new Recorder();
        final DeviceCounters counters = new DeviceCounters();

        Device(int linkHeader) {
            ring = new TransmitRing(linkHeader + 1500, linkHeader + 65_535);
            writer = new TapWriter("t", out, ring, counters, true, true, linkHeader, true, () -> false);
        }

        void drain() {
            writer.drain(MemorySegment.NULL, ring.next(), ring.published());
        }
    }

    @Test
    void aSuperSegmentIsWrittenAsTheCoalescerWritesTheSameSegmentsMerged() {
        for (boolean v6 : new boolean[] {false, true}) {
            for (int link : new int[] {14, 0}) {
                String which = (v6 ? "IPv6" : "IPv4") + (link == 14 ? " over Ethernet" : " over TUN");
                int mss = v6 ? MSS - 20 : MSS;
                List<byte[]> segments = segments(v6, mss, mss, mss, 700);
                Device d = new Device(link);
                for (byte[] s : segments) {
                    byte[] f = frame(s, link);
                    assertTrue(d.ring.offer(f, 0, f.length));
                }
                d.drain();
                assertEquals(1, d.out.writes.size(), which + ": the coalescer merged the run");
                byte[] merged = d.out.writes.getFirst();

                byte[] tcp = frame(superSegment(v6, 3 * mss + 700, ACK | PSH), link);
                assertTrue(d.ring.offerSuperSegment(tcp, 0, tcp.length, mss));
                d.drain();
                assertEquals(2, d.out.writes.size(), which + ": one write for the super-segment");
                byte[] written = d.out.writes.get(1);
                assertArrayEquals(merged, written, which + ": the same header and bytes as the merged run");

                assertEquals(VirtioNetHeader.F_NEEDS_CSUM, written[0], which + ": flags");
                assertEquals(v6 ? VirtioNetHeader.GSO_TCPV6 : VirtioNetHeader.GSO_TCPV4, written[1], which);
                int l4 = link + (v6 ? 40 : 20);
                assertEquals(l4 + 32, le16(written, 2), which + ": hdr_len, link, IP and TCP headers");
                assertEquals(mss, le16(written, 4), which + ": gso_size");
                assertEquals(l4, le16(written, 6), which + ": csum_start");
                assertEquals(16, le16(written, 8), which + ": csum_offset");
                if (link == 14) {
                    GsoCoalescerTest.assertSegmentsBackInto(segments, written);
                }
                DeviceCounters c = d.counters;
                assertEquals(2, c.get(Counter.TX_GSO_WRITES), which + ": " + c);
                assertEquals(1, c.get(Counter.TX_TSO_WRITES), which + ": the super-segment's: " + c);
                assertEquals(8, c.get(Counter.TX_FRAMES), which + ": the pieces: " + c);
                assertEquals(2 * segments.stream().mapToInt(s -> s.length - 14 + link).sum(), c.get(Counter.TX_BYTES),
                        which + ": the wire's bytes, the same both ways");
            }
        }
    }

    @Test
    void aSuperSegmentWithCwrSaysEcnSoThatOnlyTheFirstPieceKeepsIt() {
        Device d = new Device(14);
        byte[] tcp = superSegment(false, 4 * MSS, ACK | PSH | CWR);
        assertTrue(d.ring.offerSuperSegment(tcp, 0, tcp.length, MSS));
        d.drain();
        byte[] written = d.out.writes.getFirst();
        assertEquals(VirtioNetHeader.GSO_TCPV4 | VirtioNetHeader.GSO_ECN, written[1] & 0xff);
    }

    @Test
    void aRefusedGsoWriteIsCutIntoTheSegmentsAndGsoIsNotTriedAgain() {
        Device d = new Device(14);
        d.out.refuseGso = true;
        List<byte[]> segments = segments(false, MSS, MSS, MSS, 700);
        byte[] tcp = superSegment(false, 3 * MSS + 700, ACK | PSH);
        assertTrue(d.ring.offerSuperSegment(tcp, 0, tcp.length, MSS));
        d.drain();
        assertEquals(1, d.out.refused, "one GSO write tried");
        assertPieces(segments, d.out.writes);

        d.out.writes.clear();
        List<byte[]> next = segments(false, MSS, MSS);
        byte[] later = superSegment(false, 2 * MSS, ACK | PSH);
        assertTrue(d.ring.offerSuperSegment(later, 0, later.length, MSS));
        for (byte[] s : next) {
            assertTrue(d.ring.offer(s, 0, s.length));
        }
        d.drain();
        assertEquals(1, d.out.refused, "after a refusal nothing is sent as GSO: neither super-segments nor runs");
        assertEquals(4, d.out.writes.size(), "two pieces and two segments one by one");
        assertPieces(next, d.out.writes.subList(0, 2));
        DeviceCounters c = d.counters;
        assertEquals(0, c.get(Counter.TX_GSO_WRITES) + c.get(Counter.TX_TSO_WRITES), c.toString());
        assertEquals(4 + 2 + 2, c.get(Counter.TX_FRAMES), c.toString());
        assertEquals(0, c.get(Counter.DROPPED_QUEUE_FULL), c.toString());
    }

    @Test
    void superSegmentsKeepTheirPlaceAndAreNeverMergedWithTheFramesAround() {
        Device d = new Device(14);
        List<byte[]> before = segments(false, MSS, MSS);
        for (byte[] s : before) {
            d.ring.offer(s, 0, s.length);
        }
        byte[] tcp = superSegment(false, 5 * MSS, ACK | PSH);
        d.ring.offerSuperSegment(tcp, 0, tcp.length, MSS);
        byte[] small = superSegment(false, 2 * 100, ACK | PSH);
        d.ring.offerSuperSegment(small, 0, small.length, 100);
        for (byte[] s : before) {
            d.ring.offer(s, 0, s.length);
        }
        d.drain();
        List<byte[]> w = d.out.writes;
        assertEquals(4, w.size(), "merged pair, super-segment, super-segment, merged pair");
        assertEquals(H + before.get(0).length + MSS, w.get(0).length);
        assertEquals(H + tcp.length, w.get(1).length);
        assertEquals(MSS, le16(w.get(1), 4));
        assertEquals(H + small.length, w.get(2).length);
        assertEquals(100, le16(w.get(2), 4));
        assertEquals(w.get(0).length, w.get(3).length);
        assertEquals(4, d.counters.get(Counter.TX_GSO_WRITES));
    }

    @Test
    void theRingHoldsAtMost32SuperSegmentsAndNoneWithoutRoomForThem() {
        Device d = new Device(14);
        byte[] tcp = superSegment(false, 45 * MSS, ACK | PSH);
        for (int i = 0; i < TransmitRing.LARGE_SLOTS; i++) {
            assertTrue(d.ring.offerSuperSegment(tcp, 0, tcp.length, MSS), "super-segment " + i);
        }
        assertFalse(d.ring.offerSuperSegment(tcp, 0, tcp.length, MSS), "the large buffers are all taken");
        byte[] s = segments(false, MSS).getFirst();
        assertTrue(d.ring.offer(s, 0, s.length), "an ordinary frame still has a slot");
        d.drain();
        assertEquals(TransmitRing.LARGE_SLOTS + 1, d.out.writes.size());
        assertTrue(d.ring.offerSuperSegment(tcp, 0, tcp.length, MSS), "room again once written");
        assertEquals(0, new TransmitRing(1514).maxSuperFrame(), "a ring made without them takes none");
    }

    @Test
    void whatNoGsoHeaderCanDescribeIsCutAndWhatCannotBeCutIsDropped() {
        Device d = new Device(14);
        byte[] fin = superSegment(false, 2 * MSS, ACK | 0x01);
        assertTrue(d.ring.offerSuperSegment(fin, 0, fin.length, MSS));
        byte[] tooBig = superSegment(false, 4 * MSS, ACK);
        assertTrue(d.ring.offerSuperSegment(tooBig, 0, tooBig.length, 2 * MSS));   // pieces beyond the MTU
        d.drain();
        assertEquals(2, d.out.writes.size(), "the FIN one cut in two, the other dropped");
        assertEquals(0, d.out.writes.get(1)[1], "pieces are plain frames");
        assertEquals(0x01, d.out.writes.get(1)[H + 47] & 0x01, "FIN on the last piece");
        assertEquals(1, d.counters.get(Counter.DROPPED_OFFLOAD));
    }

    // --- helpers

    /** The pieces written (NEEDS_CSUM, pseudo-header sums) completed as the kernel would, equal to the segments. */
    private static void assertPieces(List<byte[]> segments, List<byte[]> writes) {
        assertEquals(segments.size(), writes.size());
        for (int i = 0; i < writes.size(); i++) {
            byte[] w = writes.get(i);
            assertEquals(VirtioNetHeader.F_NEEDS_CSUM, w[0], "piece " + i + " flags");
            assertEquals(VirtioNetHeader.GSO_NONE, w[1], "piece " + i + " gso_type");
            byte[] f = Arrays.copyOfRange(w, H, w.length);
            int start = le16(w, 6);
            int field = start + le16(w, 8);
            put16(f, field, Checksum.finish(Checksum.ones(f, start, f.length - start, 0)));   // skb_checksum_help()
            assertArrayEquals(segments.get(i), f, "piece " + i);
        }
    }

    /** Segments of one flow with these payloads and right checksums; the last pushes, as TCP's pieces do after GSO. */
    private static List<byte[]> segments(boolean v6, int... payloads) {
        List<byte[]> s = GsoCoalescerTest.run(v6, payloads);
        byte[] last = s.getLast();
        GsoCoalescerTest.setFlags(last, v6 ? 54 : 34, ACK | PSH);
        GsoCoalescerTest.fixChecksums(last);
        return s;
    }

    /**
     * A super-segment as TCP and IP build it: the first segment's headers, the IP length of the whole, all the
     * payload (the same bytes by sequence number), {@code flags}, and a complete checksum (the writer rewrites it).
     */
    private static byte[] superSegment(boolean v6, int payload, int flags) {
        byte[] f = GsoCoalescerTest.segment(v6, SEQ, ID, payload, 12);
        GsoCoalescerTest.setFlags(f, v6 ? 54 : 34, flags);
        GsoCoalescerTest.fixChecksums(f);
        return f;
    }

    /** An Ethernet frame as the device's link has it: whole, or its IP datagram on a TUN device. */
    private static byte[] frame(byte[] ethernet, int link) {
        return link == 14 ? ethernet : Arrays.copyOfRange(ethernet, 14, ethernet.length);
    }
}
