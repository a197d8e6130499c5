package dev.tcpip.direct.ip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.direct.DirectStackConfig.ReassemblyLimits;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.stats.Counters;
import dev.tcpip.time.SimulatedLoop;
import dev.tcpip.time.Simulation;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.Ipv4Header;
import dev.tcpip.wire.Ipv4View;
import dev.tcpip.wire.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Reassembly} alone, on virtual time: RFC 791 §3.2, RFC 8200 §4.5, RFC 5722, RFC 1122 §3.3.2. */
class ReassemblyTest {
    private static final Ipv4Address SRC = Ipv4Address.parse("10.0.0.2");
    private static final Ipv4Address DST = Ipv4Address.parse("10.0.0.1");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Simulation sim = Simulation.withSeed(1);
    private final SimulatedLoop loop = sim.newLoop("reassembly");
    private final Counters counters = new Counters();
    private final List<byte[][]> expired = new ArrayList<>();

    @AfterEach
    void close() {
        sim.close();
    }

    private Reassembly reassembly(int maxDatagrams, int maxBytes) {
        return new Reassembly(new ReassemblyLimits(maxDatagrams, maxBytes, TIMEOUT), counters, loop,
                (now, header, first) -> expired.add(new byte[][] {header, first}));
    }

    private Reassembly reassembly() {
        return reassembly(64, 65_535);
    }

    /** Payload byte i of datagram {@code id} is (id + i): fragments of one payload can be told apart. */
    private static byte[] payload(int id, int length) {
        byte[] p = new byte[length];
        for (int i = 0; i < length; i++) {
            p[i] = (byte) (id + i);
        }
        return p;
    }

    /** An IPv4 fragment of {@code payload(id, ...)}: bytes [offset, offset+len). */
    private static Ipv4View fragment(int id, int offset, int len, boolean more) {
        byte[] data = Arrays.copyOfRange(payload(id, offset + len), offset, offset + len);
        Ipv4Header h = new Ipv4Header(0, 0, id, false, more, offset, 64, 17, SRC, DST, null, len);
        byte[] buf = new byte[h.totalLength()];
        int p = h.emit(buf, 0);
        System.arraycopy(data, 0, buf, p, len);
        try {
            return Ipv4View.parse(buf, 0, buf.length);
        } catch (ParseException e) {
            throw new AssertionError(e);
        }
    }

    private long count(StackCounter c) {
        return counters.get(c);
    }

    // RFC 791 §3.2: fragments arriving in any order are put back by offset; the result is one unfragmented datagram.
    @Test
    void outOfOrderFragmentsCompleteTheDatagram() throws ParseException {
        Reassembly r = reassembly();
        assertNull(r.add(sim.now(), fragment(7, 16, 8, false)));   // last first
        assertNull(r.add(sim.now(), fragment(7, 0, 8, true)));
        assertEquals(1, r.inProgress());
        assertEquals(16, r.bytesHeld());
        Reassembly.Datagram d = r.add(sim.now(), fragment(7, 8, 8, true));
        assertNotNull(d);
        assertEquals(20, d.headerLength());
        assertEquals(24, d.payloadLength());
        assertArrayEquals(payload(7, 24), Arrays.copyOfRange(d.buf(), 20, 44));
        Ipv4View whole = Ipv4View.parseQuoted(d.buf(), 0, d.buf().length);
        assertEquals(44, whole.totalLength());
        assertEquals(0, whole.fragmentOffset());
        assertTrue(!whole.moreFragments());
        assertEquals(0, r.inProgress());
        assertEquals(0, r.bytesHeld());
        assertEquals(3, count(StackCounter.IP_FRAGMENTS_RX));
        assertEquals(1, count(StackCounter.IP_REASSEMBLED));
    }

