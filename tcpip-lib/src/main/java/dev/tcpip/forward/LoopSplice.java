package dev.tcpip.forward;

import dev.tcpip.TcpFlow;
import dev.tcpip.internal.ChannelBacked;
import dev.tcpip.internal.LoopDelivered;
import dev.tcpip.internal.LoopSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Relays a direct-stack flow (the guest's) and a socket-stack flow (upstream) without a thread per direction, with
 * {@link Splice}'s semantics (backpressure, half-close, reset carried, both closed at the end):
 * <ul>
 *   <li><b>guest → upstream</b> runs on the direct stack's loop ({@link LoopSink}): received bytes are written to the
 *       non-blocking socket right there. What the socket does not take (at most one read's worth, 64 KiB) is kept and
 *       delivery pauses, so the guest's receive window closes, until the selector saw the socket writable and wrote
 *       the rest;</li>
 *   <li><b>upstream → guest</b> runs on the forwarder's {@link RelaySelector}: a readable socket is read (non-blocking,
 *       up to 64 KiB) and the bytes queued into the guest flow's send buffer ({@link LoopDelivered#offerWrite}); when
 *       its budget is short, reading stops and a thread of its own waits in a blocking write, then reading resumes.</li>
 * </ul>
 * A 1-byte exchange thus wakes the loop (the guest's segment) and the selector (the answer), not a reader thread per
 * direction and the JDK's poller. The end of one stream becomes {@code shutdown(WRITE)} on the other; a reset, or a
 * write that fails, aborts both. Once both directions ended both flows are closed and {@code onEnd} runs once.
 */
final class LoopSplice implements LoopSink, RelaySelector.Handler {
    private final TcpFlow guest;
    private final LoopDelivered direct;
    private final ChannelBacked upstream;
    private final RelaySelector selector;
    private final Executor threads;
    private final Runnable onEnd;
    private final AtomicBoolean aborted = new AtomicBoolean();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final AtomicInteger running = new AtomicInteger(2);
    private SocketChannel ch;
    /** Guest bytes the socket did not take yet: set on the loop (delivery pauses), cleared on the selector. */
    private volatile ByteBuffer unwritten;
    /** Selector thread only: the key, and whether upstream bytes are read now. */
    private SelectionKey key;
    private boolean reading = true;

    LoopSplice(TcpFlow guest, LoopDelivered direct, ChannelBacked upstream, RelaySelector selector, Executor threads,
               Runnable onEnd) {
        this.guest = guest;
        this.direct = direct;
        this.upstream = upstream;
        this.selector = selector;
        this.threads = threads;
        this.onEnd = onEnd;
    }

    /** Takes the upstream channel over and starts both directions. */
    void start() {
        try {
            ch = upstream.relayChannel(this::abort);            // e.g. the socket stack's disconnect
        } catch (IOException | RuntimeException e) {
            abort();
            return;
        }
        selector.execute(this::register);
        direct.deliverTo(this);
    }

    private void register() {
        if (aborted.get()) {
            return;
        }
        try {
            key = selector.register(ch, SelectionKey.OP_READ, this);
            interest();                                         // a write may have stalled before the key existed
        } catch (ClosedChannelException | RuntimeException e) {
            abort();
        }
    }

    /** Ends both flows with a RST now (idempotent); {@code onEnd} runs. */
    @Override
    public void abort() {
        if (aborted.compareAndSet(false, true)) {
            try {
                upstream.relayDone(true);
                direct.abortLater();                            // throws only if the loop's queue is full
            } finally {
                finish();
            }
        }
    }

    boolean aborted() {
        return aborted.get();
    }

    // --- guest → upstream, on the direct stack's loop ---

    @Override
    public boolean data(ByteBuffer bytes) {
        if (aborted.get()) {
            return true;                                        // both ends are being reset: nowhere to go
        }
        try {
            ch.write(bytes);
        } catch (IOException | RuntimeException e) {
            abort();                                            // upstream reset or closed (never thrown into TCP)
            return true;
        }
        if (!bytes.hasRemaining()) {
            return true;
        }
        unwritten = bytes;                                      // backpressure: no more until the socket took it
        selector.execute(this::interest);
        return false;
    }

    @Override
    public void end() {
        if (!aborted.get()) {
            if (guest.resetByPeer()) {
                abort();                                        // a reset carries across as a reset
            } else {
                try {
                    ch.shutdownOutput();                        // a FIN carries across as a FIN
                } catch (IOException | RuntimeException e) {
                    abort();
                }
            }
        }
        directionEnded();
    }

    // --- upstream → guest, and the rest of a guest write, on the selector ---

    @Override
    public void ready(SelectionKey k, ByteBuffer scratch) {
        if (aborted.get()) {
            return;
        }
        if (k.isWritable()) {
            flush();
        }
        if (k.isValid() && k.isReadable() && reading) {
            readSome(scratch);
        }
    }

    private void flush() {
        ByteBuffer b = unwritten;
        if (b == null) {
            return;
        }
        try {
            ch.write(b);
        } catch (IOException e) {
            abort();
            return;
        }
        if (!b.hasRemaining()) {
            unwritten = null;
            interest();
            direct.resumeDelivery();
        }
    }

    private void readSome(ByteBuffer scratch) {
        scratch.clear();
        int n;
        try {
            n = ch.read(scratch);
        } catch (IOException e) {
            abort();                                            // a reset carries across as a reset
            return;
        }
        if (n == 0) {
            return;
        }
        if (n < 0) {
            reading = false;
            interest();
            direct.shutdownWriteLater();                        // a FIN carries across as a FIN
            directionEnded();
            return;
        }
        ByteBuffer b = ByteBuffer.allocate(n).put(scratch.flip()).flip(); // the guest flow keeps it
        if (direct.offerWrite(b)) {
            return;
        }
        reading = false;                                        // backpressure: the guest's send buffer is full
        interest();
        try {
            threads.execute(() -> blockedWrite(b));
        } catch (RuntimeException e) {
            abort();                                            // the direct stack is gone
        }
    }

    /** On a thread of its own: waits for room in the guest's send buffer, then reading resumes. */
    private void blockedWrite(ByteBuffer b) {
        try {
            guest.write(b);
        } catch (IOException e) {
            abort();                                            // the guest flow was reset or closed
            return;
        }
        selector.execute(() -> {
            reading = true;
            interest();
        });
    }

    /** Selector thread: the key's interest from the state. */
    private void interest() {
        SelectionKey k = key;
        if (k == null || aborted.get()) {
            return;
        }
        try {
            k.interestOps((reading ? SelectionKey.OP_READ : 0) | (unwritten != null ? SelectionKey.OP_WRITE : 0));
        } catch (CancelledKeyException e) {
            // the channel was closed meanwhile (an abort): nothing more to watch
        }
    }

    // --- the end ---

    private void directionEnded() {
        if (running.decrementAndGet() == 0) {
            finish();
        }
    }

    private void finish() {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        try {
            if (!aborted.get()) {
                upstream.relayDone(false);                      // both FINs went both ways: a plain close
                direct.closeLater();
            }
        } finally {
            onEnd.run();
        }
    }
}
