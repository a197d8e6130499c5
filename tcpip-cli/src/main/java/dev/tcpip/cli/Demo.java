package dev.tcpip.cli;

import dev.tcpip.UdpSendOptions;
import dev.tcpip.device.CapturingDevice;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.MemoryNetwork;
import dev.tcpip.device.PcapWriter;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.PingReply;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.time.Clock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tcpip demo}: two direct stacks on an in-memory network exchange pings and UDP datagrams (some of
 * them fragmented); prints each step and a summary, writes what stack A sent and received to a pcap file.
 * Exit status 0 if every step succeeded.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Two direct stacks on an in-memory network: ping and UDP exchanges.",
                "Writes stack A's frames to a pcap file; exits 0 if everything succeeded."})
final class Demo implements Callable<Integer> {

    @Option(names = "--pcap", paramLabel = "FILE", description = "Where to write the capture (default: ${DEFAULT-VALUE}).")
    Path pcap = Path.of("tcpip-demo.pcap");

    @Override
    public Integer call() throws Exception {
        int failures = 0;
        InetAddress bAddr = InetAddress.ofLiteral("10.0.0.2");
        try (PcapWriter writer = PcapWriter.open(pcap, PcapWriter.LinkType.ETHERNET, PcapWriter.Precision.NANOS);
             MemoryNetwork net = MemoryNetwork.realTime(1)) {
            var captured = new CapturingDevice(net.connect("a", LinkConfig.DEFAULTS).device(), (t, f, o, l, d) -> {
                try {
                    writer.write(t, f, o, l);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, Clock.system());
            DirectStack a = DirectStack.create(DirectStackConfig.ipv4("10.0.0.1/24"), captured);
            DirectStack b = DirectStack.create(DirectStackConfig.ipv4("10.0.0.2/24"),
                    net.connect("b", LinkConfig.DEFAULTS).device());
            try {
                System.out.println("A " + a + " and B " + b + " on an in-memory Ethernet");
                for (int size : new int[] {56, 1472, 4000, 65_507}) {
                    try {
                        PingReply r = a.ping(bAddr, size, Duration.ofSeconds(2));
                        System.out.printf("ping  %-6d bytes from %s: seq %d, rtt %.3f ms%n", size,
                                r.from().getHostAddress(), r.sequence(), r.rtt().toNanos() / 1e6);
                    } catch (IOException e) {
                        failures++;
                        System.out.println("ping  " + size + " bytes FAILED: " + e.getMessage());
                    }
                }
                b.udp().listen(7, d -> b.udp().send(d.src(), d.payload(), UdpSendOptions.fromPort(7)));
                BlockingQueue<ByteBuffer> replies = new ArrayBlockingQueue<>(4);
                int port = a.udp().listen(0, d -> replies.put(d.payload()));
                Random rnd = new Random(1);
                for (int size : new int[] {0, 1, 512, 1472, 1473, 8000, 65_507}) {
                    byte[] data = new byte[size];
                    rnd.nextBytes(data);
                    a.udp().send(new InetSocketAddress(bAddr, 7), ByteBuffer.wrap(data), UdpSendOptions.fromPort(port));
                    ByteBuffer r = replies.poll(5, TimeUnit.SECONDS);
                    byte[] got = r == null ? null : new byte[r.remaining()];
                    if (r != null) {
                        r.get(got);
                    }
                    boolean ok = Arrays.equals(data, got);
                    failures += ok ? 0 : 1;
                    System.out.printf("udp   %-6d bytes to %s:7 and back: %s%n", size, bAddr.getHostAddress(),
                            ok ? "ok" : "FAILED");
                }
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
        System.out.println("capture of A's frames: " + pcap);
        return failures == 0 ? 0 : Main.FAILURE;
    }
}
