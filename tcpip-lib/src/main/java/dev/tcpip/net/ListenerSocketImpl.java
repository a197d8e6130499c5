package dev.tcpip.net;

import dev.tcpip.Stack;
import dev.tcpip.TcpFlow;
import dev.tcpip.wire.AddressText;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketTimeoutException;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@code SocketImpl} of a {@link StackServerSocket}: {@code Tcp.listen} on the stack, each established flow put
 * in a bounded accept queue that {@code accept} takes from. The queue holds at most the backlog given to
 * {@code bind} (1..{@link #MAX_BACKLOG}; 50 when the caller gives none, as {@code ServerSocket} does); a flow that
 * arrives when it is full is reset and counted ({@link #refused()}): the stack completed the handshake before the
 * queue could say no, so a RST is the only answer left. Close stops listening ({@code Tcp.unlisten}) and resets the
 * flows still queued; flows already accepted go on.
 *
 * <p>The stack listens on all of its addresses: a bind address other than the wildcard is kept and reported by
 * {@code getInetAddress}, but does not narrow what is accepted.
 */
final class ListenerSocketImpl extends SocketImpl {

    /** The largest accept queue. */
    static final int MAX_BACKLOG = 4096;

    private final Stack stack;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    /** Established flows not yet accepted. Guarded by lock. */
    private final ArrayDeque<TcpFlow> queue = new ArrayDeque<>();
    /** The queue's bound, set by listen. Guarded by lock. */
    private int capacity;
    /** Guarded by lock. */
    private boolean closed;
    private volatile boolean listening;
    private volatile int soTimeout;
    private volatile int receiveBuffer = 64 * 1024;
    private volatile boolean reuseAddress = true;
    private int requestedPort;
    private final AtomicLong refused = new AtomicLong();

    ListenerSocketImpl(Stack stack) {
        this.stack = Objects.requireNonNull(stack, "stack");
    }

    /** Flows reset because the accept queue was full. */
    long refused() {
        return refused.get();
    }

    @Override
    protected void create(boolean stream) throws IOException {
        FlowSocketImpl.requireStream(stream);
    }

    @Override
    protected void bind(InetAddress host, int port) throws IOException {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        address = host != null ? host : FlowSocketImpl.wildcard();
        requestedPort = port;
    }

    @Override
    protected void listen(int backlog) throws IOException {
        lock.lock();
        try {
            if (closed) {
                throw new SocketException("Socket closed");
            }
            capacity = Math.clamp(backlog < 1 ? 50 : backlog, 1, MAX_BACKLOG);
        } finally {
            lock.unlock();
        }
        localport = stack.tcp().listen(requestedPort, this::arrived);
        listening = true;
    }

    /** The listen handler: queue the flow, or reset it when the queue is full or the socket closed. */
    private void arrived(TcpFlow flow) {
        lock.lock();
        try {
            if (!closed && queue.size() < capacity) {
                queue.addLast(flow);
                arrived.signal();
                return;
            }
        } finally {
            lock.unlock();
        }
        refused.incrementAndGet();
        flow.abort();
    }

    @Override
    protected void accept(SocketImpl s) throws IOException {
        if (!(s instanceof FlowSocketImpl target)) {
            throw new SocketException("cannot accept into " + s.getClass().getName());
        }
        TcpFlow flow;
        int timeout = soTimeout;
        long left = TimeUnit.MILLISECONDS.toNanos(timeout);
        lock.lock();
        try {
            while (queue.isEmpty()) {
                if (closed) {
                    throw new SocketException("Socket closed");
                }
                if (timeout == 0) {
                    arrived.await();
                } else {
                    if (left <= 0) {
                        throw new SocketTimeoutException("Accept timed out");
                    }
                    left = arrived.awaitNanos(left);
                }
            }
            flow = queue.pollFirst();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while accepting");
        } finally {
            lock.unlock();
        }
        try {
            target.attach(flow);
        } catch (IOException | RuntimeException e) {
            flow.abort();
            throw e;
        }
    }

    @Override
    protected void close() throws IOException {
        ArrayDeque<TcpFlow> left;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            left = new ArrayDeque<>(queue);
            queue.clear();
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        if (listening) {
            stack.tcp().unlisten(localport);
        }
        left.forEach(TcpFlow::abort);
    }

    @Override
    public void setOption(int id, Object value) throws SocketException {
        switch (id) {
            case SO_TIMEOUT -> {
                if (!(value instanceof Integer t) || t < 0) {
                    throw new SocketException("SO_TIMEOUT: not a non-negative integer: " + value);
                }
                soTimeout = t;
            }
            case SO_RCVBUF -> receiveBuffer = (Integer) value;
            case SO_REUSEADDR -> reuseAddress = (Boolean) value;
            default -> throw new SocketException("server socket option " + id + " is not supported over a dev.tcpip.Stack");
        }
    }

    @Override
    public Object getOption(int id) throws SocketException {
        return switch (id) {
            case SO_TIMEOUT -> soTimeout;
            case SO_RCVBUF -> receiveBuffer;
            case SO_REUSEADDR -> reuseAddress;
            case SO_BINDADDR -> address;
            default -> throw new SocketException("server socket option " + id + " is not supported over a dev.tcpip.Stack");
        };
    }

    // --- a listening socket has no connection of its own ---

    @Override
    protected void connect(String host, int port) throws IOException {
        throw new SocketException("a server socket does not connect");
    }

    @Override
    protected void connect(InetAddress address, int port) throws IOException {
        throw new SocketException("a server socket does not connect");
    }

    @Override
    protected void connect(SocketAddress address, int timeout) throws IOException {
        throw new SocketException("a server socket does not connect");
    }

    @Override
    protected InputStream getInputStream() throws IOException {
        throw new SocketException("a server socket has no stream");
    }

    @Override
    protected OutputStream getOutputStream() throws IOException {
        throw new SocketException("a server socket has no stream");
    }

    @Override
    protected int available() {
        return 0;
    }

    @Override
    protected void sendUrgentData(int data) throws IOException {
        throw new SocketException("a server socket has no stream");
    }

    @Override
    public String toString() {
        return "ListenerSocketImpl[" + AddressText.of(address) + ":" + localport + "]";
    }
}
