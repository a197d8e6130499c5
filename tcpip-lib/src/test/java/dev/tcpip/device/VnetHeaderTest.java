package dev.tcpip.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.time.EventLoop;
import dev.tcpip.wire.Checksum;
import dev.tcpip.wire.VirtioNetHeader;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The virtio-net header TapDevice writes in front of each frame, and the rule that keeps checksum offload
 * away from frames that may be corrupted; no TAP device or root needed.
 */
class VnetHeaderTest {
    private static final int H = VnetHeader.LENGTH;

    @Test
    void withoutOffloadTheHeaderIsZeroAndTheFrameUntouched() {
        byte[] frame = ipv4(6, 40, 0);
        byte[] b = withHeaderRoom(frame, (byte) 0x5a);
        new VnetHeader(false, 14).write(b, 0, frame.length);
        assertArrayEquals(new byte[H], Arrays.copyOf(b, H));
        assertArrayEquals(frame, Arrays.copyOfRange(b, H, b.length));
    }

    @Test
    void tcpOverIpv4IsMarkedAndItsChecksumFieldHoldsThePseudoHeaderSum() {
        byte[] frame = ipv4(6, 1000, 0);
        int checksum = u16(frame, 34 + 16);
        byte[] b = withHeaderRoom(frame, (byte) 0);
        new VnetHeader(true, 14).write(b, 0, frame.length);
        assertHeader(b, 0, 34, 16);
        assertEquals(checksum, completed(b, 0, 34, 16), "completing the partial checksum gives the stack's");
    }

    @Test
    void udpOverIpv6IsMarkedAtItsOwnOffsetsAndAtAnyPlaceInTheRing() {
        byte[] frame = ipv6(17, 300);
        int checksum = u16(frame, 54 + 6);
        byte[] ring = new byte[3 * 2048];
        int at = 2048;
        Arrays.fill(ring, at, at + H, (byte) 0x77);        // a slot's stale header is overwritten
        System.arraycopy(frame, 0, ring, at + H, frame.length);
        new VnetHeader(true, 14).write(ring, at, frame.length);
        assertHeader(ring, at, 54, 6);
        assertEquals(checksum, completed(ring, at, 54, 6));
    }

    @Test
    void framesTheKernelMustCheckInFullGoWithAZeroHeader() {
        byte[] fragment = ipv4(6, 1000, 0);
        fragment[14 + 6] = 0x20;                             // more fragments
        byte[] laterFragment = ipv4(17, 100, 0);
        laterFragment[14 + 7] = 1;                           // offset 8
        byte[] noUdpChecksum = ipv4(17, 100, 0);
        noUdpChecksum[34 + 6] = 0;
        noUdpChecksum[34 + 7] = 0;
        byte[] icmp = ipv4(1, 64, 0);
        byte[] hopByHop = ipv6(0, 64);                     // an extension header before the transport
        byte[] truncated = Arrays.copyOf(ipv4(6, 1000, 0), 14 + 20 + 10);
        byte[] arp = new byte[42];
        arp[12] = 0x08;
        arp[13] = 0x06;
        byte[] withOptions = ipv4(6, 100, 4);
        for (byte[] frame : new byte[][] {fragment, laterFragment, noUdpChecksum, icmp, hopByHop, truncated, arp}) {
            byte[] b = withHeaderRoom(frame, (byte) 0x33);
            new VnetHeader(true, 14).write(b, 0, frame.length);
            assertArrayEquals(new byte[H], Arrays.copyOf(b, H));
            assertArrayEquals(frame, Arrays.copyOfRange(b, H, b.length), "the frame is left as it was");
        }
        byte[] b = withHeaderRoom(withOptions, (byte) 0);
        new VnetHeader(true, 14).write(b, 0, withOptions.length);
        assertHeader(b, 0, 34 + 4, 16);                      // IP options move the transport header
        assertEquals(u16(withOptions, 38 + 16), completed(b, 0, 38, 16));
    }

