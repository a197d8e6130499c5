package dev.tcpip.direct.tcp;

import static dev.tcpip.direct.tcp.Expect.segment;
import static dev.tcpip.wire.TcpHeader.ACK;
import static dev.tcpip.wire.TcpHeader.FIN;
import static dev.tcpip.wire.TcpHeader.PSH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.time.Simulation;
import dev.tcpip.wire.TcpOptions;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The receiver's ACK policy: delayed ACKs with an ACK for at least every second full-sized segment
 * (RFC 5681 §4.2, RFC 1122 §4.2.3.2), at once for out-of-order data, and window updates after reads only when
 * the peer may be waiting for them (RFC 9293 §3.8.6.2.2).
 */
class TcpAckPolicyTest extends ScriptFixture {
    static final InetSocketAddress SERVER80 = new InetSocketAddress(TwoStackWire.B.toInetAddress(), 80);

    /**
     * A bulk transfer between two stacks in virtual time, the reader keeping up: about one ACK per two
     * full-sized data segments, window updates included (a window update after every read gave 0.6 to 1.0).
     */
    @ParameterizedTest
    @ValueSource(ints = {1500, 9000, 65_535})
    void aBulkTransferCostsAboutOneAckPerTwoFullSegments(int mtu) {
        try (Simulation sim = Simulation.withSeed(mtu)) {
            TwoStackWire w = new TwoStackWire(sim, TcpConfig.DEFAULTS, mtu, MS, TwoStackWire.Faults.NONE);
            AtomicLong got = new AtomicLong(-1);
            AtomicReference<TcpStats> receiver = new AtomicReference<>();
            LoopFuture<Void> server = sim.spawn("server", () -> w.b.listen(80, flow -> {
                got.set(Patterns.readAndVerify(flow, 3));
                receiver.set(((DirectTcpFlow) flow).stats());
                flow.close();
            }));
            sim.runUntil(server::isDone, Duration.ofSeconds(1));
            long total = 16L << 20;
            LoopFuture<Void> client = sim.spawn("client", () -> {
                TcpFlow f = w.a.connect(SERVER80);
                Patterns.write(f, 3, total, 64 << 10);
                f.close();
            });
            sim.runUntil(() -> client.isDone() && receiver.get() != null, Duration.ofHours(1));
            client.getNow();
            assertEquals(total, got.get());
            TcpStats s = receiver.get();
            double perSegment = (double) s.acksSent() / s.dataSegmentsReceived();
            assertTrue(s.dataSegmentsReceived() >= total / s.mss(), s.toString());
            assertTrue(perSegment <= 0.55, "ACKs per data segment " + perSegment + ": " + s);
            assertTrue(perSegment >= 0.45, "RFC 5681 §4.2: at least every second full-sized segment: " + s);
        }
    }

    /** A segment held for the delayed ACK, then data beyond a hole: a duplicate ACK at once (RFC 5681 §4.2). */
    @Test
    void outOfOrderDataIsAcknowledgedAtOnceEvenWithAnAckDelayed() throws Exception {
        established(PLAIN, null);
        data(0, MSS, TcpOptions.NONE);
        p.expectNothing();                                   // one full segment: the ACK waits
        long t = p.sim.now();
        data(2 * MSS, MSS, TcpOptions.NONE);                 // the segment at MSS is missing
        p.expect(segment(ACK, ours(0), theirs(MSS)).len(0).at(t));
        data(MSS, MSS, TcpOptions.NONE);                     // the hole fills: at once, covering all three
        p.expect(segment(ACK, ours(0), theirs(3 * MSS)).len(0).at(t));
        p.expectNothing();
    }

