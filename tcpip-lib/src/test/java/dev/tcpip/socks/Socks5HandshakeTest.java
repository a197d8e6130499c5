package dev.tcpip.socks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.DatagramHandler;
import dev.tcpip.Direction;
import dev.tcpip.FlowHandler;
import dev.tcpip.Keepalive;
import dev.tcpip.ReadResult;
import dev.tcpip.Stack;
import dev.tcpip.Tcp;
import dev.tcpip.TcpFlow;
import dev.tcpip.TimedOutException;
import dev.tcpip.Udp;
import dev.tcpip.UdpSendOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The handshake against a scripted connection to the proxy: the proxy's bytes arrive in exactly the reads the test
 * chooses, so split replies, bytes after a reply in the same read and malformed replies are deterministic.
 */
@Timeout(30)
class Socks5HandshakeTest {
    static final InetSocketAddress PROXY = new InetSocketAddress(InetAddress.ofLiteral("192.0.2.1"), 1080);
    static final InetSocketAddress TARGET = new InetSocketAddress(InetAddress.ofLiteral("198.51.100.7"), 80);
    static final byte[] METHOD_NONE = {5, 0};
    static final byte[] GRANTED = {5, 0, 0, 1, 10, 0, 0, 1, 0x1F, (byte) 0x90};

    /** A connection whose reads return the scripted chunks in order, then block until aborted (then Eof). */
    static final class ScriptedFlow implements TcpFlow {
        private static final ByteBuffer END = ByteBuffer.allocate(0);
        final LinkedBlockingQueue<ByteBuffer> reads = new LinkedBlockingQueue<>();
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        volatile boolean aborted;

        ScriptedFlow(List<byte[]> chunks, boolean eofAfter) {
            chunks.forEach(c -> reads.add(ByteBuffer.wrap(c)));
            if (eofAfter) {
                reads.add(END);
            }
        }

        @Override
        public ReadResult read() throws IOException {
            try {
                ByteBuffer b = reads.poll(20, TimeUnit.SECONDS);
                if (b == null) {
                    throw new AssertionError("a read waited 20 s");
                }
                if (b == END) {
                    reads.add(END);
                    return ReadResult.EOF;
                }
                return new ReadResult.Data(b);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        }

        @Override
        public synchronized void write(ByteBuffer data) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            written.writeBytes(b);
        }

        @Override
        public void writev(List<ByteBuffer> data) {
            data.forEach(this::write);
        }

        @Override
        public void writeNodelay(ByteBuffer data) {
            write(data);
        }

        @Override
        public void writevNodelay(List<ByteBuffer> data) {
            writev(data);
        }

        @Override
        public void shutdown(Direction direction) {
        }

        @Override
        public void close() {
        }

        @Override
        public void abort() {
            aborted = true;
            reads.add(END);
        }

        @Override
        public boolean resetByPeer() {
            return false;
        }

        @Override
        public dev.tcpip.TcpInfo info() {
            throw new UnsupportedOperationException("a scripted connection has no TCP state");
        }

        @Override
        public InetSocketAddress dst() {
            return PROXY;
        }

        @Override
        public InetSocketAddress src() {
            return new InetSocketAddress(InetAddress.ofLiteral("192.0.2.99"), 40000);
        }
    }

