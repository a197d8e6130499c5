package dev.tcpip.cli;

import dev.tcpip.Direction;
import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import dev.tcpip.UdpSendOptions;
import dev.tcpip.device.CapturingDevice;
import dev.tcpip.device.FaultInjectingDevice;
import dev.tcpip.device.Faults;
import dev.tcpip.device.FrameDirection;
import dev.tcpip.device.FrameReceiver;
import dev.tcpip.device.NetworkDevice;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.MemoryNetwork;
import dev.tcpip.device.PcapWriter;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.PingReply;
import dev.tcpip.direct.FlowRecording;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.TimeSequencePlot;
import dev.tcpip.time.Clock;
import dev.tcpip.time.EventLoop;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tcpip demo}: no root and no options needed. Two direct stacks, A (client) and B (server), on an
 * in-memory Ethernet: A pings B, exchanges UDP datagrams (some fragmented) and TCP data with B (an echo whose
 * bytes are checked, then a bulk transfer that is timed), and prints each step, the round-trip times and the
 * throughput, and where the capture of A's frames is. Exit status 0 if every step succeeded.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Two direct stacks on an in-memory network, no root needed: ping, UDP and TCP between"
                + " a client and a server, with round-trip times and throughput.",
                "Writes the first 256 bytes of every frame of the client to a pcap file; exits 0 if everything succeeded.",
                "With --plot, draws the timed TCP transfer as a time-sequence graph (SVG); with --loss, that transfer"
                        + " loses frames and has to recover."})
final class Demo implements Callable<Integer> {
    private static final int SNAPLEN = 256;
    private static final int CHUNK = 64 * 1024;
    private static final double MAX_LOSS = 50;

    @Option(names = "--pcap", paramLabel = "FILE", description = "Where to write the capture (default: ${DEFAULT-VALUE}).")
    Path pcap = Path.of("tcpip-demo.pcap");

    @Option(names = "--bytes", paramLabel = "N", description = "Bytes of the timed TCP transfer (default: ${DEFAULT-VALUE}).")
    long bulk = 64L << 20;

