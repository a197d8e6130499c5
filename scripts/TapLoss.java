import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import dev.tcpip.TcpInfo;
import dev.tcpip.device.FaultInjectingDevice;
import dev.tcpip.device.Faults;
import dev.tcpip.device.NetNamespace;
import dev.tcpip.device.TapDevice;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.FlowEvent;
import dev.tcpip.direct.tcp.DirectTcpFlow;
import dev.tcpip.direct.tcp.TcpStats;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code bench tap-loss}'s two senders with their state over time (issue 14, branch loss4): the direct stack's sender
 * to the kernel's receiver, then the kernel's CUBIC sender to the direct stack's receiver, over the same TAP behind a
 * {@link FaultInjectingDevice} dropping 2 % each way. Every millisecond, the direct sender's {@link TcpFlow#info()}
 * and the kernel's {@code TCP_INFO} (it sends through a socket-stack flow); {@code nstat} of the namespace around each
 * phase (the kernel's counts as receiver, then as sender); each side's TcpStats; the CPU time of this process's
 * threads; a summary of each sender's samples. {@code -Dnosample=true}: no sampling, and the kernel sends from a plain
 * SocketChannel as {@code bench tap-loss} does. {@code -Drecord=true}: the direct sender's flow recording, summed up
 * per recovery episode (how many, how long, cwnd and ssthresh on entering, cwnd on leaving). Root:
 *
 * <pre>
 *   java --enable-native-access=ALL-UNNAMED -cp tcpip-cli/target/tcpip.jar scripts/TapLoss.java [MIB] [ROUNDS]
 * </pre>
 * (the launcher compiles {@code TapReceive.java} beside it, whose {@code send} and {@code cpu} this uses.)
 * <pre>
 * </pre>
 */
public class TapLoss {
    static final String KERNEL = "10.78.0.1";
    static final String STACK = "10.78.0.2";
    static final int CHUNK = 1 << 20;
    static final boolean SAMPLE = !Boolean.getBoolean("nosample");
    static final boolean RECORD = Boolean.getBoolean("record");

    public static void main(String[] a) throws Exception {
        long bytes = (a.length > 0 ? Long.parseLong(a[0]) : 64) << 20;
        int rounds = a.length > 1 ? Integer.parseInt(a[1]) : 1;
        try (NetNamespace ns = NetNamespace.create("tap-loss")) {
            ns.ip("tuntap", "add", "dev", "tap0", "mode", "tap");
            ns.ip("addr", "add", KERNEL + "/24", "dev", "tap0");
            ns.ip("link", "set", "tap0", "up");
            ns.ip("route", "replace", "10.78.0.0/24", "dev", "tap0", "proto", "kernel", "scope", "link",
                    "src", KERNEL, "congctl", "cubic");
            Faults drop = Faults.NONE.withLoss(0.02);
            FaultInjectingDevice dev = ns.start("open", () -> new FaultInjectingDevice(
                    TapDevice.open("tap0", 1500, TapDevice.randomMac(), true), drop, drop, 20))
                    .get(30, TimeUnit.SECONDS);
            DirectStack stack = ns.start("stack", () -> DirectStack.create(DirectStackConfig.ipv4(STACK + "/24"), dev))
                    .get(30, TimeUnit.SECONDS);
            try {
                for (int r = 0; r < rounds; r++) {
                    double d = directSends(ns, stack, bytes, r);
                    double k = kernelSends(ns, stack, bytes, r);
                    System.out.printf("ROUND %d direct %.3f kernel %.3f ratio %.2f%n", r, d, k, d / k);
                }
            } finally {
                stack.disconnect();
            }
        }
    }

    static Map<String, Long> nstat(NetNamespace ns) throws Exception {
        Map<String, Long> m = new TreeMap<>();
        for (String line : ns.run(10, "nstat", "-az").split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && f[1].matches("\\d+")) {
                m.put(f[0], Long.parseLong(f[1]));
            }
        }
        return m;
    }

    static String diff(Map<String, Long> a, Map<String, Long> b, String... keys) {
        StringBuilder s = new StringBuilder();
        for (String k : keys) {
            s.append(' ').append(k).append('=').append(b.getOrDefault(k, 0L) - a.getOrDefault(k, 0L));
        }
        return s.toString();
    }

    static final String[] KEYS = {"TcpInSegs", "TcpOutSegs", "TcpRetransSegs", "TcpExtDelayedACKs",
            "TcpExtTCPSackRecovery", "TcpExtTCPFastRetrans", "TcpExtTCPLossProbes", "TcpExtTCPLossProbeRecovery",
            "TcpExtTCPTimeouts", "TcpExtTCPDSACKRecv", "TcpExtTCPDSACKOldSent", "TcpExtTCPDSACKOfoSent",
            "TcpExtTCPSpuriousRTOs", "TcpExtTCPLossUndo", "TcpExtTCPSackRecoveryFail", "TcpExtTCPLostRetransmit",
            "TcpExtTCPDSACKUndo", "TcpExtTCPSACKReorder", "TcpExtTCPOFOQueue", "TcpExtTCPSackMerged",
            "TcpExtTCPSackShifted", "TcpExtTCPHystartTrainDetect", "TcpExtTCPHystartDelayDetect",
            "TcpExtTCPDelivered", "TcpExtTCPAckCompressed", "TcpExtTCPRcvCoalesce", "TcpExtTCPSpuriousRtxHostQueues"};

    static double directSends(NetNamespace ns, DirectStack stack, long bytes, int r) throws Exception {
        try (ServerSocketChannel server = ns.start("listen", () -> {
            ServerSocketChannel ss = ServerSocketChannel.open();
            ss.bind(new InetSocketAddress(KERNEL, 5001 + r));
            return ss;
        }).get(10, TimeUnit.SECONDS)) {
            CompletableFuture<Long> received = new CompletableFuture<>();
            Thread.ofPlatform().daemon().start(() -> {
                try (SocketChannel ch = server.accept()) {
                    ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
                    long n = 0;
                    int k;
                    while ((k = ch.read(buf.clear())) >= 0) {
                        n += k;
                    }
                    received.complete(n);
                } catch (IOException e) {
                    received.completeExceptionally(e);
                }
            });
            Map<String, Long> n0 = nstat(ns);
            Map<String, Long> cpu0 = TapReceive.cpu();
            ByteBuffer template = ByteBuffer.allocate(CHUNK).asReadOnlyBuffer();
            List<long[]> samples = new ArrayList<>();
            long t0 = System.nanoTime();
            TcpStats st;
            if (RECORD) {
                stack.recordFlows(1 << 21);
            }
            try (TcpFlow flow = stack.tcp().connect(new InetSocketAddress(KERNEL, 5001 + r))) {
                Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                    while (SAMPLE && !received.isDone() && samples.size() < 200_000) {
                        TcpInfo i = flow.info();
                        synchronized (samples) {
                            samples.add(new long[] {System.nanoTime() - t0, i.cwnd(), i.ssthresh().orElse(-1),
                                    i.rtt().orElse(-1), i.bytesSent() - i.bytesAcked() - i.bytesRetransmitted(),
                                    i.congestionState().ordinal(), i.unsentBytes(), i.sendWindow().orElse(-1),
                                    i.bytesAcked()});
                        }
                        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // the sampling period
                    }
                });
                for (long left = bytes; left > 0; left -= CHUNK) {
                    flow.write(template.duplicate().limit((int) Math.min(CHUNK, left)));
                }
                flow.shutdown(dev.tcpip.Direction.WRITE);
                long got = received.get(300, TimeUnit.SECONDS);
                if (got != bytes) {
                    throw new IllegalStateException("got " + got);
                }
                sampler.join(10_000);
                st = ((DirectTcpFlow) flow).stats();
                if (RECORD) {
                    episodes(stack.recording(flow).orElseThrow().events());
                }
            }
            double s = (System.nanoTime() - t0) / 1e9;
            Map<String, Long> n1 = nstat(ns);
            System.out.printf("direct-sender r%d: %.3f Gbit/s %.2f s%n", r, bytes * 8 / s / 1e9, s);
            System.out.println("  sender stats: " + st);
            System.out.println("  kernel as receiver:" + diff(n0, n1, KEYS));
            System.out.println("  cpu ms: " + cpuDiff(cpu0, TapReceive.cpu()));
            summarise("direct", samples, 1448);
            return bytes * 8 / s / 1e9;
        }
    }

    /**
     * The direct sender's recovery episodes from its flow recording ({@code -Drecord=true}): how many, how long, cwnd
     * and ssthresh set on entering, cwnd on leaving, and reductions of ssthresh outside recovery (a probe's).
     */
    static void episodes(List<FlowEvent> events) {
        List<Long> dur = new ArrayList<>(), in = new ArrayList<>(), ssth = new ArrayList<>(), out = new ArrayList<>();
        long entered = -1, lastSsthresh = -1, enteredSsthresh = -1, pendingCut = -1;
        int timeouts = 0, outside = 0, below = 0;
        for (FlowEvent e : events) {
            switch (e) {
                case FlowEvent.RecoveryEntered en -> {
                    if (pendingCut == en.time()) {
                        outside--;                       // the cut recorded just before: this episode's own
                    }
                    pendingCut = -1;
                    if (en.timeout()) {
                        timeouts++;
                    }
                    entered = en.time();
                    enteredSsthresh = en.ssthresh();
                    in.add(en.cwnd());
                    ssth.add(en.ssthresh());
                    lastSsthresh = en.ssthresh();
                }
                case FlowEvent.RecoveryLeft l -> {
                    if (entered >= 0) {
                        dur.add(l.time() - entered);
                        out.add(l.cwnd());
                        if (l.cwnd() + 1448 <= enteredSsthresh) {
                            below++;
                        }
                    }
                    entered = -1;
                }
                case FlowEvent.CongestionWindow w -> {
                    long t = w.ssthresh().orElse(-1);
                    if (entered < 0 && t >= 0 && lastSsthresh >= 0 && t < lastSsthresh) {
                        outside++;
                        pendingCut = w.time();
                    }
                    if (t >= 0) {
                        lastSsthresh = t;
                    }
                }
                default -> { }
            }
        }
        for (List<Long> l : List.of(dur, in, ssth, out)) {
            l.sort(null);
        }
        int n = in.size();
        if (n == 0 || dur.isEmpty()) {
            return;
        }
        System.out.printf("  episodes: %d (%d after a timeout), duration p50 %d us p90 %d us; cwnd set on entering"
                        + " p50 %.1f seg, ssthresh p50 %.1f seg, cwnd on leaving p50 %.1f seg (p10 %.1f), left below"
                        + " ssthresh %d;"
                        + " ssthresh cut outside recovery %d%n", n, timeouts, dur.get(dur.size() / 2) / 1000,
                dur.get(dur.size() * 9 / 10) / 1000, in.get(n / 2) / 1448.0, ssth.get(n / 2) / 1448.0,
                out.get(out.size() / 2) / 1448.0, out.get(out.size() / 10) / 1448.0, below, outside);
    }

    /** Summary of samples: {t, cwnd, ssthresh, srtt ns, inflight, state, unsent, sndwnd, acked}. */
    static void summarise(String who, List<long[]> samples, int mss) {
        int n = samples.size();
        if (n == 0) {
            return;
        }
        double cwnd = 0, rtt = 0, fl = 0, rec = 0;
        int rttN = 0;
        List<Long> cw = new ArrayList<>(), rt = new ArrayList<>(), ff = new ArrayList<>();
        int cwndLimited = 0, below = 0;
        for (long[] s : samples) {
            cwnd += s[1];
            cw.add(s[1]);
            if (s[3] > 0) {
                rtt += s[3];
                rttN++;
                rt.add(s[3]);
            }
            fl += s[4];
            ff.add(s[4]);
            if (s[5] >= 2) {
                rec++;
            }
            if (s[4] + mss > s[1]) {
                cwndLimited++;
            }
            if (s[5] < 2 && s[2] > 0 && s[1] + mss <= s[2]) {
                below++;
            }
        }
        cw.sort(null);
        rt.sort(null);
        ff.sort(null);
        System.out.printf("  %s: %d samples; cwnd mean %.1f seg (p10 %.1f p50 %.1f p90 %.1f); srtt mean %.0f us"
                        + " (p10 %d p50 %d p90 %d); in flight mean %.1f seg (p50 %.1f); in recovery/cwr/loss %.0f %%;"
                        + " flight within an MSS of cwnd %d %%; open with cwnd below ssthresh %d %%%n",
                who, n, cwnd / n / mss, cw.get(n / 10) / (double) mss, cw.get(n / 2) / (double) mss,
                cw.get(n * 9 / 10) / (double) mss, rttN == 0 ? 0 : rtt / rttN / 1000,
                rt.isEmpty() ? 0 : rt.get(rt.size() / 10) / 1000, rt.isEmpty() ? 0 : rt.get(rt.size() / 2) / 1000,
                rt.isEmpty() ? 0 : rt.get(rt.size() * 9 / 10) / 1000, fl / n / mss, ff.get(n / 2) / (double) mss,
                rec * 100 / n, cwndLimited * 100 / n, below * 100 / n);
    }

    static double kernelSends(NetNamespace ns, DirectStack stack, long bytes, int r) throws Exception {
        CompletableFuture<Long> received = new CompletableFuture<>();
        AtomicReference<TcpStats> rs = new AtomicReference<>();
        int port = stack.tcp().listen(6001 + r, flow -> {
            long n = 0;
            while (flow.read() instanceof ReadResult.Data(ByteBuffer b)) {
                n += b.remaining();
            }
            try {
                rs.set(((DirectTcpFlow) flow).stats());
            } catch (IOException e) {
                // left null
            }
            received.complete(n);
            flow.close();
        });
        Map<String, Long> n0 = nstat(ns);
        Map<String, Long> cpu0 = TapReceive.cpu();
        long t0 = System.nanoTime();
        List<long[]> samples = new ArrayList<>();
        AtomicReference<TcpFlow> kflow = new AtomicReference<>();
        CompletableFuture<Long> sent = !SAMPLE
                ? ns.start("send", () -> TapReceive.send(new InetSocketAddress(STACK, port), bytes))
                : ns.start("send", () -> {
            dev.tcpip.socket.SocketStack ks = dev.tcpip.socket.SocketStack.create(
                    dev.tcpip.socket.SocketStackConfig.of(dev.tcpip.IpFamily.IPV4));
            ByteBuffer template = ByteBuffer.allocate(CHUNK).asReadOnlyBuffer();
            try (TcpFlow flow = ks.tcp().connect(new InetSocketAddress(STACK, port))) {
                kflow.set(flow);
                for (long left = bytes; left > 0; left -= CHUNK) {
                    flow.write(template.duplicate().limit((int) Math.min(CHUNK, left)));
                }
                flow.shutdown(dev.tcpip.Direction.WRITE);
                while (flow.read() instanceof ReadResult.Data) {
                    // until the receiver closes
                }
                kflow.set(null);
            }
            return bytes;
        });
        String last = "";
        // bounded sampling while the sender runs
        for (int i = 0; i < 200_000 && !sent.isDone(); i++) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // the sampling period
            TcpFlow f = kflow.get();
            if (f == null) {
                continue;
            }
            try {
                TcpInfo in = f.info();
                samples.add(new long[] {System.nanoTime() - t0, in.cwnd(), in.ssthresh().orElse(-1),
                        in.rtt().orElse(-1), in.bytesSent() - in.bytesAcked() - in.bytesRetransmitted(),
                        in.congestionState().ordinal(), in.unsentBytes(), in.sendWindow().orElse(-1), in.bytesAcked()});
                last = in.toString();
            } catch (RuntimeException closed) {
                // the flow ended meanwhile
            }
        }
        sent.get(300, TimeUnit.SECONDS);
        received.get(60, TimeUnit.SECONDS);
        double s = (System.nanoTime() - t0) / 1e9;
        Map<String, Long> n1 = nstat(ns);
        stack.tcp().unlisten(port);
        System.out.printf("kernel-sender r%d: %.3f Gbit/s %.2f s%n", r, bytes * 8 / s / 1e9, s);
        System.out.println("  receiver stats: " + rs.get());
        System.out.println("  kernel as sender:" + diff(n0, n1, KEYS));
        System.out.println("  cpu ms: " + cpuDiff(cpu0, TapReceive.cpu()));
        System.out.println("  last TCP_INFO: " + last);
        summarise("kernel", samples, 1448);
        return bytes * 8 / s / 1e9;
    }

    static String cpuDiff(Map<String, Long> a, Map<String, Long> b) {
        StringBuilder s = new StringBuilder();
        b.forEach((k, v) -> {
            long d = v - a.getOrDefault(k, 0L);
            if (d > 20) {
                s.append(' ').append(k).append('=').append(d);
            }
        });
        return s.toString();
    }
}
