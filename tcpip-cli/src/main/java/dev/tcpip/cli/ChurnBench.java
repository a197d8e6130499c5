package dev.tcpip.cli;

import dev.tcpip.ReadResult;
import dev.tcpip.Stack;
import dev.tcpip.TcpFlow;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.MemoryNetwork;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.socket.SocketStack;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Connection churn: {@code clients} concurrent clients open {@code connections} connections in all, each one
 * connect, write 1 byte, read the 1-byte echo, close; the server's listen callback (a virtual thread per
 * connection, as the API promises) reads the byte, echoes it and closes. Connects+closes per second for two
 * direct stacks on a real-time memory network ({@code direct-memory}), for the socket stack on the kernel's
 * loopback ({@code socket-loopback}) and for plain java.nio on loopback ({@code nio-loopback}: an accepting
 * thread and a virtual thread per accepted connection), in the same run, rounds interleaved, medians.
 */
final class ChurnBench {
    private static final InetAddress LOOPBACK = InetAddress.ofLiteral("127.0.0.1");
    private static final long TIMEOUT_S = 300;
    static final String WORK = "tcp-churn";
    static final String UNIT = "connections/s";

    private ChurnBench() {
    }

    static List<Figure> run(Bench.Settings s) throws Exception {
        int n = Integer.getInteger("tcpip.bench.churn.connections", s.quick() ? 400 : 60_000);
        int c = Integer.getInteger("tcpip.bench.churn.clients", 8);
        int rounds = s.quick() ? 1 : 5;
        return run(n, c, rounds);
    }

    /** {@code n} connections per round from {@code c} clients, {@code rounds} rounds after a quarter-size warm-up. */
    static List<Figure> run(int n, int c, int rounds) throws Exception {
        direct(Math.max(c, n / 4), c);
        socket(Math.max(c, n / 4), c);
        nio(Math.max(c, n / 4), c);
        double[] d = new double[rounds];
        double[] s = new double[rounds];
        double[] k = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            d[i] = direct(n, c);
            s[i] = socket(n, c);
            k[i] = nio(n, c);
        }
        double dm = SocketBench.median(d);
        double km = SocketBench.median(k);
        List<Figure> out = new ArrayList<>();
        out.add(new Figure(WORK, "direct-memory", dm, UNIT));
        out.add(new Figure(WORK, "socket-loopback", SocketBench.median(s), UNIT));
        out.add(new Figure(WORK, "nio-loopback", km, UNIT));
        out.add(new Figure(WORK, "ratio", dm / km, "x"));
        out.add(new Figure(WORK, "clients", c, "concurrent"));
        out.add(new Figure(WORK, "connections", n, "per round"));
        return out;
    }

    /** One client's turn: connect, write a byte, read its echo, close. */
    interface Churn {
        void once(int i) throws IOException;
    }

    /** Runs {@code n} turns of {@code churn} on {@code c} virtual threads; connects+closes per second. */
    static double clients(int n, int c, Churn churn) throws Exception {
        AtomicInteger next = new AtomicInteger();
        List<CompletableFuture<Void>> done = new ArrayList<>(c);
        long start = System.nanoTime();
        for (int t = 0; t < c; t++) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            done.add(f);
            Thread.ofVirtual().name("churn-client-" + t).start(() -> {
                try {
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        churn.once(i);
                    }
                    f.complete(null);
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                }
            });
        }
        for (CompletableFuture<Void> f : done) {
            f.get(TIMEOUT_S, TimeUnit.SECONDS);
        }
        return n * 1e9 / (System.nanoTime() - start);
    }

    /** The server's callback: read the byte, echo it, close. */
    private static void echoOnce(TcpFlow flow) throws IOException {
        if (flow.read() instanceof ReadResult.Data(ByteBuffer b)) {
            flow.write(b);
        }
        flow.close();
    }

    /** The client's turn on a {@link Stack}. */
    private static void turn(Stack client, InetSocketAddress server, int i) throws IOException {
        TcpFlow flow = client.tcp().connect(server);
        try {
            flow.write(ByteBuffer.wrap(new byte[] {(byte) i}));
            if (!(flow.read() instanceof ReadResult.Data(ByteBuffer b)) || b.remaining() != 1 || b.get() != (byte) i) {
                throw new IOException("connection " + i + ": no echo");
            }
        } finally {
            flow.close();
        }
    }

    static double stacks(Stack server, Stack client, InetAddress serverAddress, int n, int c) throws Exception {
        int port = server.tcp().listen(0, ChurnBench::echoOnce);
        InetSocketAddress to = new InetSocketAddress(serverAddress, port);
        return clients(n, c, i -> turn(client, to, i));
    }

    /** Two direct stacks, each on its own loop thread, on a real-time memory network. */
    static double direct(int n, int c) throws Exception {
        try (MemoryNetwork net = MemoryNetwork.realTime(1)) {
            DirectStack server = DirectStack.create(DirectStackConfig.ipv4("10.0.0.1/24"),
                    net.connect("server", LinkConfig.DEFAULTS).device());
            DirectStack client = DirectStack.create(DirectStackConfig.ipv4("10.0.0.2/24"),
                    net.connect("client", LinkConfig.DEFAULTS).device());
            try {
                return stacks(server, client, InetAddress.ofLiteral("10.0.0.1"), n, c);
            } finally {
                client.disconnect();
                server.disconnect();
            }
        }
    }

    /** The socket stack (kernel sockets) on loopback. */
    static double socket(int n, int c) throws Exception {
        try (SocketStack server = SocketStack.ipv4(); SocketStack client = SocketStack.ipv4()) {
            return stacks(server, client, LOOPBACK, n, c);
        }
    }

    /** Plain java.nio on loopback: blocking channels, a virtual thread per accepted connection. */
    static double nio(int n, int c) throws Exception {
        try (ServerSocketChannel ss = ServerSocketChannel.open()) {
            ss.bind(new InetSocketAddress(LOOPBACK, 0), 4096);
            Thread acceptor = Thread.ofPlatform().daemon().name("churn-nio-accept").start(() -> {
                try {
                    while (true) {
                        SocketChannel ch = ss.accept();
                        Thread.ofVirtual().start(() -> {
                            try (ch) {
                                ByteBuffer b = ByteBuffer.allocate(1);
                                if (ch.read(b) == 1) {
                                    ch.write(b.flip());
                                }
                            } catch (IOException e) {
                                // the client went away: nothing to echo
                            }
                        });
                    }
                } catch (ClosedChannelException e) {
                    // the round ended
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            InetSocketAddress to = (InetSocketAddress) ss.getLocalAddress();
            double rate = clients(n, c, i -> {
                try (SocketChannel ch = SocketChannel.open(to)) {
                    ch.write(ByteBuffer.wrap(new byte[] {(byte) i}));
                    ByteBuffer b = ByteBuffer.allocate(1);
                    if (ch.read(b) != 1 || b.get(0) != (byte) i) {
                        throw new IOException("connection " + i + ": no echo");
                    }
                }
            });
            ss.close();
            acceptor.join(TimeUnit.SECONDS.toMillis(TIMEOUT_S));
            return rate;
        }
    }
}
