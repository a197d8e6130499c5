package dev.tcpip.direct.tcp;

import dev.tcpip.ClosedException;
import dev.tcpip.Direction;
import dev.tcpip.Keepalive;
import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import dev.tcpip.TcpInfo;
import dev.tcpip.internal.LoopDelivered;
import dev.tcpip.internal.LoopSink;
import dev.tcpip.time.EventLoop;
import dev.tcpip.time.LoopFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * A direct-stack TCP flow: each call posts a command to the stack's loop and parks on a
 * {@link LoopFuture} until the connection answers it (read: data or Eof arrived; write: the bytes fit in
 * the send buffer; writeNodelay: they were sent; close: the peer closed too). The one exception is a plain
 * write that fits the send budget: {@link WriteQueue} queues its buffers (not copied: a written buffer may
 * not be reused) and the caller goes on without waiting; the loop alone adds them to the send buffer.
 */
public final class DirectTcpFlow implements TcpFlow, LoopDelivered {
    private final DirectTcp layer;
    private final Connection c;
    /** Written by writers as their write is taken; read by {@link #noDelay()}. */
    private volatile boolean noDelay;
    /** The connection's recorder once one was started (written on the loop, read from any thread). */
    volatile FlowRecorder recording;

    DirectTcpFlow(DirectTcp layer, Connection c) {
        this.layer = layer;
        this.c = c;
    }

    private EventLoop loop() {
        return layer.loop();
    }

    DirectTcp layer() {
        return layer;
    }

    Connection connection() {
        return c;
    }

    /** What the handshake negotiated (on the loop, or in a simulation while it is not running). */
    Tcb negotiated() {
        return c.tcb;
    }

    @Override
    public ReadResult read() throws IOException {
        if (loop().isClosed()) {
            return ReadResult.EOF;
        }
        try {
            return loop().<ReadResult>submit((now, f) -> c.read(now, f)).await();
        } catch (ClosedException e) {
            return ReadResult.EOF; // the stack's loop closed
        }
    }

    @Override
    public void write(ByteBuffer data) throws IOException {
        writev(List.of(data));
    }

    @Override
    public void writev(List<ByteBuffer> data) throws IOException {
        write(data, false);
    }

    @Override
    public void writeNodelay(ByteBuffer data) throws IOException {
        writevNodelay(List.of(data));
    }

    @Override
    public void writevNodelay(List<ByteBuffer> data) throws IOException {
        write(data, true);
    }

    /**
     * A plain write that fits the write budget is queued here, on the writer's thread, in the connection's
     * {@link WriteQueue}, which the loop drains; the writer does not wait: the round trip to the loop and back
     * (two thread wake-ups) was most of a small write's cost. Otherwise (no budget, writeNodelay, writes
     * ending) the writer waits for the loop's answer.
     */
    private void write(List<ByteBuffer> data, boolean nodelay) throws IOException {
        List<ByteBuffer> copy = List.copyOf(data);
        if (loop().isClosed()) {
            throw new ClosedException("stack closed");
        }
        if (!nodelay && c.writes.offer(copy)) {
            noDelay = false;
            return;
        }
        loop().<Void>submit((now, f) -> c.writes.write(copy, nodelay, f, now)).await();
        noDelay = nodelay;
    }

    @Override
    public void shutdown(Direction direction) throws IOException {
        if (loop().isClosed()) {
            return;
        }
        boolean read = direction != Direction.WRITE;
        boolean write = direction != Direction.READ;
        loop().<Void>submit((now, f) -> {
            c.shutdown(read, write, now);
            f.complete(null);
        }).await();
    }

    /**
     * Posts the close to the loop. It waits for the loop's answer (our FIN sent, the peer's FIN arrived) unless
     * the peer had closed already when it was called: then the remote has closed too, as close promises, and
     * the FIN (after the writes still queued) goes out from the loop without the caller waiting for it.
     */
    @Override
    public void close() throws IOException {
        if (loop().isClosed()) {
            return;
        }
        boolean peerClosed = c.peerClosed;
        c.writes.closing();
        try {
            LoopFuture<Void> done = loop().<Void>submit((now, f) -> c.close(now, f));
            if (!peerClosed) {
                done.await();
            }
        } catch (ClosedException e) {
            // the stack's loop closed: the flow is gone
        }
    }

