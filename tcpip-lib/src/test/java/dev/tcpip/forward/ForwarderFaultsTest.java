package dev.tcpip.forward;

import static dev.tcpip.forward.GatewayPath.SERVER;
import static dev.tcpip.forward.GatewayPath.at;

import dev.tcpip.device.Faults;
import dev.tcpip.device.LinkConfig;
import java.time.Duration;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The forwarding path's bulk and half-close runs with loss, reordering and corruption on the guest's link (every
 * frame of the guest and of the gateway meets the faults on its way out), byte-exact; on an Ethernet and on a
 * point-to-point IP link (a simulated TUN: no ARP, replies from far addresses straight to the other end), and on that
 * link with the forwarder's upstream a {@link dev.tcpip.socks.Socks5Stack} through a proxy on the server network (the
 * relay's shape with {@code --socks5}). Seeds per fault kind:
 * {@code -Dtcpip.sim.seeds} (default 3; the full run is 50).
 */
class ForwarderFaultsTest {
    static final int SEEDS = Integer.getInteger("tcpip.sim.seeds", 3);
    static final LinkConfig LINK = LinkConfig.DEFAULTS.withLatency(Duration.ofMillis(1))
            .withBitsPerSecond(1_000_000_000L);

    enum Kind {
        LOSS_5(Faults.NONE.withLoss(0.05)),
        REORDER(Faults.NONE.withReorder(0.05, Duration.ofMillis(2))),
        CORRUPT(Faults.NONE.withCorrupt(0.02, 1));

        final Faults faults;

        Kind(Faults faults) {
            this.faults = faults;
        }
    }

    @TestFactory
    Stream<DynamicTest> throughSocks5OnAPointToPointLinkUnderFaults() {
        return Stream.of(Kind.values()).flatMap(kind -> LongStream.rangeClosed(1, SEEDS).mapToObj(seed ->
                DynamicTest.dynamicTest("socks5 point-to-point " + kind + " seed " + seed, () -> viaSocks5(kind, seed))));
    }

    static void viaSocks5(Kind kind, long seed) throws Exception {
        try (ForwarderSocks5SimulationTest.Path x = ForwarderSocks5SimulationTest.path(seed, 1080,
                Duration.ofSeconds(10), LINK.withFaults(kind.faults, Faults.NONE), true)) {
            GatewayPath p = x.p();
            ForwarderSimulationTest.bulk(p, 1 << 20, 1 << 20, Duration.ofHours(1));
            p.call("listen", () -> p.server.tcp().listen(7, GatewayPath::echo));
            ForwarderSimulationTest.halfCloseEcho(p, at(SERVER, 7), seed, 200_000, Duration.ofHours(1));
            org.junit.jupiter.api.Assertions.assertEquals(2, p.call("stats", x.socks()::stats).connects(),
                    "both flows went through the proxy");
        } catch (Exception | AssertionError e) {
            throw new AssertionError("SOCKS5 " + kind + " failed with seed " + seed + ": " + e, e);
        }
    }

    @TestFactory
    Stream<DynamicTest> bulkAndHalfCloseEchoUnderFaults() {
        return Stream.of(false, true).flatMap(p2p -> Stream.of(Kind.values()).flatMap(kind ->
                LongStream.rangeClosed(1, SEEDS).mapToObj(seed -> DynamicTest.dynamicTest(
                        (p2p ? "point-to-point " : "") + kind + " seed " + seed, () -> run(kind, seed, p2p)))));
    }

    static void run(Kind kind, long seed, boolean pointToPoint) throws Exception {
        try (GatewayPath p = new GatewayPath(seed, ForwarderConfig.DEFAULTS, LINK.withFaults(kind.faults, Faults.NONE),
                s -> s, false, pointToPoint)) {
            ForwarderSimulationTest.bulk(p, 1 << 20, 1 << 20, Duration.ofHours(1));
            p.call("listen", () -> p.server.tcp().listen(7, GatewayPath::echo));
            ForwarderSimulationTest.halfCloseEcho(p, at(SERVER, 7), seed, 200_000, Duration.ofHours(1));
        } catch (Exception | AssertionError e) {
            throw new AssertionError(kind + " failed with seed " + seed + ": " + e, e);
        }
    }
}
