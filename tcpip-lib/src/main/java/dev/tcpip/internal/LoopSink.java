package dev.tcpip.internal;

import java.nio.ByteBuffer;

/** Takes a direct flow's received bytes on its loop, in place of a reader ({@link LoopDelivered#deliverTo}). */
public interface LoopSink {
    /**
     * On the loop: the next received bytes, now the sink's (the stack never touches them again). Returns whether the
     * sink takes more now; false pauses delivery (the receive window closes as the buffer fills) until
     * {@link LoopDelivered#resumeDelivery()}.
     */
    boolean data(ByteBuffer bytes);

    /**
     * On the loop, once, after the last byte: the stream ended (the peer's FIN, a shutdown for reading, or the
     * connection ended abnormally; the flow's {@code resetByPeer()} tells a reset apart). Never called while paused.
     */
    void end();
}