    /** A stack whose one connect returns {@code flow}. */
    static Stack stackOf(ScriptedFlow flow) {
        Tcp tcp = new Tcp() {
            @Override
            public TcpFlow connect(InetSocketAddress dst) {
                assertEquals(PROXY, dst);
                return flow;
            }

            @Override
            public TcpFlow connect(InetSocketAddress dst, Keepalive keepalive) {
                return connect(dst);
            }

            @Override
            public int listen(int port, Keepalive keepalive, FlowHandler handler) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void unlisten(int port) {
            }
        };
        return new Stack() {
            @Override
            public Tcp tcp() {
                return tcp;
            }

            @Override
            public Udp udp() {
                return new Udp() {
                    @Override
                    public void send(InetSocketAddress dst, ByteBuffer payload, UdpSendOptions options) {
                        throw new UnsupportedOperationException();
                    }

                    @Override
                    public int listen(int port, DatagramHandler handler) {
                        throw new UnsupportedOperationException();
                    }

                    @Override
                    public void unlisten(int port) {
                    }
                };
            }

            @Override
            public List<dev.tcpip.FlowInfo> flows() {
                return List.of();
            }

            @Override
            public void disconnect() {
            }
        };
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static List<byte[]> oneByteEach(byte[] b) {
        return java.util.stream.IntStream.range(0, b.length).mapToObj(i -> new byte[] {b[i]}).toList();
    }

    static Socks5Stack socks(ScriptedFlow flow) {
        return Socks5Stack.over(stackOf(flow), Socks5Config.of(PROXY).withConnectTimeout(Duration.ofMillis(500)));
    }

    static String readAll(TcpFlow f) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < 100 && f.read() instanceof ReadResult.Data(ByteBuffer b); i++) {
            byte[] a = new byte[b.remaining()];
            b.get(a);
            out.writeBytes(a);
        }
        return out.toString();
    }

    @Test
    void theClientSendsTheGreetingThenTheConnectRequest() throws Exception {
        ScriptedFlow flow = new ScriptedFlow(List.of(METHOD_NONE, GRANTED), true);
        socks(flow).tcp().connect(TARGET);
        // RFC 1928 §3: VER 5, one method, 0x00; §4: VER 5, CONNECT, RSV, ATYP 1, 198.51.100.7, port 80
        assertArrayEquals(new byte[] {5, 1, 0, 5, 1, 0, 1, (byte) 198, 51, 100, 7, 0, 80}, flow.written.toByteArray());
    }

    @Test
    void aReplySplitIntoSingleBytesIsReassembled() throws Exception {
        ScriptedFlow flow = new ScriptedFlow(oneByteEach(concat(METHOD_NONE, GRANTED, "data".getBytes())), true);
        TcpFlow f = socks(flow).tcp().connect(TARGET);
        assertEquals("data", readAll(f), "the bytes after the reply, one read each, are the flow's");
    }

    @Test
    void bytesInTheSameReadAsTheReplyAreNotLost() throws Exception {
        byte[] name = "proxy.example".getBytes();             // a reply with a domain name BND.ADDR
        byte[] domainReply = concat(new byte[] {5, 0, 0, 3, (byte) name.length}, name, new byte[] {0, 80});
        ScriptedFlow flow = new ScriptedFlow(List.of(concat(METHOD_NONE), concat(domainReply, "HTTP/1.1 200"
                .getBytes()), " OK".getBytes()), true);
        TcpFlow f = socks(flow).tcp().connect(TARGET);
        assertEquals("HTTP/1.1 200 OK", readAll(f));
    }

    @Test
    void theUserPasswordExchangeFollowsRfc1929() throws Exception {
        ScriptedFlow flow = new ScriptedFlow(List.of(new byte[] {5, 2}, new byte[] {1, 0}, GRANTED), true);
        Socks5Stack s = Socks5Stack.over(stackOf(flow), Socks5Config.of(PROXY).withCredentials("bob", "pw"));
        s.tcp().connect(InetSocketAddress.createUnresolved("example.org", 443));
        byte[] expected = concat(new byte[] {5, 2, 0, 2}, new byte[] {1, 3, 'b', 'o', 'b', 2, 'p', 'w'},
                new byte[] {5, 1, 0, 3, 11}, "example.org".getBytes(), new byte[] {1, (byte) 0xBB});
        assertArrayEquals(expected, flow.written.toByteArray());
    }

    static Socks5Exception malformed(List<byte[]> proxySends) {
        ScriptedFlow flow = new ScriptedFlow(proxySends, true);
        Socks5Stack s = socks(flow);
        Socks5Exception e = assertThrows(Socks5Exception.class, () -> s.tcp().connect(TARGET));
        assertEquals(Socks5Exception.Reason.MALFORMED_REPLY, e.reason(), e.getMessage());
        assertTrue(flow.aborted, "the connection to the proxy is aborted");
        assertEquals(1, s.stats().protocolErrors());
        return e;
    }

    @Test
    void malformedRepliesAreTypedErrors() {
        assertTrue(malformed(List.of(new byte[] {4, 0})).getMessage().contains("version 4"));
        assertTrue(malformed(List.of(new byte[] {5, 2})).getMessage().contains("not offered"));
        assertTrue(malformed(List.of(METHOD_NONE, new byte[] {5, 0, 0, 7, 0, 0, 0, 0, 0, 0}))
                .getMessage().contains("unknown address type 7"));
        assertTrue(malformed(List.of(METHOD_NONE, new byte[] {4, 0, 0, 1, 0, 0, 0, 0, 0, 0}))
                .getMessage().contains("version 4"));
        assertTrue(malformed(List.of(METHOD_NONE, new byte[] {5, 0, 0, 3, 0, 0, 0}))
                .getMessage().contains("empty domain name"));
        assertTrue(malformed(List.of(METHOD_NONE, Arrays.copyOf(GRANTED, 7)))
                .getMessage().contains("closed the connection after 7 bytes"));
    }

    @Test
    void aProxyThatNeverRepliesTimesOutWithinTheConnectTimeout() {
        ScriptedFlow flow = new ScriptedFlow(List.of(METHOD_NONE, new byte[] {5, 0}), false);
        Socks5Stack s = socks(flow);
        long start = System.nanoTime();
        assertThrows(TimedOutException.class, () -> s.tcp().connect(TARGET));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms >= 400 && ms < 5000, "timed out after " + ms + " ms of a 500 ms timeout");
        assertTrue(flow.aborted);
        assertEquals(1, s.stats().timeouts());
    }

    @Test
    void anEndlessStreamOfBytesCannotGrowTheReply() throws Exception {
        // A "reply" whose every read is more bytes: the reader takes only what the reply's length says it needs.
        byte[] garbage = new byte[1 << 20];
        Arrays.fill(garbage, (byte) 5);
        ScriptedFlow flow = new ScriptedFlow(List.of(METHOD_NONE, garbage), true);
        Socks5Exception e = assertThrows(Socks5Exception.class, () -> socks(flow).tcp().connect(TARGET));
        assertInstanceOf(Socks5Exception.class, e);
        assertTrue(e.getMessage().contains("unknown address type 5"), e.getMessage());
    }
}
