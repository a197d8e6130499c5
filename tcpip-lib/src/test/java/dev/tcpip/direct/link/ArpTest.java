package dev.tcpip.direct.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.FrameReceiver;
import dev.tcpip.device.NetworkDevice;
import dev.tcpip.direct.ArpEntry;
import dev.tcpip.direct.DirectStackConfig.ArpLimits;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.stats.Counters;
import dev.tcpip.time.EventLoop;
import dev.tcpip.time.SimulatedLoop;
import dev.tcpip.time.Simulation;
import dev.tcpip.wire.ArpPacket;
import dev.tcpip.wire.ArpView;
import dev.tcpip.wire.EtherType;
import dev.tcpip.wire.EthernetView;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.MacAddress;
import dev.tcpip.wire.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Arp} alone on an {@link Ethernet} over a recording device, on virtual time: RFC 826, RFC 1122 §2.3.2, RFC 5227. */
class ArpTest {
    private static final Ipv4Address OWN = Ipv4Address.parse("10.0.0.1");
    private static final Ipv4Address PEER = Ipv4Address.parse("10.0.0.2");
    private static final Ipv4Address OTHER = Ipv4Address.parse("10.0.0.3");
    private static final Ipv4Address THIRD = Ipv4Address.parse("10.0.0.4");
    private static final long OWN_MAC = 0x02_00_00_00_00_01L;
    private static final long PEER_MAC = 0x02_00_00_00_00_02L;
    private static final long OTHER_MAC = 0x02_00_00_00_00_03L;
    private static final Duration LIFETIME = Duration.ofSeconds(60);
    private static final Duration RETRY = Duration.ofSeconds(1);

    /** A device that keeps a copy of every frame sent. */
    static final class Recorder implements NetworkDevice {
        final List<byte[]> frames = new ArrayList<>();

        @Override
        public long mac() {
            return OWN_MAC;
        }

        @Override
        public int mtu() {
            return 1500;
        }

        @Override
        public void attach(EventLoop loop, FrameReceiver receiver) {}

        @Override
        public void send(byte[] frame, int off, int len) {
            frames.add(Arrays.copyOfRange(frame, off, off + len));
        }

        @Override
        public void close() {}
    }

    /** One ARP frame sent: the Ethernet destination and the packet. */
    record Sent(long dst, ArpPacket arp) {}

    private final Simulation sim = Simulation.withSeed(1);
    private final SimulatedLoop loop = sim.newLoop("arp");
    private final Counters counters = new Counters();
    private final Recorder device = new Recorder();

    @AfterEach
    void close() {
        sim.close();
    }

    private Arp arp(int cacheSize, int retries, int pending) {
        Ethernet eth = new Ethernet(device, 1500, counters);
        return new Arp(eth, OWN, new ArpLimits(cacheSize, LIFETIME, retries, RETRY, pending), counters, loop);
    }

    private Arp arp() {
        return arp(16, 3, 4);
    }

