package dev.tcpip.direct;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.LinkConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DirectStackConfigTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        DirectStackConfig c = DirectStackConfig.ipv4("10.0.0.1/24");
        assertNull(c.gateway());
        assertEquals(0, c.mtu());
        assertEquals(64, c.ttl());
        assertEquals(new DirectStackConfig.ArpLimits(512, Duration.ofSeconds(60), 3, Duration.ofSeconds(1), 32), c.arp());
        assertEquals(new DirectStackConfig.ReassemblyLimits(64, 2 << 20, Duration.ofSeconds(30)), c.reassembly());
        assertEquals(100, c.icmpErrorsPerSecond());
        assertEquals(20, c.icmpErrorBurst());
        assertEquals(1024, c.udpQueuePerPort());
        assertEquals("10.0.0.255", c.directedBroadcast().toString());
    }

    @Test
    void tcpBuffersAreBoundedAtOneGibibyteCloseLimitIncluded() {
        // A close limit beyond what the receive ring can hold would let close() grow it past 2^30 forever.
        assertThrows(IllegalArgumentException.class, () -> closeLimit((1 << 30) + 1));
        assertThrows(IllegalArgumentException.class, () -> closeLimit(-1));
        assertEquals(1 << 30, closeLimit(1 << 30).closeBufferLimit());
        assertThrows(IllegalArgumentException.class, () -> TcpConfig.DEFAULTS.withBuffers(64 << 10, (1 << 30) + 1));
    }

    private static TcpConfig closeLimit(int limit) {
        TcpConfig d = TcpConfig.DEFAULTS;
        return new TcpConfig(d.sendBufferSize(), d.receiveBufferSize(), limit, d.initialRto(), d.minRto(), d.maxRto(),
                d.synRetries(), d.dataRetries(), d.msl(), d.timeWaitLimit(), d.delayedAck(), d.outOfOrderLimit(),
                d.backlog(), d.initialWindow(), d.windowScaling(), d.timestamps(), d.sack(), d.nagle(),
                d.congestionControl(), d.challengeAckLimit(), d.ephemeralLow(), d.ephemeralHigh(), d.defaultMss(),
                d.maxConnections(), d.synCookies(), d.ecn(), d.sendBufferMax(), d.receiveBufferMax());
    }

    @Test
    void rejectsWhatCannotWork() {
        assertThrows(IllegalArgumentException.class, () -> DirectStackConfig.ipv4("10.0.0.0/24"));     // network
        assertThrows(IllegalArgumentException.class, () -> DirectStackConfig.ipv4("10.0.0.255/24"));   // broadcast
        assertThrows(IllegalArgumentException.class, () -> DirectStackConfig.ipv4("224.0.0.1/24"));
        assertThrows(IllegalArgumentException.class, () -> DirectStackConfig.ipv4("10.0.0.1/31"));
        assertThrows(IllegalArgumentException.class, () -> DirectStackConfig.ipv4("10.0.0.1/24").withGateway("10.0.1.1"));
        assertThrows(IllegalArgumentException.class, () -> DirectStackConfig.ipv4("10.0.0.1/24").withMtu(67));
        assertThrows(IllegalArgumentException.class, () -> DirectStackConfig.ipv4("10.0.0.1/24").withTtl(0));
        assertThrows(IllegalArgumentException.class,
                () -> new DirectStackConfig.ReassemblyLimits(1, 1000, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class,
                () -> new DirectStackConfig.ArpLimits(0, Duration.ofSeconds(1), 1, Duration.ofSeconds(1), 1));
    }

    @Test
    void anMtuAboveTheDevicesIsRejected() throws Exception {
        SimKit.run(kit -> assertThrows(IllegalArgumentException.class,
                () -> kit.stack("a", DirectStackConfig.ipv4("10.0.0.1/24").withMtu(9000), LinkConfig.DEFAULTS)));
    }

    @Test
    void theTcpLayerIsPluggedInWithTheConfiguredSettings() throws Exception {
        SimKit.run(kit -> {
            TcpConfig d = TcpConfig.DEFAULTS;
            TcpConfig narrow = new TcpConfig(d.sendBufferSize(), d.receiveBufferSize(), d.closeBufferLimit(),
                    d.initialRto(), d.minRto(), d.maxRto(), d.synRetries(), d.dataRetries(), d.msl(),
                    d.timeWaitLimit(), d.delayedAck(), d.outOfOrderLimit(), d.backlog(), d.initialWindow(),
                    d.windowScaling(), d.timestamps(), d.sack(), d.nagle(), d.congestionControl(),
                    d.challengeAckLimit(), 50_000, 50_003, d.defaultMss(), d.maxConnections(), d.synCookies(), d.ecn(),
                    d.sendBufferMax(), d.receiveBufferMax());
            DirectStack a = kit.stack("a", DirectStackConfig.ipv4("10.0.0.1/24").withTcp(narrow), LinkConfig.DEFAULTS);
            for (int i = 0; i < 4; i++) {
                int port = a.tcp().listen(0, f -> { });
                assertTrue(port >= 50_000 && port <= 50_003, "the configured ephemeral range is used: " + port);
            }
            assertThrows(java.io.IOException.class, () -> a.tcp().listen(0, f -> { }),
                    "the configured range of four ports is used up");
        });
    }

    @Test
    void ipv6AndDualStackFactoriesAndDefaults() {
        DirectStackConfig v6 = DirectStackConfig.ipv6("2001:db8::1/64");
        assertEquals(dev.tcpip.IpFamily.IPV6, v6.family());
        assertEquals(null, v6.address());
        assertEquals(List.of(DirectStackConfig.StaticAddress.parse("2001:db8::1/64")), v6.ipv6().addresses());
        DirectStackConfig.Ipv6Config d = DirectStackConfig.Ipv6Config.DEFAULTS;
        assertEquals(false, d.slaac());
        assertEquals(1, d.dadTransmits());
        assertEquals(64, d.hopLimit());
        assertEquals(3, d.routerSolicitations());
        assertEquals(new DirectStackConfig.NdpLimits(512, 32, Duration.ofSeconds(1), Duration.ofSeconds(30),
                Duration.ofSeconds(5), 3, 3, 512), d.ndp());
        assertEquals(new DirectStackConfig.ReassemblyLimits(64, 2 << 20, Duration.ofSeconds(60)), d.reassembly());
        assertEquals(100, d.icmpErrorsPerSecond());
        assertEquals(20, d.icmpErrorBurst());
        assertEquals(dev.tcpip.IpFamily.DUAL, DirectStackConfig.ipv4("10.0.0.1/24").withIpv6("2001:db8::1/64").family());
        assertEquals(dev.tcpip.IpFamily.IPV4, DirectStackConfig.ipv4("10.0.0.1/24").family());
        assertEquals(dev.tcpip.IpFamily.IPV6, DirectStackConfig.ipv6LinkLocal().withSlaac(true).family());
        assertThrows(IllegalArgumentException.class, () -> DirectStackConfig.ipv6("ff02::1/64"));
        assertThrows(IllegalArgumentException.class, () -> DirectStackConfig.ipv6("2001:db8::1/64").withMtu(1000));
        assertThrows(IllegalArgumentException.class, () -> d.withDadTransmits(17));
    }
}