    // RFC 791 §3.2: the buffer identifier is source, destination, protocol and identification; two datagrams
    // with different identifications are kept apart.
    @Test
    void datagramsAreKeyedByIdentification() {
        Reassembly r = reassembly();
        assertNull(r.add(sim.now(), fragment(1, 0, 8, true)));
        assertNull(r.add(sim.now(), fragment(2, 8, 8, false)));
        assertEquals(2, r.inProgress());
        assertNotNull(r.add(sim.now(), fragment(2, 0, 8, true)));
        assertEquals(1, r.inProgress());
        Reassembly.Datagram d = r.add(sim.now(), fragment(1, 8, 8, false));
        assertArrayEquals(payload(1, 16), Arrays.copyOfRange(d.buf(), 20, 36));
    }

    // Exact duplicates (link-level duplication) are ignored: counted, not an overlap, and the datagram survives.
    @Test
    void exactDuplicateIsIgnored() {
        Reassembly r = reassembly();
        r.add(sim.now(), fragment(3, 0, 8, true));
        assertNull(r.add(sim.now(), fragment(3, 0, 8, true)));
        assertEquals(1, count(StackCounter.IP_FRAGMENT_DUPLICATE));
        assertEquals(0, count(StackCounter.IP_REASSEMBLY_OVERLAP));
        assertEquals(8, r.bytesHeld());
        assertNotNull(r.add(sim.now(), fragment(3, 8, 8, false)));
    }

    // RFC 5722 §3 (and RFC 1858 for IPv4): an overlapping fragment discards the whole datagram, including later
    // fragments that would otherwise have completed it.
    @Test
    void overlapDiscardsTheDatagram() {
        Reassembly r = reassembly();
        r.add(sim.now(), fragment(4, 0, 16, true));
        assertNull(r.add(sim.now(), fragment(4, 8, 16, true)));
        assertEquals(1, count(StackCounter.IP_REASSEMBLY_OVERLAP));
        assertEquals(0, r.inProgress());
        assertEquals(0, r.bytesHeld());
        assertNull(r.add(sim.now(), fragment(4, 16, 8, false)));    // a fresh, incomplete datagram now
        assertEquals(0, count(StackCounter.IP_REASSEMBLED));
    }

    // RFC 791 §3.2: only the last fragment (MF clear) fixes the length; two different ends are inconsistent and the
    // datagram is dropped, as is a non-last fragment reaching past that end.
    @Test
    void inconsistentEndsDiscardTheDatagram() {
        Reassembly r = reassembly();
        r.add(sim.now(), fragment(5, 16, 8, false));
        assertNull(r.add(sim.now(), fragment(5, 32, 8, false)));
        assertEquals(1, count(StackCounter.IP_REASSEMBLY_OVERLAP));
        assertEquals(0, r.inProgress());

        r.add(sim.now(), fragment(6, 16, 8, false));
        assertNull(r.add(sim.now(), fragment(6, 24, 8, true)));
        assertEquals(2, count(StackCounter.IP_REASSEMBLY_OVERLAP));
        assertEquals(0, r.inProgress());

        r.add(sim.now(), fragment(8, 24, 8, true));                 // held data past the end announced next
        assertNull(r.add(sim.now(), fragment(8, 8, 8, false)));
        assertEquals(3, count(StackCounter.IP_REASSEMBLY_OVERLAP));
        assertEquals(0, r.inProgress());
    }

    // RFC 791 §3.2: every fragment but the last carries a multiple of 8 octets; an empty fragment and one ending
    // past 65,535 octets are malformed.
    @Test
    void malformedFragmentsAreCountedAndDropped() {
        Reassembly r = reassembly();
        assertNull(r.add(sim.now(), fragment(9, 0, 12, true)));
        assertNull(r.add(sim.now(), fragment(9, 0, 0, true)));
        assertNull(r.add(sim.now(), fragment(9, 8 * 0x1fff, 8, false))); // 20 + 65,528 + 8 > 65,535
        assertEquals(3, count(StackCounter.IP_FRAGMENT_MALFORMED));
        assertEquals(3, count(StackCounter.IP_FRAGMENTS_RX));
        assertEquals(0, r.inProgress());
    }

