package dev.tcpip.direct.tcp;

import static dev.tcpip.direct.tcp.Expect.segment;
import static dev.tcpip.wire.TcpHeader.ACK;
import static dev.tcpip.wire.TcpHeader.FIN;
import static dev.tcpip.wire.TcpHeader.RST;
import static dev.tcpip.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.ReadResult;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.wire.IpAddress;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.TcpOptions;
import dev.tcpip.wire.TcpView;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SYN cookies (RFC 4987 §3.6) and the TCP table bounds, segment by segment: a listener whose backlog is full
 * answers with a cookie and keeps nothing; the final ACK makes the connection with the options the cookie
 * carried; forged and expired cookies get a RST; the connection table's limit refuses new SYNs; half-open
 * entries made under pressure retransmit their SYN-ACK less.
 */
class TcpSynCookieTest extends ScriptFixture {
    /** A backlog of one: the second SYN is answered with a cookie. */
    private static final TcpConfig ONE = TcpConfig.DEFAULTS.withLimits(4096, 1, 256);
    private static final int FILLER_PORT = 1;

    private long count(StackCounter c) {
        return p.tcp.counters.get(c);
    }

    /** A listener on PORT with a backlog of one, filled by a SYN from FILLER_PORT (answered normally). */
    private void fullBacklog(TcpConfig cfg) throws IOException {
        p = new ScriptedPeer(cfg);
        p.tcp.listen(PORT, f -> accepted.set((DirectTcpFlow) f));
        fill(FILLER_PORT);
    }

    private void fill(int port) {
        p.inject(port, PORT, 5000, 0, SYN, 65535);
        p.expect(segment().flags(SYN, ACK).ports(PORT, port));
    }

    /** The peer's SYN from PEER_PORT; returns the cookie SYN-ACK, checking that nothing was kept for it. */
    private TcpView cookieFor(TcpOptions synOptions) {
        int before = p.tcp.connectionCount();
        long sent = count(StackCounter.TCP_SYN_COOKIES_SENT);
        p.inject(PEER_PORT, PORT, PEER_ISS, 0, SYN, 65535, synOptions, new byte[0]);
        TcpView synAck = p.expect(segment().flags(SYN, ACK).ports(PORT, PEER_PORT).ack(PEER_ISS + 1)).seg();
        assertEquals(sent + 1, count(StackCounter.TCP_SYN_COOKIES_SENT));
        assertEquals(before, p.tcp.connectionCount(), "no state for a cookie");
        return synAck;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The server's handler reads {@code expect} and answers {@code reply}. */
    private LoopFuture<Void> readThenWrite(DirectTcpFlow f, String expect, String reply) {
        return app("server", () -> {
            ReadResult r = f.read();
            ByteBuffer b = assertInstanceOf(ReadResult.Data.class, r).bytes();
            byte[] got = new byte[b.remaining()];
            b.get(got);
            assertEquals(expect, new String(got, StandardCharsets.US_ASCII));
            f.write(ByteBuffer.wrap(ascii(reply)));
        });
    }

    /** The data of the next segment that carries any (ACKs before it are skipped). */
    private byte[] nextData() {
        for (int i = 0; i < 10 && !p.sent.isEmpty(); i++) {
            TcpView v = p.next().seg();
            if (v.payloadLength() > 0) {
                return Arrays.copyOfRange(v.buffer(), v.payloadOffset(), v.payloadOffset() + v.payloadLength());
            }
        }
        throw new AssertionError("no data segment was sent");
    }

    @Test
    void withTimestampsTheCookieKeepsWindowScaleAndSack() throws Exception {
        fullBacklog(ONE);
        TcpView c = cookieFor(ScriptedPeer.synOptions(1460, 5, true, true, 777));
        assertEquals(1460, c.mss());
        assertEquals(ONE.windowScaleToOffer(), c.windowScale(), "window scaling offered back");
        assertTrue(c.sackPermitted());
        assertEquals(777, c.tsEcr());
        int cookie = c.seq();
        // The final ACK echoes the TSval (the options live in its low bits) and carries the first request.
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, cookie + 1, ACK, 1000, ScriptedPeer.ts(778, c.tsVal()),
                ascii("hello"));
        p.advance(0);
        DirectTcpFlow f = accepted.get();
        assertNotNull(f, "the handler got the flow");
        assertEquals(PEER_PORT, f.dst().getPort());
        assertEquals(1, count(StackCounter.TCP_SYN_COOKIES_VALIDATED));
        Tcb t = f.negotiated();
        assertEquals(TcpState.ESTABLISHED, t.state);
        assertTrue(t.wsOk && t.tsOk && t.sackOk, "window scaling, timestamps and SACK as the SYN offered");
        assertEquals(5, t.sndWscale);
        assertEquals(1460, t.peerMss);
        // Data both ways: the request arrived with the ACK, the answer goes out in a 1000 << 5 window.
        LoopFuture<Void> server = readThenWrite(f, "hello", "world");
        p.advance(100);
        server.await();
        assertArrayEquals(ascii("world"), nextData());
        // SACK works: out-of-order data is reported in SACK blocks.
        p.inject(PEER_PORT, PORT, PEER_ISS + 1 + 5 + 10, cookie + 6, ACK, 1000, ScriptedPeer.ts(800, 0), new byte[10]);
        p.expect(segment().flags(ACK).ack(PEER_ISS + 6).sack(PEER_ISS + 16, PEER_ISS + 26));
    }

