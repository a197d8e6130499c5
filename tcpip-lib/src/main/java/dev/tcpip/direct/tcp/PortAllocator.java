package dev.tcpip.direct.tcp;

import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * Ephemeral ports per RFC 6056 §3.3.3 (Algorithm 3, "simple hash-based"): the search starts at a keyed
 * hash of the destination plus a counter, so ports are hard to guess from outside yet spread per peer.
 */
final class PortAllocator {
    private final SipHash f;
    private final int low;
    private final int count;
    private int nextEphemeral;

    PortAllocator(RandomGenerator random, int low, int high) {
        this.f = new SipHash(random.nextLong(), random.nextLong());
        this.low = low;
        this.count = high - low + 1;
        this.nextEphemeral = random.nextInt(count);
    }

    /**
     * A port for connecting to {@code partial}'s remote end (its localPort is ignored) that {@code inUse}
     * does not reject, or -1 if all are taken.
     */
    int allocate(FourTuple partial, Predicate<Integer> inUse) {
        long offset = f.hash(partial.words(false)) & 0x7fffffffL;
        for (int i = 0; i < count; i++) {  // RFC 6056 §3.3.3: bounded by the range size
            int port = low + (int) ((offset + nextEphemeral + i) % count);
            if (!inUse.test(port)) {
                nextEphemeral += i + 1;
                return port;
            }
        }
        return -1;
    }
}
