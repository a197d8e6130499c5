package dev.tcpip.direct.link;

import dev.tcpip.direct.ArpEntry;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.stats.Counters;
import dev.tcpip.time.Scheduler;
import dev.tcpip.time.Timer;
import dev.tcpip.wire.ArpPacket;
import dev.tcpip.wire.ArpView;
import dev.tcpip.wire.EtherType;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.MacAddress;
import dev.tcpip.wire.ParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * ARP for one IPv4 address on one Ethernet (RFC 826, RFC 1122 §2.3.2): answers requests for its own address
 * only, caches what it learns with a lifetime and refresh, queues a bounded number of datagrams per
 * unresolved address, retries a few times and then fails them. Runs on the stack's loop.
 */
public final class Arp {

    /** What waits for an address: told once, either way. */
    public interface Waiter {
        void resolved(long now, long mac);

        void failed(long now);
    }

    private enum State { PENDING, RESOLVED, STATIC }

    private static final class Entry {
        final int ip;
        State state;
        long mac = -1;
        long expires;
        boolean refreshing;
        boolean used;         // looked up for sending, or resolved because we asked: evictable only by our own needs
        int requests;
        Timer retry;
        ArrayDeque<Waiter> waiting;

        Entry(int ip, State state) {
            this.ip = ip;
            this.state = state;
        }
    }

    private final Ethernet eth;
    private int ownIp;                  // 0: no address yet (DirectStackConfig.ipv4Dynamic)
    private int probed;                 // the address a conflict check watches (RFC 5227 §2.1.1), 0: none
    private Runnable onConflict;
    private final int[] aliases;        // further addresses we answer for (DirectStackConfig.ipv4Aliases)
    private final DirectStackConfig.ArpLimits limits;
    private final long lifetime;
    private final long retryInterval;
    private final long refreshWindow;
    private final Counters counters;
    private final Scheduler scheduler;
    /** Least recently used first: a lookup moves its entry to the end; eviction takes from the front. */
    private final LinkedHashMap<Integer, Entry> cache = new LinkedHashMap<>();

    public Arp(Ethernet eth, Ipv4Address own, DirectStackConfig.ArpLimits limits, Counters counters, Scheduler scheduler) {
        this(eth, own, List.of(), limits, counters, scheduler);
    }

    public Arp(Ethernet eth, Ipv4Address own, List<Ipv4Address> aliases, DirectStackConfig.ArpLimits limits,
               Counters counters, Scheduler scheduler) {
        this.eth = eth;
        this.ownIp = own.bits();
        this.aliases = aliases.stream().mapToInt(Ipv4Address::bits).toArray();
        this.limits = limits;
        this.lifetime = limits.lifetime().toNanos();
        this.retryInterval = limits.retryInterval().toNanos();
        this.refreshWindow = Math.min(lifetime / 2, retryInterval * Math.max(1, limits.retries()));
        this.counters = counters;
        this.scheduler = scheduler;
    }

    /** Sets the interface's address at run time (0: none; answers nothing then). */
    public void setAddress(int ip) {
        ownIp = ip;
    }

    /**
     * RFC 5227 §2.1.1: one ARP probe for {@code target}, a broadcast request with sender IP 0.0.0.0, so that no
     * host's cache learns an address we may not get.
     */
    public void probe(int target) {
        sendPacket(MacAddress.BROADCAST.bits(), ArpPacket.REQUEST, 0, MacAddress.ZERO, target);
        counters.inc(StackCounter.ARP_TX_REQUESTS);
    }

    /**
     * Watches for another host using {@code ip} while we probe it (RFC 5227 §2.1.1): an ARP packet whose sender IP
     * is {@code ip} (a reply to our probe, or its owner's own traffic), or another host's probe for {@code ip}.
     * {@code conflict} runs on the loop for each; {@code ip} 0 stops watching.
     */
    public void watch(int ip, Runnable conflict) {
        probed = ip;
        onConflict = ip == 0 ? null : conflict;
    }

    /** RFC 5227 §2.3 announcement (gratuitous ARP): a broadcast request for our own address. */
    public void announce() {
        if (ownIp == 0) {
            return;                                       // nothing to announce yet
        }
        sendPacket(MacAddress.BROADCAST.bits(), ArpPacket.REQUEST, ownIp, MacAddress.ZERO, ownIp);
        counters.inc(StackCounter.ARP_TX_REQUESTS);
        for (int alias : aliases) {
            sendPacket(MacAddress.BROADCAST.bits(), ArpPacket.REQUEST, alias, MacAddress.ZERO, alias);
            counters.inc(StackCounter.ARP_TX_REQUESTS);
        }
    }

    /** Whether {@code ip} is the interface's address or one of its aliases: the addresses ARP answers for. */
    public boolean isOwn(int ip) {
        if (ip == 0) {
            return false;
        }
        if (ip == ownIp) {
            return true;
        }
        for (int a : aliases) {
            if (a == ip) {
                return true;
            }
        }
        return false;
    }

