package dev.tcpip.direct.tcp;

import dev.tcpip.direct.FlowEvent;
import dev.tcpip.direct.FlowRecording;
import dev.tcpip.wire.TcpHeader;
import dev.tcpip.wire.TcpView;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;

/**
 * A connection's {@link FlowRecording}: the loop records, any thread reads. Off is no recorder at all: the
 * connection's {@code recorder} field is null and each hook is that one read and test. The ring starts small and
 * doubles up to its capacity, so a short flow does not pay for a large bound.
 *
 * <p>Sequence numbers become relative to the ISS and 64 bits wide against a reference that follows the flow
 * (the last SND.UNA or segment sent): everything a connection sends or is told lies within 2^31 of it (RFC 9293
 * §3.3.1's window), so the distance from it, modulo 2^32, places the number.
 */
final class FlowRecorder implements FlowRecording {
    private static final int FIRST_RING = 256;

    private final int capacity;
    private final InetSocketAddress src;
    private final InetSocketAddress dst;
    // the loop's alone
    private int refSeq;
    private long refRel;
    private int lastCwnd = -1;
    private int lastSsthresh = -1;
    // guarded by this
    private FlowEvent[] ring = new FlowEvent[0];
    private int head;      // the oldest event's index once the ring is full
    private long recorded;

    /**
     * Starts recording {@code c} now: the reference is SND.UNA, placed by the data acknowledged so far (plus the
     * SYN once acknowledged), so a recording turned on after 4 GiB still counts from the ISS.
     */
    FlowRecorder(Connection c, int capacity) {
        this.capacity = capacity;
        this.src = c.flow.src();
        this.dst = c.flow.dst();
        Sender s = c.sender;
        refSeq = s.una();
        long low = Integer.toUnsignedLong(s.una() - s.iss());
        long near = s.bytesAcked + (s.una() != s.iss() ? 1 : 0);
        refRel = low + (Math.floorDiv(near - low + (1L << 31), 1L << 32) << 32);
    }

    private long rel(int seq) {
        return refRel + Seq.diff(seq, refSeq);
    }

    private void moveRef(int seq) {
        refRel = rel(seq);
        refSeq = seq;
    }

    // --- the hooks (on the loop) ---

    /** A segment [seq, seq + len + SYN + FIN) went out; {@code retransmit}: it starts below SND.MAX. */
    void sent(Connection c, int seq, int len, boolean syn, boolean fin, boolean retransmit, long now) {
        congestion(c, now);
        long start = rel(seq);
        add(new FlowEvent.SegmentSent(now, start, len, syn, fin, retransmit));
        moveRef(seq);
    }

    /** A segment arrived for the connection: recorded if it carries an ACK, its window scaled by {@code wscale}. */
    void received(TcpView seg, int wscale, long now) {
        if (!seg.has(TcpHeader.ACK)) {
            return;
        }
        long ack = rel(seg.ack());
        int shift = seg.has(TcpHeader.SYN) ? 0 : wscale;     // RFC 7323 §2.2: a SYN's window is never scaled
        int n = seg.sackBlockCount();
        List<FlowEvent.Range> sack = List.of();
        if (n > 0) {
            List<FlowEvent.Range> blocks = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                long left = rel(seg.sackLeft(i));
                long right = rel(seg.sackRight(i));
                if (right >= left) {          // a block that ends before it starts is the peer's nonsense
                    blocks.add(new FlowEvent.Range(left, right));
                }
            }
            sack = blocks;
        }
        add(new FlowEvent.SegmentReceived(now, ack, ack + ((long) seg.window() << shift), seg.payloadLength(), sack));
    }

    /** After a segment's processing: SND.UNA moves the reference, and a changed window is recorded. */
    void processed(Connection c, long now) {
        moveRef(c.sender.una());
        congestion(c, now);
    }

    /** Records cwnd and ssthresh if either changed since last seen. */
    void congestion(Connection c, long now) {
        CongestionControl cc = c.sender.cc();
        if (cc == null || cc.cwnd() == lastCwnd && cc.ssthresh() == lastSsthresh) {
            return;
        }
        lastCwnd = cc.cwnd();
        lastSsthresh = cc.ssthresh();
        add(new FlowEvent.CongestionWindow(now, lastCwnd,
                lastSsthresh == Integer.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(lastSsthresh)));
    }

    void timeout(long rto, int backoffs, long now) {
        add(new FlowEvent.RetransmissionTimeout(now, rto, backoffs));
    }

    void recoveryEntered(Connection c, boolean timeout, long cwnd, long ssthresh, long now) {
        congestion(c, now);
        add(new FlowEvent.RecoveryEntered(now, timeout, cwnd, ssthresh));
    }

    void recoveryLeft(Connection c, boolean timeout, long cwnd, long now) {
        congestion(c, now);
        add(new FlowEvent.RecoveryLeft(now, timeout, cwnd));
    }

    // --- the ring ---

    private synchronized void add(FlowEvent e) {
        recorded++;
        if (ring.length < capacity && recorded > ring.length) {
            ring = Arrays.copyOf(ring, Math.min(capacity, Math.max(FIRST_RING, ring.length * 2)));
        }
        if (recorded <= ring.length) {
            ring[(int) (recorded - 1)] = e;
        } else {
            ring[head] = e;                    // full: the oldest goes
            head = head + 1 == ring.length ? 0 : head + 1;
        }
    }

    @Override
    public synchronized List<FlowEvent> events() {
        int n = (int) Math.min(recorded, ring.length);
        FlowEvent[] out = new FlowEvent[n];
        int first = n - head;                 // from head to the end, then from 0 to head
        System.arraycopy(ring, head, out, 0, first);
        System.arraycopy(ring, 0, out, first, head);
        return List.of(out);
    }

    @Override
    public synchronized long recorded() {
        return recorded;
    }

    @Override
    public synchronized long dropped() {
        return recorded - Math.min(recorded, ring.length);
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public InetSocketAddress src() {
        return src;
    }

    @Override
    public InetSocketAddress dst() {
        return dst;
    }

    @Override
    public String toString() {
        return "FlowRecording[" + src + " -> " + dst + ", " + recorded() + " events, " + dropped() + " dropped]";
    }
}
