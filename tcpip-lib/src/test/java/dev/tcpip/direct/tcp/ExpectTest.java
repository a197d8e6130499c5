package dev.tcpip.direct.tcp;

import static dev.tcpip.wire.TcpHeader.ACK;
import static dev.tcpip.wire.TcpHeader.FIN;
import static dev.tcpip.wire.TcpHeader.PSH;
import static dev.tcpip.wire.TcpHeader.SYN;
import static dev.tcpip.wire.TcpOptions.MSS;
import static dev.tcpip.wire.TcpOptions.SACK;
import static dev.tcpip.wire.TcpOptions.SACK_PERMITTED;
import static dev.tcpip.wire.TcpOptions.TIMESTAMPS;
import static dev.tcpip.wire.TcpOptions.WINDOW_SCALE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.wire.TcpHeader;
import dev.tcpip.wire.TcpOptions;
import dev.tcpip.wire.TcpView;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The segment matcher itself: what it accepts, what it rejects, and what its failures say. */
class ExpectTest {
    private static final int ISN = 7000;
    private static final int PEER_ISN = 1000;
    private static final Expect.Isns ISNS = new Expect.Isns(ISN, PEER_ISN);

    /** A segment as the stack would send it, checksummed and parsed back. */
    private static ScriptedPeer.Sent sent(long at, int flags, int seq, int ack, int window, TcpOptions o, int len) {
        TcpHeader h = new TcpHeader(80, 40_000, seq, ack, flags, window, 0, o, len);
        byte[] b = new byte[h.length() + len];
        h.emitIpv4(b, 0, ScriptedPeer.LOCAL, ScriptedPeer.PEER);
        try {
            return new ScriptedPeer.Sent(at, TcpView.parseIpv4(b, 0, b.length, ScriptedPeer.LOCAL.bits(),
                    ScriptedPeer.PEER.bits()));
        } catch (dev.tcpip.wire.ParseException e) {
            throw new AssertionError(e);
        }
    }

    /** A SYN-ACK with MSS, window scale, SACK-permitted and timestamps. */
    private static final ScriptedPeer.Sent SYN_ACK = sent(0, SYN | ACK, ISN, PEER_ISN + 1, 65535,
            new TcpOptions(1460, 7, true, true, 42, 777, List.of()), 0);
    /** A data segment carrying SACK blocks, 40 ms in. */
    private static final ScriptedPeer.Sent DATA = sent(40 * ScriptedPeer.MS, ACK | PSH, ISN + 1, PEER_ISN + 101,
            512, new TcpOptions(-1, -1, false, false, 0, 0,
                    List.of(new TcpOptions.SackBlock(PEER_ISN + 201, PEER_ISN + 301))), 100);

    private static AssertionError mismatch(Expect e, ScriptedPeer.Sent s) {
        return assertThrows(AssertionError.class, () -> e.check(s, ISNS));
    }

    @Test
    void aSegmentMatchesEveryFieldItHas() {
        Expect all = Expect.segment().ports(80, 40_000).flags(SYN, ACK).seq(ISN).ack(PEER_ISN + 1).window(65535)
                .len(0).at(0).option(MSS, 1460).option(WINDOW_SCALE, 7).option(SACK_PERMITTED)
                .option(TIMESTAMPS).tsVal(42).tsEcr(777).noOption(SACK);
        assertSame(SYN_ACK, all.check(SYN_ACK, null));
        Expect data = Expect.segment().flags(ACK | PSH).seq(ISN + 1).ack(PEER_ISN + 101).window(512).len(100)
                .at(40 * ScriptedPeer.MS).sack(PEER_ISN + 201, PEER_ISN + 301).option(SACK).noOption(MSS)
                .noOption(WINDOW_SCALE).noOption(SACK_PERMITTED).noOption(TIMESTAMPS);
        assertTrue(data.matches(DATA, null));
    }

    @Test
    void fieldsLeftUnsetAreNotChecked() {
        assertTrue(Expect.segment().matches(SYN_ACK, null));
        assertTrue(Expect.segment().flags(SYN, ACK).matches(SYN_ACK, null));
        assertTrue(Expect.segment().len(100).matches(DATA, null));
    }

