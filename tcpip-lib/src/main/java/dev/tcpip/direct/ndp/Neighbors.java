package dev.tcpip.direct.ndp;

import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.NeighborEntry.State;
import dev.tcpip.direct.NeighborEntry;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.ip.Ipv6;
import dev.tcpip.direct.link.Arp;
import dev.tcpip.direct.stats.Counters;
import dev.tcpip.time.Scheduler;
import dev.tcpip.time.Timer;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.MacAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The neighbor cache (RFC 4861 §5.1, §7.3): the reachability state machine INCOMPLETE → REACHABLE → STALE →
 * DELAY → PROBE, a bounded queue of packets per INCOMPLETE entry, and a bounded number of entries. Sending the
 * solicitations is {@link Ndp}'s. Runs on the stack's loop.
 */
public final class Neighbors implements Ipv6.Resolver {

    /** Sends a neighbor solicitation for {@code target}: multicast to its solicited-node group if {@code mac} is -1. */
    interface Solicitor {
        void solicit(long now, Ipv6Address target, long mac);
    }

    private static final class Entry {
        final Ipv6Address ip;
        State state;
        long mac = -1;
        boolean router;
        boolean used;         // looked up for sending, or resolved because we asked: evictable only by our own needs
        long reachableUntil;
        int probes;
        Timer timer;
        ArrayDeque<Arp.Waiter> waiting;

        Entry(Ipv6Address ip, State state) {
            this.ip = ip;
            this.state = state;
        }
    }

    private final DirectStackConfig.NdpLimits limits;
    private final Counters counters;
    private final Scheduler scheduler;
    private final RandomGenerator random;
    /** Least recently used first: a lookup moves its entry to the end; eviction takes from the front. */
    private final LinkedHashMap<Ipv6Address, Entry> cache = new LinkedHashMap<>();
    private Solicitor solicitor;
    private long baseReachable;
    private long reachableTime;
    private long retransTimer;

    public Neighbors(DirectStackConfig.NdpLimits limits, Counters counters, Scheduler scheduler, RandomGenerator random) {
        this.limits = limits;
        this.counters = counters;
        this.scheduler = scheduler;
        this.random = random;
        this.retransTimer = limits.retransTimer().toNanos();
        baseReachable(limits.reachableTime().toNanos());
    }

    public void bind(Solicitor s) {
        this.solicitor = s;
    }

    /** RFC 4861 §6.3.2: ReachableTime is BaseReachableTime times a random factor in [0.5, 1.5). */
    void baseReachable(long nanos) {
        baseReachable = nanos;
        reachableTime = (long) (nanos * (0.5 + random.nextDouble()));
    }

    long baseReachable() {
        return baseReachable;
    }

    void retransTimer(long nanos) {
        retransTimer = nanos;
    }

    long retransTimer() {
        return retransTimer;
    }

    /** Whether {@code ip} has a link-layer address (any state but INCOMPLETE): a router "known to be reachable". */
    @Override
    public boolean known(Ipv6Address ip) {
        Entry e = cache.get(ip);
        return e != null && e.state != State.INCOMPLETE;
    }

    /**
     * The MAC for {@code ip}, or -1 if it must be resolved. RFC 4861 §7.3.3: a REACHABLE entry past its time is
     * STALE; sending to a STALE entry moves it to DELAY, and without confirmation within DELAY_FIRST_PROBE_TIME
     * to PROBE.
     */
    @Override
    public long lookup(long now, Ipv6Address ip) {
        Entry e = cache.get(ip);
        if (e == null || e.state == State.INCOMPLETE) {
            return -1;
        }
        e.used = true;
        if (cache.sequencedValues().getLast() != e) {      // most recently used last (no map view made)
            cache.remove(ip);
            cache.put(ip, e);
        }
        if (e.state == State.REACHABLE && now >= e.reachableUntil) {
            e.state = State.STALE;
        }
        if (e.state == State.STALE) {
            e.state = State.DELAY;
            cancel(e);
            e.timer = scheduler.at(now + limits.delayFirstProbe().toNanos(), t -> delayOver(t, e));
        }
        return e.mac;
    }

