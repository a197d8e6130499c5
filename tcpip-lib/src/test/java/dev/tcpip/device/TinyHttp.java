package dev.tcpip.device;

import dev.tcpip.Stack;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The least HTTP/1.1 a test needs from a {@link Stack} (either kind) so that {@code curl} can move bytes through
 * it: {@code GET /bytes/N} answers N bytes, byte i = i mod 251 (as {@code tcpip serve} does), and {@code POST}
 * with a Content-Length answers the lowercase hex SHA-256 of the body. One request per connection.
 */
public final class TinyHttp {
    private static final int MAX_HEAD = 8192;
    private static final int MAX_BODY = 64 << 20;

    private TinyHttp() {
    }

    /** Serves on {@code port} (0: any) of {@code stack}; returns the port. */
    public static int serve(Stack stack, int port) throws IOException {
        return stack.tcp().listen(port, flow -> {
            InputStream in = new BufferedInputStream(flow.inputStream());
            OutputStream out = flow.outputStream();
            String[] head = head(in).split("\r\n");
            String[] request = head[0].split(" ");
            if (request[0].equals("GET") && request[1].startsWith("/bytes/")) {
                long n = Long.parseLong(request[1].substring(7));
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + n + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                byte[] chunk = new byte[64 * 251];
                for (int i = 0; i < chunk.length; i++) {
                    chunk[i] = (byte) (i % 251);
                }
                for (long sent = 0; sent < n; sent += chunk.length) {
                    out.write(chunk, 0, (int) Math.min(chunk.length, n - sent));
                }
            } else if (request[0].equals("POST")) {
                long length = -1;
                for (String h : head) {
                    if (h.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                        length = Long.parseLong(h.substring(15).trim());
                    }
                }
                if (length < 0 || length > MAX_BODY) {
                    throw new IOException("no usable Content-Length");
                }
                String sha = sha256(in, length);
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + sha.length() + "\r\nConnection: close\r\n\r\n"
                        + sha).getBytes(StandardCharsets.US_ASCII));
            } else {
                out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
            }
            out.close();                                     // half-close; the client closes after the answer
            flow.close();
        });
    }

    /** The bytes {@code GET /bytes/n} answers. */
    public static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i % 251);
        }
        return b;
    }

    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (head.size() < MAX_HEAD) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("the request ended in its head");
            }
            head.write(c);
            byte[] b = head.toByteArray();
            int n = b.length;
            if (n >= 4 && b[n - 4] == '\r' && b[n - 3] == '\n' && b[n - 2] == '\r' && b[n - 1] == '\n') {
                return head.toString(StandardCharsets.US_ASCII);
            }
        }
        throw new IOException("request head over " + MAX_HEAD + " bytes");
    }

    private static String sha256(InputStream in, long length) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[65536];
            long left = length;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new IOException("the body ended " + left + " bytes short");
                }
                md.update(buf, 0, n);
                left -= n;
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