    @Test
    void eachFieldRejectsAMismatchAndTheMessageNamesIt() {
        Map<String, Expect> wrong = new java.util.LinkedHashMap<>();
        wrong.put("ports", Expect.segment().ports(80, 40_001));
        wrong.put("flags", Expect.segment().flags(SYN));
        wrong.put("seq", Expect.segment().seq(ISN + 1));
        wrong.put("ack", Expect.segment().ack(PEER_ISN));
        wrong.put("win", Expect.segment().window(65534));
        wrong.put("len", Expect.segment().len(1));
        wrong.put("at", Expect.segment().at(1));
        wrong.put("mss", Expect.segment().option(MSS, 1440));
        wrong.put("wscale", Expect.segment().option(WINDOW_SCALE, 6));
        wrong.put("sackOK", Expect.segment().noOption(SACK_PERMITTED));
        wrong.put("ts", Expect.segment().noOption(TIMESTAMPS));
        wrong.put("tsval", Expect.segment().tsVal(43));
        wrong.put("tsecr", Expect.segment().tsEcr(778));
        wrong.put("sack", Expect.segment().sack(1, 2));
        wrong.put("options", Expect.segment().noOptions());
        wrong.forEach((field, e) -> {
            String m = mismatch(e, SYN_ACK).getMessage();
            assertTrue(m.startsWith("segment differs in " + field + ": expected "), m);
        });
        // and options that are absent
        assertTrue(mismatch(Expect.segment().option(MSS), DATA).getMessage().startsWith("segment differs in mss:"));
        assertTrue(mismatch(Expect.segment().option(TIMESTAMPS), DATA).getMessage().contains("differs in ts:"));
        assertTrue(mismatch(Expect.segment().noOption(SACK), DATA).getMessage().contains("differs in sack:"));
        assertTrue(mismatch(Expect.segment().tsEcr(0), DATA).getMessage().contains("differs in tsecr:"),
                "TSecr 0 is not matched by a segment without timestamps");
    }

    @Test
    void theMessageShowsTheExpectationAndTheWholeSegmentOnOneLine() {
        AssertionError e = mismatch(Expect.segment().flags(SYN, ACK).ack(PEER_ISN + 2).len(0).noOption(SACK_PERMITTED),
                SYN_ACK);
        assertEquals("segment differs in ack, sackOK: expected [S.] ack=1002 len=0 !sackOK but got 80>40000 [S.] "
                + "seq=7000 ack=1001 win=65535 len=0 opts=[mss 1460, wscale 7, sackOK, ts 42 ecr 777] at=0ms",
                e.getMessage());
        assertEquals("80>40000 [P.] seq=7001 ack=1101 win=512 len=100 opts=[sack {1201:1301}] at=40ms",
                DATA.toString());
        assertEquals("[FSRP.UEW]", Expect.flagNames(0xff));
        assertEquals("[F.]", Expect.flagNames(FIN | ACK));
        assertEquals("[none]", Expect.flagNames(0));
    }

    @Test
    void relativeNumbersCountFromTheIsns() {
        Expect data = Expect.segment().relative().seq(1).ack(101).sack(201, 301);
        assertTrue(data.matches(DATA, ISNS));
        assertFalse(data.matches(DATA, new Expect.Isns(ISN + 1, PEER_ISN)));
        assertEquals("segment differs in seq: expected seq=2 ack=101 sack {201:301} (relative) but got 80>40000 [P.] "
                + "seq=1 ack=101 win=512 len=100 opts=[sack {201:301}] at=40ms (relative)",
                mismatch(data.seq(2), DATA).getMessage());
        assertThrows(IllegalStateException.class, () -> data.check(DATA, null), "no ISNs, no relative matching");
        assertTrue(Expect.segment().relative().seq(0).ack(1).matches(SYN_ACK, ISNS), "the SYN is at 0");
    }

    @Test
    void matchersAreImmutableAndALaterSettingReplacesAnEarlierOne() {
        Expect base = Expect.segment().flags(ACK | PSH);
        Expect narrowed = base.len(1);
        assertTrue(base.matches(DATA, null), "narrowing made a new matcher");
        assertFalse(narrowed.matches(DATA, null));
        assertTrue(narrowed.len(100).matches(DATA, null));
        assertEquals("[P.] len=100", narrowed.len(100).toString());
        assertEquals("any segment", Expect.segment().toString());
    }

    @Test
    void theShortFormChecksTheAckOnlyWithTheAckFlag() {
        assertTrue(Expect.segment(SYN | ACK, ISN, PEER_ISN + 1).matches(SYN_ACK, null));
        assertFalse(Expect.segment(SYN | ACK, ISN, PEER_ISN).matches(SYN_ACK, null));
        ScriptedPeer.Sent syn = sent(0, SYN, ISN, 12345, 65535, TcpOptions.NONE, 0);
        assertTrue(Expect.segment(SYN, ISN, 0).matches(syn, null), "a SYN's acknowledgment field carries nothing");
    }

    @Test
    void optionKindsWithoutASingleValueAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Expect.segment().option(TIMESTAMPS, 1));
        assertThrows(IllegalArgumentException.class, () -> Expect.segment().option(99));
        assertThrows(IllegalArgumentException.class, () -> Expect.segment().sack(1));
    }
}
