package dev.tcpip.direct;

import static dev.tcpip.direct.SimKit.at;
import static dev.tcpip.direct.SimKit.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.UnreachableException;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.wire.ArpPacket;
import dev.tcpip.wire.EtherType;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.MacAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ARP on the direct stack (RFC 826, RFC 1122 §2.3.2), in virtual time. */
class DirectArpTest {

    private static final Duration SECOND = Duration.ofSeconds(1);

    @Test
    void announcesItsAddressWhenConfigured() throws Exception {
        SimKit.run(kit -> {
            SimKit.Raw raw = kit.raw("raw");
            DirectStack a = kit.stack("a", "10.0.0.1/24");
            kit.sim.runFor(Duration.ofMillis(1));
            assertEquals(1, a.counter(StackCounter.ARP_TX_REQUESTS));
            byte[] f = raw.received.getFirst();
            assertEquals(EtherType.ARP, (f[12] & 0xff) << 8 | f[13] & 0xff);
            assertEquals(MacAddress.BROADCAST, MacAddress.read(f, 0));
            assertEquals(Ipv4Address.parse("10.0.0.1"), Ipv4Address.read(f, 14 + 14));  // sender = target
            assertEquals(Ipv4Address.parse("10.0.0.1"), Ipv4Address.read(f, 14 + 24));
        });
    }

    @Test
    void resolvesCachesBothWaysAndExpiresAfterTheLifetime() throws Exception {
        SimKit.run(kit -> {
            DirectStack a = kit.stack("a", "10.0.0.1/24");
            DirectStack b = kit.stack("b", "10.0.0.2/24");
            a.ping(ip("10.0.0.2"), 56, SECOND);
            assertEquals(List.of(b.mac()), a.arpCache().stream().map(ArpEntry::mac).toList());
            assertEquals(List.of(a.mac()), b.arpCache().stream().map(ArpEntry::mac).toList()); // learned from the request
            a.ping(ip("10.0.0.2"), 56, SECOND);
            assertEquals(2, a.counter(StackCounter.ARP_TX_REQUESTS));                    // announce + one request
            kit.sim.runFor(Duration.ofSeconds(61));
            assertTrue(a.arpCache().isEmpty());
            assertTrue(b.arpCache().isEmpty());
            a.ping(ip("10.0.0.2"), 56, SECOND);
            assertEquals(3, a.counter(StackCounter.ARP_TX_REQUESTS));                    // resolved again
        });
    }

    @Test
    void anEntryInUseIsRefreshedByUnicastBeforeItExpires() throws Exception {
        SimKit.run(kit -> {
            DirectStackConfig c = DirectStackConfig.ipv4("10.0.0.1/24").withArp(
                    new DirectStackConfig.ArpLimits(16, Duration.ofSeconds(10), 3, SECOND, 8));
            DirectStack a = kit.stack("a", c, LinkConfig.DEFAULTS);
            DirectStack b = kit.stack("b", "10.0.0.2/24");
            for (int i = 0; i < 30; i++) {
                a.ping(ip("10.0.0.2"), 8, SECOND);
                kit.sim.runFor(SECOND);
            }
            // announce, the first resolution, then one unicast refresh per lifetime: never a gap.
            long requests = a.counter(StackCounter.ARP_TX_REQUESTS);
            assertTrue(requests >= 4 && requests <= 6, "requests " + requests);
            assertEquals(0, a.counter(StackCounter.ARP_RESOLUTION_FAILED));
            assertEquals(b.counter(StackCounter.ARP_TX_REPLIES), requests - 1);
        });
    }

    @Test
    void anUnansweredAddressFailsAfterTheRetriesWithHostUnreachable() throws Exception {
        SimKit.run(kit -> {
            DirectStack a = kit.stack("a", "10.0.0.1/24");
            long start = kit.sim.now();
            UnreachableException e = assertThrows(UnreachableException.class,
                    () -> a.udp().send(at("10.0.0.99", 9), ByteBuffer.wrap(new byte[10])));
            assertTrue(e.getMessage().contains("10.0.0.99"), e.getMessage());
            assertEquals(Duration.ofSeconds(4), Duration.ofNanos(kit.sim.now() - start)); // 1 + 3 retries, 1 s apart
            assertEquals(5, a.counter(StackCounter.ARP_TX_REQUESTS));
            assertEquals(1, a.counter(StackCounter.ARP_RESOLUTION_FAILED));
            assertThrows(UnreachableException.class, () -> a.ping(ip("10.0.0.99"), 8, Duration.ofSeconds(30)));
        });
    }

