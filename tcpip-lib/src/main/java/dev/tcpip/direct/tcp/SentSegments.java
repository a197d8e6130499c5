package dev.tcpip.direct.tcp;

/**
 * What a SACK sender has sent and not yet had cumulatively acknowledged, one entry per transmitted segment
 * (RFC 8985 §6.1: the per-segment transmission time, whether it was retransmitted, and whether it is SACKed
 * or lost), so that {@link Rack} can reason in time order and RFC 6675's pipe counts what is really in
 * flight.
 *
 * <p>The entries tile [SND.UNA, SND.MAX) in sequence order without gaps: entry {@code i} covers
 * {@code [start[i], end[i])}, and a FIN's sequence number belongs to the last entry. A SACK block or a
 * retransmission whose edge falls inside an entry splits it. Entries live in {@code [head, tail)} of plain
 * arrays that grow on demand up to {@link #MAX_ENTRIES}; past that a new segment joins the last entry
 * (which then carries the later transmission time: conservative, its loss is detected later, never
 * earlier). Byte counts of SACKed and lost data are kept as entries change, so pipe is O(1).
 */
final class SentSegments {
    static final int MAX_ENTRIES = 1 << 16;
    /**
     * The first arrays' length: a short connection (a request, a reply, a FIN) sends two or three segments, and
     * a bulk flow doubles its way to its window in a few steps (4, 8, 16, ...).
     */
    private static final int INITIAL = 4;
    private static final byte SACKED = 1;
    private static final byte LOST = 2;
    private static final byte RETRANSMITTED = 4;
    /**
     * Sent three times or more, or resent by a loss probe in recovery while an earlier copy may still be on its
     * way: which copy an ACK answers is unknown.
     */
    private static final byte AMBIGUOUS = 8;
    /**
     * The system property that turns off the rule that an {@link #AMBIGUOUS} segment gives RACK no sample
     * ({@link #delivered}), for comparison; read at class loading into {@link #skipAmbiguous} (tests set it).
     */
    static final String AMBIGUOUS_PROPERTY = "tcpip.tcp.rack.ambiguous";
    static boolean skipAmbiguous = !"false".equals(System.getProperty(AMBIGUOUS_PROPERTY));

    // Until the first segment is sent: shared empty arrays (never written), so an idle connection allocates none.
    private static final int[] NO_INTS = new int[0];
    private static final long[] NO_LONGS = new long[0];
    private static final byte[] NO_BYTES = new byte[0];

    private int[] start = NO_INTS;
    private int[] end = NO_INTS;
    private long[] xmit = NO_LONGS;
    private byte[] flags = NO_BYTES;
    private int head;
    private int tail;
    private int sackedBytes;
    private int sackedSegments;
    private int lostBytes;
    /** Entries ever marked lost (a counter: an ACK that raises it indicated a further loss). */
    private long lossMarks;
    /** No LOST entry lies below this index: where {@link #firstLost} starts looking. */
    private int lostHint;

    boolean isEmpty() {
        return head == tail;
    }

    int size() {
        return tail - head;
    }

    int sackedBytes() {
        return sackedBytes;
    }

    int sackedSegments() {
        return sackedSegments;
    }

    /** Bytes marked lost and neither SACKed nor retransmitted since. */
    int lostBytes() {
        return lostBytes;
    }

    long lossMarks() {
        return lossMarks;
    }

    /** Entries now marked lost (and not retransmitted since): O(entries), for statistics. */
    int lostSegments() {
        int n = 0;
        for (int i = head; i < tail; i++) {
            if ((flags[i] & LOST) != 0) {
                n++;
            }
        }
        return n;
    }

    /** The sequence number past the last entry, or {@code fallback} when there is none. */
    int endSeq(int fallback) {
        return isEmpty() ? fallback : end[tail - 1];
    }

    void clear() {
        head = tail = 0;
        sackedBytes = sackedSegments = lostBytes = 0;
        lostHint = 0;
    }