    /**
     * A reader that keeps up sends no window update per read: the ACKs that data triggers carry the edge, the
     * data they acknowledge already read.
     */
    @Test
    void aReaderKeepingUpSendsNoWindowUpdatePerRead() throws Exception {
        DirectTcpFlow f = established(PLAIN, null);
        for (int i = 0; i < 4; i++) {
            LoopFuture<Void> read = app("read", () -> assertInstanceOf(ReadResult.Data.class, f.read()));
            data(2 * i * MSS, MSS, TcpOptions.NONE);
            assertTrue(read.isDone(), "the first segment was read");
            p.expectNothing();                               // the read freed one segment: nothing to tell
            LoopFuture<Void> second = app("read", () -> assertInstanceOf(ReadResult.Data.class, f.read()));
            data((2 * i + 1) * MSS, MSS, TcpOptions.NONE);
            assertTrue(second.isDone(), "the second segment was read");
            // Every second segment; read before the ACK went, so it offers the whole window again.
            p.expect(segment(ACK, ours(0), theirs((2 * i + 2) * MSS)).len(0).window(65535));
            p.expectNothing();
        }
        assertEquals(4, f.stats().acksSent());
        assertEquals(0, f.stats().windowUpdatesSent());
    }

    /**
     * The peer filled the whole window (zero window); the application then drains the buffer: the window
     * update goes out at once with the buffer's whole space, and the peer's next data is taken (no stall
     * waiting for the peer's persist timer).
     */
    @Test
    void aReaderDrainingAFullWindowReopensItAtOnce() throws Exception {
        int buffer = 8 * MSS;
        DirectTcpFlow f = established(PLAIN.withBuffers(64 << 10, buffer), null);
        unread(8);
        assertEquals(0, f.stats().rcvWnd(), "the window is shut");
        long t = p.sim.now();
        LoopFuture<Void> read = app("read", () -> {
            int n = 0;
            while (n < buffer && f.read() instanceof ReadResult.Data(ByteBuffer b)) {
                n += b.remaining();
            }
        });
        assertTrue(read.isDone(), "the buffered data was read");
        p.expect(segment(ACK, ours(0), theirs(8 * MSS)).len(0).window(buffer).at(t));
        assertEquals(1, f.stats().windowUpdatesSent());
        data(8 * MSS, MSS, TcpOptions.NONE);                 // the peer goes on at once
        assertEquals(8L * MSS + MSS, f.stats().bytesReceived());
    }

    /**
     * A slow reader: the window offered fell to a quarter of the buffer, still open; a read that moves the right
     * edge by half the buffer or more is announced at once.
     */
    @Test
    void aWindowDownToAQuarterIsAnnouncedWhenAReadFreesHalfTheBuffer() throws Exception {
        int buffer = 8 * MSS;
        DirectTcpFlow f = established(PLAIN.withBuffers(64 << 10, buffer), null);
        unread(6);
        assertEquals(2 * MSS, f.stats().rcvWnd(), "a quarter of the buffer still offered");
        LoopFuture<Void> one = app("read", () -> assertInstanceOf(ReadResult.Data.class, f.read()));
        assertTrue(one.isDone());
        p.expect(segment(ACK, ours(0), theirs(6 * MSS)).len(0).window(buffer));   // six segments freed
        assertEquals(1, f.stats().windowUpdatesSent());
    }

    /**
     * A reader that lags: the window offered is below half the buffer but still larger than what one read frees.
     * That read is not announced (the peer has room, and the ACKs its data triggers carry the new edge); the next
     * read, which moves the edge by half the buffer, is.
     */
    @Test
    void aReadThatDoesNotDoubleAHalfOpenWindowIsNotAnnounced() throws Exception {
        DirectTcpFlow f = established(TcpConfig.DEFAULTS.withOptions(true, false, false), null,
                ScriptedPeer.synOptions(MSS, 7, false, false, 0));
        unread(100);                                         // 146,000 of the 262,144 bytes buffered
        long offered = f.stats().rcvWnd();
        assertTrue(offered > Receiver.MAX_READ && offered <= 128 << 10, "offered " + offered);
        LoopFuture<Void> first = app("read", () -> assertInstanceOf(ReadResult.Data.class, f.read()));
        assertTrue(first.isDone());
        p.expectNothing();                                   // 64 KiB freed: the window would not double
        LoopFuture<Void> second = app("read", () -> assertInstanceOf(ReadResult.Data.class, f.read()));
        assertTrue(second.isDone());
        p.expect(segment(ACK, ours(0), theirs(100 * MSS)).len(0));   // 128 KiB freed: half the buffer
        assertEquals(1, f.stats().windowUpdatesSent());
    }