    // Bounded in datagrams: a new datagram beyond maxDatagrams evicts the oldest in progress (a flood of fragments
    // that never complete only displaces itself); the others still complete.
    @Test
    void datagramLimit() {
        Reassembly r = reassembly(2, 65_535);
        r.add(sim.now(), fragment(1, 0, 8, true));
        r.add(sim.now(), fragment(2, 0, 8, true));
        assertNull(r.add(sim.now(), fragment(3, 0, 8, true)));      // evicts datagram 1
        assertEquals(1, count(StackCounter.IP_REASSEMBLY_LIMIT));
        assertEquals(2, r.inProgress());
        assertNull(r.add(sim.now(), fragment(1, 8, 8, false)));     // 1 is gone: this starts it again, evicting 2
        assertEquals(2, count(StackCounter.IP_REASSEMBLY_LIMIT));
        assertNotNull(r.add(sim.now(), fragment(3, 8, 8, false)));  // 3 completes
        assertEquals(1, r.inProgress());
        assertEquals(2, count(StackCounter.IP_REASSEMBLY_LIMIT));
    }

    // Bounded in bytes: a fragment that would hold more than maxBytes evicts the oldest other datagrams until it
    // fits; its own datagram is never evicted for it.
    @Test
    void byteLimit() {
        Reassembly r = reassembly(64, 65_535);
        int big = 65_000 & ~7;
        assertNull(r.add(sim.now(), fragment(1, 0, big, true)));
        assertEquals(big, r.bytesHeld());
        assertNull(r.add(sim.now(), fragment(2, 0, 1_000, true)));  // evicts datagram 1
        assertEquals(1, count(StackCounter.IP_REASSEMBLY_LIMIT));
        assertEquals(1_000, r.bytesHeld());
        assertEquals(1, r.inProgress());
        assertNull(r.add(sim.now(), fragment(3, 0, 64_528, true)));  // exactly at the limit with 2: fits
        assertEquals(65_528, r.bytesHeld());
        assertEquals(1, count(StackCounter.IP_REASSEMBLY_LIMIT));
        assertNull(r.add(sim.now(), fragment(3, 64_528, 8, true)));  // its own datagram is kept: 2 goes
        assertEquals(64_536, r.bytesHeld());
        assertEquals(2, count(StackCounter.IP_REASSEMBLY_LIMIT));
    }

    // An evicted datagram leaves nothing behind: no timer that later reports a timeout for it.
    @Test
    void evictedDatagramNeverTimesOut() {
        Reassembly r = reassembly(2, 65_535);
        assertNull(r.add(sim.now(), fragment(1, 0, 40_000, true)));
        assertNull(r.add(sim.now(), fragment(2, 0, 30_000, true)));   // over the byte limit: 1 is evicted
        assertEquals(1, count(StackCounter.IP_REASSEMBLY_LIMIT));
        assertEquals(1, r.inProgress());
        assertNull(r.add(sim.now(), fragment(3, 0, 8, true)));         // the second slot is free
        assertEquals(2, r.inProgress());
        assertEquals(1, count(StackCounter.IP_REASSEMBLY_LIMIT));
        sim.runFor(TIMEOUT);
        assertEquals(2, count(StackCounter.IP_REASSEMBLY_TIMEOUT));    // datagrams 2 and 3, not 1
        assertEquals(0, r.inProgress());
    }

    // RFC 791 §3.2 / RFC 1122 §3.3.2: an incomplete datagram is dropped when its timer runs out, and if fragment
    // zero arrived, the layer above is told (ICMP time exceeded, code 1) with that fragment.
    @Test
    void timeoutWithFragmentZeroReportsIt() {
        Reassembly r = reassembly();
        r.add(sim.now(), fragment(11, 16, 8, false));
        r.add(sim.now(), fragment(11, 0, 8, true));
        sim.runFor(TIMEOUT.minusNanos(1));
        assertEquals(1, r.inProgress());
        assertEquals(0, count(StackCounter.IP_REASSEMBLY_TIMEOUT));
        sim.runFor(Duration.ofNanos(1));
        assertEquals(0, r.inProgress());
        assertEquals(0, r.bytesHeld());
        assertEquals(1, count(StackCounter.IP_REASSEMBLY_TIMEOUT));
        assertEquals(1, expired.size());
        Ipv4View header = parseQuoted(expired.getFirst()[0]);
        assertEquals(11, header.identification());
        assertEquals(0, header.fragmentOffset());
        assertArrayEquals(payload(11, 8), expired.getFirst()[1]);
    }