    /** Ends the flow at once with a RST (also what a failing listen handler gets). */
    @Override
    public void abort() {
        if (loop().isClosed()) {
            return;
        }
        try {
            loop().<Void>submit((now, f) -> {
                c.abort(new ClosedException("flow aborted"), null, true, now);
                f.complete(null);
            }).await();
        } catch (IOException e) {
            // already gone
        }
    }

    // --- the relay's hooks (LoopDelivered): nothing here waits; the connection is touched on the loop only ---

    @Override
    public void deliverTo(LoopSink sink) {
        post(now -> c.deliverTo(sink, now));
    }

    @Override
    public void resumeDelivery() {
        post(c::resumeDelivery);
    }

    @Override
    public boolean offerWrite(ByteBuffer bytes) {
        return !loop().isClosed() && c.writes.offer(List.of(bytes));
    }

    @Override
    public void shutdownWriteLater() {
        post(now -> c.shutdown(false, true, now));
    }

    @Override
    public void closeLater() {
        c.writes.closing();
        post(now -> c.close(now, loop().newFuture()));
    }

    @Override
    public void abortLater() {
        post(now -> c.abort(new ClosedException("flow aborted"), null, true, now));
    }

    /**
     * Runs {@code task} on the loop with the event's time, later (never on the caller); dropped once the loop closed
     * (the flow is gone then). A full loop queue throws {@code RejectedExecutionException}, as {@code submit} does.
     */
    private void post(LongConsumer task) {
        EventLoop l = loop();
        l.execute(() -> task.accept(l.now()));
    }

    @Override
    public boolean resetByPeer() {
        return c.resetByPeer;
    }

    @Override
    public InetSocketAddress dst() {
        // made on each call from the connection's 4-tuple: an idle connection holds no JDK address objects
        return new InetSocketAddress(c.id.remote().toInetAddress(), c.id.remotePort());
    }

    @Override
    public InetSocketAddress src() {
        return new InetSocketAddress(c.id.local().toInetAddress(), c.id.localPort());
    }

    /** This flow's statistics now, like {@code ss -ti}. May be called from any thread but the loop's. */
    public TcpStats stats() throws IOException {
        if (loop().inLoop()) {
            return c.stats();
        }
        return loop().<TcpStats>submit(f -> f.complete(c.stats())).await();
    }

    /**
     * Read on the loop (from the loop itself directly); once the loop is gone, the info kept as the connection was
     * released, else (a loop closed under a live connection, as a simulation's end does) the connection's fields
     * as they were left, with the state CLOSED.
     */
    @Override
    public TcpInfo info() {
        EventLoop loop = loop();
        if (loop.inLoop()) {
            return c.info();
        }
        if (!loop.isClosed()) {
            try {
                return loop.<TcpInfo>submit(f -> f.complete(c.info())).await();
            } catch (IOException e) {
                // the loop closed meanwhile: as below
            }
        }
        TcpInfo last = c.lastInfo;
        return last != null ? last : c.info().withState(TcpInfo.State.CLOSED);
    }

    @Override
    public void setKeepalive(Keepalive keepalive) throws IOException {
        if (loop().isClosed()) {
            return;
        }
        loop().<Void>submit((now, f) -> {
            c.timers.setKeepalive(keepalive, now);
            f.complete(null);
        }).await();
    }

    /** The keep-alive settings applied to this flow, or null. */
    public Keepalive keepalive() {
        return c.timers.keepaliveSettings();
    }

    /**
     * Whether Nagle's algorithm is off for this flow now (after writeNodelay, until the next write): the mode
     * the application's last write set, which the loop applies as it takes that write's bytes.
     */
    public boolean noDelay() {
        return noDelay;
    }

    @Override
    public String toString() {
        return "DirectTcpFlow[" + src() + " -> " + dst() + "]";
    }
}
