package dev.tcpip.device;

import dev.tcpip.time.Clock;
import dev.tcpip.time.EventLoop;
import dev.tcpip.wire.Ecn;

/**
 * The transmit queue of a {@link Pipe} whose link has {@link CoDel}: frames wait here (at most
 * {@link LinkConfig#queueFrames()}, then tail drop) until the transmitter is free, and each leaves through RFC 8289
 * §5's dequeue, which drops the frame, marks it CE (RFC 3168 §5), or lets it go onto the wire. Dequeues run on the
 * pipe's loop at the moments the transmitter frees, so sojourn times are those of a real queue in front of the
 * link's rate, in virtual or in real time. It keeps a histogram of sojourn times for benchmarks.
 *
 * <p>{@link #offer} may be called from any thread; dequeues run on the pipe's bound loop.
 */
final class CoDelQueue {
    /** Sojourn histogram: buckets of 100 µs up to 1 s, the last also holding everything longer. */
    private static final long BUCKET = 100_000;
    private static final int BUCKETS = 10_001;

    private final Clock clock;
    private final Pipe wire;
    private final DeviceCounters counters;
    private final LinkType type;
    private final long target;
    private final long interval;
    private final boolean ecn;
    private final long ceThreshold;        // 0: off
    private long lastSojourn;              // of the frame pop took last
    private final int maxFrame;
    private final byte[][] slots;          // allocated on first use
    private final int[] lens;
    private final long[] enqueued;
    private final Runnable transmit = this::transmit;

    // guarded by this
    private int head;
    private int count;
    private long bytes;
    private boolean scheduled;             // a transmit task or timer is pending
    private long[] sojourns;               // the histogram, allocated on first use
    private long dequeued;
    // RFC 8289 §5's state
    private long firstAboveTime;
    private long dropNext;
    private int dropCount;
    private int lastCount;
    private boolean dropping;
    private boolean okToDrop;              // dodequeue's second result

    CoDelQueue(Clock clock, LinkConfig link, Pipe wire, DeviceCounters counters, LinkType type) {
        this.clock = clock;
        this.wire = wire;
        this.counters = counters;
        this.type = type;
        CoDel c = link.codel();
        this.target = c.target().toNanos();
        this.interval = c.interval().toNanos();
        this.ceThreshold = c.ecn() ? c.ceThreshold().toNanos() : 0;
        this.ecn = c.ecn();
        this.maxFrame = link.maxFrame();
        this.slots = new byte[link.queueFrames()][];
        this.lens = new int[link.queueFrames()];
        this.enqueued = new long[link.queueFrames()];
    }

    /** Copies the frame into the queue; never blocks. {@code len <= maxFrame} is the caller's check. */
    Pipe.Offer offer(byte[] frame, int off, int len) {
        EventLoop loop;
        synchronized (this) {
            loop = wire.loop();
            if (loop == null) {
                return Pipe.Offer.UNBOUND;
            }
            if (count == slots.length) {
                return Pipe.Offer.FULL;
            }
            int i = (head + count) % slots.length;
            Pipe.copyIn(slots, i, maxFrame, frame, off, len);
            lens[i] = len;
            enqueued[i] = clock.nanos();
            count++;
            bytes += len;
            if (scheduled) {
                return Pipe.Offer.QUEUED;
            }
            scheduled = true;
        }
        loop.execute(transmit);
        return Pipe.Offer.QUEUED;
    }

    /** On the pipe's loop, when the transmitter is free: one dequeue onto the wire, then wait for the next. */
    private void transmit() {
        EventLoop loop;
        long next;
        synchronized (this) {
            loop = wire.loop();
            if (loop == null) {
                count = 0;
                bytes = 0;
                scheduled = false;
                return;
            }
            long now = clock.nanos();
            long free = wire.busyUntil();
            if (free <= now) {
                int i = dequeue(now);
                if (i >= 0 && ceThreshold > 0 && lastSojourn > ceThreshold) {
                    mark(i);                                       // fq_codel's ce_threshold: ECT only, no drop
                }
                if (i >= 0) {
                    if (wire.enter(slots[i], 0, lens[i]) == Pipe.Offer.FULL) {
                        counters.increment(Counter.DROPPED_QUEUE_FULL);    // the wire's slots are all in flight
                    }
                }
                free = wire.busyUntil();
            }
            if (count == 0) {
                scheduled = false;
                return;
            }
            next = Math.max(free, now);
        }
        loop.schedule(next, transmit);
    }

