package dev.tcpip.forward;

import dev.tcpip.Direction;
import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Relays two {@link TcpFlow}s both ways, one thread per direction, each reading from one flow and writing what it
 * read to the other before it reads again:
 * <ul>
 *   <li><b>backpressure</b>: a direction holds at most the one buffer it read, and reads again only once the other
 *       flow's {@code write} took it, so a slow reader on one side closes the window on the other;</li>
 *   <li><b>half-close</b>: the end of one flow's stream (a FIN) becomes {@code shutdown(WRITE)} (a FIN) on the other,
 *       and the other direction goes on;</li>
 *   <li><b>reset</b>: a flow reset by its peer, or one that can no longer be written, aborts both (a RST on the
 *       other side).</li>
 * </ul>
 * When both directions have ended, both flows are closed (or were aborted) and {@code onEnd} runs once. Threads come
 * from the caller's executor (a direct stack's {@code loop.spawn}, so that a simulation tracks them, or virtual
 * threads).
 */
public final class Splice {
    private final TcpFlow a;
    private final TcpFlow b;
    private final Runnable onEnd;
    private final AtomicInteger running = new AtomicInteger(2);
    private final AtomicBoolean aborted = new AtomicBoolean();
    private final AtomicLong aToB = new AtomicLong();
    private final AtomicLong bToA = new AtomicLong();

    public Splice(TcpFlow a, TcpFlow b, Runnable onEnd) {
        this.a = a;
        this.b = b;
        this.onEnd = onEnd;
    }

    /** Starts both directions on threads of {@code executor}. */
    public void start(Executor executor) {
        executor.execute(() -> pump(a, b, aToB));
        executor.execute(() -> pump(b, a, bToA));
    }

    /** Ends both flows with a RST now (idempotent). The directions then end and {@code onEnd} runs. */
    public void abort() {
        if (aborted.compareAndSet(false, true)) {
            a.abort();
            b.abort();
        }
    }

    /** Bytes relayed from {@code a} to {@code b} so far. */
    public long bytesAToB() {
        return aToB.get();
    }

    /** Bytes relayed from {@code b} to {@code a} so far. */
    public long bytesBToA() {
        return bToA.get();
    }

    /** Whether the splice ended by a reset (carried across, or {@link #abort()}). */
    public boolean aborted() {
        return aborted.get();
    }

    private void pump(TcpFlow from, TcpFlow to, AtomicLong count) {
        try {
            // Each pass blocks in one read; the loop ends at the end of from's stream, which every ending gives.
            while (!aborted.get()) {
                ReadResult r;
                try {
                    r = from.read();
                } catch (IOException e) {
                    r = ReadResult.EOF;
                }
                if (aborted.get()) {
                    return;
                }
                switch (r) {
                    case ReadResult.Data(ByteBuffer bytes) -> {
                        int n = bytes.remaining();
                        try {
                            to.write(bytes);                  // blocks while to's send buffer is full
                            count.addAndGet(n);
                        } catch (IOException e) {
                            abort();                          // to was reset or closed: nowhere for the bytes to go
                            return;
                        }
                    }
                    case ReadResult.Eof eof -> {
                        if (from.resetByPeer()) {
                            abort();                          // a reset carries across as a reset
                        } else {
                            try {
                                to.shutdown(Direction.WRITE); // a FIN carries across as a FIN
                            } catch (IOException e) {
                                abort();
                            }
                        }
                        return;
                    }
                }
            }
        } finally {
            if (running.decrementAndGet() == 0) {
                finish();
            }
        }
    }

    private void finish() {
        try {
            if (!aborted.get()) {
                closeQuietly(a);                              // both FINs went both ways: returns at once
                closeQuietly(b);
            }
        } finally {
            onEnd.run();
        }
    }

    private static void closeQuietly(TcpFlow f) {
        try {
            f.close();
        } catch (IOException e) {
            f.abort();
        }
    }
}