    /** A TUN device's frames are bare datagrams: the checksum field is counted from the IP header. */
    @Test
    void onAnIpLinkTheOffsetsAreCountedFromTheIpHeader() {
        byte[] v4 = Arrays.copyOfRange(ipv4(6, 1000, 0), 14, 14 + 20 + 20 + 1000);
        byte[] b = withHeaderRoom(v4, (byte) 0x44);
        new VnetHeader(true, 0).write(b, 0, v4.length);
        assertHeader(b, 0, 20, 16);
        assertEquals(u16(v4, 20 + 16), completed(b, 0, 20, 16));
        byte[] v6 = Arrays.copyOfRange(ipv6(17, 300), 14, 14 + 40 + 8 + 300);
        b = withHeaderRoom(v6, (byte) 0x44);
        new VnetHeader(true, 0).write(b, 0, v6.length);
        assertHeader(b, 0, 40, 6);
        assertEquals(u16(v6, 40 + 6), completed(b, 0, 40, 6));
        byte[] ethernet = ipv4(6, 1000, 0);                  // read as a datagram, version nibble 0: not IP
        b = withHeaderRoom(ethernet, (byte) 0x44);
        new VnetHeader(true, 0).write(b, 0, ethernet.length);
        assertArrayEquals(new byte[H], Arrays.copyOf(b, H));
    }

    @Test
    void aDeviceThatCorruptsSentFramesRefusesToWrapOneThatOffloadsChecksums() {
        NetworkDevice offloading = new Stub(true);
        Faults corrupt = Faults.NONE.withCorrupt(0.01, 1);
        var e = assertThrows(IllegalArgumentException.class,
                () -> new FaultInjectingDevice(offloading, corrupt, Faults.NONE, 1));
        assertTrue(e.getMessage().contains("offloads checksums"), e.getMessage());
        NetworkDevice captured = new CapturingDevice(offloading, new MemoryRecorder(16), dev.tcpip.time.Clock.system());
        assertTrue(captured.offloadsChecksums(), "a wrapper answers for the device it wraps");
        assertThrows(IllegalArgumentException.class, () -> new FaultInjectingDevice(captured, corrupt, Faults.NONE, 1));

        // Received frames are checked by the stack itself, and loss, duplication and reordering alter no byte.
        new FaultInjectingDevice(offloading, Faults.NONE, corrupt, 1);
        Faults benign = Faults.NONE.withLoss(0.1).withDuplicate(0.1).withReorder(0.1, java.time.Duration.ofMillis(1));
        assertFalse(benign.altersFrames());
        new FaultInjectingDevice(offloading, benign, benign, 1);
        new FaultInjectingDevice(new Stub(false), corrupt, corrupt, 1);
    }

    // --- frames read with receive offloads on

    @Test
    void aPartialChecksumAtTheTransportFieldIsVouchedForOrCompletedForAWireReceiver() {
        byte[] frame = ipv4(6, 1000, 0);
        byte[] b = withHeaderRoom(frame, (byte) 0);
        new VnetHeader(true, 14).write(b, 0, frame.length);      // NEEDS_CSUM and the pseudo-header sum, as the kernel
        byte[] partial = b.clone();
        VnetHeader rx = new VnetHeader(false, 14);
        assertEquals(OffloadReceiver.CHECKSUM_VALID, rx.classify(b, 0, b.length, true, 1514));
        assertArrayEquals(partial, b, "a receiver that takes offloads gets the frame as it came");
        assertEquals(0, rx.classify(b, 0, b.length, false, 1514));
        assertArrayEquals(frame, Arrays.copyOfRange(b, H, b.length), "completed: the checksum the sender made");

        byte[] udp6 = ipv6(17, 333);
        byte[] u = withHeaderRoom(udp6, (byte) 0);
        new VnetHeader(true, 14).write(u, 0, udp6.length);
        assertEquals(0, rx.classify(u, 0, u.length, false, 1514));
        assertArrayEquals(udp6, Arrays.copyOfRange(u, H, u.length));

        byte[] elsewhere = b.clone();                             // NEEDS_CSUM, but not at the TCP checksum field
        new VirtioNetHeader(VirtioNetHeader.F_NEEDS_CSUM, 0, 0, 0, 34, 6).write(elsewhere, 0);
        assertEquals(0, rx.classify(elsewhere, 0, elsewhere.length, true, 1514), "completed, then verified");
    }

    @Test
    void dataValidIsVouchedForAndAZeroHeaderIsNot() {
        byte[] b = withHeaderRoom(ipv4(17, 100, 0), (byte) 0);
        VnetHeader rx = new VnetHeader(false, 14);
        assertEquals(0, rx.classify(b, 0, b.length, true, 1514));
        new VirtioNetHeader(VirtioNetHeader.F_DATA_VALID, 0, 0, 0, 0, 0).write(b, 0);
        assertEquals(OffloadReceiver.CHECKSUM_VALID, rx.classify(b, 0, b.length, true, 1514));
        assertEquals(OffloadReceiver.CHECKSUM_VALID, rx.classify(b, 0, b.length, false, 1514));
    }

