package dev.tcpip.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.time.Seeds;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class ChecksumTest {

    @Test
    void sumsTheRfc1071Example() {
        // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to dd f2.
        byte[] b = Hex.bytes("0001f203f4f5f6f7");
        assertEquals(0xddf2, Checksum.fold(Checksum.ones(b, 0, b.length, 0)));
        assertEquals(0x220d, Checksum.compute(b, 0, b.length));
    }

    @Test
    void padsAnOddLastByteWithZero() {
        byte[] b = Hex.bytes("0102ab");
        assertEquals(0x0102 + 0xab00, Checksum.fold(Checksum.ones(b, 0, 3, 0)));
    }

    @Test
    void computesAKnownIpv4HeaderChecksum() {
        byte[] h = Hex.bytes("45000073000040004011 0000 c0a80001c0a800c7");
        assertEquals(0xb861, Checksum.compute(h, 0, h.length));
    }

    /** The reference: RFC 1071 §1's sum of big-endian 16-bit words, folded with end-around carries. */
    static int reference(byte[] b, int off, int len, long initial) {
        long sum = initial;
        for (int i = 0; i < len; i += 2) {
            int hi = b[off + i] & 0xff;
            int lo = i + 1 < len ? b[off + i + 1] & 0xff : 0;
            sum += (hi << 8) | lo; // below 2^63: initial < 2^62, at most 2^30 words of under 2^16
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }

    @Test
    void equalsTheReferenceForEveryLengthTo300AtEveryOffsetTo15() {
        long seed = Seeds.fromProperty();
        RandomGenerator r = Seeds.random(seed, "equalsTheReferenceForEveryLengthTo300AtEveryOffsetTo15");
        byte[] b = new byte[316];
        for (int round = 0; round < 4; round++) {
            r.nextBytes(b);
            for (int off = 0; off < 16; off++) {
                for (int len = 0; len <= 300; len++) {
                    long initial = round == 0 ? 0 : round == 1 ? (1L << 62) - 1 : r.nextLong(1L << 62);
                    assertEquals(reference(b, off, len, initial), Checksum.fold(Checksum.ones(b, off, len, initial)),
                            "seed " + seed + " round " + round + " off " + off + " len " + len);
                }
            }
        }
    }

    @Test
    void equalsTheReferenceOverRandom64KiBAtOddOffsetsAndLengths() {
        long seed = Seeds.fromProperty();
        RandomGenerator r = Seeds.random(seed, "equalsTheReferenceOverRandom64KiBAtOddOffsetsAndLengths");
        byte[] b = new byte[65536 + 16];
        r.nextBytes(b);
        for (int off : new int[] {0, 1, 2, 3, 5, 7, 8, 15}) {
            for (int len : new int[] {65536, 65535, 65534, 65533, 65529, 65528, 65527, 65521}) {
                assertEquals(reference(b, off, len, 0), Checksum.fold(Checksum.ones(b, off, len, 0)),
                        "seed " + seed + " off " + off + " len " + len);
            }
        }
    }

    @Test
    void carriesAtEvery16BitBoundary() {
        // Words near 0xffff and 0x0000 make every partial sum carry out of its 16 bits (and a 32-bit half out of
        // its 32), the cases an end-around carry gets wrong first.
        long seed = Seeds.fromProperty();
        RandomGenerator r = Seeds.random(seed, "carriesAtEvery16BitBoundary");
        byte[] edges = {0, 1, (byte) 0x7f, (byte) 0x80, (byte) 0xfe, (byte) 0xff};
        byte[] b = new byte[4096 + 9];
        for (int round = 0; round < 200; round++) {
            for (int i = 0; i < b.length; i++) {
                b[i] = r.nextInt(4) == 0 ? edges[r.nextInt(edges.length)] : (byte) 0xff;
            }
            int off = r.nextInt(9);
            int len = r.nextInt(b.length - off + 1);
            assertEquals(reference(b, off, len, 0), Checksum.fold(Checksum.ones(b, off, len, 0)),
                    "seed " + seed + " off " + off + " len " + len);
        }
        // Sums that land exactly on 0xffff (negative zero) and on 0x10000 (one past it).
        byte[] w = Hex.bytes("fffe0001 00000000");
        assertEquals(0xffff, Checksum.fold(Checksum.ones(w, 0, 8, 0)));
        w = Hex.bytes("ffff0001 00000000");
        assertEquals(0x0001, Checksum.fold(Checksum.ones(w, 0, 8, 0)));
        w = Hex.bytes("ffffffff ffffffff ffff");
        assertEquals(0xffff, Checksum.fold(Checksum.ones(w, 0, w.length, 0)));
    }

    @Test
    void chainsAtEvenSplits() {
        byte[] b = Hex.bytes("0001f203f4f5f6f7".repeat(250)); // 2,000 bytes of the RFC 1071 §3 example
        b[1999] = (byte) 0xa5;
        int whole = reference(b, 0, 1999, 0);
        for (int k = 0; k <= 1999; k += 2) {
            long chained = Checksum.ones(b, k, 1999 - k, Checksum.ones(b, 0, k, 0));
            assertEquals(whole, Checksum.fold(chained), "split " + k);
        }
    }

    @Test
    void staysRightOnceTheJitCompilesIt() {
        // Enough calls that the JIT compiles (and on a vector unit vectorises) the summing loop, with lengths from a
        // header's to a jumbo frame's, so the compiled code's pre-, main and post-loops all meet the reference.
        long seed = Seeds.fromProperty();
        RandomGenerator r = Seeds.random(seed, "staysRightOnceTheJitCompilesIt");
        byte[] b = new byte[9100];
        r.nextBytes(b);
        for (int call = 0; call < 40_000; call++) {
            int off = r.nextInt(64);
            int len = call % 4 == 0 ? r.nextInt(b.length - off + 1) : r.nextInt(1600);
            assertEquals(reference(b, off, len, 0), Checksum.fold(Checksum.ones(b, off, len, 0)),
                    "seed " + seed + " call " + call + " off " + off + " len " + len);
        }
    }

    @Test
    void sumsAllOnesOver64KiBWithoutOverflow() {
        byte[] b = new byte[1 << 20];
        java.util.Arrays.fill(b, (byte) 0xff);
        assertEquals(0xffff, Checksum.fold(Checksum.ones(b, 0, b.length, 0)));
        assertEquals(reference(b, 1, b.length - 1, 0), Checksum.fold(Checksum.ones(b, 1, b.length - 1, 0)));
    }

    @Test
    void incrementalUpdateEqualsRecomputation() {
        long seed = Seeds.fromProperty();
        RandomGenerator r = Seeds.random(seed, "incrementalUpdateEqualsRecomputation");
        for (int i = 0; i < 10_000; i++) {
            byte[] b = new byte[2 + 2 * r.nextInt(40)];
            r.nextBytes(b);
            b[0] = 1; // not all zero, so the checksum is never the +0/-0 corner of RFC 1624 §3
            int before = Checksum.compute(b, 0, b.length);
            int at = 2 * r.nextInt(b.length / 2);
            int oldWord = Bytes.u16(b, at);
            int newWord = r.nextInt(0x10000);
            Bytes.put16(b, at, newWord);
            if (at == 0) {
                b[0] |= 1;
                newWord = Bytes.u16(b, 0);
            }
            assertEquals(Checksum.compute(b, 0, b.length), Checksum.update(before, oldWord, newWord), "seed " + seed);
        }
    }

    @Test
    void incrementalUpdateOf32BitFieldEqualsRecomputation() {
        byte[] h = Hex.bytes("45000073000040004011 b861 c0a80001c0a800c7");
        int newSrc = 0x0a000001;
        int updated = Checksum.update32(0xb861, 0xc0a80001, newSrc);
        Bytes.put32(h, 12, newSrc);
        Bytes.put16(h, 10, 0);
        assertEquals(Checksum.compute(h, 0, h.length), updated);
    }

    @Test
    void pseudoHeadersSumTheirFields() {
        assertEquals(0xc0a8 + 0x0001 + 0xc0a8 + 0x00c7 + 17 + 0x5f,
                Checksum.pseudoIpv4(0xc0a80001, 0xc0a800c7, 17, 0x5f));
        Ipv6Address a = Ipv6Address.parse("fe80::1");
        Ipv6Address b = Ipv6Address.parse("ff02::1:ff00:2");
        long expected = 0xfe80 + 1 + 0xff02 + 1 + 0xff00 + 2 + 58 + 32;
        assertEquals(Checksum.fold(expected), Checksum.fold(Checksum.pseudoIpv6(a, b, 58, 32)));
        assertTrue(Checksum.verifies(0xffff));
    }
}