    @Test
    void thePendingQueueIsBoundedPerAddress() throws Exception {
        SimKit.run(kit -> {
            DirectStackConfig c = DirectStackConfig.ipv4("10.0.0.1/24").withArp(
                    new DirectStackConfig.ArpLimits(16, Duration.ofSeconds(60), 1, SECOND, 2));
            DirectStack a = kit.stack("a", c, LinkConfig.DEFAULTS);
            List<LoopFuture<Void>> senders = new ArrayList<>();
            List<Long> failedAt = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                senders.add(kit.sim.spawn("sender-" + i, () -> {
                    try {
                        a.udp().send(at("10.0.0.99", 9), ByteBuffer.wrap(new byte[10]));
                    } catch (UnreachableException e) {
                        failedAt.add(kit.sim.now());
                    }
                }));
            }
            kit.sim.runUntil(() -> senders.stream().allMatch(LoopFuture::isDone), Duration.ofSeconds(10));
            assertEquals(1, a.counter(StackCounter.ARP_PENDING_QUEUE_FULL));
            assertEquals(2, a.counter(StackCounter.ARP_PENDING_DROPPED));
            // the third fails at once, the two queued ones after the one retry
            assertEquals(List.of(0L, 2_000_000_000L, 2_000_000_000L), failedAt);
        });
    }

    @Test
    void answersRequestsForItsOwnAddressOnly() throws Exception {
        SimKit.run(kit -> {
            SimKit.Raw raw = kit.raw("raw");
            DirectStack b = kit.stack("b", "10.0.0.2/24");
            kit.sim.runFor(Duration.ofMillis(1));
            raw.received.clear();
            for (String target : new String[] {"10.0.0.77", "10.0.0.2"}) {
                byte[] arp = new byte[ArpPacket.LENGTH];
                new ArpPacket(ArpPacket.REQUEST, raw.mac, Ipv4Address.parse("10.0.0.9"), MacAddress.ZERO,
                        Ipv4Address.parse(target)).emit(arp, 0);
                raw.send(SimKit.ethernet(MacAddress.BROADCAST, raw.mac, EtherType.ARP, arp));
            }
            kit.sim.runFor(Duration.ofMillis(1));
            assertEquals(1, b.counter(StackCounter.ARP_NOT_FOR_US));
            assertEquals(1, b.counter(StackCounter.ARP_TX_REPLIES));
            assertEquals(1, raw.received.size());
            byte[] reply = raw.received.getFirst();
            assertEquals(raw.mac, MacAddress.read(reply, 0));
            assertEquals(ArpPacket.REPLY, reply[14 + 7]);
            assertEquals(b.mac(), MacAddress.read(reply, 14 + 8));
            assertEquals(List.of(raw.mac), b.arpCache().stream().map(ArpEntry::mac).toList());
        });
    }

    @Test
    void staticEntriesNeedNoRequestAndAreNotOverwritten() throws Exception {
        SimKit.run(kit -> {
            DirectStack a = kit.stack("a", "10.0.0.1/24");
            DirectStack b = kit.stack("b", "10.0.0.2/24");
            a.addStaticArp(Ipv4Address.parse("10.0.0.2"), b.mac());
            b.addStaticArp(Ipv4Address.parse("10.0.0.1"), a.mac());
            a.ping(ip("10.0.0.2"), 56, SECOND);
            kit.sim.runFor(Duration.ofMinutes(5));
            a.ping(ip("10.0.0.2"), 56, SECOND);
            assertEquals(1, a.counter(StackCounter.ARP_TX_REQUESTS));   // the announcement only
            ArpEntry e = a.arpCache().getFirst();
            assertTrue(e.isStatic());
            assertEquals(Long.MAX_VALUE, e.expiresAt());
            assertTrue(a.removeArp(Ipv4Address.parse("10.0.0.2")));
            assertFalse(a.removeArp(Ipv4Address.parse("10.0.0.2")));
        });
    }

    @Test
    void theCacheIsBoundedAndEvictsTheOldestLearnedEntry() throws Exception {
        SimKit.run(kit -> {
            DirectStackConfig c = DirectStackConfig.ipv4("10.0.0.1/24").withArp(
                    new DirectStackConfig.ArpLimits(2, Duration.ofSeconds(60), 3, SECOND, 8));
            DirectStack a = kit.stack("a", c, LinkConfig.DEFAULTS);
            for (int i = 2; i <= 5; i++) {
                kit.stack("s" + i, "10.0.0." + i + "/24");
            }
            for (int i = 2; i <= 5; i++) {
                a.ping(ip("10.0.0." + i), 8, SECOND);
            }
            assertEquals(2, a.arpCache().size());
            assertEquals(List.of("10.0.0.4", "10.0.0.5"),
                    a.arpCache().stream().map(e -> e.ip().toString()).toList());
            assertEquals(2, a.counter(StackCounter.ARP_CACHE_EVICTED));
        });
    }
}
