package dev.tcpip.direct;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.Direction;
import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.TcpHeader;
import dev.tcpip.wire.TcpOptions;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * A SYN flood from spoofed sources against a whole direct stack in virtual time, as hping3 makes one against
 * {@code tcpip serve}: a raw device injects 100,000 SYNs from 150 addresses of the server's subnet (nobody
 * answers the server's ARP or Neighbor Solicitations for them) at 200,000 per second, while and after which
 * a second direct stack connects and has 64 KiB echoed byte for byte. The backlog fills, the rest get SYN
 * cookies (RFC 4987 §3.6), and the connection table never holds more than the backlog and the real flows.
 */
class DirectSynFloodTest {
    private static final int PORT = 80;
    private static final int SYNS = 100_000;
    private static final int PER_MS = 200;
    private static final long SECOND = 1_000_000_000L;

    @Test
    void floodOverIpv4() throws Exception {
        flood(false);
    }

    @Test
    void floodOverIpv6() throws Exception {
        flood(true);
    }

    private static void flood(boolean v6) throws Exception {
        SimKit.run(kit -> {
            DirectStackConfig serverConfig = v6 ? MemoryPair.quick(DirectStackConfig.ipv6("2001:db8::1/64"))
                    : DirectStackConfig.ipv4("10.0.0.1/24");
            DirectStackConfig clientConfig = v6 ? MemoryPair.quick(DirectStackConfig.ipv6("2001:db8::2/64"))
                    : DirectStackConfig.ipv4("10.0.0.2/24");
            DirectStack server = kit.stack("server", serverConfig, LinkConfig.DEFAULTS);
            DirectStack client = kit.stack("client", clientConfig, LinkConfig.DEFAULTS);
            SimKit.Raw raw = kit.raw("flood");
            InetSocketAddress at = SimKit.at(v6 ? "2001:db8::1" : "10.0.0.1", PORT);
            server.tcp().listen(PORT, DirectSynFloodTest::echo);
            RandomGenerator rnd = kit.sim.random("flood");
            TcpConfig tcp = serverConfig.tcp();
            Exchange during = null;
            int maxTable = 0;
            for (int n = 0; n < SYNS; n += PER_MS) {
                for (int i = n; i < n + PER_MS; i++) {
                    raw.send(syn(v6, raw, server, i, rnd));
                }
                kit.sim.runFor(Duration.ofMillis(1));
                maxTable = Math.max(maxTable, server.tcp().connectionCount());
                if (n == SYNS / 5) {
                    during = exchange(kit, client, at, rnd);    // the real client in the middle of the flood
                }
            }
            long duringNanos = during.nanos(kit);
            assertTrue(duringNanos < SECOND, "answered within 1 s during the flood: " + duringNanos + " ns");
            long afterNanos = exchange(kit, client, at, rnd).nanos(kit);
            assertTrue(afterNanos < SECOND, "answered within 1 s after the flood: " + afterNanos + " ns");
            assertTrue(maxTable <= tcp.backlog() + 2, "the table held the backlog and the real flow at most: "
                    + maxTable);
            long cookies = server.counter(StackCounter.TCP_SYN_COOKIES_SENT);
            assertTrue(cookies >= SYNS - tcp.backlog() - 100, "SYNs past the backlog got cookies: " + cookies);
            assertTrue(server.counter(StackCounter.TCP_SYN_COOKIES_VALIDATED) >= 1, "the real client got through");
            assertEquals(0, server.counter(StackCounter.TCP_TABLE_FULL));
            kit.sim.runFor(Duration.ofMinutes(5));
            assertEquals(0, server.tcp().connectionCount(), "the half-open entries timed out, the real flows closed");
        });
    }

    /** The server's handler: echoes until the client's FIN, then closes. */
    private static void echo(TcpFlow f) throws Exception {
        for (int i = 0; i < 10_000; i++) {
            if (!(f.read() instanceof ReadResult.Data d)) {
                break;
            }
            f.write(d.bytes());
        }
        f.close();
    }

    /**
     * A client that connects, sends 64 KiB, half-closes and checks that every byte comes back; the future
     * gives the virtual nanoseconds from connect to the last byte.
     */
    private static Exchange exchange(SimKit kit, DirectStack client, InetSocketAddress at, RandomGenerator rnd) {
        byte[] data = new byte[64 * 1024];
        rnd.nextBytes(data);
        AtomicLong took = new AtomicLong(-1);
        LoopFuture<Void> run = kit.sim.spawn("client", () -> {
            long start = client.loop().now();
            try (TcpFlow f = client.tcp().connect(at)) {
                f.write(ByteBuffer.wrap(data.clone()));
                f.shutdown(Direction.WRITE);
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                for (int i = 0; i < 10_000 && got.size() < data.length; i++) {
                    ByteBuffer b = assertInstanceOf(ReadResult.Data.class, f.read()).bytes();
                    byte[] chunk = new byte[b.remaining()];
                    b.get(chunk);
                    got.write(chunk);
                }
                assertArrayEquals(data, got.toByteArray());
                took.set(client.loop().now() - start);
            }
        });
        return new Exchange(run, took);
    }

    /** A client's run, and how long it took once it is done. */
    private record Exchange(LoopFuture<Void> run, AtomicLong took) {
        long nanos(SimKit kit) {
            kit.sim.runUntil(run::isDone, Duration.ofSeconds(60));
            run.getNow();
            return took.get();
        }
    }

    /** SYN number {@code i}: from one of 150 spoofed addresses of the subnet and a random port. */
    private static byte[] syn(boolean v6, SimKit.Raw raw, DirectStack server, int i, RandomGenerator rnd) {
        int host = 100 + i % 150;
        TcpOptions options = new TcpOptions(1460, 7, true, true, rnd.nextInt(), 0, List.of());
        TcpHeader h = new TcpHeader(1024 + rnd.nextInt(64_000), PORT, rnd.nextInt(), 0, TcpHeader.SYN, 64_240, 0,
                options, 0);
        byte[] seg = new byte[h.length()];
        if (v6) {
            String src = "2001:db8::" + Integer.toHexString(host);
            h.emitIpv6(seg, 0, Ipv6Address.parse(src), Ipv6Address.parse("2001:db8::1"));
            return SimKit.ipv6Frame(server.mac(), raw.mac, SimKit.ipv6(src, "2001:db8::1", 64, List.of(),
                    IpProtocol.TCP, seg));
        }
        String src = "10.0.0." + host;
        h.emitIpv4(seg, 0, Ipv4Address.parse(src), Ipv4Address.parse("10.0.0.1"));
        return SimKit.ipFrame(server.mac(), raw.mac, SimKit.ipv4(src, "10.0.0.1", IpProtocol.TCP, i & 0xffff,
                false, 0, seg));
    }
}
