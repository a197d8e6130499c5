package dev.tcpip.direct.tcp;

import java.util.random.RandomGenerator;

/**
 * Initial sequence numbers per RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
 * M a timer ticking every 4 µs and F a keyed hash (SipHash-2-4 with a random 128-bit key).
 */
final class IsnGenerator {
    private final SipHash f;

    IsnGenerator(RandomGenerator random) {
        this.f = new SipHash(random.nextLong(), random.nextLong());
    }

    /**
     * The connection table's seed ({@link ConnectionTable}): from the same secret key, so that it is secret too and
     * a seeded simulation replays it, without drawing from the random source again.
     */
    long tableSeed() {
        return f.hash(new long[] {0x7461626c65L});   // "table"
    }

    /** SYN cookies keyed with the same secret (RFC 4987 §3.6 asks for a secret only the server knows). */
    SynCookies cookies() {
        return new SynCookies(f);
    }

    int isn(FourTuple t, long now) {
        return isn(hash(t), now);
    }

    /** The connection's keyed hash F: its low half goes into the ISN, its high half is the TSval offset. */
    long hash(FourTuple t) {
        return f.hash(t.words(true));
    }

    /** The ISN from the connection's {@link #hash}. */
    static int isn(long hash, long now) {
        long m = now / 4_000; // RFC 6528 §3 (RFC 9293 §3.4.1): a 4 µs clock
        return (int) (m + hash);
    }

    /** RFC 7323 §5.4: a per-connection TSval offset from the same keyed hash (its other half). */
    int tsOffset(FourTuple t) {
        return tsOffset(hash(t));
    }

    static int tsOffset(long hash) {
        return (int) (hash >>> 32);
    }
}
