package dev.tcpip.direct.ip;

import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.stats.Counters;
import dev.tcpip.time.Scheduler;
import dev.tcpip.time.Timer;
import dev.tcpip.wire.Ecn;
import dev.tcpip.wire.Ipv4View;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * IPv4 and IPv6 reassembly (RFC 791 §3.2, RFC 815, RFC 8200 §4.5), one instance per family, bounded in datagrams, bytes and time. Overlapping fragments
 * discard the whole datagram (as RFC 5722 requires for IPv6; RFC 1858 shows what overlaps are used for);
 * an exact duplicate of a fragment already held is ignored, so link-level duplication does no harm.
 * With overlaps forbidden, RFC 815's hole list reduces to counting bytes: the datagram is complete when
 * its last fragment fixed the length and the held bytes add up to it.
 */
public final class Reassembly {

    /** RFC 791 §3.2: fragments belong together by source, destination, protocol and identification. */
    private record Key(int src, int dst, int protocol, int id) {}

    /** RFC 8200 §4.5: by source, destination and identification. */
    private record Key6(long srcHi, long srcLo, long dstHi, long dstLo, int id) {}

    private record Fragment(int offset, byte[] data) {
        int end() {
            return offset + data.length;
        }
    }

    private final class Entry {
        final Object key;
        final List<Fragment> fragments = new ArrayList<>();
        byte[] header;        // fragment zero's IP header, once received
        int total = -1;       // payload length, once the last fragment arrived
        int held;
        int ecnSeen;          // a bit per ECN codepoint its fragments carried (RFC 3168 §5.3)
        Timer timer;

        Entry(Object key) {
            this.key = key;
        }
    }

    /**
     * A reassembled datagram: fragment zero's header bytes as given to {@link #add} (offset 0, {@code headerLength}
     * bytes) then the payload. The caller fixes the header's length and fragment fields.
     */
    record Datagram(byte[] buf, int headerLength, int payloadLength) {}

    /** What the layer above does when a datagram with fragment zero times out (ICMP time exceeded). */
    interface Expiry {
        void expired(long now, byte[] header, byte[] firstBytes);
    }

    private final DirectStackConfig.ReassemblyLimits limits;
    private final long timeout;
    private final Counters counters;
    private final Scheduler scheduler;
    private final Expiry expiry;
    /** Oldest first: at a limit, the datagram begun longest ago is given up for the newest fragment. */
    private final LinkedHashMap<Object, Entry> entries = new LinkedHashMap<>();
    private int held;

    Reassembly(DirectStackConfig.ReassemblyLimits limits, Counters counters, Scheduler scheduler, Expiry expiry) {
        this.limits = limits;
        this.timeout = limits.timeout().toNanos();
        this.counters = counters;
        this.scheduler = scheduler;
        this.expiry = expiry;
    }

    /** Datagrams in progress. */
    public int inProgress() {
        return entries.size();
    }

    /** Fragment payload bytes held. */
    public int bytesHeld() {
        return held;
    }

    /** Takes one IPv4 fragment; returns the whole datagram when this fragment completed it, else null. */
    Datagram add(long now, Ipv4View ip) {
        counters.inc(StackCounter.IP_FRAGMENTS_RX);
        int len = ip.payloadLength();
        // RFC 791 §3.2: every fragment but the last carries a multiple of 8 bytes; none reaches past 65,535.
        if (len == 0 || ip.moreFragments() && len % 8 != 0 || ip.headerLength() + ip.fragmentOffset() + len > 0xffff) {
            counters.inc(StackCounter.IP_FRAGMENT_MALFORMED);
            return null;
        }
        Datagram d = add(now, new Key(ip.srcBits(), ip.dstBits(), ip.protocol(), ip.identification()),
                ip.fragmentOffset(), ip.moreFragments(), ip.buffer(), ip.payloadOffset(), len, ip.offset(),
                ip.headerLength(), ip.ecn());
        if (d != null) {
            byte[] whole = d.buf();
            int total = d.headerLength() + d.payloadLength();
            whole[2] = (byte) (total >>> 8);
            whole[3] = (byte) total;
            whole[6] = 0;                                 // no longer a fragment
            whole[7] = 0;
        }
        return d;
    }

    /**
     * Takes one IPv6 fragment (already checked by the caller, RFC 8200 §4.5): the fragmentable part is
     * {@code buf[dataOff, dataOff+len)}, the unfragmentable part (fixed and extension headers before the fragment
     * header) {@code buf[ipOff, ipOff+headerLen)}.
     */
    Datagram add6(long now, long srcHi, long srcLo, long dstHi, long dstLo, int id, int offset, boolean more,
                  byte[] buf, int dataOff, int len, int ipOff, int headerLen) {
        counters.inc(StackCounter.IP_FRAGMENTS_RX);
        return add(now, new Key6(srcHi, srcLo, dstHi, dstLo, id), offset, more, buf, dataOff, len, ipOff, headerLen,
                Ecn.ofIpv6(buf, ipOff));
    }

