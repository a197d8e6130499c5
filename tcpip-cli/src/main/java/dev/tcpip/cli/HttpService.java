package dev.tcpip.cli;

import dev.tcpip.TcpFlow;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The HTTP/1.1 service of {@code tcpip serve} (RFC 9112 message syntax), with keep-alive:
 * {@code GET /} says hello, {@code GET /bytes/N} sends N bytes where byte i is i mod 251, and
 * {@code POST /sha256} answers the hex SHA-256 of the request body (411 without Content-Length).
 * Anything else is 404. Request lines and headers are bounded; a malformed request gets 400 and the
 * connection is closed.
 */
final class HttpService {

    static final int MAX_LINE = 8192;
    static final int MAX_HEADERS = 100;
    private static final int CHUNK = 64 * 1024;
    /** Byte i of /bytes/N is i mod 251: every chunk is a window of this, starting at (offset mod 251). */
    private static final byte[] PATTERN = new byte[251 + CHUNK];

    static {
        for (int i = 0; i < PATTERN.length; i++) {
            PATTERN[i] = (byte) (i % 251);
        }
    }

    private HttpService() {
    }

    /** A request's head: method, target, version and the headers we act on. */
    record Head(String method, String target, String version, long contentLength, boolean chunked, boolean close,
                boolean expectContinue) {
    }

    /** A request that cannot be parsed; answered with 400. */
    static final class BadRequest extends Exception {
        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    static void serve(TcpFlow flow) throws IOException {
        InputStream in = new BufferedInputStream(flow.inputStream(), CHUNK);
        try {
            while (true) {
                Head head;
                try {
                    head = readHead(in);
                } catch (BadRequest e) {
                    respond(flow, 400, "Bad Request", "text/plain", (e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8), true);
                    break;
                }
                if (head == null) {
                    break; // the client closed between requests
                }
                if (!handle(flow, in, head) || head.close()) {
                    break;
                }
            }
        } finally {
            flow.close();
        }
    }

    /** Answers one request; returns false when the connection must be closed afterwards. */
    private static boolean handle(TcpFlow flow, InputStream in, Head h) throws IOException {
        String path = h.target();
        if (h.method().equals("GET") && path.equals("/")) {
            skipBody(in, h);
            respond(flow, 200, "OK", "text/plain", "hello from tcpip\n".getBytes(StandardCharsets.US_ASCII), h.close());
            return true;
        }
        if (h.method().equals("GET") && path.startsWith("/bytes/")) {
            long n = parseCount(path.substring("/bytes/".length()));
            if (n >= 0) {
                skipBody(in, h);
                sendPattern(flow, n, h.close());
                return true;
            }
        }
        if (h.method().equals("POST") && path.equals("/sha256")) {
            if (h.contentLength() < 0) {
                respond(flow, 411, "Length Required", "text/plain", "Content-Length required\n".getBytes(StandardCharsets.US_ASCII), true);
                return false;
            }
            if (h.expectContinue() && h.contentLength() > 0) {
                // RFC 9110 §10.1.1: the client waits for this interim response (curl does, for a second) before
                // sending a large body
                flow.write(ByteBuffer.wrap("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            }
            String hex = sha256(in, h.contentLength());
            if (hex == null) {
                return false; // the body ended early
            }
            respond(flow, 200, "OK", "text/plain", hex.getBytes(StandardCharsets.US_ASCII), h.close());
            return true;
        }
        if (h.chunked()) {
            respond(flow, 404, "Not Found", "text/plain", "not found\n".getBytes(StandardCharsets.US_ASCII), true);
            return false; // a chunked body we will not parse: end the connection
        }
        skipBody(in, h);
        respond(flow, 404, "Not Found", "text/plain", "not found\n".getBytes(StandardCharsets.US_ASCII), h.close());
        return true;
    }

    private static long parseCount(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(s);
    }

    private static void respond(TcpFlow flow, int status, String reason, String type, byte[] body, boolean close)
            throws IOException {
        flow.writev(List.of(ByteBuffer.wrap(header(status, reason, type, body.length, close)), ByteBuffer.wrap(body)));
    }

    private static byte[] header(int status, String reason, String type, long length, boolean close) {
        String h = "HTTP/1.1 " + status + " " + reason + "\r\n"
                + "Content-Type: " + type + "\r\n"
                + "Content-Length: " + length + "\r\n"
                + (close ? "Connection: close\r\n" : "")
                + "\r\n";
        return h.getBytes(StandardCharsets.US_ASCII);
    }

    private static void sendPattern(TcpFlow flow, long n, boolean close) throws IOException {
        flow.write(ByteBuffer.wrap(header(200, "OK", "application/octet-stream", n, close)));
        long sent = 0;
        while (sent < n) {
            int len = (int) Math.min(CHUNK, n - sent);
            // PATTERN is never written to after start-up, so handing out read-only windows of it is safe.
            flow.write(ByteBuffer.wrap(PATTERN, (int) (sent % 251), len).asReadOnlyBuffer());
            sent += len;
        }
    }

    private static String sha256(InputStream in, long length) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[CHUNK];
        long left = length;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                return null;
            }
            md.update(buf, 0, n);
            left -= n;
        }
        return HexFormat.of().formatHex(md.digest()) + "\n";
    }

