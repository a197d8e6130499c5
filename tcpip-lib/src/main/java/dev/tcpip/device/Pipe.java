package dev.tcpip.device;

import dev.tcpip.time.Clock;
import dev.tcpip.time.EventLoop;
import dev.tcpip.time.RealTimeLoop;

/**
 * One direction of a link: a bounded ring of frame slots that is at once the transmit queue, the wire and
 * the receive ring. {@link #offer} copies the frame into a slot (the only copy) and stamps its arrival time
 * from the transmitter's rate and the latency; a drain task on the receiving loop hands due frames to the
 * sink in order and sleeps on a timer until the next one is due. Arrival times never decrease, so the ring
 * stays FIFO. Nothing is allocated per frame once the slots exist.
 *
 * <p>A TCP super-segment (a link with offloads, see {@link LinkConfig}) travels in one slot with its
 * {@link OffloadReceiver} word, in a larger array taken from a small pool, and counts as the segments it stands for:
 * in the queue (at most {@code queueFrames} segments) and at the rate (the bytes of those segments, headers
 * included).
 *
 * <p>{@link #offer} may be called from any thread; the drain runs on the bound loop. When that loop is a {@link
 * RealTimeLoop} parked with nothing queued, the offering thread runs the drain itself, holding the receiving loop's
 * turn ({@link RealTimeLoop#runOrExecute(Runnable, boolean)}, also running what other threads queue on that loop
 * meanwhile): the frame reaches the receiving stack without waking its loop thread, one thread hand-off less per
 * frame (a 1-byte request/response paid two per round trip). The system property {@value
 * #INLINE_PROPERTY}{@code =false} turns this off; a simulation's loop is never run inline (the driver's order).
 */
final class Pipe {
    /** The system property that, when {@code false}, always queues the drain on the receiving loop (class comment). */
    static final String INLINE_PROPERTY = "tcpip.memory.inline";
    private static final boolean INLINE = !"false".equals(System.getProperty(INLINE_PROPERTY));
    private final Clock clock;
    private final long latency;
    private final long bitsPerSecond;
    private final int maxFrame;
    private final byte[][] slots;          // allocated on first use
    private final int[] lens;
    private final int[] offloads;
    private final int[] segments;
    private final byte[][] large;          // a super-segment's array while its slot holds one, else null
    private final java.util.ArrayDeque<byte[]> spare = new java.util.ArrayDeque<>();   // guarded by this
    private final long[] arrival;
    private final Runnable drain = this::drain;
    /** The transmit queue in front of the rate when the link has CoDel, else null. */
    private final CoDelQueue aqm;

    // guarded by this
    private int head;
    private int count;
    private int queuedSegments;            // what count's frames stand for
    private long busyUntil;                // when the transmitter finishes its last frame
    private long lastArrival;
    private boolean scheduled;             // a drain task or timer is pending
    private EventLoop loop;
    private OffloadReceiver sink;

    /** A direction of {@code link}; with CoDel, its drops and marks count in {@code counters}. */
    Pipe(Clock clock, LinkConfig link, DeviceCounters counters, LinkType type) {
        this.clock = clock;
        this.latency = link.latency().toNanos();
        this.bitsPerSecond = link.bitsPerSecond();
        this.maxFrame = link.maxFrame();
        this.slots = new byte[link.queueFrames()][];
        this.lens = new int[link.queueFrames()];
        this.offloads = new int[link.queueFrames()];
        this.segments = new int[link.queueFrames()];
        this.large = new byte[link.queueFrames()][];
        this.arrival = new long[link.queueFrames()];
        this.aqm = link.codel() == null ? null : new CoDelQueue(clock, link, this, counters, type);
    }

    /** The loop frames are handed to, or null while unbound. */
    synchronized EventLoop loop() {
        return sink == null ? null : loop;
    }

    /** When the transmitter finishes the frames it has taken. */
    synchronized long busyUntil() {
        return busyUntil;
    }

    /** The CoDel queue in front of the transmitter, or null. */
    CoDelQueue aqm() {
        return aqm;
    }

    synchronized void bind(EventLoop owner, OffloadReceiver receiver) {
        this.loop = owner;
        this.sink = receiver;
    }

    /** Drops every queued frame and refuses new ones. */
    synchronized void unbind() {
        loop = null;
        sink = null;
        count = 0;
        queuedSegments = 0;
    }

    /** Outcome of {@link #offer}. */
    enum Offer { QUEUED, FULL, UNBOUND }