    /**
     * The MAC address for {@code ip} if it is resolved, else -1. An entry used in its last refresh window is
     * refreshed by a unicast request (RFC 1122 §2.3.2.1), and used meanwhile.
     */
    public long lookup(long now, int ip) {
        // The most recently used entry (the map's last; each entry is keyed by its own ip) is read without boxing
        // ip or making the map's reversed views: a flow sends every segment to one next hop (BENCHMARKS.md "Churn,
        // fourth pass").
        Entry last = cache.isEmpty() ? null : cache.sequencedValues().getLast();
        Entry e = last != null && last.ip == ip ? last : cache.get(ip);
        if (e == null) {
            return -1;
        }
        switch (e.state) {
            case STATIC -> {
                return e.mac;
            }
            case PENDING -> {
                return -1;
            }
            default -> {
                if (now >= e.expires) {
                    cache.remove(ip);
                    return -1;
                }
                e.used = true;
                if (last != e) {                           // most recently used last
                    cache.remove(ip);
                    cache.put(ip, e);
                }
                if (now >= e.expires - refreshWindow && !e.refreshing) {
                    e.refreshing = true;
                    sendPacket(e.mac, ArpPacket.REQUEST, ownIp, MacAddress.ZERO, ip);
                    counters.inc(StackCounter.ARP_TX_REQUESTS);
                }
                return e.mac;
            }
        }
    }

    /**
     * Queues {@code w} until {@code ip} is resolved, starting a resolution if none runs. Returns false if it
     * cannot wait (the queue for {@code ip} is full, or the cache is full of static and pending entries).
     */
    public boolean enqueue(long now, int ip, Waiter w) {
        Entry e = cache.get(ip);
        if (e != null && e.state == State.RESOLVED && now >= e.expires) {
            cache.remove(ip);
            e = null;
        }
        if (e == null) {
            if (pendingEntries() >= unresolvedLimit(limits.cacheSize()) || !makeRoom(now, false)) {
                counters.inc(StackCounter.ARP_CACHE_FULL);
                return false;
            }
            e = new Entry(ip, State.PENDING);
            e.used = true;
            cache.put(ip, e);
            request(now, e);
        }
        if (e.state != State.PENDING) {               // resolved meanwhile: caller should not have queued
            w.resolved(now, e.mac);
            return true;
        }
        if (e.waiting == null) {
            e.waiting = new ArrayDeque<>();
        }
        if (e.waiting.size() >= limits.pendingPerAddress()) {
            counters.inc(StackCounter.ARP_PENDING_QUEUE_FULL);
            return false;
        }
        e.waiting.add(w);
        return true;
    }

    private void request(long now, Entry e) {
        e.requests++;
        sendPacket(MacAddress.BROADCAST.bits(), ArpPacket.REQUEST, ownIp, MacAddress.ZERO, e.ip);
        counters.inc(StackCounter.ARP_TX_REQUESTS);
        e.retry = scheduler.at(now + retryInterval, t -> retry(t, e));
    }

    private void retry(long now, Entry e) {
        if (e.state != State.PENDING || cache.get(e.ip) != e) {
            return;
        }
        if (e.requests <= limits.retries()) {
            request(now, e);
            return;
        }
        cache.remove(e.ip);
        counters.inc(StackCounter.ARP_RESOLUTION_FAILED);
        ArrayDeque<Waiter> waiting = e.waiting;
        e.waiting = null;
        if (waiting != null) {
            counters.add(StackCounter.ARP_PENDING_DROPPED, waiting.size());
            for (Waiter w : waiting) {
                w.failed(now);
            }
        }
    }

    /**
     * Unresolved entries a cache of {@code cacheSize} holds at most: a quarter stays for resolved ones, so that
     * traffic to many unresolvable addresses (say, replies to spoofed sources) cannot push out every neighbour
     * in use.
     */
    public static int unresolvedLimit(int cacheSize) {
        return Math.max(1, cacheSize - cacheSize / 4);
    }

    private int pendingEntries() {
        int n = 0;
        for (Entry e : cache.values()) {                  // bounded by the cache size
            if (e.state == State.PENDING) {
                n++;
            }
        }
        return n;
    }

