package dev.tcpip.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.time.Seeds;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class ChecksumTest {

    static long naive(byte[] b, int off, int len) {
        long sum = 0;
        for (int i = 0; i < len; i++) {
            int v = b[off + i] & 0xff;
            sum += (i & 1) == 0 ? v << 8 : v;
        }
        return sum;
    }

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

    @Test
    void equalsTheNaiveSumForEveryLengthAndOffset() {
        long seed = Seeds.fromProperty();
        RandomGenerator r = Seeds.random(seed, "equalsTheNaiveSumForEveryLengthAndOffset");
        byte[] b = new byte[300];
        for (int round = 0; round < 20; round++) {
            r.nextBytes(b);
            for (int off = 0; off < 9; off++) {
                for (int len = 0; len <= 280; len++) {
                    long initial = r.nextLong(1L << 40);
                    assertEquals(Checksum.fold(naive(b, off, len) + initial),
                            Checksum.fold(Checksum.ones(b, off, len, initial)), "seed " + seed + " off " + off + " len " + len);
                }
            }
        }
    }

    @Test
    void sumsAllOnesOver64KiBWithoutOverflow() {
        byte[] b = new byte[1 << 20];
        java.util.Arrays.fill(b, (byte) 0xff);
        assertEquals(0xffff, Checksum.fold(Checksum.ones(b, 0, b.length, 0)));
        assertEquals(Checksum.fold(naive(b, 1, b.length - 1)), Checksum.fold(Checksum.ones(b, 1, b.length - 1, 0)));
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