    // RFC 792 / RFC 1122 §3.3.2: without fragment zero the datagram is dropped silently.
    @Test
    void timeoutWithoutFragmentZeroIsSilent() {
        Reassembly r = reassembly();
        r.add(sim.now(), fragment(12, 8, 8, true));
        sim.runFor(TIMEOUT);
        assertEquals(0, r.inProgress());
        assertEquals(1, count(StackCounter.IP_REASSEMBLY_TIMEOUT));
        assertTrue(expired.isEmpty());
    }

    // The timer runs from the first fragment (RFC 791 §3.2 sets it when the buffer is allocated); a completed or
    // discarded datagram's timer does not fire later.
    @Test
    void completedDatagramNeverTimesOut() {
        Reassembly r = reassembly();
        r.add(sim.now(), fragment(13, 0, 8, true));
        sim.runFor(TIMEOUT.dividedBy(2));
        assertNotNull(r.add(sim.now(), fragment(13, 8, 8, false)));
        r.add(sim.now(), fragment(14, 0, 8, true));
        r.add(sim.now(), fragment(14, 4 * 8, 8, true));
        r.add(sim.now(), fragment(14, 0, 16, true));                // overlap: discarded
        sim.runFor(TIMEOUT.multipliedBy(2));
        assertEquals(0, count(StackCounter.IP_REASSEMBLY_TIMEOUT));
        assertTrue(expired.isEmpty());
    }

    // RFC 8200 §4.5: IPv6 fragments belong together by source, destination and identification; the unfragmentable
    // part comes from fragment zero; overlaps drop the datagram (RFC 5722 §3).
    @Test
    void ipv6FragmentsReassembleAndOverlapsDrop() {
        Reassembly r = reassembly();
        byte[] header = payload(100, 40);
        byte[] data = payload(200, 24);
        byte[] first = concat(header, Arrays.copyOfRange(data, 0, 16));
        assertNull(r.add6(sim.now(), 1, 2, 3, 4, 77, 16, false, data, 16, 8, 0, 0));
        Reassembly.Datagram d = r.add6(sim.now(), 1, 2, 3, 4, 77, 0, true, first, 40, 16, 0, 40);
        assertNotNull(d);
        assertEquals(40, d.headerLength());
        assertEquals(24, d.payloadLength());
        assertArrayEquals(concat(header, data), d.buf());

        assertNull(r.add6(sim.now(), 1, 2, 3, 4, 78, 0, true, first, 40, 16, 0, 40));
        assertNull(r.add6(sim.now(), 1, 2, 3, 5, 78, 8, false, data, 8, 16, 0, 0)); // other destination: apart
        assertEquals(2, r.inProgress());
        assertNull(r.add6(sim.now(), 1, 2, 3, 4, 78, 8, false, data, 8, 16, 0, 0)); // overlaps [0,16)
        assertEquals(1, count(StackCounter.IP_REASSEMBLY_OVERLAP));
        assertEquals(1, r.inProgress());
        assertEquals(1, count(StackCounter.IP_REASSEMBLED));
        assertEquals(5, count(StackCounter.IP_FRAGMENTS_RX));
    }

    @Test
    void clearDropsEverythingAndCancelsTimers() {
        Reassembly r = reassembly();
        r.add(sim.now(), fragment(15, 0, 8, true));
        r.add(sim.now(), fragment(16, 0, 8, true));
        r.clear();
        assertEquals(0, r.inProgress());
        assertEquals(0, r.bytesHeld());
        sim.runFor(TIMEOUT.multipliedBy(2));
        assertEquals(0, count(StackCounter.IP_REASSEMBLY_TIMEOUT));
        assertTrue(expired.isEmpty());
    }

    private static Ipv4View parseQuoted(byte[] b) {
        try {
            return Ipv4View.parseQuoted(b, 0, b.length);
        } catch (ParseException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