    /**
     * Copies the frame in (into the CoDel queue, if the link has one, else onto the wire); never blocks.
     * {@code len <= maxFrame} is the caller's check.
     */
    Offer offer(byte[] frame, int off, int len) {
        return aqm != null ? aqm.offer(frame, off, len) : enter(frame, off, len);
    }

    /**
     * A TCP super-segment with its {@link OffloadReceiver} word that stands for {@code pieces} segments of
     * {@code wireBytes} bytes in all; never through CoDel (a link with CoDel cuts super-segments first).
     */
    Offer offer(byte[] frame, int off, int len, int offload, int pieces, int wireBytes) {
        return enter(frame, off, len, offload, pieces, wireBytes);
    }

    /** The frame goes to the transmitter now: its arrival time follows from the rate, the latency and those before. */
    Offer enter(byte[] frame, int off, int len) {
        return enter(frame, off, len, 0, 1, len);
    }

    private Offer enter(byte[] frame, int off, int len, int offload, int pieces, int wireBytes) {
        EventLoop post;
        synchronized (this) {
            if (sink == null) {
                return Offer.UNBOUND;
            }
            if (count == slots.length || queuedSegments + pieces > slots.length) {
                return Offer.FULL;
            }
            long now = clock.nanos();
            long sent = now;
            if (bitsPerSecond > 0) {
                sent = Math.max(now, busyUntil) + Math.ceilDiv(wireBytes * 8L * 1_000_000_000L, bitsPerSecond);
                busyUntil = sent;
            }
            long at = Math.max(sent + latency, lastArrival);
            lastArrival = at;
            int i = (head + count) % slots.length;
            if (len <= maxFrame) {
                copyIn(slots, i, maxFrame, frame, off, len);
            } else {
                byte[] big = spare.pollFirst();
                if (big == null || big.length < len) {
                    big = new byte[Math.max(len, 65_535 + NetworkDevice.ETHERNET_HEADER)];
                }
                System.arraycopy(frame, off, big, 0, len);
                large[i] = big;
            }
            lens[i] = len;
            offloads[i] = offload;
            segments[i] = pieces;
            arrival[i] = at;
            count++;
            queuedSegments += pieces;
            if (scheduled) {
                return Offer.QUEUED;
            }
            scheduled = true;
            post = loop;
        }
        if (INLINE && post instanceof RealTimeLoop realTime) {
            realTime.runOrExecute(drain, true);   // outside this pipe's lock: the drain takes it
        } else {
            post.execute(drain);
        }
        return Offer.QUEUED;
    }

    /** Copies a frame into ring slot {@code i}, allocating the slot ({@code maxFrame} bytes) on first use. */
    static void copyIn(byte[][] slots, int i, int maxFrame, byte[] frame, int off, int len) {
        if (slots[i] == null) {
            slots[i] = new byte[maxFrame];
        }
        System.arraycopy(frame, off, slots[i], 0, len);
    }

    /** On the bound loop: hands over due frames, at most a ring's worth per turn. */
    private void drain() {
        for (int n = 0; n < slots.length; n++) {
            int i;
            OffloadReceiver to;
            byte[] b;
            synchronized (this) {
                if (count == 0 || sink == null) {
                    scheduled = false;
                    return;
                }
                i = head;
                if (arrival[i] > clock.nanos()) {
                    loop.schedule(arrival[i], drain);
                    return;
                }
                to = sink;
                b = large[i] != null ? large[i] : slots[i];
            }
            try {
                to.receive(b, 0, lens[i], offloads[i]);
            } catch (RuntimeException | Error e) {
                release(i);
                loop.execute(drain);           // the rest still gets delivered
                throw e;
            }
            release(i);
        }
        EventLoop again;
        synchronized (this) {
            again = loop;
        }
        if (again != null) {
            again.execute(drain);              // more due: let other tasks run first
        }
    }

    private synchronized void release(int i) {
        if (count > 0 && head == i) {
            head = (head + 1) % slots.length;
            count--;
            queuedSegments -= segments[i];
            if (large[i] != null) {
                if (spare.size() < SPARE_LARGE) {
                    spare.addLast(large[i]);
                }
                large[i] = null;
            }
        }
    }

    /** Super-segment arrays kept for reuse; more in the ring at once are allocated and left to the collector. */
    private static final int SPARE_LARGE = 8;

    synchronized int queued() {
        return count;
    }
}
