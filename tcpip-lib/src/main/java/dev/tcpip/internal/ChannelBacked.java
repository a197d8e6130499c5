package dev.tcpip.internal;

import java.io.IOException;
import java.nio.channels.SocketChannel;

/** A flow over a kernel socket whose channel a relay may drive itself, non-blocking, from a selector. */
public interface ChannelBacked {
    /**
     * Hands the channel over, switched to non-blocking mode: from now on the flow's read, write, shutdown and close
     * are not to be called (only {@code abort}, {@code info} and {@link #relayDone}). {@code closedUnderneath} runs
     * if the flow is closed other than through {@link #relayDone} (its {@code abort}, the stack's disconnect): a
     * selector does not report a channel closed under it.
     */
    SocketChannel relayChannel(Runnable closedUnderneath) throws IOException;

    /**
     * The relay is done with the channel: the flow is released and its socket closed; with {@code abort}, with a RST
     * (as {@code abort()}).
     */
    void relayDone(boolean abort);
}
