package dev.tcpip.direct.tcp;

import dev.tcpip.wire.TcpOptions;
import dev.tcpip.wire.TcpView;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Takes in what the peer sends and decides what to tell it: the receive sequence space (RFC 9293 §3.3.1),
 * the acceptability test, in-order and out-of-order data, the peer's FIN, the window advertised (receiver
 * SWS avoidance, RFC 9293 §3.8.6.2.2 / RFC 1122 §4.2.3.3; window scaling, RFC 7323 §2.3) and when to
 * acknowledge (delayed ACKs, RFC 9293 §3.8.6.3, with {@link AckPolicy}).
 */
final class Receiver {
    /** A read's time when it has none (the connection is released): the buffer's size no longer matters. */
    static final long NO_TIME = Long.MIN_VALUE;
    /** The most bytes one read hands over. */
    static final int MAX_READ = 64 * 1024;

    private final Connection c;
    private final Tcb t;
    private final ReceiveBuffer buffer;
    /** Made at the first segment out of order (most connections never see one): null until then. */
    private OutOfOrderQueue outOfOrder;
    private final AckPolicy ackPolicy = new AckPolicy();
    private int irs;
    private int rcvNxt;
    /** RCV.NXT + the window last advertised: the right edge never moves left (RFC 9293 §3.8.6.2.2). */
    private int rcvAdvRight;
    /** The largest window advertised so far (the SYN's unscaled one first): how much the peer may have in flight. */
    private int largestOffered;
    /** The peer's FIN has been received in order (RCV.NXT counts it). */
    private boolean finReceived;
    /** A FIN received out of order: its sequence number, when {@link #finAhead}. */
    private boolean finAhead;
    private int finAheadSeq;
    /** shutdown(READ): what arrives is acknowledged and discarded. */
    private boolean readShutdown;
    long bytesReceived, segmentsReceived, dataSegmentsReceived, windowUpdatesSent; // statistics
    /** How many segments the one being processed stands for: more than 1 for a device's super-segment. */
    int arrivingSegments = 1;
    /**
     * The segment being processed lies in an array the device made for its frame alone and never touches again
     * ({@code OffloadReceiver.FRAME_OWNED}): in-order data may stay there instead of being copied into the queue.
     */
    boolean arrivingOwned;
    /** The payload of the segment being processed was kept in place (for the stack's counter). */
    boolean keptArriving;

    /** Receive-buffer auto-tuning: made at the first full-sized in-order segment when the buffer may grow. */
    private ReceiveTuning tuning;

    Receiver(Connection c) {
        this.c = c;
        this.t = c.tcb;
        this.buffer = new ReceiveBuffer(c.config.receiveBufferSize());
    }

    /** The out-of-order queue, made now if it was not. */
    private OutOfOrderQueue outOfOrder() {
        OutOfOrderQueue q = outOfOrder;
        if (q == null) {
            // Out-of-order memory: the bytes are bounded by the window; with each chunk's overhead, by twice the
            // buffer.
            q = new OutOfOrderQueue(c.config.outOfOrderLimit(), outOfOrderCharge());
            outOfOrder = q;
        }
        return q;
    }

    /** The out-of-order queue's charge limit: twice the buffer (as it is now; it rises as the buffer grows). */
    private int outOfOrderCharge() {
        return (int) Math.min(Integer.MAX_VALUE, 2L * buffer.capacity());
    }

    /** The receive buffer's size now (what the window may offer at most). */
    int bufferSize() {
        return buffer.capacity();
    }

    /** The auto-tuning state, or null (for tests). */
    ReceiveTuning tuning() {
        return tuning;
    }

    int irs() {
        return irs;
    }

    int nxt() {
        return rcvNxt;
    }

    boolean finReceived() {
        return finReceived;
    }

    /** The peer's SYN: IRS = SEG.SEQ, RCV.NXT = SEG.SEQ + 1 (RFC 9293 §3.10.7.2, §3.10.7.3). */
    void onSyn(int seq) {
        irs = seq;
        rcvNxt = irs + 1;
    }

    /** Our SYN's window was offered before RCV.NXT existed: nothing is offered yet (active open). */
    void forgetSynWindow() {
        rcvAdvRight = rcvNxt;
    }

    // --- the window (RFC 9293 §3.8.6.2.2, RFC 7323 §2.3) ---

    /** RCV.WND: what the last advertisement still offers beyond RCV.NXT. */
    int window() {
        return Math.max(0, offered());
    }

    /** The right edge's distance from RCV.NXT, negative when data beyond it was taken. */
    int offered() {
        return Seq.diff(rcvAdvRight, rcvNxt);
    }