    private void delayOver(long now, Entry e) {
        if (cache.get(e.ip) != e || e.state != State.DELAY) {
            return;
        }
        e.state = State.PROBE;
        e.probes = 0;
        probe(now, e);
    }

    // RFC 4861 §7.3.3: PROBE sends unicast solicitations every RetransTimer, MAX_UNICAST_SOLICIT times, then
    // the entry is deleted.
    private void probe(long now, Entry e) {
        if (cache.get(e.ip) != e || e.state != State.PROBE) {
            return;
        }
        if (e.probes >= limits.maxUnicastSolicit()) {
            cache.remove(e.ip);
            counters.inc(StackCounter.NDP_UNREACHABLE);
            return;
        }
        e.probes++;
        solicitor.solicit(now, e.ip, e.mac);
        e.timer = scheduler.at(now + retransTimer, t -> probe(t, e));
    }

    /**
     * Queues {@code w} until {@code ip} is resolved, starting a resolution (RFC 4861 §7.2.2) if none runs. Returns
     * false if it cannot wait: the queue for {@code ip} is full, or the cache is full of INCOMPLETE entries.
     */
    @Override
    public boolean enqueue(long now, Ipv6Address ip, Arp.Waiter w) {
        Entry e = cache.get(ip);
        if (e == null) {
            if (incompleteEntries() >= Arp.unresolvedLimit(limits.cacheSize()) || !makeRoom(false)) {
                counters.inc(StackCounter.NDP_CACHE_FULL);
                return false;
            }
            e = new Entry(ip, State.INCOMPLETE);
            e.used = true;
            cache.put(ip, e);
            solicit(now, e);
        }
        if (e.state != State.INCOMPLETE) {
            w.resolved(now, lookup(now, ip));
            return true;
        }
        if (e.waiting == null) {
            e.waiting = new ArrayDeque<>();
        }
        if (e.waiting.size() >= limits.pendingPerNeighbor()) {
            counters.inc(StackCounter.NDP_PENDING_QUEUE_FULL);
            return false;
        }
        e.waiting.add(w);
        return true;
    }

    // RFC 4861 §7.3.3: INCOMPLETE retransmits every RetransTimer; after MAX_MULTICAST_SOLICIT the address is
    // unreachable and what waited fails (ICMPv6 address unreachable for the senders).
    private void solicit(long now, Entry e) {
        if (cache.get(e.ip) != e || e.state != State.INCOMPLETE) {
            return;
        }
        if (e.probes >= limits.maxMulticastSolicit()) {
            cache.remove(e.ip);
            counters.inc(StackCounter.NDP_RESOLUTION_FAILED);
            ArrayDeque<Arp.Waiter> waiting = e.waiting;
            e.waiting = null;
            if (waiting != null) {
                for (Arp.Waiter w : waiting) {
                    w.failed(now);
                }
            }
            return;
        }
        e.probes++;
        solicitor.solicit(now, e.ip, -1);
        e.timer = scheduler.at(now + retransTimer, t -> solicit(t, e));
    }

    private int incompleteEntries() {
        int n = 0;
        for (Entry e : cache.values()) {                  // bounded by the cache size
            if (e.state == State.INCOMPLETE) {
                n++;
            }
        }
        return n;
    }

    /**
     * Frees one slot if the cache is full: the oldest entry nothing waits for that was never used for sending,
     * else (only for a resolution this stack needs, not for an entry learned from a received packet) the least
     * recently used one nothing waits for. So a flood of solicitations from spoofed sources (each of which
     * creates a STALE entry, RFC 4861 §7.2.3) only displaces entries such floods made, never a neighbour a flow
     * talks to; RFC 4861 §11.1 leaves the policy to the implementation.
     */
    private boolean makeRoom(boolean learnedFromPacket) {
        if (cache.size() < limits.cacheSize()) {
            return true;
        }
        Entry unused = null;
        Entry oldest = null;
        for (Entry e : cache.values()) {                  // bounded by the cache size
            if (e.state != State.INCOMPLETE) {
                if (unused == null && !e.used) {
                    unused = e;
                    break;
                }
                if (oldest == null) {
                    oldest = e;
                }
            }
        }
        Entry victim = unused != null || learnedFromPacket ? unused : oldest;
        if (victim == null) {
            return false;
        }
        cancel(victim);
        cache.remove(victim.ip);
        counters.inc(StackCounter.NDP_CACHE_EVICTED);
        return true;
    }

