package dev.tcpip.forward;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One platform thread in a {@link Selector} loop for a forwarder's {@link LoopSplice}s: it watches their upstream
 * channels (readable: bytes for the guest; writable: the rest of a guest's write the socket did not take) and runs
 * the tasks the relays post to it (interest changes, registration). Keys are touched on this thread only. A relay's
 * handler never blocks: a write into a guest flow whose send buffer is full goes to a thread of its own.
 */
final class RelaySelector implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RelaySelector.class.getName());
    /** The largest read from a socket per readiness: one relay's bytes per pass, so every relay gets its turn. */
    static final int READ_SIZE = 64 * 1024;
    /** Tasks run per pass at most (relays post a few per event; the rest wait for the next pass). */
    private static final int TASKS_PER_PASS = 4096;

    /** What a registered channel's readiness is handed to, on the selector's thread. */
    interface Handler {
        /** The key is ready; {@code scratch} is the selector's read buffer, free to use until this returns. */
        void ready(SelectionKey key, ByteBuffer scratch);

        /** The handler threw: its relay ends with a RST both ways. */
        void abort();
    }

    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(READ_SIZE);
    private volatile boolean closed;

    RelaySelector(String name) throws IOException {
        selector = Selector.open();
        thread = Thread.ofPlatform().daemon().name(name).unstarted(this::run);
        thread.start();
    }

    /** Any thread: runs {@code task} on the selector's thread soon (dropped once closed). */
    void execute(Runnable task) {
        if (closed) {
            return;
        }
        tasks.add(task);
        selector.wakeup();
    }

    /** On the selector's thread: registers {@code ch} (non-blocking) for {@code ops}. */
    SelectionKey register(SocketChannel ch, int ops, Handler handler) throws ClosedChannelException {
        return ch.register(selector, ops, handler);
    }

    boolean onThread() {
        return Thread.currentThread() == thread;
    }

    private void run() {
        try {
            // Each pass waits at most a second for readiness or a task; the loop ends once close() ran.
            while (!closed) {
                selector.select(1000);
                runTasks();
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    Handler h = (Handler) k.attachment();
                    try {
                        if (k.isValid()) {
                            h.ready(k, scratch);
                        }
                    } catch (RuntimeException e) {
                        LOG.log(Level.DEBUG, "relay failed on its selector", e);
                        h.abort();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "relay selector stopped", e);
        } finally {
            try {
                selector.close();
            } catch (IOException ignored) {
                // the selector's descriptors are gone either way
            }
        }
    }

    private void runTasks() {
        for (int i = 0; i < TASKS_PER_PASS; i++) {
            Runnable t = tasks.poll();
            if (t == null) {
                return;
            }
            try {
                t.run();
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "relay task failed on its selector", e);
            }
        }
        selector.wakeup();                                      // more are queued: the next select returns at once
    }

    /** Stops the thread (the relays were aborted first); waits for it at most 5 s. Idempotent. */
    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        if (!onThread()) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        tasks.clear();
    }
}