    /** A SYN's window field: RFC 7323 §2.2, never scaled. */
    int advertiseSyn() {
        int win = Math.min(buffer.free(), 0xffff);
        rcvAdvRight = rcvNxt + win;
        largestOffered = Math.max(largestOffered, win);
        return win;
    }

    /**
     * The window field to send (RFC 9293 §3.8.6.2.2 receiver SWS avoidance; RFC 7323 §2.3 scaling): the
     * right edge moves only by at least min(buffer/2, MSS), never left, and never past the buffer's free
     * space, so every byte the peer may send fits.
     *
     * <p>RFC 7323 §2.4: with a scale factor, a right edge fixed while RCV.NXT advances by amounts smaller than
     * the scale's granularity can only be offered rounded up (beyond what was promised, perhaps beyond the
     * buffer) or down (a window that shrinks by less than one unit). Rounding up on every ACK moves the edge
     * further each time: it once let the peer send past the buffer, whose tail was then dropped and taken
     * for loss. So round up only while the buffer has room; else round down, and keep honouring the old edge
     * ({@code rcvAdvRight} never moves left), which the buffer still covers.
     */
    int advertise() {
        int advertised = window();
        int free = buffer.free();
        int wnd = worthOffering(free, advertised) ? free : advertised;
        wnd = Math.max(wnd, advertised);
        int field = Math.min(wnd >> t.rcvWscale, 0xffff); // scaling rounds the free space down
        if ((field << t.rcvWscale) < advertised && field < 0xffff && ((field + 1) << t.rcvWscale) <= free) {
            field++; // round up rather than move the right edge left, but only into space we have
        }
        // Else the field retracts the edge by less than one scale unit (RFC 7323 §2.4, Appendix F): rounding
        // up each ACK would offer more than the buffer holds. The edge already offered stays in rcvAdvRight,
        // backed by free space, so data up to it is still taken (RFC 9293 §3.8.6.2.2).
        rcvAdvRight = Seq.max(rcvAdvRight, rcvNxt + (field << t.rcvWscale));
        largestOffered = Math.max(largestOffered, window());
        return field;
    }

    /** RFC 1122 §4.2.3.3: the window grows only by at least min(buffer/2, MSS). */
    private boolean worthOffering(int free, int advertised) {
        return free - advertised >= Math.min(buffer.capacity() / 2, t.ourMss);
    }

    /**
     * After a read freed buffer space: a pure window update, only when the peer may be waiting for it. How far
     * the right edge may move is {@link #worthOffering}'s (receiver SWS avoidance, RFC 9293 §3.8.6.2.2, RFC 1122
     * §4.2.3.3); whether to announce the new edge at once, in a segment of its own, is this stack's policy.
     * Every ACK that data triggers (one per two full-sized segments, {@link AckPolicy}) carries the new edge
     * anyway, so a window update per read doubled the ACKs a bulk transfer costs when the reader keeps up. It
     * goes out when:
     * <ul>
     *   <li>the window still offered is below one segment our MSS allows: the peer is blocked (zero window, or
     *       too small for a full segment, which its sender SWS avoidance may hold back, RFC 9293 §3.8.6.2.1), and
     *       no data will come to carry the news;</li>
     *   <li>the edge moves by at least half the largest window we can offer; or</li>
     *   <li>the window offered is down to half of that or less and the update at least doubles it, and by two
     *       full-sized segments or more (the peer may become window-limited within the round trip; while the
     *       window offered is larger, the ACKs its data triggers carry the edge in time).</li>
     * </ul>
     * The last two only once the peer has taken half of the largest window ever offered: until then it cannot be
     * window-limited within the round trip either. This is the first read of a connection whose SYN offered 64 KiB
     * unscaled (RFC 7323 §2.2) and whose buffer is larger: without it, one byte read announced the whole buffer in a
     * pure ACK of its own, an extra segment per short connection (a request/response exchange and close).
     */
    void windowUpdateIfWorthIt(long now) {
        if (!t.state.synchronized_() || finReceived) {
            return;
        }
        int maxWindow = Math.min(buffer.capacity(), 0xffff << t.rcvWscale);
        int free = Math.min(buffer.free(), 0xffff << t.rcvWscale);
        int offered = window();
        if (!worthOffering(free, offered)) {
            return;
        }
        int growth = free - offered;
        boolean blocked = offered < t.ourMss;
        boolean doubles = offered <= maxWindow / 2 && growth >= Math.max(2 * t.smss, offered);
        boolean peerUsedHalf = offered <= largestOffered / 2;
        boolean tellNow = blocked || peerUsedHalf && (growth >= maxWindow / 2 || doubles);
        if (tellNow) {
            windowUpdatesSent++;
            c.segments.ack(now);
        }
    }