    @Test
    void withoutTimestampsTheConnectionGoesOnWithoutWindowScaleAndSack() throws Exception {
        fullBacklog(ONE);
        TcpView c = cookieFor(ScriptedPeer.synOptions(1400, 5, true, false, 0));
        assertEquals(-1, c.windowScale(), "no window scaling without timestamps to carry it");
        assertFalse(c.sackPermitted(), "no SACK without timestamps to carry it");
        assertFalse(c.hasTimestamps());
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, c.seq() + 1, ACK, 1000, TcpOptions.NONE, ascii("ping"));
        p.advance(0);
        DirectTcpFlow f = accepted.get();
        assertNotNull(f, "the handler got the flow");
        Tcb t = f.negotiated();
        assertFalse(t.wsOk || t.tsOk || t.sackOk);
        assertEquals(1380, t.peerMss, "the MSS rounds down to the cookie table's 1380");
        LoopFuture<Void> server = readThenWrite(f, "ping", "pong");
        p.advance(100);
        server.await();
        assertArrayEquals(ascii("pong"), nextData());
        p.inject(PEER_PORT, PORT, PEER_ISS + 1 + 4 + 10, c.seq() + 5, ACK, 1000, TcpOptions.NONE, new byte[10]);
        TcpView dup = p.expect(segment().flags(ACK).ack(PEER_ISS + 5)).seg();
        assertEquals(0, dup.sackBlockCount(), "no SACK blocks without SACK");
    }

    @Test
    void aForgedCookieIsRefusedAndCounted() throws Exception {
        fullBacklog(PLAIN.withLimits(4096, 1, 256));
        int cookie = cookieFor(TcpOptions.NONE).seq();
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, cookie + 2, ACK, 1000);           // not the cookie
        p.expect(segment(RST, cookie + 2, 0));
        p.inject(PEER_PORT, PORT, PEER_ISS + 2, cookie + 1, ACK, 1000);           // not the SYN's sequence
        p.expect(segment(RST, cookie + 1, 0));
        p.inject(PEER_PORT + 1, PORT, PEER_ISS + 1, cookie + 1, ACK, 1000);       // another 4-tuple
        p.expect(segment(RST, cookie + 1, 0));
        assertEquals(3, count(StackCounter.TCP_SYN_COOKIES_FAILED));
        assertEquals(0, count(StackCounter.TCP_SYN_COOKIES_VALIDATED));
        assertNull(accepted.get());
        assertEquals(1, p.tcp.connectionCount(), "only the half-open entry that filled the backlog");
    }

    @Test
    void aCookieExpiresAfterTwoCounterPeriods() throws Exception {
        fullBacklog(PLAIN.withLimits(4096, 1, 256));
        int cookie = cookieFor(TcpOptions.NONE).seq();
        p.advance(200_000);                          // 200 s: the cookie's counter and the next have passed
        p.sent.clear();                              // the filler's SYN-ACK retransmissions
        assertEquals(0, p.tcp.connectionCount(), "the filler's half-open entry timed out");
        fill(FILLER_PORT + 1);                       // full again, and a fresh cookie to another peer port
        p.inject(PEER_PORT + 7, PORT, PEER_ISS, 0, SYN, 65535);
        p.expect(segment().flags(SYN, ACK).ports(PORT, PEER_PORT + 7));
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, cookie + 1, ACK, 1000);           // the old cookie
        p.expect(segment(RST, cookie + 1, 0));
        assertEquals(1, count(StackCounter.TCP_SYN_COOKIES_FAILED));
        assertNull(accepted.get());
    }

    @Test
    void aCookieIsStillAcceptedOneCounterTickLater() throws Exception {
        fullBacklog(PLAIN.withLimits(4096, 1, 256));
        int cookie = cookieFor(TcpOptions.NONE).seq();
        p.advance(SynCookies.PERIOD_NANOS / MS + 1000); // the counter has ticked once
        p.sent.clear();
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, cookie + 1, ACK, 1000);
        p.advance(0);
        assertNotNull(accepted.get(), "the handler got the flow");
        assertEquals(1, count(StackCounter.TCP_SYN_COOKIES_VALIDATED));
        assertEquals(0, count(StackCounter.TCP_SYN_COOKIES_FAILED));
        p.expectNothing();
    }

    @Test
    void cookiesOverIpv6() throws Exception {
        p = ScriptedPeer.ipv6(ONE);
        p.tcp.listen(PORT, f -> accepted.set((DirectTcpFlow) f));
        fill(FILLER_PORT);
        TcpView c = cookieFor(ScriptedPeer.synOptions(1440, 7, true, true, 5));
        assertEquals(1440, c.mss(), "our MSS over IPv6 at a 1500 MTU");
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, c.seq() + 1, ACK, 1000, ScriptedPeer.ts(6, c.tsVal()), ascii("v6"));
        p.advance(0);
        DirectTcpFlow f = accepted.get();
        assertNotNull(f);
        assertEquals(7, f.negotiated().sndWscale);
        assertEquals(1440, f.negotiated().peerMss);
        LoopFuture<Void> server = readThenWrite(f, "v6", "six");
        p.advance(100);
        server.await();
        assertArrayEquals(ascii("six"), nextData());
    }

    @Test
    void withoutSynCookiesSynsPastTheBacklogAreDropped() throws Exception {
        p = new ScriptedPeer(PLAIN.withLimits(4096, 2, 256).withConnectionLimits(65_536, false));
        p.tcp.listen(PORT, fl -> { });
        for (int i = 0; i < 3; i++) {
            p.inject(PEER_PORT + i, PORT, PEER_ISS, 0, SYN, 65535);
        }
        p.expect(segment().flags(SYN, ACK).ports(PORT, PEER_PORT));
        p.expect(segment().flags(SYN, ACK).ports(PORT, PEER_PORT + 1));
        p.expectNothing();
        assertEquals(1, count(StackCounter.TCP_SYNS_DROPPED));
        assertEquals(0, count(StackCounter.TCP_SYN_COOKIES_SENT));
    }

    @Test
    void pastTheTableLimitASynGetsARstAndExistingFlowsGoOn() throws Exception {
        p = new ScriptedPeer(PLAIN.withConnectionLimits(3, true));
        p.tcp.listen(PORT, f -> accepted.set((DirectTcpFlow) f));
        for (int i = 0; i < 3; i++) {
            p.inject(PEER_PORT + i, PORT, PEER_ISS, 0, SYN, 65535);
        }
        int s0 = p.expect(segment().flags(SYN, ACK).ports(PORT, PEER_PORT)).seg().seq();
        p.expect(segment().flags(SYN, ACK).ports(PORT, PEER_PORT + 1));
        p.expect(segment().flags(SYN, ACK).ports(PORT, PEER_PORT + 2));
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, s0 + 1, ACK, 65535);
        p.advance(0);
        DirectTcpFlow first = accepted.get();
        assertNotNull(first);
        p.inject(PEER_PORT + 3, PORT, PEER_ISS, 0, SYN, 65535);                 // the fourth
        p.expect(segment(RST | ACK, 0, PEER_ISS + 1).ports(PORT, PEER_PORT + 3));
        assertEquals(1, count(StackCounter.TCP_TABLE_FULL));
        assertEquals(3, p.tcp.connectionCount());
        // connect fails with a clear IOException
        LoopFuture<Void> c = app("connect", () -> p.tcp.connect(new InetSocketAddress(ScriptedPeer.PEER.toInetAddress(), 9)));
        IOException e = assertInstanceOf(IOException.class, c.failure());
        assertTrue(e.getMessage().contains("table full"), e.getMessage());
        assertEquals(2, count(StackCounter.TCP_TABLE_FULL));
        // the established flow goes on
        LoopFuture<Void> server = readThenWrite(first, "still", "here");
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, s0 + 1, ACK, 65535, TcpOptions.NONE, ascii("still"));
        p.advance(100);
        server.await();
        assertArrayEquals(ascii("here"), nextData());
    }

    @Test
    void atTheTableLimitTheOldestTimeWaitMakesRoom() throws Exception {
        p = new ScriptedPeer(PLAIN.withConnectionLimits(2, true));
        p.tcp.listen(PORT, fl -> fl.close());
        intoTimeWait(PEER_PORT);                            // two connections closed into TIME-WAIT
        intoTimeWait(PEER_PORT + 1);
        p.advance(0);
        assertEquals(2, p.tcp.timeWaitCount());
        p.inject(PEER_PORT + 5, PORT, PEER_ISS, 0, SYN, 65535);
        p.expect(segment().flags(SYN, ACK).ports(PORT, PEER_PORT + 5));
        assertEquals(1, count(StackCounter.TCP_TIME_WAIT_EVICTED));
        assertEquals(0, count(StackCounter.TCP_TABLE_FULL));
        assertEquals(2, p.tcp.connectionCount());
        assertEquals(1, p.tcp.timeWaitCount());
    }

    @Test
    void underChurnTimeWaitNeverGrowsPastItsLimit() throws Exception {
        p = new ScriptedPeer(PLAIN.withLimits(100, 1024, 256).withConnectionLimits(150, true));
        p.tcp.listen(PORT, fl -> fl.close());
        for (int i = 0; i < 2000; i++) {
            intoTimeWait(1024 + i);
            assertTrue(p.tcp.timeWaitCount() <= 100, "TIME-WAIT: " + p.tcp.timeWaitCount());
        }
        assertEquals(100, p.tcp.timeWaitCount());
        assertEquals(100, p.tcp.connectionCount());
        assertEquals(1900, count(StackCounter.TCP_TIME_WAIT_EVICTED));
        assertEquals(0, count(StackCounter.TCP_TABLE_FULL));
    }

    @Test
    void underPressureHalfOpenEntriesRetransmitTheirSynAckLess() throws Exception {
        p = new ScriptedPeer(PLAIN.withLimits(4096, 4, 256));
        p.tcp.listen(PORT, fl -> { });
        for (int i = 0; i < 4; i++) {
            p.inject(PEER_PORT + i, PORT, PEER_ISS, 0, SYN, 65535);
        }
        p.advance(600_000);                                  // long past every entry's last retry
        Map<Integer, Integer> synAcks = new HashMap<>();
        for (ScriptedPeer.Sent s : p.sent) {
            assertEquals(SYN | ACK, s.seg().flags());
            synAcks.merge(s.seg().dstPort(), 1, Integer::sum);
        }
        int retries = PLAIN.synRetries();
        // backlog 4: the first two entries leave it at most half full; the third and fourth find it fuller
        assertEquals(Map.of(PEER_PORT, 1 + retries, PEER_PORT + 1, 1 + retries,
                PEER_PORT + 2, 1 + Arrival.PRESSURED_SYN_RETRIES, PEER_PORT + 3, 1 + Arrival.PRESSURED_SYN_RETRIES),
                synAcks);
        assertEquals(0, p.tcp.connectionCount());
    }

    @Test
    void aSpoofedFloodOverIpv4KeepsNoStateBeyondTheBacklogAndARealPeerStillConnects() throws Exception {
        flood(false);
    }

    @Test
    void aSpoofedFloodOverIpv6KeepsNoStateBeyondTheBacklogAndARealPeerStillConnects() throws Exception {
        flood(true);
    }

    /**
     * 100,000 SYNs from 4096 spoofed addresses and 50,000 ports at the default backlog, with the real peer's
     * exchange in the middle; the table is sampled every 1000 SYNs.
     */
    private void flood(boolean v6) throws Exception {
        {
            TcpConfig cfg = TcpConfig.DEFAULTS;
            p = v6 ? ScriptedPeer.ipv6(cfg) : new ScriptedPeer(cfg);
            p.spoofing = true;
            p.tcp.listen(PORT, f -> accepted.set((DirectTcpFlow) f));
            int maxTable = 0;
            for (int i = 0; i < 100_000; i++) {
                IpAddress src = spoofed(v6, i % 4096);
                p.injectFrom(src, 1024 + i % 50_000, PORT, i * 7919, 0, SYN, 65535,
                        ScriptedPeer.synOptions(1460, 7, true, true, i), new byte[0]);
                if (i % 1000 == 0) {
                    p.sent.clear();
                    maxTable = Math.max(maxTable, p.tcp.connectionCount());
                }
                if (i == 50_000) {
                    p.spoofing = false;
                    p.sent.clear();
                    realPeerExchanges();
                    p.spoofing = true;
                }
            }
            p.sent.clear();
            assertTrue(maxTable <= cfg.backlog() + 1, "the table stayed within the backlog: " + maxTable);
            assertTrue(count(StackCounter.TCP_SYN_COOKIES_SENT) >= 100_000 - cfg.backlog(),
                    "cookies: " + count(StackCounter.TCP_SYN_COOKIES_SENT));
            p.advance(300_000);
            assertEquals(0, p.tcp.connectionCount(), "every half-open entry timed out, the real flow closed");
        }
    }

    /** In the middle of the flood: the real peer's SYN gets a cookie, its ACK makes the flow, data flows. */
    private void realPeerExchanges() throws Exception {
        TcpView c = cookieFor(ScriptedPeer.synOptions(1460, 7, true, true, 1));
        p.inject(PEER_PORT, PORT, PEER_ISS + 1, c.seq() + 1, ACK, 1000, ScriptedPeer.ts(2, c.tsVal()),
                ascii("GET /"));
        p.advance(0);
        DirectTcpFlow f = accepted.get();
        assertNotNull(f, "the real peer's flow was accepted during the flood");
        assertTrue(f.negotiated().wsOk && f.negotiated().sackOk);
        LoopFuture<Void> server = app("server", () -> {
            ByteBuffer b = assertInstanceOf(ReadResult.Data.class, f.read()).bytes();
            assertEquals("GET /", StandardCharsets.US_ASCII.decode(b).toString());
            f.write(ByteBuffer.wrap(ascii("200 OK")));
            f.close();
        });
        p.advance(100);
        assertArrayEquals(ascii("200 OK"), nextData());
        p.inject(PEER_PORT, PORT, PEER_ISS + 6, c.seq() + 8, FIN | ACK, 1000, ScriptedPeer.ts(3, 0), new byte[0]);
        p.advance(100);
        server.await();
    }

    private static IpAddress spoofed(boolean v6, int n) {
        return v6 ? Ipv6Address.parse("2001:db8:f::" + Integer.toHexString(n + 1))
                : Ipv4Address.parse("10.0." + n / 250 + "." + (n % 250 + 1));
    }
}
