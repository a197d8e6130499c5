package dev.tcpip.direct.tcp;

import dev.tcpip.ClosedException;
import dev.tcpip.Keepalive;
import dev.tcpip.ReadResult;
import dev.tcpip.ResetException;
import dev.tcpip.TcpInfo;
import java.util.OptionalLong;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.internal.LoopSink;
import dev.tcpip.time.LoopFuture;
import java.nio.ByteBuffer;

/**
 * Puts one connection's parts together and answers its application: the state changes that involve more
 * than one part (FIN sent, acknowledged, received; endings), and the application's read, close and
 * shutdown calls. Everything here runs on the stack's loop. The parts, each owning its state:
 * {@link Sender} (what to send next), {@link Receiver} (what arrives, the window advertised, when to ACK),
 * {@link Recovery} (losses), {@link RetransmitTimer} (RTT samples, timeouts), {@link Timers} (deadlines,
 * keep-alive), {@link Segments} (building segments, timestamps), {@link WriteQueue} (the application's
 * writes); {@link Arrival} runs RFC 9293 §3.10.7's steps over them.
 */
final class Connection {
    final DirectTcp layer;
    final FourTuple id;
    final TcpConfig config;
    final Tcb tcb = new Tcb();
    final Segments segments;
    final Sender sender;
    final Receiver receiver;
    final Recovery recovery;
    final RetransmitTimer retransmitTimer;
    final Timers timers;
    final WriteQueue writes;
    final DeliveryRate delivery = new DeliveryRate();
    final EcnState ecn = new EcnState(this);
    /** The listener that accepted this connection (passive open), else null. */
    final DirectTcp.Listener listener;
    final DirectTcpFlow flow;

    /** Set when the connection ended abnormally: reads give Eof once the buffer is empty. */
    boolean aborted;
    /** Aborted by a RST from the peer (read by the flow from any thread). */
    volatile boolean resetByPeer;
    /** Counted in its listener's backlog while in SYN-RECEIVED. */
    boolean countedEmbryonic;
    /** The connection has been removed from the table. */
    boolean released;
    /** The handshake completed and the flow was handed out: its end is worth an info and an event. */
    boolean opened;
    /** In TIME-WAIT: the loop time at which 2 x MSL is over ({@link DirectTcp#enterTimeWait}). Loop only. */
    long timeWaitUntil;
    /**
     * The info as the connection was released, made at the first {@link #info} after it (read by the flow from any
     * thread once the loop is gone); null until then.
     */
    volatile TcpInfo lastInfo;
    /**
     * The figures of the info that the release's clearing forgets or that a read after it would move, kept as they
     * were at the release: the info is made from them only if someone asks (most released connections are never
     * asked: 13 objects each, both sides, in a churn of short connections). Written on the loop before
     * {@link #released} is read as true by {@link #info}.
     */
    private TcpInfo.CongestionState releasedCongestion;
    private int releasedLost, releasedSacked, releasedReceiveWindow;
    private long releasedQueued;
    /**
     * The peer's FIN arrived or the connection was released (written on the loop, read by the flow from any
     * thread): a close called after it need not wait for the peer, which has closed already.
     */
    volatile boolean peerClosed;
    /** In the stack's {@link TimeWaitQueue}, and its neighbours there (null at the ends). Loop only. */
    boolean timeWaitQueued;
    Connection timeWaitPrev, timeWaitNext;
    /** The next connection in its {@link ConnectionTable} chain, or null. Loop only. */
    Connection nextInTable;
    /** Records what the connection does, or null (off: each hook reads this field and goes on). */
    FlowRecorder recorder;

    // the application's pending calls (writes: in WriteQueue)
    LoopFuture<DirectTcpFlow> pendingConnect;
    private LoopFuture<ReadResult> pendingRead;
    private LoopFuture<Void> pendingClose;
    /** Takes received bytes on the loop in place of reads (a relay), or null. Loop only. */
    private LoopSink sink;
    /** The sink declined more until it resumes; the end it was told. Loop only. */
    private boolean sinkPaused, sinkEnded;