    /**
     * Frees one slot if the cache is full: an expired entry, else the oldest resolved entry never used for
     * sending, else (only for a resolution this stack needs, not for an entry learned from a received packet) the
     * least recently used resolved one. So a flood of ARP from spoofed senders can only displace entries it
     * made itself, never a neighbour a flow talks to (RFC 826 lets a receiver add the sender; it does not
     * require keeping every sender).
     */
    private boolean makeRoom(long now, boolean learnedFromPacket) {
        if (cache.size() < limits.cacheSize()) {
            return true;
        }
        Entry unused = null;
        Entry oldest = null;
        for (Iterator<Entry> it = cache.values().iterator(); it.hasNext(); ) {  // bounded by the cache size
            Entry e = it.next();
            if (e.state == State.RESOLVED && now >= e.expires) {
                it.remove();
                return true;
            }
            if (e.state == State.RESOLVED) {
                if (unused == null && !e.used) {
                    unused = e;
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
        cache.remove(victim.ip);
        counters.inc(StackCounter.ARP_CACHE_EVICTED);
        return true;
    }

    public void input(long now, byte[] buf, int off, int len) {
        counters.inc(StackCounter.ARP_RX);
        ArpView arp;
        try {
            arp = ArpView.parse(buf, off, len);
        } catch (ParseException e) {
            counters.inc(StackCounter.ARP_DROPPED_MALFORMED);
            return;
        }
        int spa = arp.senderIpBits();
        long sha = arp.senderMacBits();
        if (sha == MacAddress.BROADCAST.bits() || (sha & 0x0100_0000_0000L) != 0 || spa == -1) {
            counters.inc(StackCounter.ARP_DROPPED_MALFORMED); // a group address cannot own an IP address
            return;
        }
        if (probed != 0 && (spa == probed || spa == 0 && arp.targetIpBits() == probed
                && arp.operation() == ArpPacket.REQUEST && sha != eth.mac().bits())) {
            counters.inc(StackCounter.ARP_ADDRESS_CONFLICT);  // RFC 5227 §2.1.1: the probed address is in use
            onConflict.run();
        }
        if (isOwn(spa)) {
            counters.inc(StackCounter.ARP_ADDRESS_CONFLICT);  // RFC 5227 §2.4: someone else claims our address
            return;
        }
        // RFC 826 "Packet Reception": merge the sender into an existing entry first.
        boolean merged = false;
        Entry e = spa == 0 ? null : cache.get(spa);
        if (e != null && e.state != State.STATIC) {
            learn(now, e, sha);
            merged = true;
        }
        int tpa = arp.targetIpBits();
        if (!isOwn(tpa)) {
            counters.inc(StackCounter.ARP_NOT_FOR_US);
            return;
        }
        // RFC 826: if we are the target and the sender was not merged, add it.
        if (!merged && spa != 0 && e == null) {
            if (makeRoom(now, true)) {
                Entry added = new Entry(spa, State.RESOLVED);
                cache.put(spa, added);
                learn(now, added, sha);
            } else {
                counters.inc(StackCounter.ARP_CACHE_FULL);        // every entry is in use: the sender is not kept
            }
        }
        if (arp.operation() == ArpPacket.REQUEST) {
            sendPacket(sha, ArpPacket.REPLY, tpa, new MacAddress(sha), spa);   // RFC 826: from the address asked for
            counters.inc(StackCounter.ARP_TX_REPLIES);
        }
    }

    private void learn(long now, Entry e, long mac) {
        e.state = State.RESOLVED;
        e.mac = mac;
        e.expires = now + lifetime;
        e.refreshing = false;
        if (e.retry != null) {
            e.retry.cancel();
            e.retry = null;
        }
        ArrayDeque<Waiter> waiting = e.waiting;
        e.waiting = null;
        if (waiting != null) {
            for (Waiter w : waiting) {
                w.resolved(now, mac);
            }
        }
    }

    private void sendPacket(long dstMac, int op, int senderIp, MacAddress targetMac, int targetIp) {
        int p = eth.header(dstMac, EtherType.ARP);
        int end = new ArpPacket(op, eth.mac(), new Ipv4Address(senderIp), targetMac, new Ipv4Address(targetIp))
                .emit(eth.buffer(), p);
        eth.transmit(end);
    }

    /** Adds or replaces a static entry: never expires, never overwritten by what is received. */
    public void addStatic(long now, int ip, long mac) {
        Entry old = cache.remove(ip);
        Entry e = new Entry(ip, State.STATIC);
        e.mac = mac;
        e.expires = Long.MAX_VALUE;
        cache.put(ip, e);
        if (old != null && old.state == State.PENDING) {
            if (old.retry != null) {
                old.retry.cancel();
            }
            if (old.waiting != null) {
                for (Waiter w : old.waiting) {
                    w.resolved(now, mac);
                }
            }
        }
    }

    /** Removes any entry for {@code ip}; returns whether one was there. */
    public boolean remove(int ip) {
        Entry e = cache.remove(ip);
        if (e != null && e.retry != null) {
            e.retry.cancel();
        }
        return e != null;
    }

    /** Entries in the cache: resolved, static and pending. */
    public int size() {
        return cache.size();
    }

    /** Datagrams queued over every pending entry. */
    public int pending() {
        int n = 0;
        for (Entry e : cache.values()) {
            n += e.waiting == null ? 0 : e.waiting.size();
        }
        return n;
    }

    /** The resolved and static entries, least recently used first. */
    public List<ArpEntry> entries(long now) {
        List<ArpEntry> out = new ArrayList<>();
        for (Entry e : cache.values()) {
            if (e.state == State.STATIC || e.state == State.RESOLVED && now < e.expires) {
                out.add(new ArpEntry(new Ipv4Address(e.ip), new MacAddress(e.mac), e.state == State.STATIC, e.expires));
            }
        }
        return out;
    }

    /** Fails everything waiting (the stack closes). */
    public void close(long now) {
        for (Entry e : List.copyOf(cache.values())) {
            if (e.retry != null) {
                e.retry.cancel();
            }
            if (e.waiting != null) {
                ArrayDeque<Waiter> w = e.waiting;
                e.waiting = null;
                w.forEach(x -> x.failed(now));
            }
        }
        cache.clear();
    }
}
