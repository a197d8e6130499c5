package dev.tcpip.time;

import java.nio.charset.StandardCharsets;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Derives independent, reproducible random streams from one seed: each component (a link's fault injector,
 * a stack's initial sequence numbers...) asks for its own stream by a stable label, so adding a component
 * does not shift the numbers another one draws, and a run replays exactly from its seed.
 *
 * <p>Seeded tests (simulations and property tests alike) take their seed from {@link #fromProperty()} and
 * put it in every failure message, so that {@code -Dtcpip.seed=...} replays a failing run.
 */
public final class Seeds {
    private static final RandomGeneratorFactory<RandomGenerator> FACTORY = RandomGeneratorFactory.of("L64X128MixRandom");

    private Seeds() {}

    /** A seed for {@code label}, a mix of {@code seed} and the label's bytes (stable across JVMs). */
    public static long derive(long seed, String label) {
        long h = 0xcbf29ce484222325L;                       // FNV-1a over the UTF-8 bytes
        for (byte b : label.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return mix(seed ^ mix(h));
    }

    /** A generator (L64X128MixRandom) seeded with {@link #derive}{@code (seed, label)}. Not thread-safe. */
    public static RandomGenerator random(long seed, String label) {
        return FACTORY.create(derive(seed, label));
    }

    /**
     * The seed given as system property {@code tcpip.seed} (decimal or 0x-hex), to replay a failure; else a
     * fresh one from the wall clock.
     */
    public static long fromProperty() {
        String s = System.getProperty("tcpip.seed");
        if (s == null || s.isBlank()) {
            return mix(System.nanoTime() ^ System.currentTimeMillis());
        }
        s = s.strip();
        return s.startsWith("0x") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s);
    }

    /** The SplitMix64 finalizer: a bijection that spreads every input bit over the output. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
