package dev.tcpip.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Cutting a super-segment the kernel hands a TAP or TUN device with receive offloads back into the segments a wire
 * would carry: compared byte for byte with segments built one by one here, each with its own IP length,
 * identification and header checksum, sequence number, flags and TCP checksum, as the kernel's software
 * segmentation makes them. Headers that do not describe a TCP segment are refused, never thrown.
 */
class GsoSegmenterTest {
    private static final int ACK = 0x10;
    private static final int PSH = 0x08;
    private static final int FIN = 0x01;
    private static final int CWR = 0x80;
    private static final byte[] IP_OPTIONS = {(byte) 0x94, 4, 0, 0};            // router alert (RFC 2113)
    private static final byte[] TIMESTAMPS = {1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9};

    @Test
    void ipv4WithOptionsOverEthernetIsCutAsTheKernelCutsIt() {
        byte[] payload = payload(3 * 1440 + 100);
        Shape s = new Shape(false, 14, IP_OPTIONS, TIMESTAMPS);
        long seq = 0xffff_f000L;                                  // the sequence numbers wrap on the way
        int id = 0xfffe;                                          // and so do the identifications
        byte[] whole = s.build(seq, id, ACK | PSH | FIN | CWR, payload, 0, payload.length);
        partialChecksum(whole, s);
        List<byte[]> pieces = cut(s, whole, 1440, 1514);
        assertEquals(4, pieces.size());
        for (int j = 0; j < 4; j++) {
            int at = j * 1440;
            int n = Math.min(1440, payload.length - at);
            int flags = j == 0 ? ACK | CWR : j == 3 ? ACK | PSH | FIN : ACK;   // CWR first, PSH and FIN last only
            assertArrayEquals(s.build(seq + at, id + j, flags, payload, at, n), pieces.get(j), "segment " + j);
        }
    }

    @Test
    void ipv6OnAnIpLinkIsCutIntoEqualPieces() {
        byte[] payload = payload(5 * 1220);
        Shape s = new Shape(true, 0, new byte[0], new byte[0]);
        byte[] whole = s.build(1000, 0, ACK | PSH, payload, 0, payload.length);
        partialChecksum(whole, s);
        List<byte[]> pieces = cut(s, whole, 1220, 1280);
        assertEquals(5, pieces.size());
        for (int j = 0; j < 5; j++) {
            assertArrayEquals(s.build(1000 + j * 1220L, 0, j == 4 ? ACK | PSH : ACK, payload, j * 1220, 1220),
                    pieces.get(j), "segment " + j);
            assertTrue(verifies(pieces.get(j), s), "segment " + j + "'s TCP checksum");
        }
    }

    @Test
    void framesThatAreNoTcpSegmentWithPayloadAreRefused() {
        Shape v4 = new Shape(false, 14, new byte[0], new byte[0]);
        byte[] p = payload(3000);
        byte[] good = v4.build(1, 1, ACK, p, 0, p.length);
        GsoSegmenter cutter = new GsoSegmenter(14, 1514);
        List<byte[]> out = new ArrayList<>();
        GsoSegmenter.Sink sink = (f, o, l) -> out.add(Arrays.copyOfRange(f, o, o + l));
        byte[] udp = good.clone();
        udp[14 + 9] = 17;
        byte[] fragment = good.clone();
        fragment[14 + 6] = 0x20;                                 // more fragments
        byte[] truncated = Arrays.copyOf(good, good.length - 1); // the IP length says more than the frame holds
        byte[] noPayload = v4.build(1, 1, ACK, p, 0, 0);
        byte[] badOffset = good.clone();
        badOffset[34 + 12] = 0x40;                               // a TCP header of 16 bytes
        Shape v6 = new Shape(true, 14, new byte[0], new byte[0]);
        byte[] extension = v6.build(1, 0, ACK, p, 0, p.length);
        extension[14 + 6] = 0;                                   // a hop-by-hop header first
        byte[][] refused = {udp, fragment, truncated, noPayload, badOffset, extension, new byte[10], new byte[0]};
        for (int i = 0; i < refused.length; i++) {
            assertEquals(-1, cutter.segment(refused[i], 0, refused[i].length, 1000, sink), "frame " + i);
        }
        assertEquals(-1, cutter.segment(good, 0, good.length, 0, sink), "gso_size 0");
        assertEquals(-1, cutter.segment(good, 0, good.length, 1461, sink), "pieces beyond the largest frame");
        assertTrue(out.isEmpty(), "nothing handed on for a refused frame");
        assertEquals(3, cutter.segment(good, 0, good.length, 1460, sink), "the same frame cut to fit");
    }