    @Option(names = "--loss", paramLabel = "PCT",
            description = "Drop PCT percent of the frames each way during the timed TCP transfer (0..50; the other steps"
                    + " run without loss). Default: none.")
    Double loss;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of --loss's random drops (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--plot", paramLabel = "FILE.svg",
            description = "Record the sending side of the timed TCP transfer (A's flow) and draw its time-sequence graph"
                    + " to FILE.svg: sequence numbers, ACKs, the receive window, retransmissions and SACKed ranges"
                    + " against time, cwnd below.")
    Path plot;

    private int failures;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (bulk <= 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "invalid value for option '--bytes': " + bulk + " (at least 1)");
        }
        if (loss != null && !(loss >= 0 && loss <= MAX_LOSS)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "invalid value for option '--loss': " + loss + " (a percentage, 0.." + (int) MAX_LOSS + ")");
        }
        InetAddress bAddr = InetAddress.ofLiteral("10.0.0.2");
        OutputStream file = Files.newOutputStream(pcap);
        try (PcapWriter writer = new PcapWriter(file, PcapWriter.LinkType.ETHERNET, PcapWriter.Precision.NANOS, SNAPLEN);
             MemoryNetwork net = MemoryNetwork.realTime(1)) {
            NetworkDevice linkA = net.connect("a", LinkConfig.DEFAULTS).device();
            NetworkDevice linkB = net.connect("b", LinkConfig.DEFAULTS).device();
            List<LossGate> gates = new ArrayList<>();
            if (loss != null && loss > 0) {
                Faults faults = Faults.NONE.withLoss(loss / 100);
                gates.add(new LossGate(linkA, faults, seed));
                gates.add(new LossGate(linkB, faults, seed + 1));
                linkA = gates.get(0);
                linkB = gates.get(1);
            }
            var captured = new CapturingDevice(linkA, (t, f, o, l, d) -> write(writer, t, f, o, l), Clock.system());
            DirectStack a = DirectStack.create(DirectStackConfig.ipv4("10.0.0.1/24"), captured);
            DirectStack b = DirectStack.create(DirectStackConfig.ipv4("10.0.0.2/24"), linkB);
            try {
                System.out.println("client A " + a + " and server B " + b + " on an in-memory Ethernet");
                ping(a, bAddr);
                udp(a, b, bAddr);
                tcpEcho(a, b, bAddr);
                tcpBulk(a, b, bAddr, gates);
                System.out.printf("summary: A sent %d frames (%d IP fragments), received %d; ARP requests %d; "
                                + "B reassembled %d datagrams; %s%n",
                        a.counter(StackCounter.ETH_TX_FRAMES), a.counter(StackCounter.IP_FRAGMENTS_TX),
                        a.counter(StackCounter.ETH_RX_FRAMES), a.counter(StackCounter.ARP_TX_REQUESTS),
                        b.counter(StackCounter.IP_REASSEMBLED), failures == 0 ? "all succeeded" : failures + " failed");
            } finally {
                a.disconnect();
                b.disconnect();
            }
        }
        System.out.println("capture of A's frames (first " + SNAPLEN + " bytes of each): " + pcap.toAbsolutePath()
                + "  (read it with: tshark -r " + pcap + ")");
        return failures == 0 ? 0 : Main.FAILURE;
    }

    private static void write(PcapWriter w, long t, byte[] f, int o, int l) {
        try {
            w.write(t, f, o, l);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void ping(DirectStack a, InetAddress dst) {
        List<Double> rtts = new ArrayList<>();
        for (int size : new int[] {56, 56, 56, 1472, 4000, 65_507}) {
            try {
                PingReply r = a.ping(dst, size, Duration.ofSeconds(2));
                double ms = r.rtt().toNanos() / 1e6;
                rtts.add(ms);
                System.out.printf(Locale.ROOT, "ping  %-6d bytes from %s: seq %d, rtt %.3f ms%s%n", size,
                        r.from().getHostAddress(), r.sequence(), ms, size > 1472 ? " (fragmented both ways)" : "");
            } catch (IOException e) {
                failures++;
                System.out.println("ping  " + size + " bytes FAILED: " + Main.describe(e));
            }
        }
        if (!rtts.isEmpty()) {
            System.out.printf(Locale.ROOT, "ping  rtt min/avg/max = %.3f/%.3f/%.3f ms%n",
                    rtts.stream().mapToDouble(d -> d).min().orElse(0), rtts.stream().mapToDouble(d -> d).average().orElse(0),
                    rtts.stream().mapToDouble(d -> d).max().orElse(0));
        }
    }

    private void udp(DirectStack a, DirectStack b, InetAddress bAddr) throws Exception {
        b.udp().listen(7, d -> b.udp().send(d.src(), d.payload(), UdpSendOptions.fromPort(7)));
        BlockingQueue<ByteBuffer> replies = new ArrayBlockingQueue<>(4);
        int port = a.udp().listen(0, d -> replies.put(d.payload()));
        Random rnd = new Random(1);
        for (int size : new int[] {0, 1, 512, 1472, 1473, 8000, 65_507}) {
            byte[] data = new byte[size];
            rnd.nextBytes(data);
            long t0 = System.nanoTime();
            a.udp().send(new InetSocketAddress(bAddr, 7), ByteBuffer.wrap(data), UdpSendOptions.fromPort(port));
            ByteBuffer r = replies.poll(5, TimeUnit.SECONDS);
            long t1 = System.nanoTime();
            byte[] got = r == null ? null : new byte[r.remaining()];
            if (r != null) {
                r.get(got);
            }
            boolean ok = Arrays.equals(data, got);
            failures += ok ? 0 : 1;
            System.out.printf(Locale.ROOT, "udp   %-6d bytes to %s:7 and back: %s%n", size, bAddr.getHostAddress(),
                    ok ? String.format(Locale.ROOT, "ok in %.3f ms", (t1 - t0) / 1e6) : "FAILED");
        }
    }

    /** A sends 1 MiB to B's echo service and reads it back while sending; the bytes must be equal. */
    private void tcpEcho(DirectStack a, DirectStack b, InetAddress bAddr) throws Exception {
        int port = b.tcp().listen(7, Services::echo);
        byte[] data = new byte[1 << 20];
        new Random(2).nextBytes(data);
        long t0 = System.nanoTime();
        try (TcpFlow flow = a.tcp().connect(new InetSocketAddress(bAddr, port))) {
            CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                try {
                    for (int off = 0; off < data.length; off += CHUNK) {
                        flow.write(ByteBuffer.wrap(data, off, Math.min(CHUNK, data.length - off)).slice());
                    }
                    flow.shutdown(Direction.WRITE);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, r -> Thread.ofVirtual().start(r));
            MessageDigest back = MessageDigest.getInstance("SHA-256");
            long n = 0;
            while (flow.read() instanceof ReadResult.Data(ByteBuffer bytes)) {
                n += bytes.remaining();
                back.update(bytes);
            }
            sent.get(30, TimeUnit.SECONDS);
            boolean ok = n == data.length
                    && Arrays.equals(back.digest(), MessageDigest.getInstance("SHA-256").digest(data));
            failures += ok ? 0 : 1;
            System.out.printf(Locale.ROOT, "tcp   echo of %d bytes from %s:%d: %s%n", data.length,
                    bAddr.getHostAddress(), port, ok ? String.format(Locale.ROOT, "same bytes back in %.1f ms",
                            (System.nanoTime() - t0) / 1e6) : "FAILED (" + n + " bytes back)");
        } catch (IOException e) {
            failures++;
            System.out.println("tcp   echo FAILED: " + Main.describe(e));
        }
    }

    /**
     * A sends {@link #bulk} bytes to B's discard service; the time runs until B has read the last byte. The
     * {@code gates} drop frames meanwhile (--loss); with --plot, A's flow is recorded and drawn.
     */
    private void tcpBulk(DirectStack a, DirectStack b, InetAddress bAddr, List<LossGate> gates) throws Exception {
        CompletableFuture<Long> received = new CompletableFuture<>();
        int port = b.tcp().listen(9, flow -> {
            long n = 0;
            while (flow.read() instanceof ReadResult.Data(ByteBuffer bytes)) {
                n += bytes.remaining();
            }
            received.complete(n);
            flow.close();
        });
        byte[] chunk = new byte[CHUNK];
        if (plot != null) {
            a.recordFlows(recordingCapacity(bulk));          // the next flow A opens: this one
        }
        gates.forEach(g -> g.on(true));
        FlowRecording recording = null;
        long t0 = System.nanoTime();
        try (TcpFlow flow = a.tcp().connect(new InetSocketAddress(bAddr, port))) {
            if (plot != null) {
                a.recordFlows(0);
                recording = a.recording(flow).orElseThrow();
            }
            for (long left = bulk; left > 0; left -= CHUNK) {
                flow.write(ByteBuffer.wrap(chunk, 0, (int) Math.min(CHUNK, left)));  // write may keep the buffer...
                chunk = new byte[CHUNK];                                          // ...so each write gets its own
            }
            flow.shutdown(Direction.WRITE);
            long n = received.get(120, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - t0) / 1e9;
            boolean ok = n == bulk;
            failures += ok ? 0 : 1;
            System.out.printf(Locale.ROOT, "tcp   %d MiB from A to %s:%d: %s%s%n", bulk >> 20, bAddr.getHostAddress(),
                    port, ok ? String.format(Locale.ROOT, "%.2f s, %.1f MB/s (%.2f Gbit/s)", seconds, n / seconds / 1e6,
                            n * 8 / seconds / 1e9) : "FAILED (" + n + " bytes arrived)",
                    gates.isEmpty() ? "" : String.format(Locale.ROOT, "; %s%% loss each way: %d frames dropped, "
                            + "%d segments retransmitted", loss, gates.stream().mapToLong(LossGate::dropped).sum(),
                            flow.info().retransmissions()));
        } catch (IOException e) {
            failures++;
            System.out.println("tcp   bulk transfer FAILED: " + Main.describe(e));
        } finally {
            gates.forEach(g -> g.on(false));
        }
        if (recording != null) {
            TimeSequencePlot.write(recording, plot);
            System.out.printf(Locale.ROOT, "plot  of A's side of the %d MiB transfer, %d events%s: %s%n", bulk >> 20,
                    recording.events().size(), recording.dropped() > 0 ? " (the " + recording.dropped()
                            + " before them dropped)" : "", plot.toAbsolutePath());
        }
    }

    /** Room for every event of a transfer of {@code bytes}: about three per segment, within bounds. */
    static int recordingCapacity(long bytes) {
        return (int) Math.clamp(bytes / 256, 1 << 16, 1 << 22);
    }

    /**
     * A link that drops frames it sends, as {@code faults} say, only while it is on: the demo's other steps run on
     * the same link without loss. Frames received pass untouched (the other end's gate drops those).
     */
    static final class LossGate implements NetworkDevice {
        private final NetworkDevice plain;
        private final FaultInjectingDevice lossy;
        private volatile boolean on;

        LossGate(NetworkDevice plain, Faults faults, long seed) {
            this.plain = plain;
            this.lossy = new FaultInjectingDevice(plain, faults, Faults.NONE, seed);
        }

        void on(boolean on) {
            this.on = on;
        }

        long dropped() {
            return lossy.counters(FrameDirection.SENT).dropped();
        }

        @Override
        public long mac() {
            return plain.mac();
        }

        @Override
        public int mtu() {
            return plain.mtu();
        }

        @Override
        public void attach(EventLoop loop, FrameReceiver receiver) {
            lossy.attach(loop, receiver);
        }

        @Override
        public void send(byte[] frame, int off, int len) {
            (on ? lossy : plain).send(frame, off, len);
        }

        @Override
        public void close() {
            lossy.close();
        }
    }
}