    Connection(DirectTcp layer, FourTuple id, DirectTcp.Listener listener, Keepalive keepalive, long now) {
        this.layer = layer;
        this.id = id;
        this.config = layer.config();
        this.listener = listener;
        this.segments = new Segments(this);
        this.sender = new Sender(this);
        this.receiver = new Receiver(this);
        this.recovery = new Recovery(this);
        this.retransmitTimer = new RetransmitTimer(this);
        this.timers = new Timers(this);
        this.writes = new WriteQueue(this, config.sendBufferSize());
        this.flow = new DirectTcpFlow(layer, this);
        if (keepalive != null) {
            timers.setKeepalive(keepalive, now);
        }
    }

    // --- state changes (RFC 9293 §3.10.4, §3.10.7.4) ---

    /** Our FIN went out: ESTABLISHED -> FIN-WAIT-1, CLOSE-WAIT -> LAST-ACK (RFC 9293 §3.10.4 CLOSE). */
    void onFinSent() {
        tcb.state = tcb.state == TcpState.CLOSE_WAIT ? TcpState.LAST_ACK : TcpState.FIN_WAIT_1;
    }

    /** Our FIN was acknowledged (RFC 9293 §3.10.7.4 fifth, per state). */
    void onFinAcked(long now) {
        switch (tcb.state) {
            case FIN_WAIT_1 -> tcb.state = TcpState.FIN_WAIT_2;
            case CLOSING -> layer.enterTimeWait(this, now);
            case LAST_ACK -> release(null);
            default -> { }
        }
    }

    /** The peer's FIN counts (RFC 9293 §3.10.7.4 eighth, per state). */
    void onFinReceived(long now) {
        peerClosed = true;
        switch (tcb.state) {
            case SYN_RECEIVED, ESTABLISHED -> tcb.state = TcpState.CLOSE_WAIT;
            case FIN_WAIT_1 -> {
                if (sender.finAcked()) {
                    layer.enterTimeWait(this, now);
                } else {
                    tcb.state = TcpState.CLOSING;
                }
            }
            case FIN_WAIT_2 -> layer.enterTimeWait(this, now);
            default -> { }
        }
    }

    // --- the application's calls (on the loop) ---

    void read(long now, LoopFuture<ReadResult> f) {
        if (sink != null) {
            f.fail(relayed());
        } else if (answerRead(f, now)) {
            receiver.windowUpdateIfWorthIt(now);
        } else if (readEnded()) {
            f.complete(ReadResult.EOF);
        } else if (pendingRead != null) {
            f.fail(new IllegalStateException("another read is pending on this flow"));
        } else {
            pendingRead = f;
        }
    }

    /** Hands buffered data to {@code f}; false if there is none to read. */
    private boolean answerRead(LoopFuture<ReadResult> f, long now) {
        ByteBuffer data = receiver.take(now);
        if (data == null) {
            return false;
        }
        f.complete(new ReadResult.Data(data));
        return true;
    }

    private boolean readEnded() {
        return receiver.ended() || aborted || tcb.state == TcpState.CLOSED;
    }

    /** Data or the end of the stream became available: answer a pending read. */
    private void wakeReader(long now) {
        if (answerPendingRead(now)) {
            receiver.windowUpdateIfWorthIt(now);
        }
    }

    /** Answers a pending read if it can; true if data was handed over (the window may have opened). */
    boolean answerPendingRead(long now) {
        if (sink != null) {
            return feedSink(now);
        }
        LoopFuture<ReadResult> f = pendingRead;
        if (f == null) {
            return false;
        }
        if (answerRead(f, now)) {
            pendingRead = null;
            return true;
        }
        if (readEnded()) {
            pendingRead = null;
            f.complete(ReadResult.EOF);
        }
        return false;
    }

    /** Why a read fails on a flow whose bytes go to a sink. */
    private static IllegalStateException relayed() {
        return new IllegalStateException("this flow's bytes go to a relay on the loop");
    }

    /** From now on received bytes go to {@code s} on the loop ({@link LoopSink}); what is buffered goes now. */
    void deliverTo(LoopSink s, long now) {
        if (sink != null) {
            return;                                  // one sink per flow: a second is ignored
        }
        if (pendingRead != null) {
            LoopFuture<ReadResult> f = pendingRead;  // a reader was there first: it ends, the sink takes over
            pendingRead = null;
            f.fail(relayed());
        }
        sink = s;
        wakeReader(now);
    }

