package dev.tcpip.direct.tcp;

import static dev.tcpip.direct.tcp.Expect.segment;
import static dev.tcpip.wire.TcpHeader.ACK;
import static dev.tcpip.wire.TcpHeader.FIN;
import static dev.tcpip.wire.TcpHeader.PSH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.ReadResult;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.time.LoopFuture;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Close's two short cuts, segment by segment: a close right behind a write sends the FIN in that write's
 * last segment, and a close after the peer's FIN returns without waiting for the loop (the remote has closed
 * already); a close before the peer's FIN still waits for it.
 */
class TcpScriptCloseTest extends ScriptFixture {

    @Test
    void writeThenCloseSendsTheFinWithTheData() throws Exception {
        DirectTcpFlow f = established(PLAIN, null);
        LoopFuture<Void> closing = app("write+close", () -> {
            f.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            f.close();
        });
        p.expect(segment(FIN | ACK | PSH, iss + 1, PEER_ISS + 1).len(3));
        p.expectNothing();                              // no FIN of its own after the data
        assertEquals(TcpState.FIN_WAIT_1, f.stats().state());
        assertFalse(closing.isDone(), "close waits for the peer's FIN");
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, iss + 5, FIN | ACK, 65535);  // acks the data and our FIN
        p.expect(ACK, iss + 5, PEER_ISS + 2);
        assertTrue(closing.isDone());
        assertEquals(TcpState.TIME_WAIT, f.stats().state());
    }

    @Test
    void theFinWithTheDataOffersTheCloseBufferSoNoWindowUpdateFollows() throws Exception {
        // with window scaling the close's larger receive buffer (closeBufferLimit) changes the offered window
        DirectTcpFlow f = established(TcpConfig.DEFAULTS.withOptions(true, false, false), null,
                ScriptedPeer.synOptions(MSS, 7, false, false, 0));
        long before = f.stats().rcvWnd();
        app("write+close", () -> {
            f.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            f.close();
        });
        p.expect(segment(FIN | ACK | PSH, iss + 1, PEER_ISS + 1).len(3));
        p.expectNothing();                              // no window update of its own after it
        assertTrue(f.stats().rcvWnd() > before, "the FIN offered the grown buffer: " + f.stats().rcvWnd());
    }

    @Test
    void writesBeforeTheLastOneGoAsTheyDidAndTheFinRidesOnTheLast() throws Exception {
        DirectTcpFlow f = established(PLAIN, null);
        LoopFuture<Void> closing = app("writes+close", () -> {
            f.write(ByteBuffer.wrap(new byte[] {1, 2}));
            f.write(ByteBuffer.wrap(new byte[] {3, 4, 5}));
            f.close();
        });
        p.expect(segment(ACK | PSH, iss + 1, PEER_ISS + 1).len(2));
        // Nagle would hold the second write while the first is unacknowledged; the FIN makes it go (as a close
        // does that finds data held back)
        p.expect(segment(FIN | ACK | PSH, iss + 3, PEER_ISS + 1).len(3));
        p.expectNothing();
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, iss + 7, FIN | ACK, 65535);
        p.expect(ACK, iss + 7, PEER_ISS + 2);
        assertTrue(closing.isDone());
    }

    @Test
    void closeAfterThePeersFinReturnsBeforeTheLoopSendsOurs() throws Exception {
        DirectTcpFlow f = established(PLAIN, null);
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, iss + 1, FIN | ACK, 65535);
        p.expectNothing();                              // ESTABLISHED -> CLOSE-WAIT: the ACK waits for our FIN
        AtomicInteger sentWhenCloseReturned = new AtomicInteger(-1);
        LoopFuture<Void> closing = app("read+close", () -> {
            assertInstanceOf(ReadResult.Eof.class, f.read());
            f.close();
            sentWhenCloseReturned.set(p.sent.size()); // the simulation runs no loop while this thread runs
        });
        assertTrue(closing.isDone());
        closing.getNow();
        assertEquals(0, sentWhenCloseReturned.get(), "close did not wait for the loop: the peer had closed");
        p.expect(FIN | ACK, iss + 1, PEER_ISS + 2);     // the loop sent our FIN after; it acknowledges theirs
        p.advance(40);
        p.expectNothing();                              // the delayed ACK was owed no more
        assertEquals(TcpState.LAST_ACK, f.stats().state());
        p.inject(PEER_PORT, PORT, PEER_ISS + 2, iss + 2, ACK, 65535);
        assertEquals(0, p.tcp.connectionCount());
        LoopFuture<Void> again = app("close again", f::close);
        assertTrue(again.isDone(), "a second close returns at once");
        again.getNow();
    }

    @Test
    void closeBeforeThePeersFinWaitsForIt() throws Exception {
        DirectTcpFlow f = established(PLAIN, null);
        AtomicInteger sentWhenCloseReturned = new AtomicInteger(-1);
        LoopFuture<Void> closing = app("close", () -> {
            f.close();
            sentWhenCloseReturned.set(p.sent.size());
        });
        p.expect(FIN | ACK, iss + 1, PEER_ISS + 1);
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, iss + 2, ACK, 65535);        // our FIN is acknowledged
        p.advance(1_000);
        assertFalse(closing.isDone(), "the peer has not closed");
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, iss + 2, FIN | ACK, 65535);
        assertTrue(closing.isDone());
        closing.getNow();
        assertTrue(sentWhenCloseReturned.get() >= 0);
        p.expect(ACK, iss + 2, PEER_ISS + 2);
    }
}
