package dev.tcpip.wire;

import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Property tests use seeded generators: the seed comes from -Dtcpip.seed or the clock, and is in every
 * failure message so a failing run can be replayed exactly.
 */
final class Seeds {
    private Seeds() {
    }

    static long seed() {
        String s = System.getProperty("tcpip.seed");
        return s != null ? Long.parseLong(s) : System.nanoTime();
    }

    static RandomGenerator random(long seed) {
        return RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    }
}
