package dev.tcpip.device;

import dev.tcpip.wire.Ecn;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Decides, frame by frame, what one direction's {@link Faults} do to it, with a seeded generator: the fault model
 * itself, on bytes, without a device or a loop. {@link FaultInjectingDevice} applies it to the frames of a
 * link; test kits apply it to whatever they carry (IP datagrams, say). The same faults, generator and frames
 * give the same fates, so a seeded run replays exactly.
 *
 * <p>Per frame, in this order (one draw for each fault that is on, as {@link Faults} describes): the
 * Gilbert-Elliott chain steps and may drop it; independent loss may drop it; corruption may flip 1 to
 * {@link Faults#corruptMaxBits()} distinct bits after the first {@code intact} bytes, in a copy; duplication
 * may ask for a second copy; reordering may ask for it to be held back by {@link Faults#reorderDelay()}.
 *
 * <p>Not thread-safe: one model per direction, used by one thread (the owner's loop) at a time.
 */
public final class FaultModel {

    /** What happens to a frame. */
    public sealed interface Fate {
    }

    /** The frame is lost; {@code reason} is {@link Counter#DROPPED_BURST} or {@link Counter#DROPPED_LOSS}. */
    public record Drop(Counter reason) implements Fate {
    }

    /**
     * The frame goes on as {@code buf[off..off + len)}: the bytes given, or with {@code corrupted} a copy with
     * flipped bits (or, with {@code marked}, its IP datagram marked CE) that is valid until the next call.
     * {@code duplicate}: deliver it twice, back to back; {@code reordered}: hold it back by
     * {@link Faults#reorderDelay()} first.
     */
    public record Pass(byte[] buf, int off, int len, boolean corrupted, boolean duplicate, boolean reordered,
                       boolean marked) implements Fate {
    }

    private static final Drop BURST = new Drop(Counter.DROPPED_BURST);
    private static final Drop LOSS = new Drop(Counter.DROPPED_LOSS);

    private final Faults faults;
    private final RandomGenerator rnd;
    private final int intact;
    private boolean bad;                       // the Gilbert-Elliott chain's state
    private byte[] scratch = new byte[0];
    private final long[] bits = new long[64];

    /**
     * A model of {@code faults} drawing from {@code random}; corruption never touches the first {@code intact}
     * bytes of a frame (an Ethernet header, which a real NIC's FCS check would drop), and leaves frames no
     * longer than that alone.
     */
    public FaultModel(Faults faults, RandomGenerator random, int intact) {
        this.faults = Objects.requireNonNull(faults, "faults");
        this.rnd = Objects.requireNonNull(random, "random");
        if (intact < 0) {
            throw new IllegalArgumentException("intact must not be negative: " + intact);
        }
        this.intact = intact;
    }

    public Faults faults() {
        return faults;
    }

    /** The fate of the next frame, {@code frame[off..off + len)}. */
    public Fate next(byte[] frame, int off, int len) {
        Faults.Burst burst = faults.burst();
        if (!burst.isNone()) {
            boolean lost = bad && draw(burst.lossInBad());
            bad = bad ? !draw(burst.badToGood()) : draw(burst.goodToBad());
            if (lost) {
                return BURST;
            }
        }
        if (draw(faults.loss())) {
            return LOSS;
        }
        byte[] buf = frame;
        int start = off;
        boolean corrupted = draw(faults.corrupt()) && len > intact;
        if (corrupted) {
            buf = corrupt(frame, off, len);
            start = 0;
        }
        boolean marked = false;
        if (draw(faults.ceMark())) {
            // RFC 3168 §5: CE instead of a drop, on ECN-capable datagrams only; the Ethernet header is intact's.
            if (buf == frame) {
                buf = copy(frame, off, len);
                start = 0;
            }
            marked = Ecn.markCe(buf, 0, len, intact == LinkType.ETHERNET.headerLength());
        }
        boolean duplicate = draw(faults.duplicate());
        boolean reordered = draw(faults.reorder());
        return new Pass(buf, start, len, corrupted, duplicate, reordered, marked);
    }

    private boolean draw(double p) {
        return p > 0 && rnd.nextDouble() < p;
    }

    /** Copies the frame into the scratch buffer and flips 1..corruptMaxBits distinct bits after the intact ones. */
    private byte[] corrupt(byte[] frame, int off, int len) {
        copy(frame, off, len);
        long n = (long) (len - intact) * 8;
        int k = (int) Math.min(1 + rnd.nextInt(faults.corruptMaxBits()), n);
        // Floyd's sampling: k distinct bit positions out of n with exactly k draws
        int chosen = 0;
        for (long j = n - k; j < n; j++) {
            long t = rnd.nextLong(j + 1);
            long pick = contains(bits, chosen, t) ? j : t;
            bits[chosen++] = pick;
        }
        for (int i = 0; i < chosen; i++) {
            int bit = (int) bits[i];
            scratch[intact + (bit >>> 3)] ^= (byte) (1 << (bit & 7));
        }
        return scratch;
    }

    /** Copies the frame into the scratch buffer. */
    private byte[] copy(byte[] frame, int off, int len) {
        if (scratch.length < len) {
            scratch = new byte[Math.max(len, 2048)];
        }
        System.arraycopy(frame, off, scratch, 0, len);
        return scratch;
    }

    private static boolean contains(long[] a, int n, long v) {
        for (int i = 0; i < n; i++) {
            if (a[i] == v) {
                return true;
            }
        }
        return false;
    }
}
