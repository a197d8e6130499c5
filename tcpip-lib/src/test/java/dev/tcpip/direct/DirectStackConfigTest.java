package dev.tcpip.direct;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tcpip.device.LinkConfig;
import java.time.Duration;
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
            DirectStack a = kit.stack("a", DirectStackConfig.ipv4("10.0.0.1/24")
                    .withTcp(dev.tcpip.direct.tcp.TcpConfig.DEFAULTS), LinkConfig.DEFAULTS);
            int port = a.tcp().listen(0, f -> { });
            org.junit.jupiter.api.Assertions.assertTrue(port > 0, "an ephemeral port was chosen: " + port);
        });
    }
}