    private Datagram add(long now, Object key, int offset, boolean more, byte[] buf, int dataOff, int len,
                         int headerOff, int headerLen, int ecn) {
        int end = offset + len;
        Entry e = entries.get(key);
        if (e == null) {
            if (entries.size() >= limits.maxDatagrams()) {
                evictOldest(null);
            }
            e = new Entry(key);
            entries.put(key, e);
            Entry created = e;
            e.timer = scheduler.at(now + timeout, t -> expire(t, created));
        }
        for (Fragment f : e.fragments) {
            if (offset < f.end() && f.offset < end) {
                if (f.offset == offset && f.data.length == len) {
                    counters.inc(StackCounter.IP_FRAGMENT_DUPLICATE);
                    return null;
                }
                counters.inc(StackCounter.IP_REASSEMBLY_OVERLAP);
                remove(e);
                return null;
            }
        }
        if (!more ? e.total != -1 && e.total != end || maxEnd(e) > end : e.total != -1 && end > e.total) {
            counters.inc(StackCounter.IP_REASSEMBLY_OVERLAP); // two different ends, or data past the end
            remove(e);
            return null;
        }
        for (int i = 0; held + len > limits.maxBytes() && i < limits.maxDatagrams(); i++) {
            if (!evictOldest(e)) {
                break;
            }
        }
        if (held + len > limits.maxBytes()) {                // not reached: one datagram fits maxBytes alone
            counters.inc(StackCounter.IP_REASSEMBLY_LIMIT);
            if (e.fragments.isEmpty()) {
                remove(e);  // a datagram that holds nothing must not keep a slot and time out later
            }
            return null;
        }
        if (!more) {
            e.total = end;
        }
        byte[] data = new byte[len];
        System.arraycopy(buf, dataOff, data, 0, len);
        if (offset == 0) {
            e.header = new byte[headerLen];
            System.arraycopy(buf, headerOff, e.header, 0, headerLen);
        }
        int at = 0;
        while (at < e.fragments.size() && e.fragments.get(at).offset < offset) {
            at++;
        }
        e.fragments.add(at, new Fragment(offset, data));
        e.ecnSeen |= 1 << ecn;
        e.held += len;
        held += len;
        if (e.header == null || e.total == -1 || e.held != e.total) {
            return null;
        }
        remove(e);
        // RFC 3168 §5.3: reassembly must not lose a CE mark: the whole is CE, unless a fragment was Not-ECT, when
        // it is dropped.
        boolean ce = (e.ecnSeen & 1 << Ecn.CE) != 0;
        if (ce && (e.ecnSeen & 1 << Ecn.NOT_ECT) != 0) {
            counters.inc(StackCounter.IP_REASSEMBLY_DROPPED_ECN);
            return null;
        }
        int hl = e.header.length;
        byte[] whole = new byte[hl + e.total];
        System.arraycopy(e.header, 0, whole, 0, hl);
        if (ce) {
            whole[1] |= key instanceof Key6 ? (byte) (Ecn.CE << 4) : (byte) Ecn.CE;   // IPv6 or IPv4 header, offset 1
        }
        for (Fragment f : e.fragments) {
            System.arraycopy(f.data, 0, whole, hl + f.offset, f.data.length);
        }
        counters.inc(StackCounter.IP_REASSEMBLED);
        return new Datagram(whole, hl, e.total);
    }

    /**
     * Gives up the datagram begun longest ago (other than {@code keep}) to make room. Under a flood of fragments
     * that never complete, new datagrams keep being admitted and the flood only displaces itself; a datagram
     * whose fragments arrive within {@code maxDatagrams} other new datagrams of each other still completes.
     * (Refusing new datagrams instead, as Linux does at its byte threshold, lets such a flood block all
     * reassembly for a whole timeout.) RFC 791 §3.2 and RFC 8200 §4.5 leave resource limits to the host.
     */
    private boolean evictOldest(Entry keep) {
        for (Entry victim : entries.values()) {              // at most two steps: only keep is skipped
            if (victim != keep) {
                counters.inc(StackCounter.IP_REASSEMBLY_LIMIT);
                remove(victim);
                return true;
            }
        }
        return false;
    }

    private static int maxEnd(Entry e) {
        return e.fragments.isEmpty() ? 0 : e.fragments.getLast().end();
    }

    private void expire(long now, Entry e) {
        if (entries.get(e.key) != e) {
            return;
        }
        counters.inc(StackCounter.IP_REASSEMBLY_TIMEOUT);
        remove(e);
        // RFC 1122 §3.3.2 / RFC 792: time exceeded (code 1) only if fragment zero was received.
        if (e.header != null && !e.fragments.isEmpty() && e.fragments.getFirst().offset == 0) {
            expiry.expired(now, e.header, e.fragments.getFirst().data);
        }
    }

    private void remove(Entry e) {
        entries.remove(e.key);
        held -= e.held;
        if (e.timer != null) {
            e.timer.cancel();
        }
    }

    public void clear() {
        for (Entry e : List.copyOf(entries.values())) {
            remove(e);
        }
    }
}