    // --- RFC 8289 §5 ---

    /** RFC 8289 §5.5 dodequeue: takes the head (its slot, or -1) and sets {@link #okToDrop}. */
    private int pop(long now) {
        okToDrop = false;
        if (count == 0) {
            firstAboveTime = 0;
            return -1;
        }
        int i = head;
        head = (head + 1) % slots.length;
        count--;
        bytes -= lens[i];
        long sojourn = now - enqueued[i];
        record(sojourn);
        lastSojourn = sojourn;
        if (sojourn < target || bytes <= maxFrame) {
            firstAboveTime = 0;                            // below target, or less than a frame left queued
        } else if (firstAboveTime == 0) {
            firstAboveTime = now + interval;
        } else if (now >= firstAboveTime) {
            okToDrop = true;                               // above target for a whole interval
        }
        return i;
    }

    /** RFC 8289 §5.6 dequeue, with marking instead of dropping where the frame allows it: the slot to send, or -1. */
    private int dequeue(long now) {
        int i = pop(now);
        if (dropping) {
            if (!okToDrop) {
                dropping = false;                          // the sojourn time went below target: leave drop state
            }
            while (now >= dropNext && dropping) {
                dropCount++;
                if (mark(i)) {
                    dropNext = controlLaw(dropNext, dropCount);
                    return i;                               // marked, and sent: the queue does not shrink now
                }
                counters.increment(Counter.DROPPED_AQM);
                i = pop(now);
                if (!okToDrop) {
                    dropping = false;
                } else {
                    dropNext = controlLaw(dropNext, dropCount);
                }
            }
        } else if (okToDrop) {
            if (!mark(i)) {
                counters.increment(Counter.DROPPED_AQM);
                i = pop(now);
            }
            dropping = true;
            // RFC 8289 §5.6: if the delay went above target soon after it last went below, start from the drop
            // rate that controlled the queue then.
            int delta = dropCount - lastCount;
            dropCount = 1;
            if (delta > 1 && now - dropNext < 16 * interval) {
                dropCount = delta;
            }
            dropNext = controlLaw(now, dropCount);
            lastCount = dropCount;
        }
        return i;
    }

    /** RFC 8289 §3.3: the next drop {@code interval / sqrt(count)} after {@code t}. */
    private long controlLaw(long t, int n) {
        return t + (long) (interval / Math.sqrt(n));
    }

    /** With ECN on, marks slot {@code i} CE if its IP header says ECT(0) or ECT(1); false if it must be dropped. */
    private boolean mark(int i) {
        if (!ecn || i < 0 || !Ecn.markCe(slots[i], 0, lens[i], type == LinkType.ETHERNET)) {
            return false;
        }
        counters.increment(Counter.CE_MARKED);
        return true;
    }

    private void record(long sojourn) {
        if (sojourns == null) {
            sojourns = new long[BUCKETS];
        }
        sojourns[(int) Math.min(BUCKETS - 1, Math.max(0, sojourn) / BUCKET)]++;
        dequeued++;
    }

    /**
     * The sojourn time (queueing delay) below which fraction {@code q} of the frames dequeued so far waited, at
     * 100 µs resolution (the upper edge of its bucket); 0 before any frame.
     */
    synchronized long sojournPercentile(double q) {
        if (dequeued == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * dequeued);
        long seen = 0;
        for (int b = 0; b < BUCKETS; b++) {
            seen += sojourns[b];
            if (seen >= Math.max(1, rank)) {
                return (b + 1) * BUCKET;
            }
        }
        return BUCKETS * BUCKET;
    }

    synchronized long dequeued() {
        return dequeued;
    }
}
