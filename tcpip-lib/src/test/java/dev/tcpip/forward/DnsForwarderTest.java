package dev.tcpip.forward;

import static dev.tcpip.direct.SimKit.at;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.Datagram;
import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import dev.tcpip.UdpSendOptions;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.SimKit;
import dev.tcpip.time.LoopFuture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The DNS forwarder in virtual time: a guest stack asks the gateway's 10.0.2.3, the forwarder relays through an
 * upstream direct stack to a fake resolver on a third stack.
 */
class DnsForwarderTest {

    private static final InetAddress DNS = SimKit.ip("10.0.2.3");

    /** The gateway (guest side), the host side the forwarder leaves from, the resolver, the guest. */
    record World(SimKit kit, DirectStack gw, DirectStack host, DirectStack resolver, DirectStack guest,
                 DnsForwarder forwarder, List<Integer> idsSeen) {
    }

    /**
     * A fake resolver at 10.0.9.53: answers a query (the first byte after the header says how) with the query,
     * QR set and {@code size} bytes of i mod 251 appended; first byte 1: no answer at all.
     */
    static World world(SimKit kit, DnsForwarder.Config config) throws IOException {
        DirectStack gw = kit.stack("gw", DirectStackConfig.ipv4("10.0.2.2/24").withIpv4Alias("10.0.2.3"),
                LinkConfig.DEFAULTS);
        DirectStack host = kit.stack("host", DirectStackConfig.ipv4("10.0.9.1/24"), LinkConfig.DEFAULTS);
        DirectStack resolver = kit.stack("resolver", DirectStackConfig.ipv4("10.0.9.53/24"), LinkConfig.DEFAULTS);
        DirectStack guest = kit.stack("guest", DirectStackConfig.ipv4("10.0.2.100/24"), LinkConfig.DEFAULTS);
        List<Integer> ids = Collections.synchronizedList(new ArrayList<>());
        resolver.udp().listen(53, d -> {
            byte[] q = bytes(d.payload());
            ids.add((q[0] & 0xff) << 8 | q[1] & 0xff);
            if (q[12] != 1) {
                resolver.udp().send(d.src(), ByteBuffer.wrap(response(q)), UdpSendOptions.fromPort(53));
            }
        });
        resolver.tcp().listen(53, f -> {
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            while (f.read() instanceof ReadResult.Data data) {          // ends at the forwarder's FIN
                in.write(bytes(data.bytes()));
                byte[] b = in.toByteArray();
                int at = 0;
                while (b.length - at >= 2 && b.length - at - 2 >= ((b[at] & 0xff) << 8 | b[at + 1] & 0xff)) {
                    int n = (b[at] & 0xff) << 8 | b[at + 1] & 0xff;
                    byte[] q = java.util.Arrays.copyOfRange(b, at + 2, at + 2 + n);
                    byte[] r = response(q);
                    ByteBuffer out = ByteBuffer.allocate(2 + r.length).putShort((short) r.length).put(r).flip();
                    f.write(out);
                    at += 2 + n;
                }
                in.reset();
                in.write(b, at, b.length - at);
            }
            f.close();
        });
        DnsForwarder fwd = DnsForwarder.start(gw, DNS, host, config, kit.sim.random("dns-ids"));
        return new World(kit, gw, host, resolver, guest, fwd, ids);
    }

    static DnsForwarder.Config config() {
        return DnsForwarder.Config.of(at("10.0.9.53", 53));
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }

    /** A query with {@code id}, its first byte after the header {@code how}, asking for {@code size} extra bytes. */
    static byte[] query(int id, int how, int size) {
        return ByteBuffer.allocate(16).putShort((short) id).putShort((short) 0x0100).putShort((short) 1)
                .putShort((short) 0).putInt(0).put((byte) how).put((byte) 0).putShort((short) size).array();
    }

    static byte[] response(byte[] q) {
        int size = (q[14] & 0xff) << 8 | q[15] & 0xff;
        byte[] r = java.util.Arrays.copyOf(q, q.length + size);
        r[2] |= (byte) 0x80;                                             // QR: a response
        for (int i = 0; i < size; i++) {
            r[q.length + i] = (byte) (i % 251);
        }
        return r;
    }

    /** Sends each query from the guest's port {@code port} and collects the answers for {@code within}. */
    static List<Datagram> ask(World w, List<byte[]> queries, Duration within) throws IOException {
        List<Datagram> got = Collections.synchronizedList(new ArrayList<>());
        int port = w.guest().udp().listen(0, got::add);
        for (byte[] q : queries) {
            w.guest().udp().send(at("10.0.2.3", 53), ByteBuffer.wrap(q), UdpSendOptions.fromPort(port));
        }
        w.kit().sim.runFor(within);
        w.guest().udp().unlisten(port);
        return got;
    }

    @Test
    void relaysUdpQueriesAndGivesBackTheGuestsIdFromTheDnsAddressLargeAnswersWhole() throws Exception {
        SimKit.run(kit -> {
            World w = world(kit, config());
            List<Datagram> got = ask(w, List.of(query(0x1234, 0, 40), query(0x1234, 0, 1400)), Duration.ofSeconds(1));
            assertEquals(2, got.size(), got.toString());
            List<Integer> sizes = new ArrayList<>();
            for (Datagram d : got) {
                assertEquals(at("10.0.2.3", 53), d.src());
                byte[] r = bytes(d.payload());
                assertEquals(0x1234, (r[0] & 0xff) << 8 | r[1] & 0xff);
                byte[] expected = response(query(0x1234, 0, r.length - 16));
                assertArrayEquals(expected, r);
                sizes.add(r.length);
            }
            assertEquals(List.of(56, 1416), sizes.stream().sorted().toList(), "a 1,416-byte answer (> 512) whole");
            assertEquals(2, w.idsSeen().size());
            assertTrue(!w.idsSeen().get(0).equals(w.idsSeen().get(1)), "two queries with one guest ID, two upstream IDs");
            assertEquals(new DnsForwarder.Stats(2, 2, 0, 0, 0, 0), w.forwarder().stats());
            assertEquals(0, w.forwarder().inFlight());
        });
    }