    @Test
    void superSegmentHeadersAreCheckedAgainstTheFrame() {
        VnetHeader rx = new VnetHeader(false, 14);
        byte[] tcp4 = withHeaderRoom(ipv4(6, 3000, 0), (byte) 0);
        int v4 = VirtioNetHeader.GSO_TCPV4;
        int csum = VirtioNetHeader.F_NEEDS_CSUM;
        assertEquals(OffloadReceiver.of(true, 1000), classify(rx, tcp4, csum, v4, 1000, true));
        assertEquals(1000, OffloadReceiver.gsoSize(classify(rx, tcp4, csum, v4, 1000, false)));
        assertEquals(OffloadReceiver.of(false, 1448), classify(rx, tcp4, 0, v4, 1448, true), "hdr_len is a hint only");
        assertEquals(2000, OffloadReceiver.gsoSize(classify(rx, tcp4, csum, v4, 2000, true)),
                "a receiver of super-segments takes any segment size");
        // headers that lie or ask for what was not negotiated: dropped, never thrown
        assertEquals(-1, classify(rx, tcp4, csum, v4, 1461, false), "segments beyond the MTU for a wire receiver");
        assertEquals(-1, classify(rx, tcp4, csum, VirtioNetHeader.GSO_TCPV6, 1000, true), "TCPV6 on IPv4");
        assertEquals(-1, classify(rx, tcp4, csum, 3, 1000, true), "UDP fragmentation offload");
        assertEquals(-1, classify(rx, tcp4, csum, 0x80 | v4, 1000, true), "the ECN bit: TSO_ECN not asked for");
        assertEquals(-1, classify(rx, tcp4, csum, 5, 1000, true), "UDP_L4 (USO) not asked for");
        assertEquals(-1, classify(rx, tcp4, csum, v4, 0, true), "gso_size 0");
        assertEquals(-1, classify(rx, tcp4, csum | 4, v4, 1000, true), "a flag not negotiated");
        byte[] udp4 = withHeaderRoom(ipv4(17, 3000, 0), (byte) 0);
        assertEquals(-1, classify(rx, udp4, csum, v4, 1000, true), "a UDP datagram said to be TCP");
        byte[] empty = withHeaderRoom(ipv4(6, 0, 0), (byte) 0);
        assertEquals(-1, classify(rx, empty, csum, v4, 1000, true), "no payload to cut");
        byte[] tcp6 = withHeaderRoom(ipv6(6, 3000), (byte) 0);
        assertEquals(OffloadReceiver.of(true, 1000), classify(rx, tcp6, csum, VirtioNetHeader.GSO_TCPV6, 1000, true));
        assertEquals(-1, classify(rx, tcp6, csum, v4, 1000, true), "TCPV4 on IPv6");
        byte[] outside = tcp4.clone();
        new VirtioNetHeader(csum, 0, 0, 0, tcp4.length - H - 1, 0).write(outside, 0);
        assertEquals(-1, rx.classify(outside, 0, outside.length, true, 1514), "a checksum field past the frame");
    }

    /** {@code b}'s header made to say flags, gso_type and gso_size (NEEDS_CSUM at TCP's field), then classified. */
    private static int classify(VnetHeader rx, byte[] b, int flags, int gsoType, int gsoSize, boolean keeps) {
        new VirtioNetHeader(flags, gsoType, 66, gsoSize, (flags & 1) != 0 ? 34 : 0, (flags & 1) != 0 ? 16 : 0)
                .write(b, 0);
        return rx.classify(b, 0, b.length, keeps, 1514);
    }

    // --- frames

