package dev.tcpip.direct.tcp;

/** SipHash-2-4 (Aumasson and Bernstein) over a few 64-bit words: the keyed hash behind ISNs and ports. */
final class SipHash {
    private final long k0;
    private final long k1;

    SipHash(long k0, long k1) {
        this.k0 = k0;
        this.k1 = k1;
    }

    /**
     * The hash of {@code words}, each as 8 little-endian bytes of message. The state lives in locals, so a call
     * allocates nothing beyond the varargs array (which the JIT usually removes).
     */
    long hash(long... words) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        int rounds = 0;
        for (int w = 0; w <= words.length + 1; w++) {
            long m;
            if (w < words.length) {
                m = words[w];
                rounds = 2;                                 // SipHash-2-4: two compression rounds per word
            } else if (w == words.length) {
                m = ((long) words.length * 8) << 56;          // the final block: the length in bytes, no tail
                rounds = 2;
            } else {
                m = 0;
                v2 ^= 0xff;                                   // finalization: four rounds
                rounds = 4;
            }
            v3 ^= m;
            for (int r = 0; r < rounds; r++) {
                v0 += v1;
                v1 = Long.rotateLeft(v1, 13);
                v1 ^= v0;
                v0 = Long.rotateLeft(v0, 32);
                v2 += v3;
                v3 = Long.rotateLeft(v3, 16);
                v3 ^= v2;
                v0 += v3;
                v3 = Long.rotateLeft(v3, 21);
                v3 ^= v0;
                v2 += v1;
                v1 = Long.rotateLeft(v1, 17);
                v1 ^= v2;
                v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