    // --- transmissions ---

    /**
     * Records the transmission of [seq, segEnd) at {@code now}: the part below the last entry's end is a
     * retransmission, the part above is new.
     */
    void sent(int seq, int segEnd, long now) {
        sent(seq, segEnd, false, now);
    }

    /** {@link #sent(int, int, long)}; {@code probe}: a loss probe's copy, which makes a retransmission ambiguous. */
    void sent(int seq, int segEnd, boolean probe, long now) {
        if (!Seq.lt(seq, segEnd)) {
            return;
        }
        int last = endSeq(seq);
        if (Seq.lt(seq, last)) {
            retransmitted(seq, Seq.min(segEnd, last), probe, now);
        }
        if (Seq.gt(segEnd, last)) {
            append(Seq.max(seq, last), segEnd, now);
        }
    }

    private void append(int from, int to, long now) {
        if (tail - head >= MAX_ENTRIES) {
            end[tail - 1] = to;             // bounded: the last entry grows instead
            xmit[tail - 1] = now;
            return;
        }
        ensureRoom();
        start[tail] = from;
        end[tail] = to;
        xmit[tail] = now;
        flags[tail] = 0;
        tail++;
    }

    private void retransmitted(int from, int to, boolean probe, long now) {
        if (isEmpty()) {
            return;
        }
        from = Seq.max(from, start[head]);
        splitAt(from);
        splitAt(to);
        for (int i = indexOf(from); i >= 0 && i < tail && Seq.lt(start[i], to); i++) {
            if ((flags[i] & SACKED) != 0) {
                continue;
            }
            if ((flags[i] & LOST) != 0) {
                lostBytes -= len(i);
            }
            int again = probe || (flags[i] & RETRANSMITTED) != 0 ? AMBIGUOUS : 0;
            flags[i] = (byte) ((flags[i] & ~LOST) | RETRANSMITTED | again);
            xmit[i] = now;
        }
    }

    // --- acknowledgments ---

    /** SND.UNA moved to {@code ack}: forgets what lies below it, telling {@code rack} what was delivered. */
    void acknowledged(int ack, Rack rack, long now) {
        while (head < tail && Seq.le(end[head], ack)) {
            delivered(head, rack, now);
            forget(head);
            head++;
        }
        if (head < tail && Seq.lt(start[head], ack)) {
            delivered(head, rack, now);
            int gone = Seq.diff(ack, start[head]);
            if ((flags[head] & SACKED) != 0) {
                sackedBytes -= gone;
            } else if ((flags[head] & LOST) != 0) {
                lostBytes -= gone;
            }
            start[head] = ack;
        }
        if (head == tail) {
            head = tail = 0;
        }
        lostHint = Math.max(lostHint, head);
    }

    /** A SACK block [l, r) (RFC 2018 §3); returns the bytes it newly covers. */
    int sacked(int l, int r, Rack rack, long now) {
        if (isEmpty() || !Seq.lt(l, r)) {
            return 0;
        }
        l = Seq.max(l, start[head]);
        r = Seq.min(r, end[tail - 1]);
        if (!Seq.lt(l, r)) {
            return 0;
        }
        splitAt(l);
        splitAt(r);
        int newly = 0;
        for (int i = indexOf(l); i >= 0 && i < tail && Seq.lt(start[i], r); i++) {
            if ((flags[i] & SACKED) != 0) {
                continue;
            }
            delivered(i, rack, now);
            if ((flags[i] & LOST) != 0) {
                lostBytes -= len(i);
            }
            flags[i] = (byte) ((flags[i] & ~LOST) | SACKED);
            sackedBytes += len(i);
            sackedSegments++;
            newly += len(i);
        }
        return newly;
    }

