package dev.tcpip.direct.tcp;

import dev.tcpip.Direction;
import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Deterministic byte streams for byte-exact transfer tests: byte i of stream s is a hash of (s, i). */
public final class Patterns {
    private Patterns() {
    }

    public static byte at(long stream, long i) {
        long z = (i + stream * 0x9E3779B97F4A7C15L) * 0xBF58476D1CE4E5B9L;
        return (byte) (z >>> 56 ^ z >>> 29);
    }

    /** Writes {@code n} bytes of {@code stream} in chunks of up to {@code chunk}, then shuts down writing. */
    public static void write(TcpFlow f, long stream, long n, int chunk) throws IOException {
        for (long p = 0; p < n; ) {
            int len = (int) Math.min(chunk, n - p);
            byte[] b = new byte[len];
            for (int i = 0; i < len; i++) {
                b[i] = at(stream, p + i);
            }
            f.write(ByteBuffer.wrap(b));
            p += len;
        }
        f.shutdown(Direction.WRITE);
    }

    /** Something done between two reads (a slow reader sleeps). */
    interface Pause {
        void after(long bytesSoFar) throws IOException;
    }

    /** Reads to Eof, checking every byte against {@code stream}; returns the count. */
    public static long readAndVerify(TcpFlow f, long stream) throws IOException {
        return readAndVerify(f, stream, p -> { });
    }

    /** {@link #readAndVerify(TcpFlow, long)}, calling {@code pause} after each read. */
    static long readAndVerify(TcpFlow f, long stream, Pause pause) throws IOException {
        long p = 0;
        for (long guard = 0; guard < 1L << 40; guard++) {
            if (!(f.read() instanceof ReadResult.Data(ByteBuffer b))) {
                return p;
            }
            while (b.hasRemaining()) {
                byte got = b.get();
                if (got != at(stream, p)) {
                    throw new AssertionError("byte " + p + " of stream " + stream + " differs");
                }
                p++;
            }
            pause.after(p);
        }
        throw new AssertionError("unbounded read");
    }
}
