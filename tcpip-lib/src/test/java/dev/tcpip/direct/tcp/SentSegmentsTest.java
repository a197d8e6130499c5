package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The per-segment record RACK reasons from: entries tile [SND.UNA, SND.MAX) through sends, retransmissions
 * that split entries, SACK blocks at any edges and cumulative ACKs, and the SACKed and lost byte counts (pipe's
 * terms) always equal a recount, including across the sequence-number wrap.
 */
class SentSegmentsTest {

    @Test
    void sackedAndLostCountsFollowSplitsAcksAndRetransmissions() {
        SentSegments s = new SentSegments();
        Rack rack = new Rack();
        int base = -5_000;                       // crosses 2^32 -> 0 on the way
        for (int i = 0; i < 10; i++) {
            s.sent(base + i * 1000, base + (i + 1) * 1000, i);
        }
        s.checkInvariants(base, base + 10_000);
        rack.beginAck();
        assertEquals(1500, s.sacked(base + 3500, base + 5000, rack, 100)); // half of s3 and all of s4
        s.checkInvariants(base, base + 10_000);
        assertEquals(1500, s.sackedBytes());
        assertEquals(2, s.sackedSegments());     // s3's second half and s4
        // s0..s3's first half were sent before s4, which was delivered: with no reordering window, lost.
        s.detectLoss(rack, 0, 100);
        assertEquals(3500, s.lostBytes());
        s.checkInvariants(base, base + 10_000);
        assertEquals(base, s.firstLost(-1));
        s.sent(base, base + 600, 200);           // a retransmission smaller than the entry splits it
        assertEquals(2900, s.lostBytes());
        assertEquals(base + 600, s.firstLost(-1));
        s.checkInvariants(base, base + 10_000);
        s.acknowledged(base + 1500, rack, 300);  // a cumulative ACK inside an entry trims it
        s.checkInvariants(base + 1500, base + 10_000);
        assertEquals(2000, s.lostBytes());
        s.acknowledged(base + 5000, rack, 400);  // past the SACKed range: its counts go with it
        s.checkInvariants(base + 5000, base + 10_000);
        assertEquals(0, s.sackedBytes());
        assertEquals(0, s.sackedSegments());
        assertEquals(0, s.lostBytes());
    }

    @Test
    void randomOperationsKeepTheEntriesTilingAndTheCountsTrue() {
        SplittableRandom r = new SplittableRandom(42);
        for (int run = 0; run < 200; run++) {
            SentSegments s = new SentSegments();
            Rack rack = new Rack();
            int una = r.nextInt();
            int max = una;
            long now = 0;
            for (int step = 0; step < 300; step++) {
                now += r.nextInt(1, 50);
                int op = r.nextInt(5);
                if (op == 0 || max == una) {
                    int len = r.nextInt(1, 3000);
                    s.sent(max, max + len, now);
                    max += len;
                } else if (op == 1) {                 // retransmit a random range below SND.MAX
                    int from = una + r.nextInt(Seq.diff(max, una));
                    s.sent(from, Seq.min(max, from + r.nextInt(1, 3000)), now);
                } else if (op == 2) {                 // a SACK block anywhere, edges anywhere
                    int l = una + r.nextInt(Seq.diff(max, una));
                    rack.beginAck();
                    s.sacked(l, Seq.min(max, l + r.nextInt(1, 5000)), rack, now);
                } else if (op == 3) {
                    s.detectLoss(rack, r.nextInt(0, 100), now);
                } else {                              // a cumulative ACK, rarely of everything
                    int ack = una + r.nextInt(Seq.diff(max, una) + 1);
                    s.acknowledged(ack, rack, now);
                    una = ack;
                }
                s.checkInvariants(una, max);
            }
        }
    }

    @Test
    void theRecordIsBoundedAndExtendsItsLastEntryWhenFull() {
        SentSegments s = new SentSegments();
        for (int i = 0; i < SentSegments.MAX_ENTRIES + 100; i++) {
            s.sent(i, i + 1, i);
        }
        assertEquals(SentSegments.MAX_ENTRIES, s.size());
        s.checkInvariants(0, SentSegments.MAX_ENTRIES + 100);
    }
}
