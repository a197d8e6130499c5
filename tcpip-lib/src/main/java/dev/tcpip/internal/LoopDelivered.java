package dev.tcpip.internal;

import java.nio.ByteBuffer;

/**
 * A flow whose received bytes can be handed to a {@link LoopSink} on the stack's loop, without a reader thread, and
 * whose other calls have forms that never wait (for a relay running on the loop or on a selector thread). The
 * connection's state is still touched only on the loop: each call here posts to it or queues for it.
 */
public interface LoopDelivered {
    /** From now on, received bytes and the end of the stream go to {@code sink} on the loop; {@code read} fails. */
    void deliverTo(LoopSink sink);

    /** Any thread: the sink, paused by returning false, takes bytes again. */
    void resumeDelivery();

    /**
     * Any thread, never waits: queues {@code bytes} (kept, not copied) when the send budget has room for all of them
     * and the flow still takes writes; false otherwise (then a blocking {@code write} is the way).
     */
    boolean offerWrite(ByteBuffer bytes);

    /** Any thread, never waits: a FIN after what was written (shutdown for writing). */
    void shutdownWriteLater();

    /** Any thread, never waits: close; for a flow whose peer has closed already (nothing to wait for). */
    void closeLater();

    /** Any thread, never waits: a RST. */
    void abortLater();
}
