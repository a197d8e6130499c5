package dev.tcpip.direct.tcp;

import static dev.tcpip.wire.TcpHeader.RST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.TcpInfo;
import dev.tcpip.time.LoopFuture;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * A released connection's info is made when asked, not at the release, yet it reports the figures as they were
 * at the release: the release's clearing (the failed pending write, the scoreboard) does not show in it.
 */
class TcpScriptReleasedInfoTest extends ScriptFixture {

    @Test
    void aResetConnectionsInfoKeepsTheBytesItHadQueued() throws Exception {
        DirectTcpFlow f = established(PLAIN, null);
        int size = PLAIN.sendBufferSize() + 10_000;      // more than the buffer: part of it waits in the write
        LoopFuture<Void> writing = app("write", () -> f.write(ByteBuffer.wrap(new byte[size])));
        p.advance(0);
        TcpInfo before = f.info();
        assertEquals(size - 10 * MSS, before.unsentBytes(), "the initial window went out, the rest is queued");
        p.inject(PEER_PORT, PORT, theirs(0), 0, RST, 0);  // exactly RCV.NXT: the connection is reset
        p.advance(0);
        assertTrue(writing.isDone(), "the pending write failed with the reset");
        TcpInfo after = f.info();
        assertEquals(TcpInfo.State.CLOSED, after.state());
        assertEquals(before.unsentBytes(), after.unsentBytes(), "what was queued at the release");
        assertEquals(before.bytesSent(), after.bytesSent());
        assertEquals(before.receiveWindow(), after.receiveWindow());
        assertSame(after, f.info(), "made once, then kept");
    }
}
