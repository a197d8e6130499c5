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
 * so the frames one way never shift the decisions made the other way, and a seeded run replays exactly. A
 * {@link FaultModel} per direction decides each frame's fate; this class carries it out and counts it.
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
        int intact = inner.linkType().headerLength();     // an IP link's frames may be corrupted from byte 0
        this.egress = new Way(egress, Seeds.random(seed, "egress"), egressCounters, intact);
        this.ingress = new Way(ingress, Seeds.random(seed, "ingress"), ingressCounters, intact);
    }

    /** What the injector did to frames going {@code direction}: drops by reason, duplicates, reorders... */
    public DeviceCounters counters(FrameDirection direction) {
        return direction == FrameDirection.SENT ? egress.counters : ingress.counters;
    }

    /**
     * Without ingress faults the receiver is the inner device's own, so an {@link OffloadReceiver} gets what the
     * device offloads; with faults, frames as a wire carries them.
     */
    @Override
    public void attach(EventLoop owner, FrameReceiver receiver) {
        Objects.requireNonNull(receiver, "receiver");
        this.loop = owner;
        if (ingress.none) {
            inner.attach(owner, receiver);
        } else {
            inner.attach(owner, (f, o, l) -> ingress.apply(f, o, l, receiver));
        }
    }

    @Override
    public void send(byte[] frame, int off, int len) {
        egress.apply(frame, off, len, inner::send);      // after close, the inner device drops and counts
    }

    /** Without egress faults the frame and its offload word pass whole (see {@link #maxSuperSegment()}). */
    @Override
    public void send(byte[] frame, int off, int len, int offload) {
        if (egress.none) {
            inner.send(frame, off, len, offload);
        } else {
            super.send(frame, off, len, offload);
        }
    }

    /** The inner device's, without egress faults (frames pass untouched); else false: faults need whole sums. */
    @Override
    public boolean completesChecksums() {
        return egress.none && inner.completesChecksums();
    }

    /** The inner device's, without egress faults; else 0: faults act on what a wire carries. */
    @Override
    public int maxSuperSegment() {
        return egress.none ? inner.maxSuperSegment() : 0;
    }

    @Override
    public void close() {
        closed = true;
        super.close();
    }

    /** One direction: its fault model, counters, and whether it has no faults at all. */
    private final class Way {
        final FaultModel model;
        final boolean none;
        final DeviceCounters counters;
        final long reorderDelay;

        Way(Faults faults, RandomGenerator rnd, DeviceCounters counters, int intact) {
            this.model = new FaultModel(faults, rnd, intact);
            this.none = faults.isNone();
            this.counters = counters;
            this.reorderDelay = faults.reorderDelay().toNanos();
        }

        void apply(byte[] frame, int off, int len, FrameReceiver out) {
            if (none) {
                out.receive(frame, off, len);
                return;
            }
            switch (model.next(frame, off, len)) {
                case FaultModel.Drop(Counter reason) -> counters.increment(reason);
                case FaultModel.Pass p -> pass(p, out);
            }
        }

        private void pass(FaultModel.Pass p, FrameReceiver out) {
            if (p.corrupted()) {
                counters.increment(Counter.CORRUPTED);
            }
            if (p.marked()) {
                counters.increment(Counter.CE_MARKED);
            }
            if (!p.reordered()) {
                emit(p.buf(), p.off(), p.len(), p.duplicate(), out);
                return;
            }
            EventLoop owner = loop;
            if (owner == null) {
                throw new IllegalStateException("attach the FaultInjectingDevice before sending: reordering "
                        + "holds frames back on the owner's loop");
            }
            counters.increment(Counter.REORDERED);
            byte[] held = Arrays.copyOfRange(p.buf(), p.off(), p.off() + p.len());
            owner.scheduleAfter(reorderDelay, () -> {
                if (!closed) {
                    emit(held, 0, held.length, p.duplicate(), out);
                }
            });
        }

        private void emit(byte[] buf, int off, int len, boolean duplicate, FrameReceiver out) {
            out.receive(buf, off, len);
            if (duplicate) {
                counters.increment(Counter.DUPLICATED);
                out.receive(buf, off, len);
            }
        }
    }
}
