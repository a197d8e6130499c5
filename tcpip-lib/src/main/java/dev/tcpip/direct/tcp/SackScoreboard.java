package dev.tcpip.direct.tcp;

/**
 * The sender's record of SACKed ranges above SND.UNA (RFC 6675 §3), as sorted, disjoint, non-adjacent
 * ranges. Bounded: at most {@link #MAX_RANGES}; a block that would exceed it is ignored (SACK information
 * is advisory, RFC 2018 §8). Every query is O(ranges).
 */
final class SackScoreboard {
    static final int MAX_RANGES = 64;
    private static final int DUP_THRESH = 3; // RFC 6675 §2 DupThresh

    private final int[] left = new int[MAX_RANGES];
    private final int[] right = new int[MAX_RANGES];
    private int n;
    private int sackedBytes;

    boolean isEmpty() {
        return n == 0;
    }

    int sackedBytes() {
        return sackedBytes;
    }

    /** The highest SACKed sequence number + 1, or {@code fallback} if none. */
    int highestSacked(int fallback) {
        return n == 0 ? fallback : right[n - 1];
    }

    /** Records the block [l, r) if it lies within (sndUna, sndMax]; returns the newly SACKed byte count. */
    int add(int l, int r, int sndUna, int sndMax) {
        if (!Seq.lt(l, r) || Seq.le(r, sndUna) || Seq.gt(r, sndMax)) {
            return 0; // RFC 2018 §5 / RFC 6675 §4: ignore blocks outside the window (incl. D-SACK)
        }
        l = Seq.max(l, sndUna);
        int before = sackedBytes;
        // find the first range whose right >= l
        int i = 0;
        while (i < n && Seq.lt(right[i], l)) {
            i++;
        }
        int j = i;
        int nl = l, nr = r;
        while (j < n && Seq.le(left[j], r)) {
            nl = Seq.min(nl, left[j]);
            nr = Seq.max(nr, right[j]);
            sackedBytes -= Seq.diff(right[j], left[j]);
            j++;
        }
        int removed = j - i;
        if (removed == 0 && n == MAX_RANGES) {
            return 0;
        }
        // replace ranges [i, j) with one
        int shift = 1 - removed;
        if (shift != 0) {
            System.arraycopy(left, j, left, j + shift, n - j);
            System.arraycopy(right, j, right, j + shift, n - j);
        }
        left[i] = nl;
        right[i] = nr;
        n += shift;
        sackedBytes += Seq.diff(nr, nl);
        return sackedBytes - before;
    }

    /** SND.UNA moved: forgets what lies below it. */
    void advance(int sndUna) {
        int drop = 0;
        while (drop < n && Seq.le(right[drop], sndUna)) {
            sackedBytes -= Seq.diff(right[drop], left[drop]);
            drop++;
        }
        if (drop > 0) {
            System.arraycopy(left, drop, left, 0, n - drop);
            System.arraycopy(right, drop, right, 0, n - drop);
            n -= drop;
        }
        if (n > 0 && Seq.lt(left[0], sndUna)) {
            sackedBytes -= Seq.diff(sndUna, left[0]);
            left[0] = sndUna;
        }
    }

    void clear() {
        n = 0;
        sackedBytes = 0;
    }

    /** If {@code seq} is SACKed, the end of its range; else {@code seq}. */
    int skipSacked(int seq) {
        for (int i = 0; i < n; i++) {
            if (Seq.inWindow(seq, left[i], right[i])) {
                return right[i];
            }
        }
        return seq;
    }

    /** The end of the unSACKed hole that starts at or contains {@code seq}: the next SACKed left edge. */
    int holeEnd(int seq, int limit) {
        for (int i = 0; i < n; i++) {
            if (Seq.gt(left[i], seq)) {
                return Seq.min(left[i], limit);
            }
        }
        return limit;
    }

    /**
     * The loss frontier of RFC 6675 §4 IsLost: an unSACKed sequence number below it has DupThresh SACKed
     * ranges or more than (DupThresh - 1) * SMSS SACKed bytes above it, so it counts as lost.
     */
    int lossFrontier(int sndUna, int smss) {
        int bytes = 0;
        for (int i = n - 1; i >= 0; i--) {
            bytes += Seq.diff(right[i], left[i]);
            if (n - i >= DUP_THRESH || bytes > (DUP_THRESH - 1) * smss) {
                return left[i];
            }
        }
        return sndUna;
    }

    /** Unsacked bytes in [from, to). */
    int unsackedBetween(int from, int to) {
        if (!Seq.lt(from, to)) {
            return 0;
        }
        int total = Seq.diff(to, from);
        for (int i = 0; i < n; i++) {
            int l = Seq.max(left[i], from), r = Seq.min(right[i], to);
            if (Seq.lt(l, r)) {
                total -= Seq.diff(r, l);
            }
        }
        return total;
    }
}