    private static List<byte[]> cut(Shape s, byte[] whole, int gsoSize, int maxFrame) {
        byte[] ring = new byte[whole.length + 100];
        System.arraycopy(whole, 0, ring, 37, whole.length);      // anywhere in a batch
        List<byte[]> out = new ArrayList<>();
        int n = new GsoSegmenter(s.link, maxFrame).segment(ring, 37, whole.length, gsoSize,
                (f, o, l) -> out.add(Arrays.copyOfRange(f, o, o + l)));
        assertEquals(out.size(), n);
        return out;
    }

    /** Puts the pseudo-header sum in the TCP checksum field, as a frame with NEEDS_CSUM has it. */
    private static void partialChecksum(byte[] f, Shape s) {
        put16(f, s.l4() + 16, 0x1234);
    }

    private static boolean verifies(byte[] f, Shape s) {
        int l4 = s.l4();
        int len = f.length - l4;
        long pseudo = s.v6 ? Checksum.ones(f, s.link + 8, 32, 6 + len) : Checksum.ones(f, s.link + 12, 8, 6 + len);
        return Checksum.verifies(Checksum.ones(f, l4, len, pseudo));
    }

    private static byte[] payload(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + (i >>> 8));
        }
        return b;
    }

    /** One flow's headers: IPv4 (with options) or IPv6, an Ethernet header or none, TCP options. */
    private record Shape(boolean v6, int link, byte[] ipOptions, byte[] tcpOptions) {
        int ipHeader() {
            return v6 ? 40 : 20 + ipOptions.length;
        }

        int l4() {
            return link + ipHeader();
        }

        /** A segment with payload {@code p[from..from + n)} and right lengths and checksums. */
        byte[] build(long seq, int id, int flags, byte[] p, int from, int n) {
            int tcp = 20 + tcpOptions.length;
            byte[] f = new byte[l4() + tcp + n];
            if (link == 14) {
                new MacAddress(0x0200_0000_0001L).write(f, 0);
                new MacAddress(0x0200_0000_0002L).write(f, 6);
                put16(f, 12, v6 ? 0x86dd : 0x0800);
            }
            int ip = link;
            if (v6) {
                f[ip] = 0x60;
                f[ip + 1] = 0x01;                               // a flow label
                put16(f, ip + 4, tcp + n);
                f[ip + 6] = 6;
                f[ip + 7] = 64;
                for (int i = 0; i < 32; i++) {
                    f[ip + 8 + i] = (byte) (i < 16 ? 0x20 + i : 0x40 + i);
                }
            } else {
                f[ip] = (byte) (0x40 | ipHeader() / 4);
                f[ip + 1] = 0x02;                                // ECT(0)
                put16(f, ip + 2, ipHeader() + tcp + n);
                put16(f, ip + 4, id & 0xffff);
                f[ip + 6] = 0x40;                                // DF
                f[ip + 8] = 64;
                f[ip + 9] = 6;
                System.arraycopy(new byte[] {10, 77, 0, 1, 10, 77, 0, 2}, 0, f, ip + 12, 8);
                System.arraycopy(ipOptions, 0, f, ip + 20, ipOptions.length);
                put16(f, ip + 10, Checksum.compute(f, ip, ipHeader()));
            }
            int l4 = l4();
            put16(f, l4, 5201);
            put16(f, l4 + 2, 40000);
            put16(f, l4 + 4, (int) (seq >>> 16));
            put16(f, l4 + 6, (int) seq);
            put16(f, l4 + 8, 0x1122);
            put16(f, l4 + 10, 0x3344);
            f[l4 + 12] = (byte) (tcp / 4 << 4);
            f[l4 + 13] = (byte) flags;
            put16(f, l4 + 14, 501);
            System.arraycopy(tcpOptions, 0, f, l4 + 20, tcpOptions.length);
            System.arraycopy(p, from, f, l4 + tcp, n);
            int len = tcp + n;
            long pseudo = v6 ? Checksum.ones(f, ip + 8, 32, 6 + len) : Checksum.ones(f, ip + 12, 8, 6 + len);
            put16(f, l4 + 16, Checksum.finish(Checksum.ones(f, l4, len, pseudo)));
            return f;
        }
    }

    private static void put16(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 8);
        b[i + 1] = (byte) v;
    }
}