    // --- arrival (RFC 9293 §3.10.7.4) ---

    /** First step: is a segment of {@code segLen} at {@code seq} acceptable, with RCV.WND {@code rcvWnd}? */
    boolean acceptable(int seq, int segLen, int rcvWnd) {
        if (segLen == 0) {
            // RCV.NXT =< SEG.SEQ =< RCV.NXT+RCV.WND: RFC 9293 §3.10.7.4's "special allowance ... to accept
            // valid ACKs" for the peer's ACKs once it has sent up to our right edge (the data lost or refused):
            // its ACK and window must still be processed (for RCV.WND = 0 this is SEG.SEQ = RCV.NXT).
            return Seq.ge(seq, rcvNxt) && Seq.le(seq, rcvNxt + rcvWnd);
        }
        if (rcvWnd == 0) {
            return seq == rcvNxt; // RFC 9293 §3.10.7.4: zero window, still take ACK/RST/URG
        }
        return Seq.inWindow(seq, rcvNxt, rcvNxt + rcvWnd) || Seq.inWindow(seq + segLen - 1, rcvNxt, rcvNxt + rcvWnd);
    }

    /** RFC 9293 §3.10.7.4 TIME-WAIT: a retransmission of the peer's FIN, data and all. */
    boolean isFinAgain(int seq, int payload) {
        return seq + payload + 1 == rcvNxt;
    }

    /** Seventh step: in-window data to the receive buffer or the out-of-order queue. Returns "ACK now". */
    boolean data(TcpView seg, int seq, int payload, int rcvWnd, long now) {
        int skip = Math.max(0, Seq.diff(rcvNxt, seq));              // already received
        int start = seq + skip;
        int room = Math.max(0, Seq.diff(rcvNxt + Math.max(rcvWnd, buffer.free()), start));
        int len = Math.min(payload - skip, room);                   // RFC 9293 §3.10.7.4: trim to the window
        len = Math.min(len, buffer.free() - Seq.diff(start, rcvNxt));
        if (len <= 0) {
            // RFC 9293 §3.8.6.1, RFC 1122 §4.2.2.17: a zero-window probe (or data beyond the window) is
            // answered at once with an ACK carrying the current window.
            return textRefused();
        }
        int off = seg.payloadOffset() + skip;
        if (start == rcvNxt) {
            boolean hadHoles = holdsOutOfOrder();
            if (readShutdown) {
                rcvNxt += len; // shutdown(READ): accepted and discarded
            } else {
                if (arrivingOwned && len >= ChunkQueue.HAND_ALONE) {
                    buffer.keep(seg.buffer(), off, len);   // the device's array becomes the queue's: no copy
                    keptArriving = true;
                } else {
                    buffer.append(seg.buffer(), off, len);
                }
                rcvNxt += len;
                if (hadHoles) {
                    int before = rcvNxt;
                    rcvNxt = outOfOrder.drain(rcvNxt, buffer);
                    bytesReceived += Seq.diff(rcvNxt, before);
                }
            }
            bytesReceived += len;
            measureRtt(seg, len, now);
            // RFC 5681 §4.2: ACK at once when a hole is filled; else every second full segment, so at once for a
            // super-segment that stands for two or more (their size may be below our SMSS: the sender's options).
            return ackPolicy.onInOrderData(len, t.smss, hadHoles) || arrivingSegments >= 2;
        }
        outOfOrder().insert(start, seg.buffer(), off, len);
        textRefused();
        return true; // RFC 5681 §4.2 / RFC 9293 §3.10.7.4: out-of-order data, a duplicate ACK at once
    }

    // --- receive-buffer auto-tuning (TcpConfig#receiveBufferMax, ReceiveTuning) ---

    /**
     * The receiver's round trip, from in-order data: with timestamps, the echo of a full-sized segment (small ones
     * may have waited on the peer's application); without, the time to receive a window ({@link ReceiveTuning}).
     */
    private void measureRtt(TcpView seg, int len, long now) {
        ReceiveTuning r = tuning;
        if (r == null) {
            if (len < t.smss || c.config.receiveBufferMax() <= buffer.capacity()) {
                return;                                // not bulk data, or nothing to tune (fixed: withBuffers)
            }
            r = tuning = new ReceiveTuning();
        }
        if (t.tsOk) {
            if (len >= t.smss && seg.hasTimestamps() && seg.tsEcr() != 0) {
                r.timestampSample(c.segments.echoRtt(seg, now));
            }
        } else {
            r.windowTiming(rcvNxt, Math.max(window(), t.smss), now);
        }
    }

