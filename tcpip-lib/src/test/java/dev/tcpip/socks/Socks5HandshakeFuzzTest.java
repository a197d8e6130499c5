package dev.tcpip.socks;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tcpip.TcpipException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzzes what a SOCKS5 proxy sends during a CONNECT handshake, over a scripted connection cut into reads where the
 * input says. Plain test runs replay the stored inputs. Only a typed outcome may come out: a flow, a
 * {@link Socks5Exception} or one of the API's {@link TcpipException}s.
 */
class Socks5HandshakeFuzzTest {
    /** A timer that never fires: the scripted connection ends with Eof, so nothing can wait. */
    static final Socks5Config.Timer NEVER = new Socks5Config.Timer() {
        @Override
        public long nanos() {
            return 0;
        }

        @Override
        public Runnable schedule(Duration delay, Runnable task) {
            return () -> { };
        }
    };

    /** The first byte says where to cut the rest into reads (bit i: a read ends after byte i); the rest is the proxy's. */
    @FuzzTest(maxDuration = "10s")
    void handshake(byte[] input) throws Exception {
        if (input.length == 0) {
            return;
        }
        int cuts = input[0] & 0xFF;
        byte[] body = Arrays.copyOfRange(input, 1, input.length);
        List<byte[]> reads = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < body.length; i++) {
            if (i == body.length - 1 || (i < 8 && (cuts & (1 << i)) != 0)) {
                reads.add(Arrays.copyOfRange(body, from, i + 1));
                from = i + 1;
            }
        }
        Socks5HandshakeTest.ScriptedFlow flow = new Socks5HandshakeTest.ScriptedFlow(reads, true);
        Socks5Config config = Socks5Config.of(Socks5HandshakeTest.PROXY).withThreads(Runnable::run, NEVER);
        if ((cuts & 0x80) != 0) {
            config = config.withCredentials("u", "p");
        }
        Socks5Stack s = Socks5Stack.over(Socks5HandshakeTest.stackOf(flow), config);
        try {
            s.tcp().connect(Socks5HandshakeTest.TARGET).abort();
        } catch (Socks5Exception | TcpipException e) {
            // a typed refusal
        } catch (IOException e) {
            throw new AssertionError("an untyped IOException: " + e, e);
        }
    }
}
