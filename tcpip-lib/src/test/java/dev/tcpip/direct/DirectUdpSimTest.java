package dev.tcpip.direct;

import static dev.tcpip.direct.SimKit.at;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.TimedOutException;
import dev.tcpip.UdpSendOptions;
import dev.tcpip.device.CapturingDevice;
import dev.tcpip.device.Faults;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.PcapWriter;
import dev.tcpip.time.LoopFuture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** UDP between direct stacks in virtual time: every size class under faults, queue bounds, replay. */
class DirectUdpSimTest {

    /** Sizes 0..1,600 one by one (around the one-fragment boundary), then every 251st up to 65,507. */
    static List<Integer> sizes() {
        List<Integer> s = new ArrayList<>();
        for (int i = 0; i <= 1_600; i++) {
            s.add(i);
        }
        for (int i = 1_601; i < 65_507; i += 251) {
            s.add(i);
        }
        s.add(65_507);
        return s;
    }

    /**
     * An echo exchange of each size, retried on loss: the client stamps each request with a tag, ignores
     * stale or duplicated replies, and checks every byte. Returns the number of retries it needed.
     */
    static int echoEverySize(SimKit kit, DirectStack client, DirectStack server, List<Integer> sizes, long seed)
            throws Exception {
        server.udp().listen(7, d -> server.udp().send(d.src(), d.payload(), UdpSendOptions.fromPort(7)));
        AtomicReference<LoopFuture<byte[]>> expected = new AtomicReference<>();
        AtomicReference<byte[]> sent = new AtomicReference<>();
        int port = client.udp().listen(0, d -> {
            byte[] b = new byte[d.payload().remaining()];
            d.payload().get(b);
            LoopFuture<byte[]> f = expected.get();
            if (f != null && java.util.Arrays.equals(b, sent.get())) {
                f.complete(b);
            }
        });
        int[] retries = {0};
        RandomGenerator rnd = kit.sim.random("udp-payloads");
        LoopFuture<Void> run = kit.sim.spawn("client", () -> {
            int tag = 0;
            for (int size : sizes) {
                boolean done = false;
                for (int attempt = 0; attempt < 40 && !done; attempt++) {
                    byte[] data = new byte[size];
                    rnd.nextBytes(data);
                    if (size >= 4) {
                        java.nio.ByteBuffer.wrap(data).putInt(++tag);
                    }
                    sent.set(data);
                    LoopFuture<byte[]> f = SimKit.within(client.loop(), Duration.ofMillis(200));
                    expected.set(f);
                    client.udp().send(at("10.0.0.1", 7), ByteBuffer.wrap(data.clone()), UdpSendOptions.fromPort(port));
                    try {
                        assertArrayEquals(data, f.await());
                        done = true;
                    } catch (TimedOutException e) {
                        retries[0]++;
                    }
                }
                assertTrue(done, "size " + size + " never got through");
            }
        });
        kit.sim.runUntil(run::isDone, Duration.ofHours(2));
        run.getNow();
        return retries[0];
    }

    @Test
    void echoesEverySizeUpToTheLargestDatagramUnderLossDuplicationAndReordering() throws Exception {
        SimKit.run(kit -> {
            Faults faults = Faults.NONE.withLoss(0.003).withDuplicate(0.01).withReorder(0.01, Duration.ofMillis(1));
            LinkConfig link = LinkConfig.DEFAULTS.withLatency(Duration.ofMillis(1)).withFaults(faults);
            // Every lost fragment leaves a partial datagram of up to 64 KiB behind; with the default 30 s
            // timeout they fill the 2 MiB reassembly budget and block the retries, so give up after 2 s.
            var reassembly = new DirectStackConfig.ReassemblyLimits(64, 2 << 20, Duration.ofSeconds(2));
            DirectStack server = kit.stack("server", DirectStackConfig.ipv4("10.0.0.1/24").withReassembly(reassembly), link);
            DirectStack client = kit.stack("client", DirectStackConfig.ipv4("10.0.0.2/24").withReassembly(reassembly), link);
            int retries = echoEverySize(kit, client, server, sizes(), kit.sim.seed());
            assertTrue(server.counter(StackCounter.IP_REASSEMBLED) > 200);
            assertTrue(server.counter(StackCounter.IP_FRAGMENT_DUPLICATE) + server.counter(StackCounter.UDP_RX)
                    > sizes().size(), "duplicates were seen");
            assertTrue(retries < sizes().size(), "retries " + retries);
        });
    }

    @Test
    void aBusyHandlersQueueIsBounded() throws Exception {
        SimKit.run(kit -> {
            DirectStack a = kit.stack("a", "10.0.0.1/24");
            DirectStack b = kit.stack("b", DirectStackConfig.ipv4("10.0.0.2/24").withUdpQueuePerPort(4),
                    LinkConfig.DEFAULTS);
            LoopFuture<Void> release = b.loop().newFuture();
            List<Integer> got = new ArrayList<>();
            b.udp().listen(5000, d -> {
                got.add((int) d.payload().get(0));
                release.await();                 // the first datagram blocks the handler
            });
            for (int i = 0; i < 10; i++) {
                a.udp().send(at("10.0.0.2", 5000), ByteBuffer.wrap(new byte[] {(byte) i}));
            }
            kit.sim.runFor(Duration.ofMillis(10));
            assertEquals(5, b.counter(StackCounter.UDP_DROPPED_QUEUE_FULL)); // 1 in the handler, 4 queued
            release.complete(null);
            kit.sim.runFor(Duration.ofMillis(10));
            assertEquals(List.of(0, 1, 2, 3, 4), got);                      // in arrival order
        });
    }

    /** One seeded scenario under faults, captured to pcap bytes at the client's device. */
    static byte[] capture(long seed) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (SimKit kit = new SimKit(seed);
             PcapWriter pcap = new PcapWriter(out, PcapWriter.LinkType.ETHERNET, PcapWriter.Precision.NANOS)) {
            Faults faults = Faults.NONE.withLoss(0.02).withDuplicate(0.02).withReorder(0.02, Duration.ofMillis(1));
            LinkConfig link = LinkConfig.DEFAULTS.withLatency(Duration.ofMillis(1)).withFaults(faults);
            DirectStack server = kit.stack("server", DirectStackConfig.ipv4("10.0.0.1/24"), link);
            var clientLink = kit.net.connect("client", link);
            var device = new CapturingDevice(clientLink.device(), (t, f, o, l, dir) -> {
                try {
                    pcap.write(t, f, o, l);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, kit.sim.clock());
            DirectStack client = DirectStack.create(DirectStackConfig.ipv4("10.0.0.2/24"), device,
                    kit.sim.newLoop("client"));
            for (int i = 0; i < 5; i++) {
                try {
                    client.ping(SimKit.ip("10.0.0.1"), 4000, Duration.ofMillis(100));
                } catch (TimedOutException e) {
                    // loss is part of the scenario
                }
            }
            echoEverySize(kit, client, server, List.of(0, 1, 1472, 1473, 3000, 9000), seed);
        }
        return out.toByteArray();
    }

    @Test
    void aSeedReplaysToTheSamePcapBytes() throws Exception {
        long seed = dev.tcpip.time.SimulationConfig.seedFromProperty();
        byte[] first = capture(seed);
        byte[] second = capture(seed);
        assertTrue(first.length > 10_000, "captured " + first.length);
        assertArrayEquals(first, second, "seed " + seed + " did not replay");
    }
}