    private static void skipBody(InputStream in, Head h) throws IOException {
        long left = Math.max(0, h.contentLength());
        while (left > 0) {
            long k = in.skip(left);
            if (k <= 0) {
                if (in.read() < 0) {
                    return;
                }
                k = 1;
            }
            left -= k;
        }
    }

    /** Reads a request head; null if the stream ends before its first byte. */
    static Head readHead(InputStream in) throws IOException, BadRequest {
        String requestLine = readLine(in, true);
        if (requestLine == null) {
            return null;
        }
        while (requestLine.isEmpty()) { // RFC 9112 §2.2: ignore at least one empty line before a request
            requestLine = readLine(in, true);
            if (requestLine == null) {
                return null;
            }
        }
        String[] parts = requestLine.split(" ", -1);
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || !parts[2].startsWith("HTTP/1.")) {
            throw new BadRequest("malformed request line");
        }
        boolean http10 = parts[2].equals("HTTP/1.0");
        long contentLength = -1;
        boolean chunked = false;
        Boolean close = null;
        boolean expectContinue = false;
        for (int i = 0; ; i++) {
            if (i > MAX_HEADERS) {
                throw new BadRequest("too many header fields");
            }
            String line = readLine(in, false);
            if (line == null) {
                throw new BadRequest("the request ended inside its header");
            }
            if (line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new BadRequest("malformed header field");
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> {
                    long v = parseCount(value);
                    if (v < 0 || contentLength >= 0 && contentLength != v) {
                        throw new BadRequest("invalid Content-Length");
                    }
                    contentLength = v;
                }
                case "expect" -> expectContinue = value.equalsIgnoreCase("100-continue");
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "connection" -> {
                    String v = value.toLowerCase(Locale.ROOT);
                    if (v.contains("close")) {
                        close = true;
                    } else if (v.contains("keep-alive")) {
                        close = false;
                    }
                }
                default -> { }
            }
        }
        if (chunked) {
            contentLength = -1; // RFC 9112 §6.3: Transfer-Encoding overrides Content-Length
        }
        boolean closeAfter = close != null ? close : http10;
        return new Head(parts[0], parts[1], parts[2], contentLength, chunked, closeAfter, expectContinue);
    }

    /** A CRLF- (or LF-) terminated line of at most MAX_LINE bytes; null at end of stream before any byte. */
    private static String readLine(InputStream in, boolean eofAllowed) throws IOException, BadRequest {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (sb.isEmpty() && eofAllowed) {
                    return null;
                }
                throw new BadRequest("the request ended inside a line");
            }
            if (b == '\n') {
                int n = sb.length();
                if (n > 0 && sb.charAt(n - 1) == '\r') {
                    sb.setLength(n - 1);
                }
                return sb.toString();
            }
            if (sb.length() >= MAX_LINE) {
                throw new BadRequest("line too long");
            }
            sb.append((char) b);
        }
    }
}
