import dev.tcpip.ReadResult;
import dev.tcpip.device.Counter;
import dev.tcpip.device.NetNamespace;
import dev.tcpip.device.TapDevice;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.TcpConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The receive phase of {@code tcpip bench tap} alone, repeated in one process (the first runs warm the JIT up): a
 * kernel socket in a namespace sends MiB to the direct stack over a TAP device, the stack's reader counts them. Per
 * run: the rate, the TAP's frame counts, the CPU time of each of this process's threads (from /proc/self/task; the
 * sender's thread ends before it is read) and the payloads TCP kept in the device's arrays. With {@code ss}, the
 * kernel sender's {@code ss -tin} every 150 ms (cwnd, snd_wnd, rwnd_limited). {@code -Drb=KiB} gives the stack a
 * fixed receive buffer of that size instead of the default. Root; run with the command jar on the class path:
 *
 * <pre>
 *   java --enable-native-access=ALL-UNNAMED -cp tcpip-cli/target/tcpip.jar scripts/TapReceive.java RUNS MIB [ss]
 * </pre>
 */
public class TapReceive {
    static final String KERNEL = "10.78.0.1";
    static final String STACK = "10.78.0.2";

    public static void main(String[] a) throws Exception {
        int runs = a.length > 0 ? Integer.parseInt(a[0]) : 3;
        long bytes = (a.length > 1 ? Long.parseLong(a[1]) : 1024) << 20;
        boolean ss = a.length > 2 && a[2].equals("ss");
        Integer rb = Integer.getInteger("rb");
        DirectStackConfig config = DirectStackConfig.ipv4(STACK + "/24");
        if (rb != null) {
            config = config.withTcp(TcpConfig.DEFAULTS.withBuffers(TcpConfig.DEFAULTS.sendBufferSize(), rb * 1024));
        }
        DirectStackConfig cfg = config;
        try (NetNamespace ns = NetNamespace.create("tap-receive")) {
            ns.ip("tuntap", "add", "dev", "tap0", "mode", "tap");
            ns.ip("addr", "add", KERNEL + "/24", "dev", "tap0");
            ns.ip("link", "set", "tap0", "up");
            TapDevice tap = ns.start("open", () -> TapDevice.open("tap0", 1500, TapDevice.randomMac(), true))
                    .get(30, TimeUnit.SECONDS);
            DirectStack stack = ns.start("stack", () -> DirectStack.create(cfg, tap)).get(30, TimeUnit.SECONDS);
            try {
                for (int r = 0; r < runs; r++) {
                    run(ns, tap, stack, r, bytes, ss);
                }
            } finally {
                stack.disconnect();
            }
        }
    }

    private static void run(NetNamespace ns, TapDevice tap, DirectStack stack, int r, long bytes, boolean ss)
            throws Exception {
        CompletableFuture<Long> received = new CompletableFuture<>();
        int port = stack.tcp().listen(6001 + r, flow -> {
            long n = 0;
            while (flow.read() instanceof ReadResult.Data(ByteBuffer b)) {
                n += b.remaining();
            }
            received.complete(n);
            flow.close();
        });
        long rx0 = tap.counters().get(Counter.RX_FRAMES);
        long gso0 = tap.counters().get(Counter.RX_GSO_FRAMES);
        long tx0 = tap.counters().get(Counter.TX_FRAMES);
        long kept0 = stack.counter(StackCounter.TCP_RX_PAYLOADS_KEPT);
        Map<String, Long> cpu0 = cpu();
        long t0 = System.nanoTime();
        CompletableFuture<Long> sent = ns.start("send", () -> send(new InetSocketAddress(STACK, port), bytes));
        // a bounded number of samples while the sender runs (sampling, not synchronisation)
        for (int i = 0; ss && i < 20 && !sent.isDone(); i++) {
            Thread.sleep(150);
            System.out.println(ns.run(5, "ss", "-tin", "dst", STACK).replaceAll("\\s+", " "));
        }
        sent.get(300, TimeUnit.SECONDS);
        long got = received.get(60, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Long> cpu1 = cpu();
        StringBuilder threads = new StringBuilder();
        cpu1.forEach((name, ms) -> {
            long d = ms - cpu0.getOrDefault(name, 0L);
            if (d > 20) {
                threads.append(' ').append(name).append('=').append(d);
            }
        });
        System.out.printf("run %d: %.2f Gbit/s (%d bytes), frames received %d (%d super-segments), sent %d,"
                        + " payloads kept %d; cpu ms:%s; wall ms %d%n", r, got * 8 / seconds / 1e9, got,
                tap.counters().get(Counter.RX_FRAMES) - rx0, tap.counters().get(Counter.RX_GSO_FRAMES) - gso0,
                tap.counters().get(Counter.TX_FRAMES) - tx0, stack.counter(StackCounter.TCP_RX_PAYLOADS_KEPT) - kept0,
                threads, (long) (seconds * 1000));
        stack.tcp().unlisten(port);
    }

    /** CPU milliseconds (user + system) per thread name of this process, digits folded. */
    static Map<String, Long> cpu() throws IOException {
        Map<String, Long> m = new TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String comm = Files.readString(t.resolve("comm")).strip().replaceAll("[0-9]+", "N").replace(' ', '_');
                    String stat = Files.readString(t.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    m.merge(comm, (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10, Long::sum);
                } catch (IOException gone) {
                    // the thread ended meanwhile
                }
            }
        }
        return m;
    }

    static long send(InetSocketAddress to, long bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (SocketChannel ch = SocketChannel.open(to)) {
            for (long left = bytes; left > 0; ) {
                buf.clear().limit((int) Math.min(1 << 20, left));
                while (buf.hasRemaining()) {
                    left -= ch.write(buf);
                }
            }
            ch.shutdownOutput();
            ByteBuffer one = ByteBuffer.allocate(1);
            while (ch.read(one.clear()) >= 0) {
                // until the receiver closes
            }
        }
        return bytes;
    }
}
