package dev.tcpip.cli;

import dev.tcpip.Direction;
import dev.tcpip.Keepalive;
import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.MemoryNetwork;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.TcpConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code idle-1m} (issue 14): many idle connections at once between two direct stacks in one JVM on a real-time
 * memory network. The client stack has {@link #ADDRESSES} addresses (its own and aliases) and the server listens on
 * as many ports as needed so that the 4-tuples hold {@code n} connections with at most half of each address's
 * ephemeral ports (1024-65535 here) in use. Then: establish {@code n} connections from {@link #CONNECTORS} virtual
 * threads, keep-alive on at both ends; hold them idle for {@code idle} real time; take the heap after a full GC;
 * exchange one byte (an echo) on a random sample; close them all (the client half-closes each, the server closes
 * each, the client's close returns); wait out TIME-WAIT; the tables must be empty.
 *
 * <p>Figures: {@code connections} (in both tables, not in TIME-WAIT, after the idle period),
 * {@code heap bytes per connection} (heap used after a full GC with all of them established and idle, less the
 * same before the first, over {@code n}: both ends of each connection, the client's and the server's, counted
 * together, plus the bench's two references per connection), the establishment rate, the sample echoed and the
 * tables' size at the end.
 */
final class IdleBench {
    static final String WORK = "idle-1m";
    static final int DEFAULT_CONNECTIONS = 1_000_000;
    static final Duration DEFAULT_IDLE = Duration.ofSeconds(60);
    /** Client addresses: the stack's own and 15 aliases (DirectStackConfig.MAX_IPV4_ALIASES is 16). */
    static final int ADDRESSES = 16;
    /** Concurrent connects; below the listener's backlog (1024), so no SYN cookie is needed. */
    static final int CONNECTORS = 256;
    /** Ephemeral ports per client address used at most: half of 1024-65535, so a port is found in a few probes. */
    static final int PORTS_PER_ADDRESS = 32_256;
    private static final int SAMPLE = 1000;
    /** TIME-WAIT lasts 2 x MSL: 1 s here, so that a run ends soon after its closes (the default is 30 s). */
    private static final Duration MSL = Duration.ofSeconds(1);
    private static final long STEP_TIMEOUT_S = 1200;
    /** Keep-alive as Linux has it by default (tcp_keepalive_time, _intvl, _probes): 2 h idle, 75 s apart, 9. */
    static final Keepalive LINUX_KEEPALIVE = new Keepalive(Duration.ofHours(2), Duration.ofSeconds(75), 9);

    /** What one run saw. */
    record Result(int requested, int connections, double heapBytesPerConnection, double establishedPerSecond,
                  int sampled, int echoed, double closedPerSecond, int tablesAtEnd) {

        List<Figure> figures() {
            return List.of(
                    new Figure(WORK, "connections", connections, "established at once"),
                    new Figure(WORK, "heap bytes per connection", heapBytesPerConnection, "bytes, both ends"),
                    new Figure(WORK, "establishment rate", establishedPerSecond, "connections/s"),
                    new Figure(WORK, "sample echoed", echoed, "of " + sampled),
                    new Figure(WORK, "close rate", closedPerSecond, "connections/s"),
                    new Figure(WORK, "tables at end", tablesAtEnd, "connections"));
        }
    }

    private IdleBench() {
    }

    static List<Figure> run(Bench.Settings s) throws Exception {
        int n = s.connections() != null ? s.connections() : s.quick() ? 2_000 : DEFAULT_CONNECTIONS;
        Duration idle = s.idle() != null ? s.idle() : s.quick() ? Duration.ofSeconds(1) : DEFAULT_IDLE;
        return run(n, idle, LINUX_KEEPALIVE, PORTS_PER_ADDRESS).figures();
    }

    /**
     * Runs the workload with {@code keepalive} at both ends: {@link #LINUX_KEEPALIVE} arms every connection's
     * keep-alive timer without a probe within a minute's idle period.
     */
    static Result run(int n, Duration idle, Keepalive keepalive) throws Exception {
        return run(n, idle, keepalive, PORTS_PER_ADDRESS);
    }

    /** As above with at most {@code portsPerAddress} connections per client address and server port. */
    static Result run(int n, Duration idle, Keepalive keepalive, int portsPerAddress) throws Exception {
        int serverPorts = serverPorts(n, portsPerAddress);
        if (n < 1 || serverPorts > 64) {
            throw new IllegalArgumentException("connections must be 1.." + ADDRESSES * portsPerAddress * 64 + ": " + n);
        }
        TcpConfig tcp = tcpConfig(n);
        DirectStackConfig clientConfig = DirectStackConfig.ipv4("10.0.0.2/8").withTcp(tcp);
        InetAddress[] from = new InetAddress[ADDRESSES];
        from[0] = InetAddress.ofLiteral("10.0.0.2");
        for (int a = 1; a < ADDRESSES; a++) {
            String alias = "10.0.1." + a;
            clientConfig = clientConfig.withIpv4Alias(alias);
            from[a] = InetAddress.ofLiteral(alias);
        }
        TcpFlow[] clients = new TcpFlow[n];
        TcpFlow[] servers = new TcpFlow[n];
        try (MemoryNetwork net = MemoryNetwork.realTime(1)) {
            DirectStack server = DirectStack.create(DirectStackConfig.ipv4("10.0.0.1/8").withTcp(tcp),
                    net.connect("server", LinkConfig.DEFAULTS).device());
            DirectStack client = DirectStack.create(clientConfig, net.connect("client", LinkConfig.DEFAULTS).device());
            try {
                AtomicInteger accepted = new AtomicInteger();
                CountDownLatch allAccepted = new CountDownLatch(n);
                InetSocketAddress[] to = new InetSocketAddress[serverPorts];
                for (int p = 0; p < serverPorts; p++) {
                    int port = server.tcp().listen(0, keepalive, flow -> {
                        int k = accepted.getAndIncrement();
                        if (k < n) {
                            servers[k] = flow;                    // held, no thread: the flow stays open
                            allAccepted.countDown();
                        } else {
                            flow.abort();
                        }
                    });
                    to[p] = new InetSocketAddress(InetAddress.ofLiteral("10.0.0.1"), port);
                }
                int warmPort = server.tcp().listen(0, TcpFlow::close);
                InetSocketAddress warm = new InetSocketAddress(InetAddress.ofLiteral("10.0.0.1"), warmPort);
                for (int a = 0; a < ADDRESSES; a++) {             // ARP both ways for every address, first
                    client.tcp().connect(from[a], warm, null).close();
                }
                server.tcp().unlisten(warmPort);
                long before = heapAfterGc();
                note("heap before: " + before / (1 << 20) + " MiB; establishing " + n + " connections from " + ADDRESSES
                        + " addresses to " + serverPorts + " server port(s)");
                long start = System.nanoTime();
                parallel(n, i -> clients[i] = client.tcp().connect(from[i % ADDRESSES],
                        to[(i / ADDRESSES) % serverPorts], keepalive));
                if (!allAccepted.await(STEP_TIMEOUT_S, TimeUnit.SECONDS)) {
                    throw new IOException("the server accepted " + accepted.get() + " of " + n + " connections");
                }
                double establishRate = n * 1e9 / (System.nanoTime() - start);
                note(String.format(java.util.Locale.ROOT, "established %d in %.1f s (%.0f/s); idle for %s", n,
                        (System.nanoTime() - start) / 1e9, establishRate, idle));
                idle(idle);
                int held = Math.min(tableSize(client), tableSize(server));
                long after = heapAfterGc();
                double perConnection = (after - before) / (double) n;
                note("heap with " + held + " idle connections: " + after / (1 << 20) + " MiB, "
                        + Math.round(perConnection) + " bytes per connection (both ends)");
                int[] sample = sample(n, Math.min(n, SAMPLE));
                int echoed = echo(sample, clients, servers);
                long closeStart = System.nanoTime();
                parallel(n, i -> clients[i].shutdown(Direction.WRITE));   // FIN from the client first
                parallel(n, i -> servers[i].close());                     // returns: the client's FIN is in
                parallel(n, i -> clients[i].close());                     // returns once the server's FIN is in
                double closeRate = n * 1e9 / (System.nanoTime() - closeStart);
                int atEnd = tablesAfterClose(client, server);
                note("closed " + n + "; connections in the tables after TIME-WAIT: " + atEnd);
                return new Result(n, held, perConnection, establishRate, sample.length, echoed, closeRate, atEnd);
            } finally {
                note("non-zero counters: client " + nonZero(client.counters()) + "; server "
                        + nonZero(server.counters()) + "; switch " + nonZero(net.switchCounters().snapshot())
                        + "; ports: client " + nonZero(net.link("client").port().snapshot()) + ", server "
                        + nonZero(net.link("server").port().snapshot()));
                client.disconnect();
                server.disconnect();
            }
        }
    }

    /**
     * Server ports for {@code n} connections with at most {@code portsPerAddress} connections per client address and
     * server port ({@link #PORTS_PER_ADDRESS}: half of each address's ephemeral ports).
     */
    static int serverPorts(int n, int portsPerAddress) {
        return (n + ADDRESSES * portsPerAddress - 1) / (ADDRESSES * portsPerAddress);
    }

    /**
     * The stacks' TCP settings for {@code n} connections: the table holds them and each one's TIME-WAIT (bounded by
     * the default limit), ephemeral ports 1024-65535 and a 1 s MSL; everything else as by default.
     */
    static TcpConfig tcpConfig(int n) {
        TcpConfig d = TcpConfig.DEFAULTS;
        return new TcpConfig(d.sendBufferSize(), d.receiveBufferSize(), d.closeBufferLimit(), d.initialRto(),
                d.minRto(), d.maxRto(), d.synRetries(), d.dataRetries(), MSL, d.timeWaitLimit(), d.delayedAck(),
                d.outOfOrderLimit(), d.backlog(), d.initialWindow(), d.windowScaling(), d.timestamps(), d.sack(),
                d.nagle(), d.congestionControl(), d.challengeAckLimit(), 1024, 65535, d.defaultMss(),
                n + d.timeWaitLimit() + d.backlog(), d.synCookies(), d.ecn(), d.sendBufferMax(),
                d.receiveBufferMax());
    }

    /** Runs {@code step} for 0..n-1 on {@link #CONNECTORS} virtual threads, each index once, bounded in time. */
    private static void parallel(int n, ChurnBench.Churn step) throws Exception {
        ChurnBench.clients(n, CONNECTORS, step);
    }

    /** The idle period itself: real time in which the bench does nothing (keep-alive runs in the stacks). */
    private static void idle(Duration idle) throws InterruptedException {
        long end = System.nanoTime() + idle.toNanos();
        for (long left = idle.toNanos(); left > 0; left = end - System.nanoTime()) {
            TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.SECONDS.toNanos(1)));
        }
    }

    /** Connections in {@code stack}'s table but not in TIME-WAIT (asked on its loop). */
    private static int tableSize(DirectStack stack) throws IOException {
        return stack.loop().<Integer>submit(f -> f.complete(stack.tcp().connectionCount()
                - stack.tcp().timeWaitCount())).await();
    }

    /**
     * Connections left in both tables once TIME-WAIT has run out and, where the memory network's queues dropped a
     * FIN or its ACK while thousands closed at once, the retransmissions that repair it have ended: checked every
     * 2 x MSL, at most 15 times (60 s), and what is left then is the figure.
     */
    private static int tablesAfterClose(DirectStack client, DirectStack server) throws IOException {
        int left = 0;
        for (int round = 0; round < 15; round++) {
            left = tableAfterTimeWait(client) + tableAfterTimeWait(server);
            if (left == 0) {
                break;
            }
        }
        return left;
    }

    /** Connections in {@code stack}'s table once every TIME-WAIT entered so far has run out (2 x MSL, on its loop). */
    private static int tableAfterTimeWait(DirectStack stack) throws IOException {
        long wait = 2 * MSL.toNanos() + 1;
        return stack.loop().<Integer>submit((now, f) ->
                stack.loop().at(now + wait, t -> f.complete(stack.tcp().connectionCount()))).await();
    }

    /** {@code k} distinct indexes of 0..n-1, at random (a fixed seed, so runs compare). */
    static int[] sample(int n, int k) {
        Random r = new Random(14);
        int[] all = r.ints(0, n).distinct().limit(k).toArray();
        return all;
    }

    /**
     * One byte each way on the sampled connections: the client writes it, the server reads and echoes it, the
     * client reads it back. The number that came back intact.
     */
    private static int echo(int[] sample, TcpFlow[] clients, TcpFlow[] servers) throws Exception {
        // the socket pair names a connection: one client address and port may talk to more than one server port
        Map<List<InetSocketAddress>, Integer> wanted = new HashMap<>();
        for (int i : sample) {
            wanted.put(List.of(clients[i].src(), clients[i].dst()), i);
        }
        Map<Integer, TcpFlow> peer = new HashMap<>();
        for (TcpFlow s : servers) {
            Integer i = wanted.get(List.of(s.dst(), s.src()));
            if (i != null) {
                peer.put(i, s);
            }
        }
        AtomicInteger echoed = new AtomicInteger();
        parallel(sample.length, j -> {
            int i = sample[j];
            TcpFlow s = peer.get(i);
            if (s == null) {
                return;
            }
            clients[i].write(ByteBuffer.wrap(new byte[] {(byte) i}));
            if (s.read() instanceof ReadResult.Data(ByteBuffer b) && b.remaining() == 1) {
                s.write(b);
                if (clients[i].read() instanceof ReadResult.Data(ByteBuffer e) && e.remaining() == 1
                        && e.get() == (byte) i) {
                    echoed.incrementAndGet();
                }
            }
        });
        return echoed.get();
    }

    private static String nonZero(Map<?, Long> counters) {
        StringBuilder sb = new StringBuilder();
        counters.forEach((k, v) -> {
            if (v != 0) {
                sb.append(sb.isEmpty() ? "" : ", ").append(k).append('=').append(v);
            }
        });
        return sb.toString();
    }

    /** Heap used after a full collection (System.gc: a full GC with G1 unless told otherwise). */
    static long heapAfterGc() {
        var memory = ManagementFactory.getMemoryMXBean();
        memory.gc();
        memory.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static void note(String s) {
        System.err.println("tcpip bench idle-1m: " + s);
    }
}
