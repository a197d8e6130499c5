package dev.tcpip.direct.tcp;

import dev.tcpip.ClosedException;
import dev.tcpip.Keepalive;
import dev.tcpip.ReadResult;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.time.LazyTimer;
import dev.tcpip.time.LoopFuture;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * One connection: its {@link Tcb}, buffers, estimators, timers, and the application's pending calls.
 * Everything here runs on the stack's loop. Segment processing is in {@link TcpInput}, sending in
 * {@link TcpOutput}; this class holds the state and answers the application.
 */
final class Connection {
    /** The most bytes one read hands over. */
    static final int MAX_READ = 64 * 1024;

    final DirectTcp layer;
    final FourTuple id;
    final TcpConfig config;
    final Tcb tcb = new Tcb();
    final SendBuffer sendBuffer;
    final ReceiveBuffer receiveBuffer;
    final OutOfOrderQueue outOfOrder;
    final RtoEstimator rto;
    final LossRecovery recovery = new LossRecovery();
    final AckPolicy ackPolicy = new AckPolicy();
    CongestionControl cc;
    KeepaliveProbe keepalive;
    volatile dev.tcpip.Keepalive keepaliveSettings;
    final LazyTimer retransmitTimer;
    final LazyTimer delayedAckTimer;
    final LazyTimer keepaliveTimer;
    final LazyTimer timeWaitTimer;
    /** RFC 8985 §6.2 step 5: the reordering timer, when segments may be lost once their window passes. */
    final LazyTimer reorderTimer;
    /** RFC 8985 §7: the probe timeout of a tail loss probe. */
    final LazyTimer probeTimer;
    /** The listener that accepted this connection (passive open), else null. */
    final DirectTcp.Listener listener;
    final DirectTcpFlow flow;

    /** Per-flow Nagle switch: false after writeNodelay, true again after a plain write. */
    volatile boolean nodelay;
    boolean readShutdown;
    /** Why writes fail now (local close, reset, keepalive, disconnect); null while writes are allowed. */
    ClosedException writeError;
    /**
     * True once writes may fail (writeError set, FIN queued): writers then wait for the loop's answer instead
     * of handing bytes over ahead ({@link DirectTcpFlow}). Written on the loop, read by writers.
     */
    volatile boolean writesEnded;
    /** Set when the connection ended abnormally: reads give Eof once the buffer is empty. */
    boolean aborted;
    /** Counted in its listener's backlog while in SYN-RECEIVED. */
    boolean countedEmbryonic;
    /** The connection has been removed from the table. */
    boolean released;

    // the application's pending calls
    LoopFuture<DirectTcpFlow> pendingConnect;
    LoopFuture<ReadResult> pendingRead;
    PendingWrite pendingWrite;
    LoopFuture<Void> pendingClose;

    // statistics
    long bytesSent, bytesRetransmitted, bytesReceived, segmentsSent, segmentsRetransmitted, segmentsReceived;
    long sackBlocksReceived, duplicateAcks, timeouts, fastRetransmits, lossProbes;

    /** A write waiting for room in the send buffer, or (nodelay) for its bytes to be sent. */
    static final class PendingWrite {
        final List<ByteBuffer> buffers;
        final LoopFuture<Void> future;
        final boolean nodelay;
        int index;
        int endSeq;

        PendingWrite(List<ByteBuffer> buffers, LoopFuture<Void> future, boolean nodelay) {
            this.buffers = buffers;
            this.future = future;
            this.nodelay = nodelay;
        }
    }

    Connection(DirectTcp layer, FourTuple id, DirectTcp.Listener listener, Keepalive keepalive, long now) {
        this.layer = layer;
        this.id = id;
        this.config = layer.config();
        this.listener = listener;
        this.sendBuffer = new SendBuffer(config.sendBufferSize());
        this.receiveBuffer = new ReceiveBuffer(config.receiveBufferSize());
        this.outOfOrder = new OutOfOrderQueue(config.outOfOrderLimit());
        this.rto = new RtoEstimator(config.initialRto().toNanos(), config.minRto().toNanos(),
                config.maxRto().toNanos());
        this.retransmitTimer = new LazyTimer(layer.loop(), t -> TcpOutput.onRetransmitTimer(this, t));
        this.delayedAckTimer = new LazyTimer(layer.loop(), t -> TcpOutput.onDelayedAckTimer(this));
        this.keepaliveTimer = new LazyTimer(layer.loop(), t -> TcpOutput.onKeepaliveTimer(this, t));
        this.timeWaitTimer = new LazyTimer(layer.loop(), t -> release(null));
        this.reorderTimer = new LazyTimer(layer.loop(), t -> TcpOutput.onReorderTimer(this, t));
        this.probeTimer = new LazyTimer(layer.loop(), t -> TcpOutput.onProbeTimer(this, t));
        this.flow = new DirectTcpFlow(layer, this);
        if (keepalive != null) {
            setKeepalive(keepalive, now);
        }
    }

