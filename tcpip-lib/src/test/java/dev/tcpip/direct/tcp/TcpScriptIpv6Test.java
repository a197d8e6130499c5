package dev.tcpip.direct.tcp;

import static dev.tcpip.direct.tcp.Expect.segment;
import static dev.tcpip.wire.TcpHeader.ACK;
import static dev.tcpip.wire.TcpHeader.FIN;
import static dev.tcpip.wire.TcpHeader.PSH;
import static dev.tcpip.wire.TcpHeader.RST;
import static dev.tcpip.wire.TcpHeader.SYN;
import static dev.tcpip.wire.TcpOptions.SACK_PERMITTED;
import static dev.tcpip.wire.TcpOptions.TIMESTAMPS;
import static dev.tcpip.wire.TcpOptions.WINDOW_SCALE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.direct.TcpConfig;
import dev.tcpip.direct.ip.IcmpError;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.TcpHeader;
import dev.tcpip.wire.TcpOptions;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Scripted segments over IPv6: the MSS from the 40-byte fixed header, options negotiated both ways, data and
 * ACKs, resets, Packet Too Big, and the checksum over the IPv6 pseudo-header (RFC 8200 §8.1) both ways.
 */
class TcpScriptIpv6Test extends ScriptFixture {
    /** RFC 9293 §3.7.1: the MTU less the fixed IPv6 header (40, RFC 8200 §3) and the TCP header (20). */
    private static final int MSS6 = 1500 - 40 - 20;

    @Override
    ScriptedPeer newPeer(TcpConfig cfg) {
        return ScriptedPeer.ipv6(cfg);
    }

    @Test
    void synAckCarriesTheNegotiatedOptionsAndTheIpv6Mss() throws Exception {
        p = newPeer(TcpConfig.DEFAULTS);
        p.tcp.listen(PORT, f -> { });
        p.inject(PEER_PORT, PORT, PEER_ISS, 0, SYN, 65535, ScriptedPeer.synOptions(1460, 7, true, true, 777),
                new byte[0]);
        p.expect(segment().ports(PORT, PEER_PORT).flags(SYN, ACK).ack(PEER_ISS + 1).len(0)
                .option(TcpOptions.MSS, MSS6)
                .option(WINDOW_SCALE, 7)
                .option(SACK_PERMITTED)
                .tsEcr(777)
                .window(65535));                        // RFC 7323 §2.2: a SYN's window is not scaled
        p.expectNothing();
    }

    @Test
    void activeOpenOffersTheOptionsAndCompletesOnTheSynAck() throws Exception {
        p = newPeer(TcpConfig.DEFAULTS);
        AtomicReference<DirectTcpFlow> flow = new AtomicReference<>();
        LoopFuture<Void> c = app("c", () -> flow.set((DirectTcpFlow) p.tcp.connect(
                new InetSocketAddress(ScriptedPeer.PEER6.toInetAddress(), 9))));
        ScriptedPeer.Sent syn = p.expect(segment().flags(SYN).len(0).window(65535)
                .option(TcpOptions.MSS, MSS6).option(WINDOW_SCALE, 7).option(SACK_PERMITTED).option(TIMESTAMPS)
                .tsEcr(0));
        int port = syn.seg().srcPort();
        p.isns(syn.seg().seq(), PEER_ISS);
        p.inject(9, port, PEER_ISS, syn.seg().seq() + 1, SYN | ACK, 8000,
                ScriptedPeer.synOptions(1220, 2, true, true, 5_000), new byte[0]);
        // RFC 7323 §2.3: windows after the SYN are scaled, here by our shift of 7
        p.expect(segment().relative().ports(port, 9).flags(ACK).seq(1).ack(1).len(0).tsEcr(5_000)
                .window(TcpConfig.DEFAULTS.receiveBufferSize() >> 7));
        assertTrue(c.isDone() && !c.isFailed(), "connect returned");
        assertEquals(TcpState.ESTABLISHED, flow.get().stats().state());
        assertEquals(1220 - 12, flow.get().stats().mss(), "the peer's MSS, less the timestamp option");
    }

