package dev.tcpip.net;

import dev.tcpip.ClosedException;
import dev.tcpip.Direction;
import dev.tcpip.Keepalive;
import dev.tcpip.ReadResult;
import dev.tcpip.RefusedException;
import dev.tcpip.ResetException;
import dev.tcpip.Stack;
import dev.tcpip.TcpFlow;
import dev.tcpip.TimedOutException;
import dev.tcpip.UnreachableException;
import dev.tcpip.wire.AddressText;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@code SocketImpl} of a {@link StackSocket}: one {@link TcpFlow} of a {@link Stack}. {@code java.net.Socket}
 * keeps the socket's state (connected, closed, shut down), checks arguments and wraps the streams; this class does
 * the I/O and the options.
 *
 * <ul>
 *   <li>Connect: {@code Tcp.connect} on a virtual thread, waited for at most the connect timeout (0: as long as the
 *   stack's own connect timeout); a flow that arrives after the caller gave up, or after {@code close}, is reset.
 *   The stack's errors become the ones {@code java.net} callers expect: refused {@code ConnectException}, timed out
 *   {@code SocketTimeoutException}, unreachable {@code NoRouteToHostException}.
 *   <li>Reads: with {@code SO_TIMEOUT} 0, {@code TcpFlow.read()} on the caller's thread; with a timeout, on a virtual
 *   thread waited for at most the timeout. A read that times out stays pending and its bytes go to the next read, so
 *   nothing is lost and the socket stays usable (as {@code Socket.setSoTimeout} promises). A connection reset by the
 *   peer reads as {@code SocketException("Connection reset")}, not as the end of the stream.
 *   <li>Writes: each call's bytes are copied and handed to {@code write}, or to {@code writeNodelay} while
 *   {@code TCP_NODELAY} is on.
 *   <li>{@code SO_KEEPALIVE}: set before connect, the flow is opened with {@link #DEFAULT_KEEPALIVE}; set on an open
 *   flow, {@link TcpFlow#setKeepalive}.
 *   <li>Close: a socket's close does not wait for the peer, while {@code TcpFlow.close()} does (the seed's meaning).
 *   So close shuts both directions at once (FIN; blocked reads end and throw "Socket closed"; what the peer still
 *   sends is discarded, as {@code shutdownInput} says) and a virtual thread finishes the flow's close, resetting it
 *   if the peer has not closed within {@link #CLOSE_LINGER} (Linux's {@code tcp_fin_timeout}). {@code SO_LINGER} 0
 *   resets at once ({@code abort}); {@code SO_LINGER} n blocks close until the peer has closed, at most n seconds.
 *   <li>Not here: urgent data (the stacks have no URG), binding a local address before connect (the stack picks
 *   it), {@code SO_SNDBUF}, {@code SO_RCVBUF}, {@code SO_REUSEADDR} and {@code IP_TOS} (kept and returned as hints,
 *   which {@code java.net.Socket} allows, with no effect on the flow).
 * </ul>
 */
final class FlowSocketImpl extends SocketImpl {

    /** {@code setKeepAlive(true)}: Linux's defaults (tcp(7): 7200 s idle, 75 s between probes, 9 probes). */
    static final Keepalive DEFAULT_KEEPALIVE = new Keepalive(Duration.ofHours(2), Duration.ofSeconds(75), 9);
    /** How long a closed socket's flow waits for the peer's FIN before it is reset (Linux's tcp_fin_timeout). */
    static final Duration CLOSE_LINGER = Duration.ofSeconds(60);

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final Stack stack;
    private volatile TcpFlow flow;
    private volatile boolean closed;
    private volatile boolean inputShutdown;
    private volatile boolean outputShutdown;
    /** A connect in progress: completed exceptionally by close so that the connecting caller returns. */
    private volatile CompletableFuture<TcpFlow> connecting;

    // Options. SO_TIMEOUT in milliseconds; SO_LINGER in seconds, -1 when off.
    private volatile int soTimeout;
    private volatile boolean noDelay;
    private volatile boolean keepAlive;
    private volatile int linger = -1;
    private volatile int sendBuffer = 64 * 1024;
    private volatile int receiveBuffer = 64 * 1024;
    private volatile boolean reuseAddress;
    private volatile int trafficClass;
    private volatile InetAddress localAddress;

    private final ReentrantLock readLock = new ReentrantLock();
    /** What the last read returned beyond what the caller took. Guarded by readLock. */
    private ByteBuffer current = EMPTY;
    /** The peer's stream has ended (or reading was shut down). Guarded by readLock. */
    private boolean eof;
    /** A read that outlived its caller's SO_TIMEOUT: the next read takes its result. Guarded by readLock. */
    private CompletableFuture<ReadResult> pending;

    private final InputStream in = new In();
    private final OutputStream out = new Out();

    FlowSocketImpl(Stack stack) {
        this.stack = Objects.requireNonNull(stack, "stack");
    }

    /** The flow, once connected or accepted; else null. */
    TcpFlow flow() {
        return flow;
    }

    /** A flow a listener accepted (called by {@link ListenerSocketImpl#accept}). */
    void attach(TcpFlow f) throws IOException {
        InetSocketAddress remote = f.dst();
        InetSocketAddress local = f.src();
        address = remote.getAddress();
        port = remote.getPort();
        localport = local.getPort();
        localAddress = local.getAddress();
        flow = f;
        if (keepAlive) {
            f.setKeepalive(DEFAULT_KEEPALIVE);
        }
    }

    // --- lifecycle ---

    @Override
    protected void create(boolean stream) throws IOException {
        requireStream(stream);
    }

    /** {@code create(false)} asks for a datagram socket: not one of these. */
    static void requireStream(boolean stream) throws SocketException {
        if (!stream) {
            throw new SocketException("only stream (TCP) sockets run over a dev.tcpip.Stack");
        }
    }

    @Override
    protected void connect(String host, int port) throws IOException {
        connect(new InetSocketAddress(host, port), 0);
    }

    @Override
    protected void connect(InetAddress address, int port) throws IOException {
        connect(new InetSocketAddress(address, port), 0);
    }

    @Override
    protected void connect(SocketAddress to, int timeoutMillis) throws IOException {
        if (!(to instanceof InetSocketAddress dst)) {
            throw new IllegalArgumentException("unsupported address type: " + to);
        }
        if (dst.isUnresolved()) {
            throw new UnknownHostException(dst.getHostString());
        }
        Keepalive k = keepAlive ? DEFAULT_KEEPALIVE : null;
        CompletableFuture<TcpFlow> result = new CompletableFuture<>();
        connecting = result;
        Thread.ofVirtual().name("tcpip-socket-connect").start(() -> {
            try {
                TcpFlow f = stack.tcp().connect(dst, k);
                if (!result.complete(f)) {
                    f.abort(); // the caller gave up (timeout or close): nobody will use this flow
                }
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        if (closed) {
            result.completeExceptionally(new SocketException("Socket closed"));
        }
        TcpFlow f;
        try {
            f = timeoutMillis > 0 ? result.get(timeoutMillis, TimeUnit.MILLISECONDS) : result.get();
        } catch (TimeoutException e) {
            if (result.completeExceptionally(e)) {
                throw new SocketTimeoutException("Connect timed out: " + AddressText.of(dst));
            }
            f = result.getNow(null); // it completed just now
            if (f == null) {
                throw new SocketTimeoutException("Connect timed out: " + AddressText.of(dst));
            }
        } catch (ExecutionException e) {
            throw connectError(dst, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result.completeExceptionally(e);
            throw new InterruptedIOException("interrupted while connecting to " + AddressText.of(dst));
        } finally {
            connecting = null;
        }
        attach(f);
        if (closed) { // closed while attaching
            f.abort();
            throw new SocketException("Socket closed");
        }
    }

    /** The stack's connect errors as the {@code java.net} ones a socket's callers expect. */
    private static IOException connectError(InetSocketAddress dst, Throwable cause) {
        String to = AddressText.of(dst);
        IOException mapped = switch (cause) {
            case RefusedException r -> new ConnectException("Connection refused: " + to);
            case TimedOutException t -> new SocketTimeoutException("Connect timed out: " + to);
            case UnreachableException u -> new NoRouteToHostException("No route to host: " + to);
            case SocketException s -> s;
            case IOException io -> new SocketException(io.getMessage() + ": " + to);
            case RuntimeException r -> throw r;
            case Error err -> throw err;
            default -> new SocketException(String.valueOf(cause));
        };
        if (mapped != cause) {
            mapped.initCause(cause);
        }
        return mapped;
    }

    @Override
    protected void bind(InetAddress host, int port) throws IOException {
        if ((host != null && !host.isAnyLocalAddress()) || port != 0) {
            throw new SocketException("a socket over a dev.tcpip.Stack cannot bind " + AddressText.of(host) + ":" + port
                    + ": the stack picks the local address and port when it connects");
        }
    }

    @Override
    protected void listen(int backlog) throws IOException {
        throw new SocketException("not a server socket");
    }

    @Override
    protected void accept(SocketImpl s) throws IOException {
        throw new SocketException("not a server socket");
    }

    @Override
    protected void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        CompletableFuture<TcpFlow> c = connecting;
        if (c != null) {
            c.completeExceptionally(new SocketException("Socket closed"));
        }
        TcpFlow f = flow;
        if (f == null) {
            return;
        }
        int seconds = linger;
        if (seconds == 0) {
            f.abort(); // SO_LINGER 0: a RST, unsent data discarded
            return;
        }
        try {
            f.shutdown(Direction.BOTH); // FIN now; a read blocked in another thread returns
        } catch (IOException e) {
            f.abort();
            return;
        }
        Duration wait = seconds > 0 ? Duration.ofSeconds(seconds) : CLOSE_LINGER;
        Thread closer = Thread.ofVirtual().name("tcpip-socket-close").start(() -> closeOrReset(f, wait));
        if (seconds > 0) {
            try {
                closer.join(wait.plusSeconds(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Finishes the flow's close (the peer's FIN), or resets it once {@code wait} has passed without it. */
    private static void closeOrReset(TcpFlow f, Duration wait) {
        Thread t = Thread.ofVirtual().name("tcpip-socket-close-wait").start(() -> {
            try {
                f.close();
            } catch (IOException e) {
                f.abort();
            }
        });
        try {
            if (!t.join(wait)) {
                f.abort();
            }
        } catch (InterruptedException e) {
            f.abort();
        }
    }

    @Override
    protected void shutdownInput() throws IOException {
        inputShutdown = true;
        flow.shutdown(Direction.READ);
    }

    @Override
    protected void shutdownOutput() throws IOException {
        outputShutdown = true;
        flow.shutdown(Direction.WRITE);
    }

    // --- streams ---

    @Override
    protected InputStream getInputStream() {
        return in;
    }

    @Override
    protected OutputStream getOutputStream() {
        return out;
    }

    @Override
    protected int available() throws IOException {
        if (closed) {
            throw new SocketException("Socket closed");
        }
        if (!readLock.tryLock()) {
            return 0; // a read is in progress: nothing can be promised without blocking
        }
        try {
            return inputShutdown ? 0 : current.remaining();
        } finally {
            readLock.unlock();
        }
    }

    private final class In extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            readLock.lock();
            try {
                while (true) {
                    if (closed) {
                        throw new SocketException("Socket closed");
                    }
                    if (inputShutdown) {
                        return -1;
                    }
                    if (current.hasRemaining()) {
                        int n = Math.min(len, current.remaining());
                        current.get(b, off, n);
                        return n;
                    }
                    if (eof) {
                        return endOfStream();
                    }
                    switch (next()) {
                        case ReadResult.Data(ByteBuffer bytes) -> current = bytes;
                        case ReadResult.Eof() -> eof = true;
                    }
                }
            } finally {
                readLock.unlock();
            }
        }

        @Override
        public int available() throws IOException {
            return FlowSocketImpl.this.available();
        }

        @Override
        public void close() throws IOException {
            FlowSocketImpl.this.close();
        }
    }

    /** The end of the peer's stream: -1 after a FIN, an exception after a reset or a close. */
    private int endOfStream() throws SocketException {
        if (closed) {
            throw new SocketException("Socket closed");
        }
        if (flow.resetByPeer()) {
            throw new SocketException("Connection reset");
        }
        return -1;
    }

    /** The flow's next read, within SO_TIMEOUT. Under readLock. */
    private ReadResult next() throws IOException {
        int timeout = soTimeout;
        CompletableFuture<ReadResult> p = pending;
        if (timeout == 0 && p == null) {
            return flow.read();
        }
        if (p == null) {
            CompletableFuture<ReadResult> started = new CompletableFuture<>();
            TcpFlow f = flow;
            Thread.ofVirtual().name("tcpip-socket-read").start(() -> {
                try {
                    started.complete(f.read());
                } catch (Throwable t) {
                    started.completeExceptionally(t);
                }
            });
            pending = p = started;
        }
        try {
            ReadResult r = timeout == 0 ? p.get() : p.get(timeout, TimeUnit.MILLISECONDS);
            pending = null;
            return r;
        } catch (TimeoutException e) {
            throw new SocketTimeoutException("Read timed out"); // the read stays pending for the next call
        } catch (ExecutionException e) {
            pending = null;
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new SocketException(String.valueOf(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading");
        }
    }

    private final class Out extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (closed) {
                throw new SocketException("Socket closed");
            }
            if (outputShutdown) {
                throw new SocketException("Socket output is shut down");
            }
            if (len == 0) {
                return;
            }
            ByteBuffer copy = ByteBuffer.wrap(Arrays.copyOfRange(b, off, off + len));
            try {
                if (noDelay) {
                    flow.writeNodelay(copy);
                } else {
                    flow.write(copy);
                }
            } catch (ResetException e) {
                throw new SocketException("Connection reset", e);
            } catch (ClosedException e) {
                throw new SocketException(closed ? "Socket closed" : "Broken pipe (" + e.getMessage() + ")", e);
            }
        }

        @Override
        public void close() throws IOException {
            FlowSocketImpl.this.close();
        }
    }

    // --- options ---

    @Override
    public void setOption(int id, Object value) throws SocketException {
        if (closed) {
            throw new SocketException("Socket closed");
        }
        switch (id) {
            case SO_TIMEOUT -> soTimeout = nonNegative(value, "SO_TIMEOUT");
            case TCP_NODELAY -> noDelay = (Boolean) value;
            case SO_KEEPALIVE -> setKeepAlive((Boolean) value);
            case SO_LINGER -> linger = value instanceof Integer s && s >= 0 ? s : -1; // Boolean.FALSE or negative: off
            case SO_SNDBUF -> sendBuffer = positive(value, "SO_SNDBUF");
            case SO_RCVBUF -> receiveBuffer = positive(value, "SO_RCVBUF");
            case SO_REUSEADDR -> reuseAddress = (Boolean) value;
            case IP_TOS -> trafficClass = (Integer) value;
            case SO_OOBINLINE -> {
                if ((Boolean) value) {
                    throw new SocketException("SO_OOBINLINE: urgent data is not supported");
                }
            }
            default -> throw new SocketException("socket option " + id + " is not supported over a dev.tcpip.Stack");
        }
    }

    private void setKeepAlive(boolean on) throws SocketException {
        keepAlive = on;
        TcpFlow f = flow;
        if (f != null) {
            try {
                f.setKeepalive(on ? DEFAULT_KEEPALIVE : null);
            } catch (IOException | UnsupportedOperationException e) {
                throw new SocketException("SO_KEEPALIVE: " + e.getMessage());
            }
        }
    }

    @Override
    public Object getOption(int id) throws SocketException {
        if (closed && id != SO_BINDADDR) {
            throw new SocketException("Socket closed");
        }
        return switch (id) {
            case SO_TIMEOUT -> soTimeout;
            case TCP_NODELAY -> noDelay;
            case SO_KEEPALIVE -> keepAlive;
            case SO_LINGER -> linger < 0 ? Boolean.FALSE : (Object) linger;
            case SO_SNDBUF -> sendBuffer;
            case SO_RCVBUF -> receiveBuffer;
            case SO_REUSEADDR -> reuseAddress;
            case IP_TOS -> trafficClass;
            case SO_OOBINLINE -> false;
            case SO_BINDADDR -> localAddress != null ? localAddress : wildcard();
            default -> throw new SocketException("socket option " + id + " is not supported over a dev.tcpip.Stack");
        };
    }

    static InetAddress wildcard() {
        return new InetSocketAddress(0).getAddress();
    }

    private static int nonNegative(Object value, String name) throws SocketException {
        if (!(value instanceof Integer i) || i < 0) {
            throw new SocketException(name + ": not a non-negative integer: " + value);
        }
        return i;
    }

    private static int positive(Object value, String name) throws SocketException {
        if (!(value instanceof Integer i) || i <= 0) {
            throw new SocketException(name + ": not a positive integer: " + value);
        }
        return i;
    }

    private static final Set<SocketOption<?>> OPTIONS = Set.of(StandardSocketOptions.TCP_NODELAY,
            StandardSocketOptions.SO_KEEPALIVE, StandardSocketOptions.SO_LINGER, StandardSocketOptions.SO_SNDBUF,
            StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_REUSEADDR, StandardSocketOptions.IP_TOS);

    @Override
    protected Set<SocketOption<?>> supportedOptions() {
        return OPTIONS;
    }

    @Override
    protected <T> void setOption(SocketOption<T> name, T value) throws IOException {
        setOption(optionId(name), value);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected <T> T getOption(SocketOption<T> name) throws IOException {
        Object v = getOption(optionId(name));
        if (name == StandardSocketOptions.SO_LINGER && v instanceof Boolean) {
            v = -1;
        }
        return (T) v;
    }

    private static int optionId(SocketOption<?> name) {
        Objects.requireNonNull(name, "name");
        if (!OPTIONS.contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' not supported");
        }
        if (name == StandardSocketOptions.TCP_NODELAY) {
            return TCP_NODELAY;
        } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
            return SO_KEEPALIVE;
        } else if (name == StandardSocketOptions.SO_LINGER) {
            return SO_LINGER;
        } else if (name == StandardSocketOptions.SO_SNDBUF) {
            return SO_SNDBUF;
        } else if (name == StandardSocketOptions.SO_RCVBUF) {
            return SO_RCVBUF;
        } else if (name == StandardSocketOptions.SO_REUSEADDR) {
            return SO_REUSEADDR;
        }
        return IP_TOS;
    }

    @Override
    protected boolean supportsUrgentData() {
        return false;
    }

    @Override
    protected void sendUrgentData(int data) throws IOException {
        throw new SocketException("urgent data is not supported over a dev.tcpip.Stack");
    }
}
