package dev.tcpip.direct.tcp;

import dev.tcpip.wire.TcpOptions.SackBlock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Data received beyond RCV.NXT, kept until the gap before it fills (RFC 9293 §3.10.7.4, seventh: segments "that
 * are not in order" may be held). Held as <em>runs</em>: non-overlapping contiguous ranges sorted by sequence
 * number, each the chunks copied from the segments that made it (no copy beyond the one out of the segment), so a
 * run is what a SACK block reports (RFC 2018 §4). Two bounds, both needed:
 * <ul>
 *   <li>runs, at most {@code maxRuns}: the holes a peer can make us track (and the SACK blocks' cost per ACK);</li>
 *   <li>memory, at most {@code maxCharge} bytes, each chunk charged its length plus {@link #CHUNK_OVERHEAD}: the
 *       bytes themselves are bounded by the receive window already (only in-window bytes are offered), this
 *       also bounds what tiny segments cost.</li>
 * </ul>
 * A queue bounded by segment count instead dropped in-window data whenever more than that many segments followed a
 * hole: with a 2 MiB window and 1,448-byte segments, a single loss at a full window made the receiver discard the
 * segments after the 256th, which the sender then had to send again.
 */
final class OutOfOrderQueue {
    /** What a chunk costs beyond its bytes, about: an array header and its slot in a run's deque. */
    static final int CHUNK_OVERHEAD = 48;

    private static final class Run {
        int seq;
        int end;
        long stamp;
        final ArrayDeque<byte[]> chunks = new ArrayDeque<>(4);

        Run(int seq, int end, long stamp, byte[] first) {
            this.seq = seq;
            this.end = end;
            this.stamp = stamp;
            chunks.add(first);
        }
    }

    private final int maxRuns;
    private int maxCharge;
    private final ArrayList<Run> runs = new ArrayList<>(0);
    private long clock;
    private int bytes;
    private int chunks;

    /** A queue of at most {@code maxRuns} runs and {@code maxCharge} bytes charged. */
    OutOfOrderQueue(int maxRuns, int maxCharge) {
        this.maxRuns = maxRuns;
        this.maxCharge = maxCharge;
    }

    /** Raises the charge limit to {@code limit} (the receive buffer grew); never lowers it. */
    void raiseCharge(int limit) {
        maxCharge = Math.max(maxCharge, limit);
    }

    boolean isEmpty() {
        return runs.isEmpty();
    }

    /** Chunks held (each from one segment, or the part of it not held before). */
    int pieces() {
        return chunks;
    }

    int bytes() {
        return bytes;
    }

    /**
     * Keeps the parts of {@code buf[off, off+len)} (sequence {@code seq}, after RCV.NXT) not held yet.
     * Returns false if a bound was reached and something was dropped.
     */
    boolean insert(int seq, byte[] buf, int off, int len) {
        long stamp = ++clock;
        int end = seq + len;
        int base = off - seq;                          // buf index of sequence s: base + s (mod 2^32 arithmetic)
        int i = 0;
        while (i < runs.size() && Seq.lt(runs.get(i).end, seq)) {
            i++;                                       // runs wholly before seq and not adjacent to it
        }
        while (Seq.lt(seq, end)) {
            Run r = i < runs.size() ? runs.get(i) : null;
            if (r != null && Seq.le(r.seq, seq)) {     // seq falls in r, or just at its end
                r.stamp = stamp;
                if (Seq.lt(seq, r.end)) {
                    seq = r.end;                       // held already: the first copy wins
                    continue;
                }
                Run next = i + 1 < runs.size() ? runs.get(i + 1) : null;
                int stop = next == null ? end : Seq.min(end, next.seq);
                byte[] d = take(buf, base + seq, Seq.diff(stop, seq));
                if (d == null) {
                    return false;
                }
                r.chunks.addLast(d);
                r.end = stop;
                seq = stop;
                if (next != null && next.seq == r.end) {
                    r.chunks.addAll(next.chunks);      // the gap between them filled: one run
                    r.end = next.end;
                    runs.remove(i + 1);
                }
                continue;
            }
            int stop = r == null ? end : Seq.min(end, r.seq);
            if (r == null || stop != r.seq) {
                if (runs.size() >= maxRuns) {
                    return false;                      // a new hole past the bound
                }
            }
            byte[] d = take(buf, base + seq, Seq.diff(stop, seq));
            if (d == null) {
                return false;
            }
            if (r != null && stop == r.seq) {
                r.chunks.addFirst(d);                  // runs into r from the left
                r.seq = seq;
                r.stamp = stamp;
            } else {
                runs.add(i, new Run(seq, stop, stamp, d));
                i++;
            }
            seq = stop;
        }
        return true;
    }

    /** A copy of {@code buf[at, at+n)} charged to the queue, or null if the charge bound does not allow it. */
    private byte[] take(byte[] buf, int at, int n) {
        if ((long) bytes + n + (long) (chunks + 1) * CHUNK_OVERHEAD > maxCharge) {
            return null;
        }
        byte[] d = new byte[n];
        System.arraycopy(buf, at, d, 0, n);
        bytes += n;
        chunks++;
        return d;
    }

    /** Moves what has become in order at {@code rcvNxt} into {@code into}; returns the new RCV.NXT. */
    int drain(int rcvNxt, ReceiveBuffer into) {
        while (!runs.isEmpty() && Seq.le(runs.getFirst().seq, rcvNxt)) {
            Run r = runs.removeFirst();
            int at = r.seq;
            for (byte[] d : r.chunks) {
                int skip = Seq.diff(rcvNxt, at);               // >= 0: rcvNxt is never before a held chunk
                if (skip < d.length) {
                    into.append(d, skip, d.length - skip);
                    rcvNxt = at + d.length;
                }
                at += d.length;
                bytes -= d.length;
                chunks--;
            }
        }
        return rcvNxt;
    }

    /** Contiguous runs held: the SACK blocks there are to report. */
    int runs() {
        return runs.size();
    }

    /**
     * Up to {@code max} SACK blocks: the runs held, the most recently changed first (RFC 2018 §4: the first block
     * reports the latest segment, then the most recently reported ones).
     */
    List<SackBlock> sackBlocks(int max) {
        if (runs.isEmpty()) {
            return List.of();
        }
        List<Run> latest = new ArrayList<>(runs);
        latest.sort((a, b) -> Long.compare(b.stamp, a.stamp));
        List<SackBlock> out = new ArrayList<>(Math.min(max, latest.size()));
        for (int i = 0; i < latest.size() && i < max; i++) {
            out.add(new SackBlock(latest.get(i).seq, latest.get(i).end));
        }
        return out;
    }

    void clear() {
        runs.clear();
        bytes = 0;
        chunks = 0;
    }
}