    @Test
    void dataAndAcksAreExchanged() throws Exception {
        DirectTcpFlow f = established(SACK_RENO, null);
        Expect pureAck = segment().relative().ports(PORT, PEER_PORT).flags(ACK).seq(1).len(0).window(65535);
        data(0, 100, TcpOptions.NONE);
        p.expectNothing();
        p.advance(40);
        p.expect(pureAck.ack(101).noOptions().at(40 * MS));                    // RFC 9293 §3.8.6.3: delayed
        data(300, 100, TcpOptions.NONE);
        p.expect(pureAck.ack(101).sack(301, 401));     // out of order: at once (RFC 5681 §4.2), with its block
        data(100, 200, TcpOptions.NONE);
        p.expect(pureAck.ack(401).noOption(TcpOptions.SACK));   // the hole filled: at once, no blocks left
        // Our data: full segments of the IPv6 MSS; the rest waits for an ACK (Nagle, RFC 1122 §4.2.3.4).
        write(f, 3000);
        Expect ours = segment().relative().flags(ACK, PSH).ack(401);
        p.expect(ours.seq(1).len(MSS6));
        p.expect(ours.seq(1 + MSS6).len(MSS6));
        p.expectNothing();
        peerAck(ours(2 * MSS6));
        p.expect(ours.seq(1 + 2 * MSS6).len(3000 - 2 * MSS6));
        peerAck(ours(3000));
        p.expectNothing();
        assertEquals(0, f.stats().segmentsRetransmitted());
        app("close", f::close);
        p.expect(segment().relative().flags(FIN, ACK).seq(3001).ack(401).len(0));
    }

    /** A bare ACK from the peer after its 400 bytes (the fixture's {@link #ack} is at its first byte). */
    private void peerAck(int ackNo) {
        p.inject(PEER_PORT, PORT, theirs(400), ackNo, ACK, peerWindow);
    }

    @Test
    void aSegmentChecksummedOverOtherAddressesIsDropped() throws Exception {
        p = newPeer(PLAIN);
        p.tcp.listen(PORT, f -> { });
        TcpHeader syn = new TcpHeader(PEER_PORT, PORT, PEER_ISS, 0, SYN, 65535, 0, TcpOptions.NONE, 0);
        byte[] wrong = new byte[syn.length()];
        syn.emitIpv6(wrong, 0, ScriptedPeer.PEER6, Ipv6Address.parse("2001:db8::3"));  // not our address
        long malformed = p.tcp.counters.get(dev.tcpip.direct.StackCounter.TCP_DROPPED_MALFORMED);
        p.injectRaw(wrong);
        p.expectNothing();                              // RFC 8200 §8.1: the pseudo-header has our address
        assertEquals(malformed + 1, p.tcp.counters.get(dev.tcpip.direct.StackCounter.TCP_DROPPED_MALFORMED));
        p.inject(PEER_PORT, PORT, PEER_ISS, 0, SYN, 65535);
        p.expect(segment().flags(SYN, ACK).ack(PEER_ISS + 1).option(TcpOptions.MSS, MSS6));
    }

    @Test
    void segmentsToAClosedPortGetResets() {
        p = newPeer(PLAIN);
        p.inject(PEER_PORT, 81, 5000, 0, SYN, 1000);
        p.expect(segment(RST | ACK, 0, 5001).ports(81, PEER_PORT).len(0).noOptions());   // RFC 9293 §3.10.7.1
        p.inject(PEER_PORT, 81, 5000, 777, ACK, 1000, TcpOptions.NONE, new byte[10]);
        p.expect(segment(RST, 777, 0).ports(81, PEER_PORT).len(0));
        p.expectNothing();
    }

    @Test
    void packetTooBigLowersTheSegmentSize() throws Exception {
        DirectTcpFlow f = established(PLAIN, null);
        write(f, 3000);
        p.expect(ourData(0, MSS6));
        p.expect(ourData(MSS6, MSS6));
        p.sent.clear();                                 // RFC 4443 §3.2: the packet was too big for a link
        icmp(IcmpError.Kind.PACKET_TOO_BIG, PORT, PEER_PORT, ours(0), 1280);
        assertEquals(1280 - 40 - 20, f.stats().mss(), "RFC 8201 §5.2: the IPv6 minimum MTU less the headers");
        p.expect(ourData(0, 1220));                     // what was in flight goes again at the new size
        p.expect(ourData(1220, 1220));
        p.expect(segment(ACK | PSH, ours(2440), theirs(0)));
    }
}
