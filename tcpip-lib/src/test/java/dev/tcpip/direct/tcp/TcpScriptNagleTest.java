package dev.tcpip.direct.tcp;

import static dev.tcpip.direct.tcp.Expect.segment;
import static dev.tcpip.wire.TcpHeader.ACK;
import static dev.tcpip.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Small segments: Nagle's algorithm (RFC 896, RFC 1122 §4.2.3.4) and sender SWS avoidance (same section). */
class TcpScriptNagleTest extends ScriptFixture {

    private void expectData(int at, int len) {
        p.expect(ourData(at, len));
    }

    @Test
    void aSecondSmallWriteWaitsForTheAck() throws Exception {
        DirectTcpFlow f = established(PLAIN, null);
        write(f, 100);
        expectData(0, 100);                             // nothing in flight: sent at once
        write(f, 100);
        p.advance(150);
        p.expectNothing();                              // RFC 1122 §4.2.3.4: held while data is unacknowledged
        ack(ours(100));
        p.expect(ourData(100, 100).at(150 * MS));       // the ACK releases it at once
    }

    @Test
    void heldBytesGoAsSoonAsAFullSegmentAccumulates() throws Exception {
        DirectTcpFlow f = established(PLAIN, null);
        write(f, 100);
        expectData(0, 100);
        write(f, 1400);
        p.expectNothing();
        write(f, 100);                                  // 1500 unsent: one full segment may go
        expectData(100, MSS);
        p.expectNothing();                              // the 40-byte rest waits
        ack(ours(100 + MSS));
        expectData(100 + MSS, 40);
    }

    @Test
    void writeNodelaySendsAtOnceAndAPlainWriteNaglesAgain() throws Exception {
        DirectTcpFlow f = established(PLAIN, null);
        write(f, 100);
        expectData(0, 100);
        app("nodelay", () -> f.writeNodelay(ByteBuffer.wrap(new byte[100])));
        expectData(100, 100);                           // in flight already, yet sent
        assertTrue(f.noDelay());
        write(f, 100);
        p.expectNothing();                              // Nagle is back for plain writes
        assertFalse(f.noDelay());
        ack(ours(200));
        expectData(200, 100);
    }

    @Test
    void nagleIsPerFlow() throws Exception {
        DirectTcpFlow a = established(PLAIN, null);
        int issA = iss;
        p.inject(PEER_PORT + 1, PORT, PEER_ISS, 0, SYN, 65535);
        int issB = p.expect(segment().flags(SYN, ACK).ack(PEER_ISS + 1).ports(PORT, PEER_PORT + 1)).seg().seq();
        p.inject(PEER_PORT + 1, PORT, PEER_ISS + 1, issB + 1, ACK, 65535);
        p.advance(0);
        DirectTcpFlow b = accepted.get();
        assertTrue(b != a);
        app("a", () -> a.writeNodelay(ByteBuffer.wrap(new byte[10])));
        app("a", () -> a.writeNodelay(ByteBuffer.wrap(new byte[10])));
        write(b, 10);
        write(b, 10);
        p.expect(segment().ports(PORT, PEER_PORT).seq(issA + 1).len(10));
        p.expect(segment().ports(PORT, PEER_PORT).seq(issA + 11).len(10));       // flow a: no delay
        p.expect(segment().ports(PORT, PEER_PORT + 1).seq(issB + 1).len(10));
        p.expectNothing();                              // flow b: its second write waits
    }

    @Test
    void nagleSwitchedOffInTheConfiguration() throws Exception {
        DirectTcpFlow f = established(tuned(PLAIN, false, 1000, 10), null);
        write(f, 100);
        expectData(0, 100);
        write(f, 100);
        expectData(100, 100);
    }

    @Test
    void senderSwsAvoidanceSendsNoRuntIntoASmallUsableWindow() throws Exception {
        peerWindow = 4000;                              // the largest window the peer offers
        DirectTcpFlow f = established(PLAIN, null);
        write(f, 6000);
        expectData(0, MSS);
        expectData(MSS, MSS);
        // 1080 bytes of window left: less than a segment and less than half the largest window (RFC 1122
        // §4.2.3.4 with Fs = 1/2) while more data waits: nothing is sent.
        p.expectNothing();
        ack(ours(MSS));                                 // 2540 usable: one full segment, again no runt
        expectData(2 * MSS, MSS);
        p.expectNothing();
        ack(ours(3 * MSS));                             // 4000 usable: a full segment
        expectData(3 * MSS, MSS);
        p.expectNothing();                              // the last 160 bytes fit, but Nagle holds them
        ack(ours(4 * MSS));
        expectData(4 * MSS, 6000 - 4 * MSS);
        p.expectNothing();
    }
}