    /** The sink takes bytes again. */
    void resumeDelivery(long now) {
        if (sink != null && sinkPaused) {
            sinkPaused = false;
            wakeReader(now);
        }
    }

    /**
     * Hands the sink what the receive buffer holds, one read's worth at a time, until it pauses; then, once the
     * buffer is empty and the stream over, its end. True if bytes were handed over (the window may have opened).
     */
    private boolean feedSink(long now) {
        boolean handed = false;
        // Each pass takes up to Receiver.MAX_READ bytes from the bounded receive buffer or stops.
        for (int guard = 0; guard < 1 << 16 && !sinkPaused && !sinkEnded; guard++) {
            ByteBuffer data = receiver.take(now);
            if (data == null) {
                if (readEnded()) {
                    sinkEnded = true;
                    sink.end();
                }
                break;
            }
            handed = true;
            if (!sink.data(data)) {
                sinkPaused = true;
            }
        }
        return handed;
    }

    void shutdown(boolean read, boolean write, long now) {
        if (read) {
            receiver.shutdown();
            wakeReader(now);
        }
        if (write && !writes.writesFail()) {
            queueFin(now);
        }
    }

    /** Queues our FIN after what is buffered and sends what it may (RFC 9293 §3.10.4 CLOSE, SHUTDOWN). */
    private void queueFin(long now) {
        if (!sender.finQueued() && tcb.state != TcpState.CLOSED) {
            sender.queueFin();
            writes.end();
            sender.output(now);
        }
    }

    void close(long now, LoopFuture<Void> f) {
        if (closeDone()) {
            f.complete(null);
            return;
        }
        if (pendingClose != null) {
            LoopFuture<Void> first = pendingClose;
            pendingClose = f;
            first.complete(null);
        } else {
            pendingClose = f;
        }
        startClose(now);
        receiver.windowUpdateIfWorthIt(now);
        wakeCloser();
    }

    /**
     * What close does at once (here, or in the write queue's drain when close follows the last write): keeps
     * what the peer still sends for later reads, up to closeBufferLimit, and queues our FIN, so that the FIN
     * segment already offers the grown window (no window update of its own).
     */
    void startClose(long now) {
        receiver.grow(config.closeBufferLimit());
        if (!writes.writesFail()) {
            queueFin(now);
        }
    }

    /** close() returns once the peer has closed too (its FIN arrived) or the connection is gone. */
    private boolean closeDone() {
        return tcb.state == TcpState.CLOSED || aborted || released
                || (receiver.finReceived() && sender.finSent());
    }

    void wakeCloser() {
        if (pendingClose != null && closeDone()) {
            LoopFuture<Void> f = pendingClose;
            pendingClose = null;
            f.complete(null);
        }
    }

    /** Wakes every pending call that may now proceed. */
    void wakeAll(long now) {
        wakeReader(now);
        writes.complete(now);
        wakeCloser();
    }

    // --- endings ---

    /**
     * Ends the connection abnormally: a reset, keep-alive gave up, retries exhausted, disconnect.
     * Reads give Eof after buffered data; writes fail with {@code reason}; connect fails with
     * {@code connectError} (or {@code reason}).
     */
    void abort(ClosedException reason, Exception connectError, boolean sendReset, long now) {
        if (released) {
            return;
        }
        if (sendReset && tcb.state.synchronized_()) {
            segments.reset(now);
        }
        aborted = true;
        resetByPeer = reason instanceof ResetException;
        writes.abort(reason);
        release(connectError != null ? connectError : reason);
    }

    /**
     * Removes the connection from the stack; wakes every pending call. Needs no time: once CLOSED nothing is
     * sent, a read's window update included.
     */
    void release(Exception connectError) {
        if (released) {
            return;
        }
        released = true;
        peerClosed = true;
        tcb.state = TcpState.CLOSED;
        SentSegments board = recovery.scoreboard();      // before the parts below forget what they counted
        releasedCongestion = recovery.congestionState();
        releasedLost = board != null ? board.lostSegments() : 0;
        releasedSacked = board != null ? board.sackedSegments() : 0;
        releasedReceiveWindow = receiver.window();
        releasedQueued = Math.max(0, sender.unsent()) + writes.waiting();
        if (opened) {
            TcpEvents.closed(this);
        }
        timers.stopAll();
        receiver.clear();
        recovery.clear();
        layer.remove(this);
        writes.release();
        if (pendingConnect != null) {
            LoopFuture<DirectTcpFlow> f = pendingConnect;
            pendingConnect = null;
            f.fail(connectError != null ? connectError : writes.error());
        }
        answerPendingRead(Receiver.NO_TIME);   // released: the buffer no longer grows
        wakeCloser();
    }

