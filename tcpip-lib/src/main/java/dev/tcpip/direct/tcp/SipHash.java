package dev.tcpip.direct.tcp;

/** SipHash-2-4 (Aumasson and Bernstein) over a few 64-bit words: the keyed hash behind ISNs and ports. */
final class SipHash {
    private final long k0;
    private final long k1;

    SipHash(long k0, long k1) {
        this.k0 = k0;
        this.k1 = k1;
    }

    long hash(long... words) {
        long v0 = k0 ^ 0x736f6d6570736575L, v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L, v3 = k1 ^ 0x7465646279746573L;
        long[] v = {v0, v1, v2, v3};
        for (long m : words) {
            v[3] ^= m;
            round(v);
            round(v);
            v[0] ^= m;
        }
        long b = ((long) words.length * 8) << 56;
        v[3] ^= b;
        round(v);
        round(v);
        v[0] ^= b;
        v[2] ^= 0xff;
        for (int i = 0; i < 4; i++) {
            round(v);
        }
        return v[0] ^ v[1] ^ v[2] ^ v[3];
    }

    private static void round(long[] v) {
        v[0] += v[1];
        v[1] = Long.rotateLeft(v[1], 13);
        v[1] ^= v[0];
        v[0] = Long.rotateLeft(v[0], 32);
        v[2] += v[3];
        v[3] = Long.rotateLeft(v[3], 16);
        v[3] ^= v[2];
        v[0] += v[3];
        v[3] = Long.rotateLeft(v[3], 21);
        v[3] ^= v[0];
        v[2] += v[1];
        v[1] = Long.rotateLeft(v[1], 17);
        v[1] ^= v[2];
        v[2] = Long.rotateLeft(v[2], 32);
    }
}