    /**
     * A link-layer address learned unsolicited: from a solicitation's source option (RFC 4861 §7.2.3), a router
     * advertisement (§6.3.4) or a redirect's target option (§8.3). New or changed entries become STALE; an
     * INCOMPLETE one sends what waited.
     */
    void learned(long now, Ipv6Address ip, long mac, boolean router) {
        Entry e = cache.get(ip);
        if (e == null) {
            if (!makeRoom(true)) {
                counters.inc(StackCounter.NDP_CACHE_FULL);
                return;
            }
            e = new Entry(ip, State.STALE);
            e.mac = mac;
            cache.put(ip, e);
        } else if (e.state == State.INCOMPLETE) {
            resolve(now, e, mac, State.STALE);
        } else if (e.mac != mac) {
            cancel(e);
            e.mac = mac;
            e.state = State.STALE;
        }
        e.router |= router;
    }

    /** A neighbor advertisement (RFC 4861 §7.2.5). {@code mac} is -1 without a target link-layer option. */
    void advertised(long now, Ipv6Address ip, long mac, boolean router, boolean solicited, boolean override) {
        Entry e = cache.get(ip);
        if (e == null) {
            return;                                       // §7.2.5: no entry, the advertisement is ignored
        }
        if (e.state == State.INCOMPLETE) {
            if (mac == -1) {
                return;
            }
            e.router = router;
            resolve(now, e, mac, solicited ? State.REACHABLE : State.STALE);
            return;
        }
        boolean changed = mac != -1 && mac != e.mac;
        if (!override && changed) {
            if (e.state == State.REACHABLE) {
                e.state = State.STALE;                    // §7.2.5: keep the address, doubt it
            }
            return;
        }
        if (changed) {
            e.mac = mac;
        }
        if (solicited) {
            confirm(now, e);
        } else if (changed) {
            cancel(e);
            e.state = State.STALE;
        }
        e.router = router;
    }

    /** Forward progress from an upper layer (RFC 4861 §7.3.1) confirms {@code ip} is reachable. */
    void confirm(long now, Ipv6Address ip) {
        Entry e = cache.get(ip);
        if (e != null && e.state != State.INCOMPLETE) {
            confirm(now, e);
        }
    }

    private void confirm(long now, Entry e) {
        cancel(e);
        e.state = State.REACHABLE;
        e.reachableUntil = now + reachableTime;
    }

    private void resolve(long now, Entry e, long mac, State state) {
        cancel(e);
        e.mac = mac;
        e.state = state;
        e.reachableUntil = now + reachableTime;
        ArrayDeque<Arp.Waiter> waiting = e.waiting;
        e.waiting = null;
        if (waiting != null) {
            for (Arp.Waiter w : waiting) {
                w.resolved(now, mac);
            }
        }
    }

    private static void cancel(Entry e) {
        if (e.timer != null) {
            e.timer.cancel();
            e.timer = null;
        }
    }

    public List<NeighborEntry> entries(long now) {
        List<NeighborEntry> out = new ArrayList<>();
        for (Entry e : cache.values()) {
            State s = e.state == State.REACHABLE && now >= e.reachableUntil ? State.STALE : e.state;
            out.add(new NeighborEntry(e.ip, e.mac == -1 ? null : new MacAddress(e.mac), s, e.router));
        }
        return out;
    }

    /** Entries in the cache, INCOMPLETE ones included. */
    public int size() {
        return cache.size();
    }

    /** Packets queued over every INCOMPLETE entry. */
    public int pending() {
        int n = 0;
        for (Entry e : cache.values()) {
            n += e.waiting == null ? 0 : e.waiting.size();
        }
        return n;
    }

    @Override
    public void close(long now) {
        for (Entry e : List.copyOf(cache.values())) {
            cancel(e);
            if (e.waiting != null) {
                ArrayDeque<Arp.Waiter> w = e.waiting;
                e.waiting = null;
                w.forEach(x -> x.failed(now));
            }
        }
        cache.clear();
    }
}