    /** Starts recording with room for {@code capacity} events (on the loop); a recording already running stays. */
    FlowRecorder record(int capacity) {
        if (recorder == null) {
            recorder = new FlowRecorder(this, capacity);
            flow.recording = recorder;
        }
        return recorder;
    }

    TcpStats stats() {
        CongestionControl c = sender.cc();
        RtoEstimator rto = retransmitTimer.rto();
        return new TcpStats(tcb.state, c == null ? config.congestionControl().name().toLowerCase() : c.name(),
                tcb.smss, c == null ? 0 : c.cwnd(), c == null ? Integer.MAX_VALUE : c.ssthresh(), rto.srtt(),
                rto.rttvar(), rto.rto(), sender.wnd(), receiver.offered(), sender.bytesSent,
                sender.bytesRetransmitted, receiver.bytesReceived, segments.segmentsSent,
                sender.segmentsRetransmitted, receiver.segmentsReceived, recovery.sackBlocksReceived,
                recovery.duplicateAcks, retransmitTimer.timeouts, recovery.fastRetransmits, recovery.lossProbes,
                ecn.ok(), ecn.ceReceived, ecn.eceReceived, ecn.reductions,
                receiver.dataSegmentsReceived, segments.acksSent, receiver.windowUpdatesSent);
    }

    /** The connection's state and counts ({@link TcpInfo}), on the loop; once released, as it was then. */
    TcpInfo info() {
        TcpInfo last = lastInfo;
        if (released && last != null) {
            return last;
        }
        boolean gone = released;
        CongestionControl cc = sender.cc();
        RtoEstimator rto = retransmitTimer.rto();
        Rack rack = recovery.rack();
        SentSegments board = recovery.scoreboard();
        boolean sack = board != null;
        long minRtt = rack.minRtt() != Long.MAX_VALUE ? rack.minRtt() : rto.minRtt();
        int cwnd = cc != null ? cc.cwnd() : CongestionControl.initialWindow(tcb.smss, config.initialWindow());
        int ssthresh = cc != null ? cc.ssthresh() : Integer.MAX_VALUE;
        TcpState s = tcb.state != null ? tcb.state : TcpState.CLOSED;
        TcpInfo info = new TcpInfo(s.info(), gone ? releasedCongestion : recovery.congestionState(), rto.rto(),
                rto.measured() ? OptionalLong.of(rto.srtt()) : OptionalLong.empty(),
                rto.measured() ? OptionalLong.of(rto.rttvar()) : OptionalLong.empty(),
                minRtt != Long.MAX_VALUE ? OptionalLong.of(minRtt) : OptionalLong.empty(),
                tcb.smss, cwnd, ssthresh == Integer.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(ssthresh),
                OptionalLong.of(sender.wnd()), tcb.sndWscale,
                OptionalLong.of(gone ? releasedReceiveWindow : receiver.window()), tcb.rcvWscale,
                sender.bytesSent, sender.bytesAcked, receiver.bytesReceived, sender.bytesRetransmitted,
                receiver.segmentsReceived, segments.segmentsSent, sender.segmentsRetransmitted,
                OptionalLong.of(retransmitTimer.timeouts),
                sack ? OptionalLong.of(gone ? releasedLost : board.lostSegments()) : OptionalLong.empty(),
                sack ? OptionalLong.of(gone ? releasedSacked : board.sackedSegments()) : OptionalLong.empty(),
                OptionalLong.of(recovery.dsacksReceived),
                sack ? OptionalLong.of(rack.reorderEvents()) : OptionalLong.empty(),
                delivery.rate() >= 0 ? OptionalLong.of(delivery.rate()) : OptionalLong.empty(), delivery.appLimited(),
                OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(),
                gone ? releasedQueued : Math.max(0, sender.unsent()) + writes.waiting());
        if (gone && opened) {
            lastInfo = info;                 // nothing it reports moves any more: made once
        }
        return info;
    }
}
