package dev.tcpip;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * Payloads for tests: seeded random data to send, and reading what a flow delivers back (to its end or an
 * exact count). Not to be confused with {@code dev.tcpip.wire.Bytes}, the stack's integer codec.
 */
public final class Payloads {

    private Payloads() {
    }

    /** {@code n} bytes from a seeded generator. */
    public static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    /** Everything the flow delivers until Eof; fails if it exceeds {@code limit} bytes. */
    public static byte[] readToEof(TcpFlow flow, int limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            switch (flow.read()) {
                case ReadResult.Data(ByteBuffer bytes) -> {
                    if (bytes.remaining() < 1) {
                        throw new AssertionError("read returned an empty buffer");
                    }
                    byte[] chunk = new byte[bytes.remaining()];
                    bytes.get(chunk);
                    out.write(chunk);
                    if (out.size() > limit) {
                        throw new AssertionError("more than " + limit + " bytes");
                    }
                }
                case ReadResult.Eof() -> {
                    return out.toByteArray();
                }
            }
        }
    }

    /** Exactly {@code n} bytes from the flow (fails at Eof before that). */
    public static byte[] readExactly(TcpFlow flow, int n) throws IOException {
        byte[] out = new byte[n];
        int got = 0;
        while (got < n) {
            switch (flow.read()) {
                case ReadResult.Data(ByteBuffer bytes) -> {
                    int k = bytes.remaining();
                    if (got + k > n) {
                        throw new AssertionError("got " + (got + k) + " bytes, expected " + n);
                    }
                    bytes.get(out, got, k);
                    got += k;
                }
                case ReadResult.Eof() -> throw new AssertionError("Eof after " + got + " of " + n + " bytes");
            }
        }
        return out;
    }

    public static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