    /**
     * Churn's exchange, on the accepting side: the SYN-ACK offered 65,535 unscaled (RFC 7323 §2.2) of a 256 KiB
     * buffer; the peer's first byte goes to a pending read. That read frees one byte: the peer, holding
     * almost the whole window it was offered, is not told of the larger buffer in a pure ACK of its own; the ACK
     * owed waits for the delayed-ACK timer (or data to carry it) and offers the whole buffer then.
     */
    @Test
    void theFirstReadOfAConnectionSendsNoWindowUpdateOfItsOwn() throws Exception {
        DirectTcpFlow f = established(TcpConfig.DEFAULTS.withOptions(true, false, false), null,
                ScriptedPeer.synOptions(MSS, 7, false, false, 0));
        LoopFuture<Void> read = app("read", () -> assertInstanceOf(ReadResult.Data.class, f.read()));
        long t = p.sim.now();
        data(0, 1, TcpOptions.NONE);
        assertTrue(read.isDone(), "the byte was read");
        p.expectNothing();
        assertEquals(0, f.stats().windowUpdatesSent());
        p.advance(40);
        p.expect(segment(ACK, ours(0), theirs(1)).len(0).at(t + 40_000_000L));
        assertTrue(f.stats().rcvWnd() > 65_535, "the delayed ACK offered the buffer: " + f.stats().rcvWnd());
    }

    /**
     * RFC 1122 §4.2.3.2: the peer's data and FIN in one segment take ESTABLISHED to CLOSE-WAIT; the application
     * reads and closes, and its FIN acknowledges theirs: no ACK of its own, and none later from the timer.
     */
    @Test
    void aFinIntoCloseWaitIsAcknowledgedByTheApplicationsFin() throws Exception {
        DirectTcpFlow f = established(PLAIN, null);
        p.inject(PEER_PORT, PORT, theirs(0), ours(0), ACK | PSH | FIN, 65535, TcpOptions.NONE, new byte[] {7});
        p.expectNothing();
        LoopFuture<Void> app = app("read+close", () -> {
            assertInstanceOf(ReadResult.Data.class, f.read());
            assertInstanceOf(ReadResult.Eof.class, f.read());
            f.close();
        });
        assertTrue(app.isDone());
        app.getNow();
        p.expect(segment(FIN | ACK, ours(0), theirs(2)).len(0));
        p.advance(40);
        p.expectNothing();
    }

    /**
     * A FIN that comes while an ACK is already owed for earlier data is acknowledged at once, covering both: two
     * segments in flight, the peer's probe timeout need not allow for a delayed ACK (RFC 8985 §7.2).
     */
    @Test
    void aFinAfterDataStillUnacknowledgedIsAcknowledgedAtOnce() throws Exception {
        established(PLAIN, null);
        data(0, 100, TcpOptions.NONE);
        p.expectNothing();                                   // the data's ACK waits
        long t = p.sim.now();
        p.inject(PEER_PORT, PORT, theirs(100), ours(0), ACK | FIN, 65535);
        p.expect(segment(ACK, ours(0), theirs(101)).len(0).at(t));
    }

    /** A FIN in FIN-WAIT-2 (our close came first) is acknowledged at once: no close of ours will carry it. */
    @Test
    void aFinAfterOurCloseIsAcknowledgedAtOnce() throws Exception {
        DirectTcpFlow f = established(PLAIN, null);
        LoopFuture<Void> closing = app("close", f::close);
        p.expect(segment(FIN | ACK, ours(0), theirs(0)).len(0));
        p.inject(PEER_PORT, PORT, theirs(0), ours(1), ACK, 65535);           // FIN-WAIT-2
        long t = p.sim.now();
        p.inject(PEER_PORT, PORT, theirs(0), ours(1), ACK | FIN, 65535);
        p.expect(segment(ACK, ours(1), theirs(1)).len(0).at(t));
        assertTrue(closing.isDone());
    }

    /** The peer sends {@code segments} full segments (an even number) that nobody reads: an ACK every second. */
    private void unread(int segments) {
        for (int i = 0; i < segments; i++) {
            data(i * MSS, MSS, TcpOptions.NONE);
        }
        for (int i = 1; i <= segments / 2; i++) {
            p.expect(segment(ACK, ours(0), theirs(2 * i * MSS)).len(0));
        }
        p.expectNothing();
    }
}
