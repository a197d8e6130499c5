package dev.tcpip.socket;

import dev.tcpip.ClosedException;
import dev.tcpip.Direction;
import dev.tcpip.Keepalive;
import dev.tcpip.ReadResult;
import dev.tcpip.ResetException;
import dev.tcpip.TcpFlow;
import dev.tcpip.TcpInfo;
import dev.tcpip.internal.ChannelBacked;
import dev.tcpip.jfr.TcpipEvents;
import dev.tcpip.wire.AddressText;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A TCP flow over a blocking {@link SocketChannel}. One reader and one writer may work at once.
 *
 * <p>{@link #close()} must learn when the peer has closed, which a socket tells only by reading up to
 * the end of stream. So close reads what is still arriving into {@link #kept}, from which later
 * {@link #read()} calls are served: nothing is lost, and a reader on another thread sees the same bytes
 * in the same order. {@code kept} is bounded by {@code closeBufferLimit}; when it is full, close waits
 * for the application to read. Only one thread is inside the socket's read at a time
 * ({@link #channelBusy}), and no lock is held while it is.
 */
final class SocketFlow implements TcpFlow, ChannelBacked {

    private final SocketStack stack;
    private final SocketChannel ch;
    private final InetSocketAddress src;
    private final InetSocketAddress dst;

    /** Guards the reading state below; never held across a blocking socket call. */
    private final ReentrantLock readLock = new ReentrantLock();
    private final Condition readChanged = readLock.newCondition();
    /** Where the kernel's bytes land before they are copied into the caller's fresh buffer. */
    private final ByteBuffer readBuf;
    /** Bytes read by close() for the application, oldest first. */
    private final ArrayDeque<ByteBuffer> kept = new ArrayDeque<>();
    private int keptBytes;
    /** A thread is inside the socket's read (it owns readBuf). */
    private boolean channelBusy;
    /** close() is reading ahead: readers take from {@link #kept} only. */
    private boolean draining;
    /** The peer's stream has ended (FIN, reset, keep-alive timeout, local shutdown of reading). */
    private volatile boolean eof;

    private final ReentrantLock writeLock = new ReentrantLock();
    /** Whether TCP_NODELAY is set now. Guarded by writeLock. */
    private boolean nodelay;
    /** Writing has ended (close, shutdown(WRITE), abort); the reason, for later writes. */
    private volatile ClosedException writeClosed;
    /** The kernel reported ECONNRESET. */
    private volatile boolean resetByPeer;

    private final ReentrantLock closeLock = new ReentrantLock();
    /**
     * What the stack's disconnect (a stop) calls: a RST, so that the peer cannot mistake the end for a complete
     * response, as with the direct stack's disconnect; never a wait for the peer.
     */
    private final Closeable aborter = this::abort;
    private volatile boolean released;
    /** A relay's callback for this flow closed under it ({@link #relayChannel}), or null; whether it ended it itself. */
    private volatile Runnable relayClosed;
    private volatile boolean relayEnding;

    /** This side connected (else a listener accepted it): for the JFR event. */
    private final boolean active;
    /** The socket's descriptor for TCP_INFO, found on first use ({@link KernelTcpInfo#find}); null until then. */
    private volatile KernelTcpInfo.Descriptor descriptor;
    /** The info as the flow was released, read just before its socket was closed. */
    private volatile TcpInfo lastInfo;
    /** Bytes the kernel took from writes and gave to reads: the flow's own counts, if TCP_INFO cannot be read. */
    private volatile long bytesWritten;
    private volatile long bytesRead;

    private SocketFlow(SocketStack stack, SocketChannel ch, boolean active) throws IOException {
        this.stack = stack;
        this.ch = ch;
        this.active = active;
        this.src = (InetSocketAddress) ch.getLocalAddress();
        this.dst = (InetSocketAddress) ch.getRemoteAddress();
        this.readBuf = ByteBuffer.allocateDirect(stack.config().readBufferSize());
    }

    /** A flow over a connected channel, tracked by the stack; {@code active}: this side connected. */
    static SocketFlow open(SocketStack stack, SocketChannel ch, boolean active) throws IOException {
        SocketFlow f = new SocketFlow(stack, ch, active);
        stack.track(f.aborter);
        stack.flowOpened(f);
        TcpipEvents.opened(EVENT_STACK, f.src, f.dst, active);
        return f;
    }

    private static final String EVENT_STACK = "socket";

    // --- reading ---

    @Override
    public ReadResult read() throws IOException {
        readLock.lock();
        try {
            while (true) {
                ByteBuffer b = kept.pollFirst();
                if (b != null) {
                    keptBytes -= b.remaining();
                    readChanged.signalAll();
                    return new ReadResult.Data(b);
                }
                if (eof) {
                    return ReadResult.EOF;
                }
                if (!channelBusy && !draining) {
                    channelBusy = true;
                    break;
                }
                readChanged.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while reading");
        } finally {
            readLock.unlock();
        }
        ByteBuffer fresh = readFromChannel(false);
        return fresh == null ? ReadResult.EOF : new ReadResult.Data(fresh);
    }

    /**
     * One blocking read from the socket into a fresh buffer, by the thread that set {@link #channelBusy};
     * null at the end of the stream. With {@code keep}, the bytes go to {@link #kept} instead.
     */
    private ByteBuffer readFromChannel(boolean keep) {
        readBuf.clear();
        int n;
        try {
            n = ch.read(readBuf);
        } catch (IOException e) {
            // Reset, keep-alive timeout, or the stack closed the channel: the stream is over.
            endOfWriting(e);
            n = -1;
        }
        ByteBuffer fresh = null;
        if (n >= 0) {
            bytesRead += n;                     // one thread reads at a time (channelBusy)
            readBuf.flip();
            fresh = ByteBuffer.allocate(n);
            fresh.put(readBuf).flip();
        }
        readLock.lock();
        try {
            channelBusy = false;
            if (fresh == null) {
                eof = true;
            } else if (keep && n > 0) {
                kept.addLast(fresh);
                keptBytes += n;
            }
            readChanged.signalAll();
        } finally {
            readLock.unlock();
        }
        return fresh;
    }

    /** Reads until the peer's end of stream, keeping the data for the application's reads. */
    private void readToEof() throws IOException {
        readLock.lock();
        try {
            draining = true;
            while (!eof) {
                if (channelBusy || keptBytes >= stack.config().closeBufferLimit() && !kept.isEmpty()) {
                    readChanged.await(); // another reader is in the socket, or the application must read first
                    continue;
                }
                channelBusy = true;
                readLock.unlock();
                try {
                    readFromChannel(true);
                } finally {
                    readLock.lock();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while closing");
        } finally {
            draining = false;
            readChanged.signalAll();
            readLock.unlock();
        }
    }

    // --- writing ---

    @Override
    public void write(ByteBuffer data) throws IOException {
        writeAll(new ByteBuffer[] {data}, false);
    }

    @Override
    public void writev(List<ByteBuffer> data) throws IOException {
        writeAll(data.toArray(ByteBuffer[]::new), false);
    }

    @Override
    public void writeNodelay(ByteBuffer data) throws IOException {
        writeAll(new ByteBuffer[] {data}, true);
    }

    @Override
    public void writevNodelay(List<ByteBuffer> data) throws IOException {
        writeAll(data.toArray(ByteBuffer[]::new), true);
    }

    private void writeAll(ByteBuffer[] bufs, boolean noDelay) throws IOException {
        writeLock.lock();
        try {
            ClosedException closed = writeClosed;
            if (closed != null) {
                throw new ClosedException("flow to " + AddressText.of(dst) + " is closed for writing", closed);
            }
            try {
                if (nodelay != noDelay) {
                    ch.setOption(StandardSocketOptions.TCP_NODELAY, noDelay);
                    nodelay = noDelay;
                }
                if (bufs.length == 1) {
                    ByteBuffer b = bufs[0]; // the common case: a plain write(2), no gathering
                    while (b.hasRemaining()) {
                        bytesWritten += ch.write(b);  // under writeLock: one writer
                    }
                    return;
                }
                int i = 0;
                while (i < bufs.length) {
                    bytesWritten += ch.write(bufs, i, bufs.length - i);
                    while (i < bufs.length && !bufs[i].hasRemaining()) {
                        i++;
                    }
                }
            } catch (IOException e) {
                throw endOfWriting(e);
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** Records why writing can no longer succeed and returns it as the seed's {@code Closed}. */
    private ClosedException endOfWriting(IOException cause) {
        ClosedException c = cause instanceof ClosedException ce ? ce
                : cause.getMessage() != null && cause.getMessage().toLowerCase().contains("reset")
                ? new ResetException("connection to " + AddressText.of(dst) + " reset by peer", cause)
                : cause instanceof ClosedChannelException
                ? new ClosedException("flow to " + AddressText.of(dst) + " is closed", cause)
                : new ClosedException("connection to " + AddressText.of(dst) + " ended: " + cause.getMessage(), cause);
        if (c instanceof ResetException) {
            resetByPeer = true;
        }
        if (writeClosed == null) {
            writeClosed = c;
        }
        return c;
    }

    // --- ending ---

    @Override
    public void shutdown(Direction direction) throws IOException {
        if (direction != Direction.READ) {
            shutdownWrite();
        }
        if (direction != Direction.WRITE) {
            eof = true;
            try {
                ch.shutdownInput(); // a read blocked in another thread returns now
            } catch (IOException ignored) {
                // already closed or reset: reading has ended either way
            }
            wakeReaders(true);
        }
    }

    private void shutdownWrite() {
        writeLock.lock(); // waits for a write in progress: close flushes pending writes
        try {
            if (writeClosed == null) {
                writeClosed = new ClosedException("flow to " + AddressText.of(dst) + " was closed by this side");
                try {
                    ch.shutdownOutput();
                } catch (IOException ignored) {
                    // already closed or reset: nothing more will be sent either way
                }
            }
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        closeLock.lock(); // a second close waits for the first, then returns
        try {
            if (released) {
                return;
            }
            shutdownWrite();
            readToEof();
            release();
        } finally {
            closeLock.unlock();
        }
    }

    /**
     * Ends the flow with a RST: with SO_LINGER 0 the kernel sends a RST on close and discards unsent data (RFC 9293
     * §3.10.5 ABORT).
     */
    @Override
    public void abort() {
        if (!released) {
            try {
                ch.setOption(StandardSocketOptions.SO_LINGER, 0);
            } catch (IOException | RuntimeException ignored) {
                // already closed: nothing left to reset
            }
        }
        closeNow();
    }

    /**
     * Closes the socket at once, without waiting for the peer (a failed handler): the kernel ends the
     * connection as a plain close does, with a FIN (or a RST if unread data is left).
     */
    void closeNow() {
        endOfWriting(new ClosedException("flow to " + AddressText.of(dst) + " was aborted"));
        eof = true;
        release();
        wakeReaders(false);
    }

    /** After {@link #eof} was set from outside a read: wakes waiting readers, optionally dropping kept data. */
    private void wakeReaders(boolean dropKept) {
        readLock.lock();
        try {
            if (dropKept) {
                kept.clear();
                keptBytes = 0;
            }
            readChanged.signalAll();
        } finally {
            readLock.unlock();
        }
    }

    private void release() {
        synchronized (this) {
            if (released) {
                return;
            }
            // The socket is still open: its last counts, if its descriptor is known (info() was called) or a JFR
            // recording wants them; finding it costs a scan of the process's descriptors, not paid by every close.
            TcpInfo last = descriptor != null || TcpipEvents.closedEnabled() ? kernelInfo() : null;
            lastInfo = (last != null ? last : ownInfo()).withState(TcpInfo.State.CLOSED);
            released = true;
        }
        stack.untrack(aborter);
        stack.flowReleased(this);
        SocketStack.closeQuietly(ch);
        TcpipEvents.closed(EVENT_STACK, src, dst, lastInfo);
        Runnable relay = relayClosed;
        if (relay != null && !relayEnding) {
            relay.run();                                   // closed under a relay: it ends too
        }
    }

    /**
     * The kernel's {@code TCP_INFO} for this socket ({@link KernelTcpInfo}); once the flow is released, the info it
     * had just before its socket was closed, with the state CLOSED. That last read is made only if this flow's info
     * was asked while it was open (or a JFR recording takes connection ends): else a released flow reports only its
     * own counts (bytes the kernel took from writes and gave to reads). Where the kernel's struct is too old to
     * carry bytes sent, the flow's own count stands in.
     *
     * @throws UnsupportedOperationException no TCP_INFO on this system (not Linux)
     */
    @Override
    public TcpInfo info() {
        TcpInfo last = lastInfo;
        if (last != null) {
            return last;
        }
        if (!KernelTcpInfo.available()) {
            throw new UnsupportedOperationException("TCP_INFO is Linux's: the socket stack cannot read a flow's"
                    + " state on " + System.getProperty("os.name"));
        }
        TcpInfo now = kernelInfo();
        last = lastInfo;                              // released while we asked: its final info
        return last != null ? last : now != null ? now : ownInfo();
    }

    /** The kernel's info, or null if the socket cannot be found or is closed. */
    private TcpInfo kernelInfo() {
        KernelTcpInfo.Descriptor d = descriptor;
        if (d == null) {
            d = KernelTcpInfo.find(src, dst);
            if (d == null) {
                return null;
            }
            descriptor = d;
        }
        TcpInfo k = KernelTcpInfo.read(d);
        if (k != null && k.bytesSent() == 0 && bytesWritten > 0) {
            k = withBytesSent(k, bytesWritten);          // a kernel before 4.19 has no tcpi_bytes_sent
        }
        return k;
    }

    /**
     * What the flow knows without the kernel (its descriptor could not be found): its byte counts and whether it
     * is open; every kernel-only field zero or absent.
     */
    private TcpInfo ownInfo() {
        OptionalLong none = OptionalLong.empty();
        TcpInfo.State s = released ? TcpInfo.State.CLOSED : writeClosed != null ? TcpInfo.State.FIN_WAIT_1
                : eof ? TcpInfo.State.CLOSE_WAIT : TcpInfo.State.ESTABLISHED;
        return new TcpInfo(s, TcpInfo.CongestionState.OPEN, 0, none, none, none, 0, 0, none, none, 0, none, 0,
                bytesWritten, 0, bytesRead, 0, 0, 0, 0, none, none, none, none, none, none, false, none, none, none, 0);
    }

    private static TcpInfo withBytesSent(TcpInfo i, long sent) {
        return new TcpInfo(i.state(), i.congestionState(), i.rto(), i.rtt(), i.rttVariance(), i.minRtt(), i.mss(),
                i.cwnd(), i.ssthresh(), i.sendWindow(), i.sendWindowScale(), i.receiveWindow(),
                i.receiveWindowScale(), sent, i.bytesAcked(), i.bytesReceived(), i.bytesRetransmitted(),
                i.segmentsIn(), i.segmentsOut(), i.retransmissions(), i.timeouts(), i.lost(), i.sacked(), i.dsacks(),
                i.reorderingSeen(), i.deliveryRate(), i.appLimited(), i.pacingRate(), i.rwndLimited(),
                i.sndbufLimited(), i.unsentBytes());
    }

    /** SO_KEEPALIVE with the kernel's idle, interval and count options (whole seconds), or SO_KEEPALIVE off. */
    @Override
    public void setKeepalive(Keepalive keepalive) throws IOException {
        if (released) {
            return;
        }
        try {
            if (keepalive == null) {
                ch.setOption(StandardSocketOptions.SO_KEEPALIVE, false);
            } else {
                SocketTcp.applyKeepalive(ch, keepalive);
            }
        } catch (ClosedChannelException e) {
            // released meanwhile: nothing to apply it to
        }
    }

    @Override
    public boolean resetByPeer() {
        return resetByPeer;
    }

    @Override
    public InetSocketAddress dst() {
        return dst;
    }

    @Override
    public InetSocketAddress src() {
        return src;
    }

    /** Whether TCP_NODELAY is on now (for tests). */
    boolean noDelay() throws IOException {
        return ch.getOption(StandardSocketOptions.TCP_NODELAY);
    }

    // --- the relay's hooks (ChannelBacked) ---

    @Override
    public SocketChannel relayChannel(Runnable closedUnderneath) throws IOException {
        relayClosed = closedUnderneath;
        ch.configureBlocking(false);
        return ch;
    }

    /** The relay shut both directions down itself (a clean end), or asks for a RST. */
    @Override
    public void relayDone(boolean abort) {
        relayEnding = true;
        if (abort) {
            abort();
            return;
        }
        endOfWriting(new ClosedException("flow to " + AddressText.of(dst) + " was closed by this side"));
        eof = true;
        release();
    }

    /** The channel (for tests that check socket options). */
    SocketChannel channel0() {
        return ch;
    }

    @Override
    public String toString() {
        return "SocketFlow[" + src + " -> " + AddressText.of(dst) + "]";
    }
}
