package dev.tcpip.direct.tcp;

import dev.tcpip.wire.TcpOptions.SackBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * Segments received beyond RCV.NXT, kept until the gap before them fills (RFC 9293 §3.10.7.4, seventh:
 * segments "that are not in order" may be held). Stored as non-overlapping pieces sorted by sequence
 * number; bounded by piece count, and by the receive window, since only in-window bytes are offered.
 * It also knows the SACK blocks to report (RFC 2018 §4).
 */
final class OutOfOrderQueue {
    private record Piece(int seq, byte[] data, long stamp) {
        int end() {
            return seq + data.length;
        }
    }

    private final int limit;
    private final ArrayList<Piece> pieces = new ArrayList<>();
    private long clock;
    private int bytes;

    OutOfOrderQueue(int limit) {
        this.limit = limit;
    }

    boolean isEmpty() {
        return pieces.isEmpty();
    }

    int pieces() {
        return pieces.size();
    }

    int bytes() {
        return bytes;
    }

    /**
     * Keeps the parts of {@code buf[off, off+len)} (sequence {@code seq}, after RCV.NXT) not held yet.
     * Returns false if the queue was full and something was dropped.
     */
    boolean insert(int seq, byte[] buf, int off, int len) {
        long stamp = ++clock;
        int end = seq + len;
        int i = 0;
        boolean complete = true;
        while (Seq.lt(seq, end)) {
            while (i < pieces.size() && Seq.le(pieces.get(i).end(), seq)) {
                i++;
            }
            int stop = end;
            if (i < pieces.size()) {
                Piece p = pieces.get(i);
                if (Seq.le(p.seq(), seq)) {       // covered already: skip past it, refresh its stamp
                    pieces.set(i, new Piece(p.seq(), p.data(), stamp));
                    seq = p.end();
                    continue;
                }
                stop = Seq.min(end, p.seq());
            }
            if (pieces.size() >= limit) {
                complete = false;
                break;
            }
            int n = Seq.diff(stop, seq);
            byte[] d = new byte[n];
            System.arraycopy(buf, off + Seq.diff(seq, end - len), d, 0, n);
            pieces.add(i, new Piece(seq, d, stamp));
            bytes += n;
            seq = stop;
        }
        return complete;
    }

    /** Moves what has become in order at {@code rcvNxt} into {@code into}; returns the new RCV.NXT. */
    int drain(int rcvNxt, ReceiveBuffer into) {
        while (!pieces.isEmpty() && Seq.le(pieces.getFirst().seq(), rcvNxt)) {
            Piece p = pieces.removeFirst();
            bytes -= p.data().length;
            int skip = Seq.diff(rcvNxt, p.seq());
            if (skip < p.data().length) {
                into.append(p.data(), skip, p.data().length - skip);
                rcvNxt = p.end();
            }
        }
        return rcvNxt;
    }

    /** Contiguous runs of held pieces: the SACK blocks there are to report. */
    int runs() {
        int runs = 0;
        int right = 0;
        for (int i = 0; i < pieces.size(); i++) {
            Piece p = pieces.get(i);
            if (i == 0 || p.seq() != right) {
                runs++;
            }
            right = p.end();
        }
        return runs;
    }

    /**
     * Up to {@code max} SACK blocks: contiguous runs of held pieces, the most recently changed first
     * (RFC 2018 §4: the first block reports the latest segment, then the most recently reported ones).
     */
    List<SackBlock> sackBlocks(int max) {
        if (pieces.isEmpty()) {
            return List.of();
        }
        record Run(int left, int right, long stamp) {}
        List<Run> runs = new ArrayList<>();
        int left = pieces.getFirst().seq(), right = pieces.getFirst().end();
        long stamp = pieces.getFirst().stamp();
        for (int i = 1; i < pieces.size(); i++) {
            Piece p = pieces.get(i);
            if (p.seq() == right) {
                right = p.end();
                stamp = Math.max(stamp, p.stamp());
            } else {
                runs.add(new Run(left, right, stamp));
                left = p.seq();
                right = p.end();
                stamp = p.stamp();
            }
        }
        runs.add(new Run(left, right, stamp));
        runs.sort((a, b) -> Long.compare(b.stamp(), a.stamp()));
        List<SackBlock> out = new ArrayList<>(Math.min(max, runs.size()));
        for (int i = 0; i < runs.size() && i < max; i++) {
            out.add(new SackBlock(runs.get(i).left(), runs.get(i).right()));
        }
        return out;
    }

    void clear() {
        pieces.clear();
        bytes = 0;
    }
}