    @Test
    void anUnansweredQueryTimesOutAndTheGuestHearsNothing() throws Exception {
        SimKit.run(kit -> {
            World w = world(kit, config().withTimeout(Duration.ofSeconds(2)));
            List<Datagram> got = ask(w, List.of(query(7, 1, 0)), Duration.ofSeconds(1));
            assertEquals(List.of(), got);
            assertEquals(1, w.forwarder().inFlight());
            kit.sim.runFor(Duration.ofSeconds(2));
            assertEquals(0, w.forwarder().inFlight());
            assertEquals(1, w.forwarder().stats().timeouts());
        });
    }

    @Test
    void queriesBeyondTheBoundAreDroppedAndTheBoundFreesAsAnswersOrTimeoutsCome() throws Exception {
        SimKit.run(kit -> {
            World w = world(kit, config().withMaxInFlight(4).withTimeout(Duration.ofSeconds(3)));
            List<byte[]> silent = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                silent.add(query(i, 1, 0));
            }
            assertEquals(List.of(), ask(w, silent, Duration.ofSeconds(1)));
            assertEquals(4, w.forwarder().inFlight());
            assertEquals(2, w.forwarder().stats().droppedFull());
            assertEquals(4, w.idsSeen().size(), "only four reached the resolver");
            assertEquals(0, ask(w, List.of(query(9, 0, 0)), Duration.ofMillis(100)).size(), "still full");
            kit.sim.runFor(Duration.ofSeconds(3));
            assertEquals(0, w.forwarder().inFlight());
            assertEquals(1, ask(w, List.of(query(10, 0, 0)), Duration.ofSeconds(1)).size(), "room again");
        });
    }

    @Test
    void aForgedOrLateAnswerIsDropped() throws Exception {
        SimKit.run(kit -> {
            World w = world(kit, config());
            assertEquals(1, ask(w, List.of(query(1, 0, 0)), Duration.ofSeconds(1)).size());
            // The resolver's address is right but the ID is not in flight any more: dropped.
            int port = w.forwarder().upstreamPort();
            w.resolver().udp().send(at("10.0.9.1", port), ByteBuffer.wrap(response(query(w.idsSeen().getFirst(), 0, 0))),
                    UdpSendOptions.fromPort(53));
            // From another port of the resolver's: dropped whatever the ID.
            w.resolver().udp().send(at("10.0.9.1", port), ByteBuffer.wrap(response(query(w.idsSeen().getFirst(), 0, 0))),
                    UdpSendOptions.fromPort(5353));
            kit.sim.runFor(Duration.ofMillis(100));
            assertEquals(1, w.forwarder().stats().udpAnswers());
            assertEquals(2, w.forwarder().stats().droppedOther());
        });
    }

    @Test
    void relaysTcpWithLengthPrefixesPipelined() throws Exception {
        SimKit.run(kit -> {
            World w = world(kit, config());
            AtomicReference<byte[]> result = new AtomicReference<>();
            LoopFuture<Void> run = kit.sim.spawn("client", () -> {
                TcpFlow f = w.guest().tcp().connect(at("10.0.2.3", 53));
                ByteBuffer out = ByteBuffer.allocate(36).putShort((short) 16).put(query(1, 0, 600))
                        .putShort((short) 16).put(query(2, 0, 0)).flip();
                f.write(out);
                f.shutdown(dev.tcpip.Direction.WRITE);
                ByteArrayOutputStream in = new ByteArrayOutputStream();
                while (f.read() instanceof ReadResult.Data d) {
                    in.write(bytes(d.bytes()));
                }
                f.close();
                result.set(in.toByteArray());
            });
            kit.sim.runUntil(run::isDone, Duration.ofSeconds(30));
            run.getNow();
            byte[] got = result.get();
            byte[] r1 = response(query(1, 0, 600));
            byte[] r2 = response(query(2, 0, 0));
            ByteBuffer expected = ByteBuffer.allocate(4 + r1.length + r2.length).putShort((short) r1.length).put(r1)
                    .putShort((short) r2.length).put(r2);
            assertArrayEquals(expected.array(), got);
            assertEquals(1, w.forwarder().stats().tcpConnections());
            kit.sim.runFor(Duration.ofSeconds(1));
            assertEquals(0, w.forwarder().inFlight());
        });
    }

    @Test
    void anIdleTcpConnectionIsEndedAfterTheTimeout() throws Exception {
        SimKit.run(kit -> {
            World w = world(kit, config().withTimeout(Duration.ofSeconds(3)));
            AtomicReference<Long> result = new AtomicReference<>();
            LoopFuture<Void> run = kit.sim.spawn("client", () -> {
                TcpFlow f = w.guest().tcp().connect(at("10.0.2.3", 53));
                long start = kit.sim.now();
                ReadResult r = f.read();                                   // nothing sent: nothing comes
                assertTrue(r instanceof ReadResult.Eof, "read " + r);
                result.set(kit.sim.now() - start);
            });
            kit.sim.runUntil(run::isDone, Duration.ofSeconds(30));
            run.getNow();
            long waited = result.get();
            assertTrue(waited >= Duration.ofSeconds(3).toNanos() && waited < Duration.ofSeconds(4).toNanos(),
                    "ended after " + waited + " ns");
            kit.sim.runFor(Duration.ofSeconds(1));
            assertEquals(0, w.forwarder().inFlight());
        });
    }
}
