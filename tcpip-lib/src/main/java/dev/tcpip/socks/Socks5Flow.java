package dev.tcpip.socks;

import dev.tcpip.Direction;
import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import dev.tcpip.TcpInfo;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;

/**
 * A CONNECT through the proxy: the connection to the proxy, whose bytes after the reply are the target's. Reads
 * first give the bytes that came with the reply (the pushback), then the connection's. {@link #dst()} is the target;
 * everything else is the connection to the proxy's.
 */
final class Socks5Flow implements TcpFlow {
    private final TcpFlow proxied;
    private final InetSocketAddress target;
    private final Set<Socks5Flow> open;
    private ByteBuffer pushback;                               // guarded by this

    /** {@code open}: the stack's flows, which this one leaves once closed or aborted. */
    Socks5Flow(TcpFlow proxied, InetSocketAddress target, ByteBuffer pushback, Set<Socks5Flow> open) {
        this.proxied = proxied;
        this.target = target;
        this.pushback = pushback;
        this.open = open;
    }

    @Override
    public ReadResult read() throws IOException {
        ByteBuffer first;
        synchronized (this) {
            first = pushback;
            pushback = null;
        }
        return first != null ? new ReadResult.Data(first) : proxied.read();
    }

    @Override
    public void write(ByteBuffer data) throws IOException {
        proxied.write(data);
    }

    @Override
    public void writev(List<ByteBuffer> data) throws IOException {
        proxied.writev(data);
    }

    @Override
    public void writeNodelay(ByteBuffer data) throws IOException {
        proxied.writeNodelay(data);
    }

    @Override
    public void writevNodelay(List<ByteBuffer> data) throws IOException {
        proxied.writevNodelay(data);
    }

    @Override
    public void shutdown(Direction direction) throws IOException {
        if (direction != Direction.WRITE) {
            dropPushback();                                     // later reads give Eof
        }
        proxied.shutdown(direction);
    }

    @Override
    public void close() throws IOException {
        try {
            proxied.close();
        } finally {
            open.remove(this);
        }
    }

    @Override
    public void abort() {
        dropPushback();
        proxied.abort();
        open.remove(this);
    }

    private synchronized void dropPushback() {
        pushback = null;
    }

    @Override
    public boolean resetByPeer() {
        return proxied.resetByPeer();
    }

    /** The connection to the proxy's: the proxy's connection to the target is out of sight. */
    @Override
    public TcpInfo info() {
        return proxied.info();
    }

    @Override
    public InetSocketAddress dst() {
        return target;
    }

    @Override
    public InetSocketAddress src() {
        return proxied.src();
    }

    @Override
    public String toString() {
        return "socks5 " + proxied.src() + " -> " + target;
    }
}