    /**
     * RFC 8985 §6.2 steps 1 to 3 for entry {@code i}. Step 2 skips a retransmitted segment's sample only when it
     * is shorter than the minimum RTT (or, with fine timestamps, echoes an older transmission). Departure: an
     * {@link #AMBIGUOUS} segment (sent three times, or resent by a probe in recovery) gives no sample at all (Karn's
     * rule, RFC 6298 §3): when the ACK answers the earlier copy, its time taken from the later one is short, and
     * RACK, believing that late copy delivered, would mark lost every segment sent before it and not yet
     * acknowledged, in flight or not: a burst of spurious retransmissions, each answered by a D-SACK. The probe
     * in recovery (a copy of SND.UNA after a PTO without news, {@link Recovery#onProbeTimer}) made exactly that
     * over TAP, where the minimum RTT (tens of microseconds) guards nothing.
     */
    private void delivered(int i, Rack rack, long now) {
        if ((flags[i] & SACKED) == 0) {
            if (skipAmbiguous && (flags[i] & AMBIGUOUS) != 0) {
                rack.deliveredAmbiguous(end[i]);
                return;
            }
            rack.delivered(xmit[i], end[i], (flags[i] & RETRANSMITTED) != 0, now);
        }
    }

    private void forget(int i) {
        if ((flags[i] & SACKED) != 0) {
            sackedBytes -= len(i);
            sackedSegments--;
        } else if ((flags[i] & LOST) != 0) {
            lostBytes -= len(i);
        }
    }

    // --- loss marking (RFC 8985 §6.2 step 5, §6.3) ---

    /**
     * RFC 8985 §6.2 step 5, RACK_detect_loss: every unSACKed segment sent before the most recently delivered
     * one ({@code rack}'s xmit time and end) is lost once {@code reoWnd} has passed beyond its RTT. Returns
     * the time to wait before the rest could be marked (the reordering timer), 0 if none, and marks the
     * others lost. Entries are in sequence order; originals were sent in that order, and a retransmitted
     * entry was sent after its original, so the scan stops at the first original not sent before RACK's.
     */
    long detectLoss(Rack rack, long reoWnd, long now) {
        long timeout = 0;
        for (int i = head; i < tail; i++) {
            if ((flags[i] & (SACKED | LOST)) != 0) {
                continue;
            }
            if (!rack.sentBefore(xmit[i], end[i])) {
                if ((flags[i] & RETRANSMITTED) == 0) {
                    break;
                }
                continue;
            }
            long remaining = xmit[i] + rack.rtt() + reoWnd - now;
            if (remaining <= 0) {
                markLost(i);
            } else {
                timeout = Math.max(timeout, remaining);
            }
        }
        return timeout;
    }

    /**
     * RFC 8985 §6.3, on a retransmission timeout: the first unacknowledged segment is lost, and so is every
     * unSACKed one whose RTT plus the reordering window has passed.
     */
    void markLossesOnTimeout(Rack rack, long reoWnd, long now) {
        for (int i = head; i < tail; i++) {
            if ((flags[i] & (SACKED | LOST)) == 0
                    && (i == head || xmit[i] + rack.rtt() + reoWnd - now <= 0)) {
                markLost(i);
            }
        }
    }

    private void markLost(int i) {
        lossMarks++;
        flags[i] |= LOST;
        lostBytes += len(i);
        lostHint = Math.min(lostHint, i);
    }

    /** The start of the lowest lost, unSACKed, not yet retransmitted entry; {@code none} when there is none. */
    int firstLost(int none) {
        int i = Math.max(lostHint, head);
        while (i < tail && (flags[i] & LOST) == 0) {
            i++;
        }
        lostHint = i;
        return i < tail ? start[i] : none;
    }

    /** The end of the entry that starts at {@code seq} (one from {@link #firstLost}). */
    int entryEnd(int seq) {
        int i = indexOf(seq);
        return i < 0 ? seq : end[i];
    }

    /** The highest sequence number sent, as the start of the last entry and its end (for a loss probe). */
    int lastStart(int fallback) {
        return isEmpty() ? fallback : start[tail - 1];
    }

