package dev.tcpip.direct.ndp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.direct.DirectStackConfig.NdpLimits;
import dev.tcpip.direct.NeighborEntry;
import dev.tcpip.direct.NeighborEntry.State;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.link.RecordingWaiter;
import dev.tcpip.direct.stats.Counters;
import dev.tcpip.time.SimulatedLoop;
import dev.tcpip.time.Simulation;
import dev.tcpip.wire.Ipv6Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Neighbors} alone, on virtual time, with a recording solicitor: RFC 4861 §7.2, §7.3. */
class NeighborsTest {
    private static final Duration RETRANS = Duration.ofSeconds(1);
    private static final Duration REACHABLE = Duration.ofSeconds(30);
    private static final Duration DELAY = Duration.ofSeconds(5);
    private static final Ipv6Address A = Ipv6Address.parse("fe80::a");
    private static final Ipv6Address B = Ipv6Address.parse("fe80::b");
    private static final Ipv6Address C = Ipv6Address.parse("fe80::c");
    private static final long MAC_A = 0x02_00_00_00_00_0aL;
    private static final long MAC_A2 = 0x02_00_00_00_01_0aL;
    private static final long MAC_B = 0x02_00_00_00_00_0bL;

    /** One solicitation sent: when, for whom, unicast to {@code mac} or multicast (-1). */
    record Solicited(long at, Ipv6Address target, long mac) {}

    /** ReachableTime's random factor fixed at 1.0 (RFC 4861 §6.3.2 draws it from [0.5, 1.5)). */
    private static final RandomGenerator MIDDLE = new RandomGenerator() {
        @Override
        public long nextLong() {
            return 0;
        }

        @Override
        public double nextDouble() {
            return 0.5;
        }
    };

    private final Simulation sim = Simulation.withSeed(1);
    private final SimulatedLoop loop = sim.newLoop("neighbors");
    private final Counters counters = new Counters();
    private final List<Solicited> sent = new ArrayList<>();

    @AfterEach
    void close() {
        sim.close();
    }

    private Neighbors neighbors(int cacheSize, int pending) {
        Neighbors n = new Neighbors(new NdpLimits(cacheSize, pending, RETRANS, REACHABLE, DELAY, 3, 3, 16), counters,
                loop, MIDDLE);
        n.bind((now, target, mac) -> sent.add(new Solicited(now, target, mac)));
        return n;
    }

    private Neighbors neighbors() {
        return neighbors(16, 4);
    }

    private NeighborEntry entry(Neighbors n, Ipv6Address ip) {
        for (NeighborEntry e : n.entries(sim.now())) {
            if (e.address().equals(ip)) {
                return e;
            }
        }
        return null;
    }

    private State state(Neighbors n, Ipv6Address ip) {
        NeighborEntry e = entry(n, ip);
        return e == null ? null : e.state();
    }

    private static long secs(long s) {
        return Duration.ofSeconds(s).toNanos();
    }

    // RFC 4861 §7.2.2: a packet for an unknown neighbour creates an INCOMPLETE entry, queues the packet and sends a
    // multicast solicitation; §7.3.3: retransmitted every RetransTimer; after MAX_MULTICAST_SOLICIT solicitations
    // without answer (and one more RetransTimer) resolution fails and the queued packets fail.
    @Test
    void incompleteRetransmitsThenFailsWaiters() {
        Neighbors n = neighbors();
        RecordingWaiter w1 = new RecordingWaiter(), w2 = new RecordingWaiter();
        assertTrue(n.enqueue(sim.now(), A, w1));
        assertTrue(n.enqueue(sim.now(), A, w2));
        assertEquals(State.INCOMPLETE, state(n, A));
        assertEquals(-1, n.lookup(sim.now(), A));
        assertFalse(n.known(A));
        sim.runFor(RETRANS.multipliedBy(3).minusNanos(1));
        assertEquals(List.of(new Solicited(0, A, -1), new Solicited(secs(1), A, -1), new Solicited(secs(2), A, -1)),
                sent);
        assertTrue(w1.told.isEmpty());
        sim.runFor(Duration.ofNanos(1));
        assertEquals(List.of(RecordingWaiter.failedAt(secs(3))), w1.told);
        assertEquals(List.of(RecordingWaiter.failedAt(secs(3))), w2.told);
        assertNull(entry(n, A));
        assertEquals(1, counters.get(StackCounter.NDP_RESOLUTION_FAILED));
        sim.runFor(RETRANS.multipliedBy(10));
        assertEquals(3, sent.size());
    }

