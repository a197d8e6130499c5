package dev.tcpip.socks;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tcpip.wire.ParseException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Fuzzes the header of a datagram from a SOCKS5 relay (RFC 1928 §7). Plain test runs replay the stored inputs. Only
 * {@link ParseException} may escape the parser; a parsed header re-encoded must parse to the same address.
 */
class Socks5UdpFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void udpHeader(byte[] input) {
        Socks5Wire.UdpHeader h;
        try {
            h = Socks5Wire.parseUdp(input, 0, input.length);
        } catch (ParseException e) {
            return;
        }
        InetSocketAddress src = h.src();
        if (src.isUnresolved() && !src.getHostString().chars().allMatch(c -> c > 0x20 && c < 0x7F)) {
            return;                                             // not a name this client would send
        }
        byte[] payload = Arrays.copyOfRange(input, h.payloadOffset(), input.length);
        byte[] again = Socks5Wire.udpDatagram(src, ByteBuffer.wrap(payload));
        try {
            Socks5Wire.UdpHeader h2 = Socks5Wire.parseUdp(again, 0, again.length);
            if (!h2.src().equals(src) || h2.frag() != 0 || again.length - h2.payloadOffset() != payload.length) {
                throw new AssertionError("re-encoded header differs: " + h + " vs " + h2);
            }
        } catch (ParseException e) {
            throw new AssertionError("the emitted header does not parse: " + e.getMessage(), e);
        }
    }
}