    private List<Sent> sent() {
        List<Sent> out = new ArrayList<>();
        for (byte[] f : device.frames) {
            try {
                EthernetView eth = EthernetView.parse(f, 0, f.length);
                assertEquals(EtherType.ARP, eth.etherType());
                assertEquals(OWN_MAC, eth.srcBits());
                out.add(new Sent(eth.dstBits(), ArpView.parse(f, eth.payloadOffset(), f.length - eth.payloadOffset())
                        .toPacket()));
            } catch (ParseException e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }

    private static Sent broadcastRequest(Ipv4Address target) {
        return new Sent(MacAddress.BROADCAST.bits(),
                new ArpPacket(ArpPacket.REQUEST, new MacAddress(OWN_MAC), OWN, MacAddress.ZERO, target));
    }

    private static byte[] packet(int op, long sha, Ipv4Address spa, long tha, Ipv4Address tpa) {
        byte[] b = new byte[ArpPacket.LENGTH];
        new ArpPacket(op, new MacAddress(sha), spa, new MacAddress(tha), tpa).emit(b, 0);
        return b;
    }

    private void input(Arp arp, byte[] p) {
        arp.input(sim.now(), p, 0, p.length);
    }

    private static long secs(long s) {
        return Duration.ofSeconds(s).toNanos();
    }

    // RFC 5227 §2.3: an announcement is a broadcast ARP request with sender and target IP both our address and
    // target hardware address zero.
    @Test
    void announceIsABroadcastRequestForOurOwnAddress() {
        arp().announce();
        assertEquals(List.of(broadcastRequest(OWN)), sent());
        assertEquals(1, counters.get(StackCounter.ARP_TX_REQUESTS));
    }

    // RFC 826 / RFC 1122 §2.3.2.1: an unresolved address is asked for by broadcast and re-asked every retry interval,
    // `retries` more times; then what waited fails (RFC 1122 §2.3.2.2 bounded queue, dropped on failure).
    @Test
    void unansweredRequestRetriesThenFailsWaiters() {
        Arp arp = arp(16, 3, 4);
        RecordingWaiter w1 = new RecordingWaiter(), w2 = new RecordingWaiter();
        assertTrue(arp.enqueue(sim.now(), PEER.bits(), w1));
        assertTrue(arp.enqueue(sim.now(), PEER.bits(), w2));
        assertEquals(-1, arp.lookup(sim.now(), PEER.bits()));
        sim.runFor(RETRY.multipliedBy(4).minusNanos(1));
        assertEquals(List.of(broadcastRequest(PEER), broadcastRequest(PEER), broadcastRequest(PEER),
                broadcastRequest(PEER)), sent());
        assertTrue(w1.told.isEmpty());
        sim.runFor(Duration.ofNanos(1));
        assertEquals(List.of(RecordingWaiter.failedAt(secs(4))), w1.told);
        assertEquals(List.of(RecordingWaiter.failedAt(secs(4))), w2.told);
        assertEquals(1, counters.get(StackCounter.ARP_RESOLUTION_FAILED));
        assertEquals(2, counters.get(StackCounter.ARP_PENDING_DROPPED));
        assertTrue(arp.entries(sim.now()).isEmpty());
        sim.runFor(RETRY.multipliedBy(10));
        assertEquals(4, sent().size());
    }

    // RFC 826 "Packet Reception": a reply to us from the address asked for fills the entry; what waited is sent,
    // requests stop, and the entry lives for the configured lifetime (RFC 1122 §2.3.2.1 cache timeout).
    @Test
    void replyResolvesWaitersAndExpiresAfterTheLifetime() {
        Arp arp = arp();
        RecordingWaiter w = new RecordingWaiter();
        arp.enqueue(sim.now(), PEER.bits(), w);
        sim.runFor(Duration.ofMillis(300));
        long at = sim.now();
        input(arp, packet(ArpPacket.REPLY, PEER_MAC, PEER, OWN_MAC, OWN));
        assertEquals(List.of(RecordingWaiter.resolvedWith(PEER_MAC)), w.told);
        assertEquals(PEER_MAC, arp.lookup(sim.now(), PEER.bits()));
        assertEquals(List.of(new ArpEntry(PEER, new MacAddress(PEER_MAC), false, at + LIFETIME.toNanos())),
                arp.entries(sim.now()));
        sim.runFor(RETRY.multipliedBy(10));
        assertEquals(1, sent().size());
        assertEquals(0, counters.get(StackCounter.ARP_TX_REPLIES));  // a reply is not answered
        sim.runFor(LIFETIME);                                          // past the lifetime, never looked up meanwhile
        assertTrue(arp.entries(sim.now()).isEmpty());
        RecordingWaiter again = new RecordingWaiter();
        assertTrue(arp.enqueue(sim.now(), PEER.bits(), again));       // an expired entry is asked for afresh
        assertTrue(again.told.isEmpty());
        assertEquals(List.of(broadcastRequest(PEER), broadcastRequest(PEER)), sent());
        assertEquals(-1, arp.lookup(sim.now(), PEER.bits()));
    }

    // RFC 1122 §2.3.2.1: an entry in use is refreshed by a unicast request before it expires (once per window),
    // and is used meanwhile; the answer extends its life.
    @Test
    void entryInUseIsRefreshedByUnicastBeforeExpiry() {
        Arp arp = arp(16, 3, 4);
        input(arp, packet(ArpPacket.REQUEST, PEER_MAC, PEER, 0, OWN));   // learned from its request
        device.frames.clear();
        long window = Math.min(LIFETIME.toNanos() / 2, RETRY.toNanos() * 3);
        sim.runFor(LIFETIME.minusNanos(window + 1));
        assertEquals(PEER_MAC, arp.lookup(sim.now(), PEER.bits()));
        assertTrue(device.frames.isEmpty());
        sim.runFor(Duration.ofNanos(1));
        assertEquals(PEER_MAC, arp.lookup(sim.now(), PEER.bits()));
        assertEquals(PEER_MAC, arp.lookup(sim.now(), PEER.bits()));
        Sent refresh = new Sent(PEER_MAC,
                new ArpPacket(ArpPacket.REQUEST, new MacAddress(OWN_MAC), OWN, MacAddress.ZERO, PEER));
        assertEquals(List.of(refresh), sent());
        input(arp, packet(ArpPacket.REPLY, PEER_MAC, PEER, OWN_MAC, OWN));
        sim.runFor(Duration.ofNanos(window));
        assertEquals(PEER_MAC, arp.lookup(sim.now(), PEER.bits()));    // past the old expiry: still there
        assertEquals(1, sent().size());
    }

    // RFC 826: a request for our address is answered by a unicast reply to the asker, and the asker is cached (we
    // will likely talk to it); RFC 5227 §2.1.1: a probe (sender IP 0) is answered but caches nothing.
    @Test
    void requestForOwnAddressIsAnsweredAndTheSenderCached() {
        Arp arp = arp();
        input(arp, packet(ArpPacket.REQUEST, PEER_MAC, PEER, 0, OWN));
        assertEquals(List.of(new Sent(PEER_MAC, new ArpPacket(ArpPacket.REPLY, new MacAddress(OWN_MAC), OWN,
                new MacAddress(PEER_MAC), PEER))), sent());
        assertEquals(1, counters.get(StackCounter.ARP_TX_REPLIES));
        assertEquals(PEER_MAC, arp.lookup(sim.now(), PEER.bits()));

        device.frames.clear();
        input(arp, packet(ArpPacket.REQUEST, OTHER_MAC, Ipv4Address.ANY, 0, OWN));
        assertEquals(List.of(new Sent(OTHER_MAC, new ArpPacket(ArpPacket.REPLY, new MacAddress(OWN_MAC), OWN,
                new MacAddress(OTHER_MAC), Ipv4Address.ANY))), sent());
        assertEquals(1, arp.entries(sim.now()).size());
    }

    // RFC 826: a packet whose target is not us is not answered and does not add its sender, but does update the
    // sender's existing entry ("merge" comes before the "am I the target" test).
    @Test
    void packetForAnotherHostOnlyUpdatesAnExistingEntry() {
        Arp arp = arp();
        input(arp, packet(ArpPacket.REQUEST, OTHER_MAC, OTHER, 0, THIRD));
        assertTrue(device.frames.isEmpty());
        assertEquals(1, counters.get(StackCounter.ARP_NOT_FOR_US));
        assertEquals(-1, arp.lookup(sim.now(), OTHER.bits()));

        RecordingWaiter w = new RecordingWaiter();
        arp.enqueue(sim.now(), PEER.bits(), w);                    // PEER now has a (pending) entry
        input(arp, packet(ArpPacket.REQUEST, PEER_MAC, PEER, 0, THIRD));
        assertEquals(List.of(RecordingWaiter.resolvedWith(PEER_MAC)), w.told);
        assertEquals(PEER_MAC, arp.lookup(sim.now(), PEER.bits()));
        assertEquals(0, counters.get(StackCounter.ARP_TX_REPLIES));
    }

    // RFC 1122 §2.3.2.2: the queue of packets waiting for one address is bounded.
    @Test
    void pendingQueueIsBoundedPerAddress() {
        Arp arp = arp(16, 3, 2);
        assertTrue(arp.enqueue(sim.now(), PEER.bits(), new RecordingWaiter()));
        assertTrue(arp.enqueue(sim.now(), PEER.bits(), new RecordingWaiter()));
        assertFalse(arp.enqueue(sim.now(), PEER.bits(), new RecordingWaiter()));
        assertEquals(1, counters.get(StackCounter.ARP_PENDING_QUEUE_FULL));
        assertTrue(arp.enqueue(sim.now(), OTHER.bits(), new RecordingWaiter()));
        assertEquals(2, sent().size());                             // one request per address, not per packet
    }

    // Static entries: used without a request, never expire, never overwritten by what is received; adding one
    // for a pending address releases its waiters.
    @Test
    void staticEntries() {
        Arp arp = arp();
        RecordingWaiter w = new RecordingWaiter();
        arp.enqueue(sim.now(), PEER.bits(), w);
        arp.addStatic(sim.now(), PEER.bits(), PEER_MAC);
        assertEquals(List.of(RecordingWaiter.resolvedWith(PEER_MAC)), w.told);
        input(arp, packet(ArpPacket.REPLY, OTHER_MAC, PEER, OWN_MAC, OWN));
        sim.runFor(LIFETIME.multipliedBy(3));
        assertEquals(PEER_MAC, arp.lookup(sim.now(), PEER.bits()));
        assertEquals(List.of(new ArpEntry(PEER, new MacAddress(PEER_MAC), true, Long.MAX_VALUE)),
                arp.entries(sim.now()));
        assertEquals(1, sent().size());                             // the request before it was static; no retries
        assertEquals(0, counters.get(StackCounter.ARP_RESOLUTION_FAILED));
        assertTrue(arp.remove(PEER.bits()));
        assertFalse(arp.remove(PEER.bits()));
        assertEquals(-1, arp.lookup(sim.now(), PEER.bits()));
    }

    // The cache is bounded: the oldest learned entry is evicted for a new one; static and pending entries are not,
    // so a cache full of them refuses new resolutions.
    @Test
    void cacheIsBounded() {
        Arp arp = arp(2, 3, 4);
        input(arp, packet(ArpPacket.REQUEST, PEER_MAC, PEER, 0, OWN));
        arp.addStatic(sim.now(), OTHER.bits(), OTHER_MAC);
        assertTrue(arp.enqueue(sim.now(), THIRD.bits(), new RecordingWaiter()));
        assertEquals(1, counters.get(StackCounter.ARP_CACHE_EVICTED));
        assertEquals(-1, arp.lookup(sim.now(), PEER.bits()));
        assertFalse(arp.enqueue(sim.now(), PEER.bits(), new RecordingWaiter()));
        assertEquals(1, counters.get(StackCounter.ARP_CACHE_FULL));
        assertEquals(OTHER_MAC, arp.lookup(sim.now(), OTHER.bits()));
    }

    // An expired entry makes room before any live one is evicted.
    @Test
    void expiredEntryMakesRoomFirst() {
        Arp arp = arp(2, 3, 4);
        input(arp, packet(ArpPacket.REQUEST, PEER_MAC, PEER, 0, OWN));
        sim.runFor(LIFETIME);
        input(arp, packet(ArpPacket.REQUEST, OTHER_MAC, OTHER, 0, OWN));
        assertTrue(arp.enqueue(sim.now(), THIRD.bits(), new RecordingWaiter()));
        assertEquals(0, counters.get(StackCounter.ARP_CACHE_EVICTED));
        assertEquals(OTHER_MAC, arp.lookup(sim.now(), OTHER.bits()));
    }

    // Malformed input is counted and dropped: short, wrong hardware/protocol type or lengths, unknown operation,
    // a group sender hardware address (RFC 1812 §3.3.2: never believe one) or a broadcast sender IP.
    @Test
    void malformedInputIsCountedAndDropped() {
        Arp arp = arp();
        byte[] good = packet(ArpPacket.REQUEST, PEER_MAC, PEER, 0, OWN);
        List<byte[]> bad = new ArrayList<>();
        bad.add(Arrays.copyOf(good, ArpPacket.LENGTH - 1));
        bad.add(with(good, 1, 6));                                  // hardware type 6
        bad.add(with(good, 2, 0x86));                               // protocol type 0x86dd
        bad.add(with(good, 4, 8));                                  // hardware length
        bad.add(with(good, 7, 3));                                  // operation 3 (RARP)
        bad.add(packet(ArpPacket.REQUEST, MacAddress.BROADCAST.bits(), PEER, 0, OWN));
        bad.add(packet(ArpPacket.REQUEST, 0x01_00_5e_00_00_01L, PEER, 0, OWN));
        bad.add(packet(ArpPacket.REQUEST, PEER_MAC, Ipv4Address.BROADCAST, 0, OWN));
        for (byte[] p : bad) {
            input(arp, p);
        }
        assertEquals(bad.size(), counters.get(StackCounter.ARP_DROPPED_MALFORMED));
        assertEquals(bad.size(), counters.get(StackCounter.ARP_RX));
        assertTrue(device.frames.isEmpty());
        assertTrue(arp.entries(sim.now()).isEmpty());
        input(arp, good);
        assertEquals(1, sent().size());
    }

    // RFC 5227 §2.4: a packet whose sender IP is our own address is a conflict: counted, not answered, not cached.
    @Test
    void senderClaimingOurAddressIsAConflict() {
        Arp arp = arp();
        input(arp, packet(ArpPacket.REQUEST, PEER_MAC, OWN, 0, OWN));
        assertEquals(1, counters.get(StackCounter.ARP_ADDRESS_CONFLICT));
        assertTrue(device.frames.isEmpty());
        assertTrue(arp.entries(sim.now()).isEmpty());
    }

    @Test
    void closeFailsWaitersAndStopsRetries() {
        Arp arp = arp();
        RecordingWaiter w = new RecordingWaiter();
        arp.enqueue(sim.now(), PEER.bits(), w);
        arp.close(sim.now());
        assertEquals(List.of(RecordingWaiter.failedAt(0)), w.told);
        sim.runFor(RETRY.multipliedBy(10));
        assertEquals(1, sent().size());
        assertEquals(0, counters.get(StackCounter.ARP_RESOLUTION_FAILED));
    }

    private static byte[] with(byte[] p, int at, int value) {
        byte[] b = p.clone();
        b[at] = (byte) value;
        return b;
    }
}