    // RFC 4861 §7.2.5: a solicited advertisement with a target link-layer address makes an INCOMPLETE entry
    // REACHABLE and sends what was queued; retransmission stops.
    @Test
    void solicitedAdvertisementResolves() {
        Neighbors n = neighbors();
        RecordingWaiter w = new RecordingWaiter();
        n.enqueue(sim.now(), A, w);
        sim.runFor(Duration.ofMillis(500));
        n.advertised(sim.now(), A, MAC_A, false, true, true);
        assertEquals(List.of(RecordingWaiter.resolvedWith(MAC_A)), w.told);
        assertEquals(State.REACHABLE, state(n, A));
        assertEquals(MAC_A, n.lookup(sim.now(), A));
        assertTrue(n.known(A));
        sim.runFor(RETRANS.multipliedBy(10));
        assertEquals(1, sent.size());
        assertEquals(0, counters.get(StackCounter.NDP_RESOLUTION_FAILED));
        RecordingWaiter late = new RecordingWaiter();
        assertTrue(n.enqueue(sim.now(), A, late));                  // resolved already: told at once
        assertEquals(List.of(RecordingWaiter.resolvedWith(MAC_A)), late.told);
    }

    // RFC 4861 §7.2.5: an unsolicited advertisement resolves an INCOMPLETE entry to STALE; one without a target
    // link-layer address option is ignored there.
    @Test
    void unsolicitedAdvertisementResolvesToStale() {
        Neighbors n = neighbors();
        RecordingWaiter w = new RecordingWaiter();
        n.enqueue(sim.now(), A, w);
        n.advertised(sim.now(), A, -1, false, true, true);
        assertEquals(State.INCOMPLETE, state(n, A));
        assertTrue(w.told.isEmpty());
        n.advertised(sim.now(), A, MAC_A, true, false, false);
        assertEquals(State.STALE, state(n, A));
        assertTrue(entry(n, A).router());
        assertEquals(List.of(RecordingWaiter.resolvedWith(MAC_A)), w.told);
    }

    // RFC 4861 §7.2.5: an advertisement for an address without an entry is silently discarded.
    @Test
    void advertisementWithoutEntryIsIgnored() {
        Neighbors n = neighbors();
        n.advertised(sim.now(), A, MAC_A, false, true, true);
        assertEquals(0, n.size());
    }

    // RFC 4861 §7.3.3: REACHABLE becomes STALE after ReachableTime; sending to STALE moves to DELAY; with no
    // confirmation within DELAY_FIRST_PROBE_TIME to PROBE, which sends unicast solicitations every RetransTimer,
    // MAX_UNICAST_SOLICIT times, and then deletes the entry.
    @Test
    void reachableStaleDelayProbeThenDeleted() {
        Neighbors n = neighbors();
        n.enqueue(sim.now(), A, new RecordingWaiter());
        n.advertised(sim.now(), A, MAC_A, false, true, false);
        sent.clear();
        sim.runFor(REACHABLE.minusNanos(1));
        assertEquals(State.REACHABLE, state(n, A));
        sim.runFor(Duration.ofNanos(1));
        assertEquals(State.STALE, state(n, A));
        assertEquals(MAC_A, n.lookup(sim.now(), A));               // STALE still sends, and moves to DELAY
        assertEquals(State.DELAY, state(n, A));
        long delayStart = sim.now();
        sim.runFor(DELAY.minusNanos(1));
        assertEquals(State.DELAY, state(n, A));
        assertTrue(sent.isEmpty());
        sim.runFor(Duration.ofNanos(1));
        assertEquals(State.PROBE, state(n, A));
        assertEquals(MAC_A, n.lookup(sim.now(), A));               // PROBE still sends
        sim.runFor(RETRANS.multipliedBy(3).minusNanos(1));
        long probeStart = delayStart + DELAY.toNanos();
        assertEquals(List.of(new Solicited(probeStart, A, MAC_A), new Solicited(probeStart + secs(1), A, MAC_A),
                new Solicited(probeStart + secs(2), A, MAC_A)), sent);
        assertEquals(State.PROBE, state(n, A));
        sim.runFor(Duration.ofNanos(1));
        assertNull(entry(n, A));
        assertEquals(1, counters.get(StackCounter.NDP_UNREACHABLE));
    }

    // RFC 4861 §7.3.3: a solicited advertisement (or upper-layer confirmation, §7.3.1) in DELAY or PROBE makes the
    // entry REACHABLE and no (further) probes are sent.
    @Test
    void confirmationInDelayOrProbeMakesReachable() {
        Neighbors n = neighbors();
        n.learned(sim.now(), A, MAC_A, false);
        n.learned(sim.now(), B, MAC_B, false);
        assertEquals(State.STALE, state(n, A));
        n.lookup(sim.now(), A);
        n.lookup(sim.now(), B);
        n.confirm(sim.now(), A);                                    // in DELAY
        assertEquals(State.REACHABLE, state(n, A));
        sim.runFor(DELAY);
        assertEquals(State.PROBE, state(n, B));
        n.advertised(sim.now(), B, MAC_B, false, true, false);      // in PROBE
        assertEquals(State.REACHABLE, state(n, B));
        int probes = sent.size();
        sim.runFor(RETRANS.multipliedBy(10));
        assertEquals(List.of(new Solicited(DELAY.toNanos(), B, MAC_B)), sent.subList(0, probes));
        assertEquals(probes, sent.size());
        assertEquals(2, n.size());
    }

