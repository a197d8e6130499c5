package dev.tcpip.device;

import dev.tcpip.time.EventLoop;
import dev.tcpip.time.Seeds;
import java.util.Arrays;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * A wrapper that loses, duplicates, reorders and corrupts frames around any {@link NetworkDevice}: the
 * links of a {@link MemoryNetwork} use it, and it goes around a TAP device just as well (the kernel here
 * has no netem). Each direction has its own {@link Faults} and its own random stream derived from the seed,
 * so the frames one way never shift the decisions made the other way, and a seeded run replays exactly.
 *
 * <p>Decisions are drawn on the owner's loop ({@link #send} is called from it, frames arrive on it), so the
 * generators need no lock. Reordered frames are held back with a timer on that loop, which is why sending
 * through a reordering injector needs {@link #attach} first.
 *
 * <pre>{@code
 * NetworkDevice lossy = new FaultInjectingDevice(tap,
 *         Faults.NONE.withLoss(0.02).withReorder(0.01, Duration.ofMillis(3)), Faults.NONE, seed);
 * }</pre>
 */
public final class FaultInjectingDevice extends WrappingDevice {
    private final Way egress;
    private final Way ingress;
    private volatile EventLoop loop;
    private volatile boolean closed;

    /**
     * Faults on the frames sent ({@code egress}) and received ({@code ingress}), seeded with {@code seed}.
     *
     * @throws IllegalArgumentException if {@code egress} {@linkplain Faults#altersFrames() alters frames} and
     *     {@code inner} {@linkplain NetworkDevice#offloadsChecksums() offloads checksums}: the receiver would
     *     accept the corrupted frames as sound
     */
    public FaultInjectingDevice(NetworkDevice inner, Faults egress, Faults ingress, long seed) {
        this(inner, egress, ingress, seed, new DeviceCounters(), new DeviceCounters());
    }

    FaultInjectingDevice(NetworkDevice inner, Faults egress, Faults ingress, long seed, DeviceCounters egressCounters,
                         DeviceCounters ingressCounters) {
        super(inner);
        if (egress.altersFrames() && inner.offloadsChecksums()) {
            throw new IllegalArgumentException("cannot corrupt the frames sent through " + inner + ": it offloads"
                    + " checksums, so the receiver would not check them and would take corrupted frames as sound;"
                    + " open it without checksum offload");
        }
        this.egress = new Way(egress, Seeds.random(seed, "egress"), egressCounters);
        this.ingress = new Way(ingress, Seeds.random(seed, "ingress"), ingressCounters);
    }

    /** What the injector did to frames going {@code direction}: drops by reason, duplicates, reorders... */
    public DeviceCounters counters(FrameDirection direction) {
        return direction == FrameDirection.SENT ? egress.counters : ingress.counters;
    }

    @Override
    public void attach(EventLoop owner, FrameReceiver receiver) {
        Objects.requireNonNull(receiver, "receiver");
        this.loop = owner;
        inner.attach(owner, (f, o, l) -> ingress.apply(f, o, l, receiver));
    }

    @Override
    public void send(byte[] frame, int off, int len) {
        egress.apply(frame, off, len, inner::send);      // after close, the inner device drops and counts
    }

    @Override
    public void close() {
        closed = true;
        super.close();
    }

    /** One direction's faults, generator, burst state and scratch buffer. */
    private final class Way {
        final Faults faults;
        final boolean none;
        final RandomGenerator rnd;
        final DeviceCounters counters;
        final long reorderDelay;
        boolean bad;                       // Gilbert-Elliott state
        byte[] scratch = new byte[0];
        final long[] bits = new long[64];

        Way(Faults faults, RandomGenerator rnd, DeviceCounters counters) {
            this.faults = Objects.requireNonNull(faults, "faults");
            this.none = faults.isNone();
            this.rnd = rnd;
            this.counters = counters;
            this.reorderDelay = faults.reorderDelay().toNanos();
        }

        private boolean draw(double p) {
            return p > 0 && rnd.nextDouble() < p;
        }

        void apply(byte[] frame, int off, int len, FrameReceiver out) {
            if (none) {
                out.receive(frame, off, len);
                return;
            }
            Faults.Burst burst = faults.burst();
            if (!burst.isNone()) {
                boolean lost = bad && draw(burst.lossInBad());
                bad = bad ? !draw(burst.badToGood()) : draw(burst.goodToBad());
                if (lost) {
                    counters.increment(Counter.DROPPED_BURST);
                    return;
                }
            }
            if (draw(faults.loss())) {
                counters.increment(Counter.DROPPED_LOSS);
                return;
            }
            byte[] buf = frame;
            int start = off;
            if (draw(faults.corrupt()) && len > ETHERNET_HEADER) {
                buf = corrupt(frame, off, len);
                start = 0;
                counters.increment(Counter.CORRUPTED);
            }
            boolean duplicate = draw(faults.duplicate());
            if (draw(faults.reorder())) {
                EventLoop owner = loop;
                if (owner == null) {
                    throw new IllegalStateException("attach the FaultInjectingDevice before sending: reordering "
                            + "holds frames back on the owner's loop");
                }
                counters.increment(Counter.REORDERED);
                byte[] held = Arrays.copyOfRange(buf, start, start + len);
                owner.scheduleAfter(reorderDelay, () -> {
                    if (!closed) {
                        emit(held, 0, len, duplicate, out);
                    }
                });
            } else {
                emit(buf, start, len, duplicate, out);
            }
        }

        private void emit(byte[] buf, int off, int len, boolean duplicate, FrameReceiver out) {
            out.receive(buf, off, len);
            if (duplicate) {
                counters.increment(Counter.DUPLICATED);
                out.receive(buf, off, len);
            }
        }

        /** Copies the frame into the scratch buffer and flips 1..corruptMaxBits distinct payload bits. */
        private byte[] corrupt(byte[] frame, int off, int len) {
            if (scratch.length < len) {
                scratch = new byte[Math.max(len, 2048)];
            }
            System.arraycopy(frame, off, scratch, 0, len);
            long n = (long) (len - ETHERNET_HEADER) * 8;
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
                scratch[ETHERNET_HEADER + (bit >>> 3)] ^= (byte) (1 << (bit & 7));
            }
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
}