    /**
     * The application took {@code n} bytes: the buffer grows to what {@link ReceiveTuning#taken} asks, up to
     * {@link dev.tcpip.direct.TcpConfig#receiveBufferMax()}, so the window offered keeps ahead of a reader that
     * keeps up; a reader that does not, or an idle connection, never grows it. Never shrinks (the right edge offered
     * never moves left either, RFC 7323 §2.4). The window follows the free space at the next ACK ({@link #advertise},
     * RFC 9293 §3.8.6.2.2); the out-of-order queue's charge limit (twice the buffer) rises with it.
     */
    private void onTaken(int n, long now) {
        ReceiveTuning r = tuning;
        int max = c.config.receiveBufferMax();
        if (r == null || now == NO_TIME || max <= buffer.capacity()) {
            return;
        }
        int want = r.taken(n, now, max);
        if (want > buffer.capacity()) {
            buffer.grow(want);
            r.growths++;
            if (outOfOrder != null) {
                outOfOrder.raiseCharge(outOfOrderCharge());
            }
        }
    }

    /** Text not taken in (beyond the window, or a state that takes none): acknowledge at once. */
    boolean textRefused() {
        return ackPolicy.onInOrderData(0, t.smss, true);
    }

    /**
     * Eighth step: the peer's FIN (RFC 9293 §3.10.7.4), at {@code finAt} if {@code fin}, counts once every
     * byte before it has arrived; one that came early is remembered. Returns true when it now counts.
     */
    boolean fin(boolean fin, int finAt) {
        if (fin) {
            if (finAt == rcvNxt) {
                takeFin();
                return true;
            }
            if (Seq.gt(finAt, rcvNxt)) {
                finAhead = true;
                finAheadSeq = finAt;
            }
        }
        if (finAhead && finAheadSeq == rcvNxt && !finReceived) {
            takeFin(); // the data before an early FIN has all arrived
            return true;
        }
        return false;
    }

    private void takeFin() {
        rcvNxt += 1;
        finReceived = true;
        finAhead = false;
        textRefused();
    }

    // --- acknowledging (RFC 9293 §3.8.6.3) ---

    /** Any segment carrying an ACK went out: nothing is owed, the delayed ACK is off. */
    void onAckSent() {
        ackPolicy.onAckSent();
        c.timers.disarm(Timers.DELAYED_ACK);
    }

    /** After a segment's processing: the owed ACK goes now or after the delayed-ACK timeout. */
    /** An ACK is owed for what arrived (held for the delayed-ACK timer or about to go). */
    boolean ackPending() {
        return ackPolicy.pending();
    }

    void ackOrDelay(boolean ackNow, long now) {
        if (!ackPolicy.pending()) {
            return;
        }
        if (ackNow) {
            c.segments.ack(now);
        } else if (!c.timers.armed(Timers.DELAYED_ACK)) {
            c.timers.arm(Timers.DELAYED_ACK, now + c.config.delayedAck().toNanos()); // RFC 9293 §3.8.6.3
        }
    }

    void onDelayedAckTimer(long now) {
        if (ackPolicy.pending()) {
            c.segments.ack(now);
        }
    }

    // --- SACK (RFC 2018 §4) ---

    boolean holdsOutOfOrder() {
        return outOfOrder != null && !outOfOrder.isEmpty();
    }

    int sackRuns() {
        return outOfOrder != null ? outOfOrder.runs() : 0;
    }

    List<TcpOptions.SackBlock> sackBlocks(int max) {
        return outOfOrder != null ? outOfOrder.sackBlocks(max) : List.of();
    }

    // --- the application's side ---

    /** Data for a read (at most {@link #MAX_READ} bytes), or null when none may be read now. */
    ByteBuffer take(long now) {
        if (buffer.length() == 0 || readShutdown) {
            return null;
        }
        ByteBuffer b = buffer.take(MAX_READ);
        onTaken(b.remaining(), now);
        return b;
    }

    /** No more data will come to reads: shut for reading, or the peer's FIN is in. */
    boolean ended() {
        return readShutdown || finReceived;
    }

    void shutdown() {
        readShutdown = true;
        buffer.clear();
    }

    /** close() waits for the peer's FIN: keep what it still sends for later reads, up to {@code limit}. */
    void grow(int limit) {
        buffer.grow(limit);
    }

    void clear() {
        if (outOfOrder != null) {
            outOfOrder.clear();
        }
    }
}