    void setKeepalive(Keepalive k, long now) {
        keepaliveSettings = k;
        keepalive = new KeepaliveProbe(k, now);
        keepaliveTimer.arm(keepalive.firstDeadline());
    }

    long now() {
        return layer.loop().now();
    }

    // --- the application's calls (on the loop) ---

    void read(LoopFuture<ReadResult> f) {
        if (receiveBuffer.length() > 0 && !readShutdown) {
            f.complete(new ReadResult.Data(receiveBuffer.take(MAX_READ)));
            TcpOutput.windowUpdateIfWorthIt(this);
        } else if (readEnded()) {
            f.complete(ReadResult.EOF);
        } else if (pendingRead != null) {
            f.fail(new IllegalStateException("another read is pending on this flow"));
        } else {
            pendingRead = f;
        }
    }

    private boolean readEnded() {
        return readShutdown || tcb.finReceived || aborted || tcb.state == TcpState.CLOSED;
    }

    /** Data or the end of the stream became available: answer a pending read. */
    void wakeReader() {
        LoopFuture<ReadResult> f = pendingRead;
        if (f == null) {
            return;
        }
        if (receiveBuffer.length() > 0 && !readShutdown) {
            pendingRead = null;
            f.complete(new ReadResult.Data(receiveBuffer.take(MAX_READ)));
            TcpOutput.windowUpdateIfWorthIt(this);
        } else if (readEnded()) {
            pendingRead = null;
            f.complete(ReadResult.EOF);
        }
    }

    void write(List<ByteBuffer> buffers, boolean noDelay, LoopFuture<Void> f) {
        if (writeError != null) {
            f.fail(writeError);
            return;
        }
        if (tcb.finQueued || !tcb.state.acceptsWrites()) {
            f.fail(new ClosedException("flow is closed for writing"));
            return;
        }
        if (pendingWrite != null) {
            f.fail(new IllegalStateException("another write is pending on this flow"));
            return;
        }
        nodelay = noDelay;
        pendingWrite = new PendingWrite(buffers, f, noDelay);
        fillSendBuffer();
        TcpOutput.output(this, now());
        completeWrites();
    }

    /**
     * A plain write whose bytes the writer copied and reserved room for, handed over without waiting: the
     * writer has gone on. If the flow stopped taking writes meanwhile, the bytes are lost, as a socket's are
     * when a reset arrives after write returned; the writer's next call reports why.
     */
    void writeReserved(byte[] data) {
        if (writeError != null || tcb.finQueued || !tcb.state.acceptsWrites()) {
            return;
        }
        sendBuffer.appendReserved(data);
        TcpOutput.output(this, now());
    }

    /** Copies the pending write into the send buffer as far as it fits. */
    private void fillSendBuffer() {
        PendingWrite w = pendingWrite;
        if (w == null) {
            return;
        }
        while (w.index < w.buffers.size() && sendBuffer.free() > 0) {
            ByteBuffer b = w.buffers.get(w.index);
            sendBuffer.append(b);
            if (!b.hasRemaining()) {
                w.index++;
            }
        }
        w.endSeq = tcb.sndUna + sendBuffer.length();
    }

    /** Room in the send buffer, or bytes sent: go on with a pending write. Called after ACKs and output. */
    void completeWrites() {
        PendingWrite w = pendingWrite;
        if (w == null) {
            return;
        }
        if (w.index < w.buffers.size()) {
            int before = sendBuffer.length();
            fillSendBuffer();
            if (sendBuffer.length() != before) {
                TcpOutput.output(this, now());
            }
            if (w.index < w.buffers.size()) {
                return;
            }
        }
        if (w.nodelay && Seq.lt(tcb.sndMax, w.endSeq) && tcb.state.synchronized_()) {
            return; // writeNodelay returns once its bytes have been transmitted
        }
        pendingWrite = null;
        w.future.complete(null);
    }