    boolean lastSacked() {
        return !isEmpty() && (flags[tail - 1] & SACKED) != 0;
    }

    /**
     * For tests: throws if the entries do not tile [{@code from}, {@code to}) or a kept count disagrees with a
     * recount.
     */
    void checkInvariants(int from, int to) {
        int seq = from, sacked = 0, sackedSegs = 0, lost = 0;
        for (int i = head; i < tail; i++) {
            if (start[i] != seq || !Seq.lt(start[i], end[i])) {
                throw new IllegalStateException("entry " + (i - head) + " [" + start[i] + ", " + end[i] + ") after " + seq);
            }
            if ((flags[i] & SACKED) != 0) {
                sacked += len(i);
                sackedSegs++;
            } else if ((flags[i] & LOST) != 0) {
                lost += len(i);
            }
            seq = end[i];
        }
        if (!isEmpty() && seq != to || sacked != sackedBytes || sackedSegs != sackedSegments || lost != lostBytes) {
            throw new IllegalStateException("end " + seq + "/" + to + " sacked " + sacked + "/" + sackedBytes
                    + " segments " + sackedSegs + "/" + sackedSegments + " lost " + lost + "/" + lostBytes);
        }
    }

    // --- entries ---

    private int len(int i) {
        return Seq.diff(end[i], start[i]);
    }

    /** The index of the entry containing {@code seq}, or -1. Binary search: entries are in sequence order. */
    private int indexOf(int seq) {
        int lo = head, hi = tail - 1;
        if (lo > hi || Seq.lt(seq, start[lo]) || Seq.ge(seq, end[hi])) {
            return -1;
        }
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (Seq.le(start[mid], seq)) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** Makes {@code seq} an entry boundary if it lies strictly inside an entry. */
    private void splitAt(int seq) {
        int i = indexOf(seq);
        if (i < 0 || start[i] == seq) {
            return;
        }
        if (tail - head >= MAX_ENTRIES) {
            return; // bounded: the entry stays whole, its state applies to all of it
        }
        ensureRoom();
        i = indexOf(seq); // compacting may have moved the entries
        int n = tail - (i + 1);
        System.arraycopy(start, i + 1, start, i + 2, n);
        System.arraycopy(end, i + 1, end, i + 2, n);
        System.arraycopy(xmit, i + 1, xmit, i + 2, n);
        System.arraycopy(flags, i + 1, flags, i + 2, n);
        tail++;
        start[i + 1] = seq;
        end[i + 1] = end[i];
        xmit[i + 1] = xmit[i];
        flags[i + 1] = flags[i];
        end[i] = seq;
        if ((flags[i] & SACKED) != 0) {
            sackedSegments++;
        }
        if (i + 1 < lostHint) {
            lostHint++;
        }
    }

    /** Room for one more entry at the tail: compacts to index 0, or doubles (bounded by MAX_ENTRIES). */
    private void ensureRoom() {
        if (tail < start.length) {
            return;
        }
        int n = tail - head;
        if (head > 0 && n < start.length / 2) {
            compact(start.length);
            return;
        }
        compact(Math.min(Math.max(INITIAL, start.length * 2), MAX_ENTRIES));
    }

    private void compact(int capacity) {
        int n = tail - head;
        int[] s = capacity == start.length ? start : new int[capacity];
        int[] e = capacity == start.length ? end : new int[capacity];
        long[] x = capacity == start.length ? xmit : new long[capacity];
        byte[] f = capacity == start.length ? flags : new byte[capacity];
        System.arraycopy(start, head, s, 0, n);
        System.arraycopy(end, head, e, 0, n);
        System.arraycopy(xmit, head, x, 0, n);
        System.arraycopy(flags, head, f, 0, n);
        start = s;
        end = e;
        xmit = x;
        flags = f;
        lostHint = Math.max(0, lostHint - head);
        tail = n;
        head = 0;
    }
}