    // RFC 4861 §7.2.5: without Override a different link-layer address does not replace the cached one, but a
    // REACHABLE entry becomes STALE; with Override it is replaced (unsolicited: STALE, solicited: REACHABLE).
    @Test
    void overrideFlagDecidesWhetherTheAddressChanges() {
        Neighbors n = neighbors();
        n.enqueue(sim.now(), A, new RecordingWaiter());
        n.advertised(sim.now(), A, MAC_A, false, true, false);
        n.advertised(sim.now(), A, MAC_A2, false, false, false);
        assertEquals(State.STALE, state(n, A));
        assertEquals(MAC_A, entry(n, A).mac().bits());
        n.advertised(sim.now(), A, MAC_A2, false, false, true);
        assertEquals(State.STALE, state(n, A));
        assertEquals(MAC_A2, entry(n, A).mac().bits());
        n.advertised(sim.now(), A, MAC_A, false, true, true);
        assertEquals(State.REACHABLE, state(n, A));
        assertEquals(MAC_A, entry(n, A).mac().bits());
    }

    // RFC 4861 §7.2.3 / §7.3.3: a link-layer address learned unsolicited creates a STALE entry; a different one
    // replaces it (STALE); learning it for an INCOMPLETE entry sends what was queued.
    @Test
    void learnedAddressesAreStale() {
        Neighbors n = neighbors();
        RecordingWaiter w = new RecordingWaiter();
        n.enqueue(sim.now(), A, w);
        n.learned(sim.now(), A, MAC_A, true);
        assertEquals(State.STALE, state(n, A));
        assertTrue(entry(n, A).router());
        assertEquals(List.of(RecordingWaiter.resolvedWith(MAC_A)), w.told);
        n.confirm(sim.now(), A);
        n.learned(sim.now(), A, MAC_A, false);                      // same address: state kept
        assertEquals(State.REACHABLE, state(n, A));
        n.learned(sim.now(), A, MAC_A2, false);
        assertEquals(State.STALE, state(n, A));
        assertEquals(MAC_A2, entry(n, A).mac().bits());
    }

    // Bounded queue per neighbour (RFC 4861 §7.2.2 asks for a small queue): the packet past the bound is refused.
    @Test
    void pendingQueueIsBounded() {
        Neighbors n = neighbors(16, 2);
        assertTrue(n.enqueue(sim.now(), A, new RecordingWaiter()));
        assertTrue(n.enqueue(sim.now(), A, new RecordingWaiter()));
        assertFalse(n.enqueue(sim.now(), A, new RecordingWaiter()));
        assertEquals(1, counters.get(StackCounter.NDP_PENDING_QUEUE_FULL));
        assertTrue(n.enqueue(sim.now(), B, new RecordingWaiter()));          // per neighbour
    }

    // Bounded cache (RFC 4861 §11.1 resource exhaustion): a full cache evicts the oldest entry nothing waits for,
    // and refuses a new resolution if every entry is INCOMPLETE.
    @Test
    void cacheIsBounded() {
        Neighbors n = neighbors(2, 4);
        n.learned(sim.now(), A, MAC_A, false);
        n.enqueue(sim.now(), B, new RecordingWaiter());
        RecordingWaiter w = new RecordingWaiter();
        assertTrue(n.enqueue(sim.now(), C, w));                     // evicts A, the resolved one
        assertEquals(1, counters.get(StackCounter.NDP_CACHE_EVICTED));
        assertNull(entry(n, A));
        assertEquals(2, n.size());
        assertFalse(n.enqueue(sim.now(), A, new RecordingWaiter()));         // B and C both INCOMPLETE
        assertEquals(1, counters.get(StackCounter.NDP_CACHE_FULL));
        n.learned(sim.now(), A, MAC_A, false);
        assertEquals(2, counters.get(StackCounter.NDP_CACHE_FULL));
        assertEquals(2, n.size());
    }

    @Test
    void closeFailsWaitersAndStopsTimers() {
        Neighbors n = neighbors();
        RecordingWaiter w = new RecordingWaiter();
        n.enqueue(sim.now(), A, w);
        n.close(sim.now());
        assertEquals(List.of(RecordingWaiter.failedAt(0)), w.told);
        assertEquals(0, n.size());
        sim.runFor(RETRANS.multipliedBy(10));
        assertEquals(1, sent.size());
        assertEquals(0, counters.get(StackCounter.NDP_RESOLUTION_FAILED));
    }
}