    void shutdown(boolean read, boolean write) {
        if (read) {
            readShutdown = true;
            receiveBuffer.clear();
            wakeReader();
        }
        if (write && writeError == null) {
            queueFin();
        }
    }

    private void queueFin() {
        if (!tcb.finQueued && tcb.state != TcpState.CLOSED) {
            tcb.finQueued = true;
            writeError = new ClosedException("flow is closed for writing");
            writesEnded = true;
            if (pendingWrite != null) {
                PendingWrite w = pendingWrite;
                pendingWrite = null;
                w.future.fail(writeError);
            }
            TcpOutput.output(this, now());
        }
    }

    void close(LoopFuture<Void> f) {
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
        // Keep what the peer still sends for later reads, up to closeBufferLimit.
        receiveBuffer.grow(config.closeBufferLimit());
        if (writeError == null) {
            queueFin();
        }
        TcpOutput.windowUpdateIfWorthIt(this);
        wakeCloser();
    }

    /** close() returns once the peer has closed too (its FIN arrived) or the connection is gone. */
    private boolean closeDone() {
        return tcb.state == TcpState.CLOSED || aborted || released
                || (tcb.finReceived && tcb.finSent);
    }

    void wakeCloser() {
        if (pendingClose != null && closeDone()) {
            LoopFuture<Void> f = pendingClose;
            pendingClose = null;
            f.complete(null);
        }
    }

    /** Wakes every pending call that may now proceed. */
    void wakeAll() {
        wakeReader();
        completeWrites();
        wakeCloser();
    }

    // --- endings ---

    /**
     * Ends the connection abnormally: a reset, keep-alive gave up, retries exhausted, disconnect.
     * Reads give Eof after buffered data; writes fail with {@code reason}; connect fails with
     * {@code connectError} (or {@code reason}).
     */
    void abort(ClosedException reason, Exception connectError, boolean sendReset) {
        if (released) {
            return;
        }
        if (sendReset && tcb.state.synchronized_()) {
            TcpOutput.sendReset(this);
        }
        aborted = true;
        writeError = reason;
        writesEnded = true;
        release(connectError != null ? connectError : reason);
    }

    /** Removes the connection from the stack; wakes every pending call. */
    void release(Exception connectError) {
        if (released) {
            return;
        }
        released = true;
        tcb.state = TcpState.CLOSED;
        retransmitTimer.stop();
        delayedAckTimer.stop();
        keepaliveTimer.stop();
        timeWaitTimer.stop();
        reorderTimer.stop();
        probeTimer.stop();
        outOfOrder.clear();
        recovery.clear();
        layer.remove(this);
        if (writeError == null) {
            writeError = new ClosedException("flow is closed");
        }
        writesEnded = true;
        if (pendingConnect != null) {
            LoopFuture<DirectTcpFlow> f = pendingConnect;
            pendingConnect = null;
            f.fail(connectError != null ? connectError : writeError);
        }
        if (pendingWrite != null) {
            PendingWrite w = pendingWrite;
            pendingWrite = null;
            if (w.index < w.buffers.size() || w.nodelay) {
                w.future.fail(writeError);
            } else {
                w.future.complete(null);
            }
        }
        wakeReader();
        wakeCloser();
    }

    TcpStats stats() {
        CongestionControl c = cc;
        return new TcpStats(tcb.state, c == null ? config.congestionControl().name().toLowerCase() : c.name(),
                tcb.smss, c == null ? 0 : c.cwnd(), c == null ? Integer.MAX_VALUE : c.ssthresh(), rto.srtt(),
                rto.rttvar(), rto.rto(), tcb.sndWnd, Seq.diff(tcb.rcvAdvRight, tcb.rcvNxt), bytesSent,
                bytesRetransmitted, bytesReceived, segmentsSent, segmentsRetransmitted, segmentsReceived,
                sackBlocksReceived, duplicateAcks, timeouts, fastRetransmits, lossProbes);
    }
}