    /** An Ethernet + IPv4 frame carrying {@code protocol} with {@code payload} bytes and a right checksum. */
    private static byte[] ipv4(int protocol, int payload, int optionBytes) {
        int ihl = 20 + optionBytes;
        int l4Header = protocol == 6 ? 20 : 8;
        int l4 = l4Header + payload;
        byte[] f = new byte[14 + ihl + l4];
        f[12] = 0x08;
        int ip = 14;
        f[ip] = (byte) (0x40 | ihl / 4);
        put16(f, ip + 2, ihl + l4);
        f[ip + 6] = 0x40;                                   // don't fragment
        f[ip + 8] = 64;
        f[ip + 9] = (byte) protocol;
        byte[] addresses = {10, 77, 0, 2, 10, 77, 0, 1};
        System.arraycopy(addresses, 0, f, ip + 12, 8);
        put16(f, ip + 10, Checksum.compute(f, ip, ihl));
        fillTransport(f, 14 + ihl, protocol, l4, Checksum.ones(f, ip + 12, 8, protocol + l4));
        return f;
    }

    /** An Ethernet + IPv6 frame whose next header is {@code nextHeader}, with a right transport checksum. */
    private static byte[] ipv6(int nextHeader, int payload) {
        int l4 = (nextHeader == 6 ? 20 : 8) + payload;
        byte[] f = new byte[14 + 40 + l4];
        f[12] = (byte) 0x86;
        f[13] = (byte) 0xdd;
        f[14] = 0x60;
        put16(f, 14 + 4, l4);
        f[14 + 6] = (byte) nextHeader;
        f[14 + 7] = 64;
        f[14 + 8] = (byte) 0xfd;
        f[14 + 23] = 2;
        f[14 + 24] = (byte) 0xfd;
        f[14 + 39] = 1;
        fillTransport(f, 54, nextHeader, l4, Checksum.ones(f, 14 + 8, 32, nextHeader + l4));
        return f;
    }

    private static void fillTransport(byte[] f, int l4, int protocol, int length, long pseudo) {
        put16(f, l4, 5555);
        put16(f, l4 + 2, 7777);
        int field;
        if (protocol == 6) {
            f[l4 + 12] = 0x50;                               // data offset 5
            f[l4 + 13] = 0x18;                               // ACK, PSH
            field = 16;
        } else {
            put16(f, l4 + 4, length);
            field = 6;
        }
        int hdr = protocol == 6 ? 20 : 8;
        for (int i = l4 + hdr; i < f.length; i++) {
            f[i] = (byte) (i * 7 + 3);
        }
        int sum = Checksum.finish(Checksum.ones(f, l4, length, pseudo));
        put16(f, l4 + field, protocol == 17 && sum == 0 ? 0xffff : sum);
    }

    private static byte[] withHeaderRoom(byte[] frame, byte stale) {
        byte[] b = new byte[H + frame.length];
        Arrays.fill(b, 0, H, stale);
        System.arraycopy(frame, 0, b, H, frame.length);
        return b;
    }

    // --- what the kernel does with the header

    private static void assertHeader(byte[] b, int at, int csumStart, int csumOffset) {
        assertEquals(VirtioNetHeader.F_NEEDS_CSUM, b[at], "flags");
        assertEquals(VirtioNetHeader.GSO_NONE, b[at + 1], "gso_type");
        assertEquals(0, le16(b, at + 2), "hdr_len");
        assertEquals(0, le16(b, at + 4), "gso_size");
        assertEquals(csumStart, le16(b, at + 6), "csum_start");
        assertEquals(csumOffset, le16(b, at + 8), "csum_offset");
    }

    /** skb_checksum_help(): the one's complement of the sum from csum_start to the end, as stored. */
    private static int completed(byte[] b, int at, int csumStart, int csumOffset) {
        int start = at + H + csumStart;
        int sum = Checksum.finish(Checksum.ones(b, start, b.length - start, 0));
        return sum == 0 ? 0xffff : sum;
    }

    private static int u16(byte[] b, int i) {
        return (b[i] & 0xff) << 8 | b[i + 1] & 0xff;
    }

    private static int le16(byte[] b, int i) {
        return b[i] & 0xff | (b[i + 1] & 0xff) << 8;
    }

    private static void put16(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 8);
        b[i + 1] = (byte) v;
    }

    /** A device that only says whether it offloads checksums. */
    private record Stub(boolean offloadsChecksums) implements NetworkDevice {
        @Override
        public long mac() {
            return 0x0200_0000_0001L;
        }

        @Override
        public int mtu() {
            return 1500;
        }

        @Override
        public void attach(EventLoop loop, FrameReceiver receiver) {
        }

        @Override
        public void send(byte[] frame, int off, int len) {
        }

        @Override
        public void close() {
        }
    }
}
