package dev.tcpip.direct.tcp;

import static dev.tcpip.direct.tcp.Expect.segment;
import static dev.tcpip.wire.TcpHeader.ACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.wire.TcpOptions;
import org.junit.jupiter.api.Test;

/**
 * A full receive buffer: the window offered is always backed by buffer space (RFC 9293 §3.8.6.2.2, RFC 1122
 * §4.2.2.16), probes are answered (RFC 9293 §3.8.6.1), and the peer's ACKs are processed even when its
 * sequence number sits at the right edge of the window (RFC 9293 §3.10.7.4).
 */
class TcpScriptFullWindowTest extends ScriptFixture {
    static final int BUFFER = 10_000;
    static final int SHIFT = 7; // RFC 7323 §2.3: the shift the default 4 MiB close limit needs

    /** The application never reads; the peer sends 1,000-byte segments up to the furthest edge offered. */
    @Test
    void aScaledWindowIsAlwaysBackedByFreeSpaceAndEverythingOfferedIsTaken() throws Exception {
        DirectTcpFlow f = established(PLAIN.withOptions(true, false, false).withBuffers(256 * 1024, BUFFER), null,
                ScriptedPeer.synOptions(MSS, SHIFT, false, false, 0));
        int right = BUFFER;                                      // the SYN-ACK's window, unscaled (RFC 7323 §2.2)
        int sent = 0;
        for (int guard = 0; guard < 100 && sent < right; guard++) {
            int len = Math.min(1000, right - sent);
            data(sent, len, TcpOptions.NONE);
            sent += len;
            p.advance(40);                                       // the delayed ACK (RFC 9293 §3.8.6.3)
            ScriptedPeer.Sent a = p.expect(ACK, ours(0), theirs(sent));  // every offered byte is taken
            int wnd = a.seg().window() << SHIFT;
            assertTrue(wnd <= BUFFER - sent, "window " + wnd + " beyond the free space " + (BUFFER - sent));
            // RFC 7323 §2.4 / Appendix F: the scaled field may retract the edge by less than one unit, no more.
            assertTrue(sent + wnd > right - (1 << SHIFT), "the right edge moved left by a whole unit");
            right = Math.max(right, sent + wnd);
            p.expectNothing();
        }
        assertEquals(BUFFER, sent, "the whole buffer was offered and filled");
        assertEquals(0, f.stats().rcvWnd());
    }

    /** RFC 9293 §3.8.6.1, RFC 1122 §4.2.2.17: a probe of a zero window gets an ACK with the window at once. */
    @Test
    void aZeroWindowProbeIsAnsweredAtOnce() throws Exception {
        established(PLAIN.withBuffers(256 * 1024, 2 * MSS), null);
        data(0, MSS, TcpOptions.NONE);
        data(MSS, MSS, TcpOptions.NONE);
        Expect zeroWindow = segment(ACK, ours(0), theirs(2 * MSS)).window(0);
        ScriptedPeer.Sent full = p.expect(zeroWindow);           // every second full segment
        data(2 * MSS, 1, TcpOptions.NONE);                        // the probe: one byte beyond
        p.expect(zeroWindow.at(full.at()));                       // answered at once, not after a timer
        p.expectNothing();
    }

    /**
     * Both sides full and the peer's data lost: the peer's SND.NXT is our right edge, so its window update
     * carries SEQ = RCV.NXT + RCV.WND. Its ACK field and window must still be taken (RFC 9293 §3.10.7.4),
     * or our sending stalls until a timer.
     */
    @Test
    void aWindowUpdateAtTheRightEdgeOfOurWindowResumesSending() throws Exception {
        peerWindow = 2 * MSS;
        DirectTcpFlow f = established(PLAIN.withBuffers(256 * 1024, BUFFER), null);
        write(f, 20_000);                                        // our application writes, never reads
        expectSegment(0);
        expectSegment(1);
        p.expectNothing();                                       // the peer's window is full
        // The peer's application writes too: its segments at 0..999 are lost, the rest arrive out of order
        // and acknowledge our data with a zero window (the peer's buffer is full).
        for (int at = 1000; at < BUFFER; at += 1000) {
            p.inject(PEER_PORT, PORT, theirs(at), seg(2), ACK, 0, TcpOptions.NONE, new byte[1000]);
            p.expect(ACK, seg(2), theirs(0));                    // RFC 5681 §4.2: out of order, ACK at once
        }
        p.expectNothing();
        assertEquals(0, f.stats().sndWnd());
        // The peer's application reads: its window update, SEQ = its SND.NXT = our right edge.
        p.inject(PEER_PORT, PORT, theirs(BUFFER), seg(2), ACK, 4 * MSS);
        assertEquals(4 * MSS, f.stats().sndWnd(), "the window update was processed");
        long now = p.sim.now();
        p.expect(full(2).at(now));                               // sending resumes at once
        expectSegment(3);
        expectSegment(4);
        expectSegment(5);
        p.expectNothing();
        // A pure ACK at the right edge advances SND.UNA too: the next segment goes out.
        p.inject(PEER_PORT, PORT, theirs(BUFFER), seg(3), ACK, 4 * MSS);
        expectSegment(6);
        p.expectNothing();
    }
}
