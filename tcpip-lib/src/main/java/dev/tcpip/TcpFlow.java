package dev.tcpip;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.util.List;

/**
 * One TCP connection: the seed's {@code flow} with {@code Mirage_flow.S}. Reads and writes block the
 * calling thread (a virtual thread, ideally); one reader and one writer may work at the same time.
 */
public interface TcpFlow extends AutoCloseable {

    /**
     * Blocks until data is available and returns it in a fresh buffer of at least one byte. After the
     * peer has closed, the data still in flight is returned, then {@link ReadResult#EOF} on every call.
     * A connection that ended abnormally (reset, keep-alive gave up, stack disconnected) also reads as
     * {@code Eof} once the data received before the end has been read.
     */
    ReadResult read() throws IOException;

    /**
     * Writes the buffer's remaining bytes. Returns once they are handed to the stack; says nothing of
     * whether the peer has read them. The buffer must not be reused or changed afterwards.
     *
     * @throws ClosedException the flow is closed (locally, by a reset, or by keep-alive)
     */
    void write(ByteBuffer data) throws IOException;

    /** Writes the buffers in order, as {@link #write}; none of them may be reused. */
    void writev(List<ByteBuffer> data) throws IOException;

    /**
     * Writes the buffer with no coalescing delay (Nagle off) and blocks until all of it has been
     * transmitted; buffering in the stack is kept to a minimum.
     */
    void writeNodelay(ByteBuffer data) throws IOException;

    /** {@link #writeNodelay} for a sequence of buffers. */
    void writevNodelay(List<ByteBuffer> data) throws IOException;

    /**
     * Ends one or both directions without waiting for the peer: {@code WRITE} flushes and sends FIN,
     * {@code READ} makes later reads give {@code Eof}.
     */
    void shutdown(Direction direction) throws IOException;

    /**
     * Flushes pending writes, sends FIN, and waits until the peer has closed too; then releases the
     * flow. Until the peer closes, the peer may still write and this side may still {@link #read()}
     * (a half-closed connection). Data that arrives meanwhile is kept for later reads. Calling it again
     * returns at once.
     */
    @Override
    void close() throws IOException;

    /**
     * Ends the flow at once with a reset (RFC 9293 §3.10.5 ABORT): data not yet sent or read is discarded, the peer
     * sees a RST, blocked calls return ({@code read} gives {@code Eof}, {@code write} throws
     * {@link ClosedException}) and the flow is released without waiting. Idempotent; never throws.
     */
    void abort();

    /**
     * Whether the peer reset the connection (a RST arrived, RFC 9293 §3.10.7.4 second check). Reads then give
     * {@code Eof} like any other end; this tells a relay to carry the reset on instead of a FIN.
     */
    boolean resetByPeer();

    /**
     * The flow's state and counts now, as {@code ss -ti} shows them (see {@link TcpInfo} for where each field comes
     * from on each stack, and which may be absent). Never throws for a flow that has ended: it then returns the
     * info as the flow last had it, with the state {@link TcpInfo.State#CLOSED} (the direct stack: as the
     * connection was released; the socket stack: as the kernel reported it just before the socket was closed, if this
     * flow's info was asked while it was open, else the stack's own byte counts).
     *
     * @throws UnsupportedOperationException the socket stack on a system without Linux's {@code TCP_INFO}
     */
    TcpInfo info();

    /**
     * Turns TCP keep-alive on for this open flow with these settings, or off ({@code null}): what {@code connect}
     * and {@code listen} with a {@link Keepalive} do at the start, for a flow that already runs (as
     * {@code Socket.setKeepAlive} asks). The direct stack restarts its idle timer from now; the socket stack sets
     * {@code SO_KEEPALIVE} and the kernel's three options. A flow that has ended ignores it.
     *
     * @throws UnsupportedOperationException a flow of a stack that cannot change keep-alive once open (this default)
     */
    default void setKeepalive(Keepalive keepalive) throws IOException {
        throw new UnsupportedOperationException("keep-alive cannot be changed on " + getClass().getSimpleName());
    }

    /** The peer's address and port ({@code dst}). */
    InetSocketAddress dst();

    /** This side's address and port ({@code src}). */
    InetSocketAddress src();

    /**
     * An InputStream over {@link #read()}; {@code close()} on it shuts down reading. Use one way of
     * reading at a time (read(), a stream or a channel): each keeps the bytes it has taken.
     */
    default InputStream inputStream() {
        return new FlowStreams.In(this);
    }

    /**
     * An OutputStream over {@link #write}: each call's bytes are copied, so arrays may be reused;
     * {@code close()} on it half-closes the flow (FIN).
     */
    default OutputStream outputStream() {
        return new FlowStreams.Out(this);
    }

    /** A ByteChannel over {@link #read()} and {@link #write}; {@code close()} on it closes the flow. */
    default ByteChannel channel() {
        return new FlowStreams.Channel(this);
    }
}
