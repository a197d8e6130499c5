package dev.tcpip.device;

import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link FaultInjectingDevice} does to the frames of one direction; all probabilities are per frame,
 * drawn by a {@link FaultModel} from the injector's seeded generator. Every fault is off by default
 * ({@link #NONE}).
 *
 * <p>Per frame, in this order: the burst-loss model steps and may drop it; independent {@code loss} may drop
 * it; {@code corrupt} may flip bits; {@code duplicate} may send a second copy right after it;
 * {@code reorder} may hold it back by {@code reorderDelay} (later frames overtake it).
 *
 * @param loss probability of dropping a frame. Default 0.
 * @param duplicate probability of delivering a frame twice. Default 0.
 * @param reorder probability of delaying a frame by {@code reorderDelay}. Default 0.
 * @param reorderDelay the extra delay of a reordered frame. Default 1 ms: longer than the gap between
 *     back-to-back frames on an in-memory link, short against TCP's timers, so it reorders without looking
 *     like loss.
 * @param corrupt probability of flipping bits in a frame. Default 0.
 * @param corruptMaxBits a corrupted frame gets 1 to this many distinct flipped bits, uniformly, anywhere
 *     after the Ethernet header (a corrupted header would be dropped by a real NIC's FCS check; what matters
 *     is that IP, TCP and UDP checksums catch the rest), or anywhere in the datagram on an IP link, which has
 *     no link header (the IPv4 header checksum, or for IPv6 the transport's, catches it); a {@link FaultModel}
 *     on other bytes may spare another prefix or none. Default 1, in 1..64.
 * @param burst the Gilbert-Elliott two-state burst-loss model. Default {@link Burst#NONE}.
 * @param ceMark probability of marking an ECN-capable IP datagram CE (RFC 3168 §5), as a router's AQM would instead
 *     of dropping it (netem's {@code loss P ecn}); Not-ECT and non-IP frames pass untouched. Applied after the
 *     others, to a copy, with the IPv4 header checksum updated. Default 0.
 */
public record Faults(double loss, double duplicate, double reorder, Duration reorderDelay, double corrupt,
                     int corruptMaxBits, Burst burst, double ceMark) {

    /** No faults. */
    public static final Faults NONE = new Faults(0, 0, 0, Duration.ofMillis(1), 0, 1, Burst.NONE, 0);

    public Faults {
        probability(loss, "loss");
        probability(duplicate, "duplicate");
        probability(reorder, "reorder");
        probability(corrupt, "corrupt");
        probability(ceMark, "ceMark");
        Objects.requireNonNull(reorderDelay, "reorderDelay");
        if (reorderDelay.isNegative()) {
            throw new IllegalArgumentException("reorderDelay must not be negative: " + reorderDelay);
        }
        if (corruptMaxBits < 1 || corruptMaxBits > 64) {
            throw new IllegalArgumentException("corruptMaxBits must be in 1..64: " + corruptMaxBits);
        }
        Objects.requireNonNull(burst, "burst");
    }

    static double probability(double p, String name) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(name + " must be a probability in [0, 1]: " + p);
        }
        return p;
    }

    /** True if a frame may come out altered (corrupted), not just dropped, duplicated or delayed. */
    public boolean altersFrames() {
        return corrupt > 0;
    }

    /** True if no fault can happen. */
    public boolean isNone() {
        return loss == 0 && duplicate == 0 && reorder == 0 && corrupt == 0 && burst.isNone() && ceMark == 0;
    }

    public Faults withLoss(double p) {
        return new Faults(p, duplicate, reorder, reorderDelay, corrupt, corruptMaxBits, burst, ceMark);
    }

    public Faults withDuplicate(double p) {
        return new Faults(loss, p, reorder, reorderDelay, corrupt, corruptMaxBits, burst, ceMark);
    }

    public Faults withReorder(double p, Duration delay) {
        return new Faults(loss, duplicate, p, delay, corrupt, corruptMaxBits, burst, ceMark);
    }

    public Faults withCorrupt(double p, int maxBits) {
        return new Faults(loss, duplicate, reorder, reorderDelay, p, maxBits, burst, ceMark);
    }

    /** CE marks on ECN-capable datagrams with probability {@code p} (see {@code ceMark} above). */
    public Faults withCeMark(double p) {
        return new Faults(loss, duplicate, reorder, reorderDelay, corrupt, corruptMaxBits, burst, p);
    }

    public Faults withBurst(Burst b) {
        return new Faults(loss, duplicate, reorder, reorderDelay, corrupt, corruptMaxBits, b, ceMark);
    }

    /**
     * Gilbert-Elliott burst loss: a two-state Markov chain stepped once per frame, starting in the good state.
     * In the bad state frames are lost with probability {@code lossInBad}; the mean burst lasts
     * {@code 1 / badToGood} frames, and the long-run share of time in the bad state is
     * {@code goodToBad / (goodToBad + badToGood)}. Loss in the good state is {@link Faults#loss()}.
     *
     * @param goodToBad probability of moving from good to bad, per frame. Default 0 (never).
     * @param badToGood probability of moving from bad to good, per frame; positive so bursts end. Default 1.
     * @param lossInBad probability of losing a frame in the bad state. Default 1.
     */
    public record Burst(double goodToBad, double badToGood, double lossInBad) {
        /** Never enters the bad state. */
        public static final Burst NONE = new Burst(0, 1, 1);

        public Burst {
            probability(goodToBad, "goodToBad");
            probability(badToGood, "badToGood");
            probability(lossInBad, "lossInBad");
            if (badToGood == 0) {
                throw new IllegalArgumentException("badToGood must be positive, or a burst never ends");
            }
        }

        public boolean isNone() {
            return goodToBad == 0 || lossInBad == 0;
        }
    }
}
