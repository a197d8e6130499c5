package dev.tcpip.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** `tcpip serve` and `tcpip nc` as separate processes on the socket stack (loopback only). */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ServeAndNcIT {

    @TempDir
    Path dir;

    private static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i += 8) {
            long v = r.nextLong();
            for (int k = 0; k < 8 && i + k < n; k++) {
                b[i + k] = (byte) (v >>> (8 * k));
            }
        }
        return b;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void sixteenMebibytesThroughServeEchoWithNcComeBackIdentical() throws Exception {
        byte[] data = random(1, 16 << 20);
        Path in = Files.write(dir.resolve("in"), data);
        Path out = dir.resolve("out");
        try (Cli serve = Cli.start("serve", "--echo", "0")) {
            int port = Cli.port(serve.awaitLine("ready"), "echo");
            ProcessBuilder nc = Cli.builder("nc", "127.0.0.1", String.valueOf(port))
                    .redirectInput(in.toFile()).redirectOutput(out.toFile())
                    .redirectError(dir.resolve("nc.err").toFile());
            try (Cli client = Cli.start(nc)) {
                assertEquals(0, client.waitFor(120), () -> "nc failed: " + read(dir.resolve("nc.err")));
            }
            // nc half-closed at the end of stdin; echo finished echoing, then closed; nc exited.
            assertEquals(sha256(data), sha256(Files.readAllBytes(out)));
        }
    }

    @Test
    void ncListenAndNcConnectCopyBothWays() throws Exception {
        byte[] up = random(2, 3 << 20);
        byte[] down = random(3, 2 << 20);
        Path upIn = Files.write(dir.resolve("up"), up);
        Path downIn = Files.write(dir.resolve("down"), down);
        Path upOut = dir.resolve("up.out");
        Path downOut = dir.resolve("down.out");
        ProcessBuilder listener = Cli.builder("nc", "-l", "0").redirectInput(downIn.toFile()).redirectOutput(upOut.toFile());
        try (Cli l = Cli.start(listener)) {
            int port = Integer.parseInt(l.awaitStderr("listening on port (\\d+)"));
            ProcessBuilder connector = Cli.builder("nc", "127.0.0.1", String.valueOf(port))
                    .redirectInput(upIn.toFile()).redirectOutput(downOut.toFile());
            try (Cli c = Cli.start(connector)) {
                assertEquals(0, c.waitFor(120));
                assertEquals(0, l.waitFor(120));
            }
        }
        assertArrayEquals(up, Files.readAllBytes(upOut));
        assertArrayEquals(down, Files.readAllBytes(downOut));
    }

    @Test
    void httpRoutesAnswerAsTheContractSays() throws Exception {
        try (Cli serve = Cli.start("serve", "--http", "0")) {
            int port = Cli.port(serve.awaitLine("ready"), "http");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
            String base = "http://127.0.0.1:" + port;

            HttpResponse<String> root = http.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, root.statusCode());
            assertEquals("hello from tcpip\n", root.body());
            assertTrue(root.headers().firstValue("content-type").orElse("").startsWith("text/plain"));

            int n = 3_000_017;
            HttpResponse<byte[]> bytes = http.send(HttpRequest.newBuilder(URI.create(base + "/bytes/" + n)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, bytes.statusCode());
            assertEquals(n, bytes.body().length);
            for (int i = 0; i < n; i++) {
                if (bytes.body()[i] != (byte) (i % 251)) {
                    throw new AssertionError("byte " + i + " is " + bytes.body()[i]);
                }
            }

            byte[] body = random(4, 5 << 20);
            HttpResponse<String> sum = http.send(HttpRequest.newBuilder(URI.create(base + "/sha256"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, sum.statusCode());
            assertEquals(sha256(body), sum.body().trim());

            HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(URI.create(base + "/sha256"))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(411, chunked.statusCode(), "a body without Content-Length");

            HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create(base + "/nowhere")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, missing.statusCode());
        }
    }

    @Test
    void twoRequestsTravelOnOneKeptAliveConnection() throws Exception {
        try (Cli serve = Cli.start("serve", "--http", "0")) {
            int port = Cli.port(serve.awaitLine("ready"), "http");
            try (SocketChannel ch = SocketChannel.open(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), port))) {
                String req = "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /bytes/5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
                ch.write(ByteBuffer.wrap(req.getBytes(StandardCharsets.US_ASCII)));
                byte[] all = ch.socket().getInputStream().readAllBytes(); // the server closes after the second
                String text = new String(all, StandardCharsets.ISO_8859_1);
                assertEquals(2, text.split("HTTP/1.1 200 OK", -1).length - 1, text);
                assertTrue(text.contains("hello from tcpip\n"));
                assertTrue(text.endsWith("\u0000\u0001\u0002\u0003\u0004"), text);
            }
        }
    }

    @Test
    void udpEchoSendsEachDatagramBack() throws Exception {
        try (Cli serve = Cli.start("serve", "--udp-echo", "0")) {
            int port = Cli.port(serve.awaitLine("ready"), "udp-echo");
            try (DatagramChannel ch = DatagramChannel.open()) {
                ch.bind(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0));
                ch.connect(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), port));
                for (int size : new int[] {1, 512, 1400, 9000}) {
                    byte[] d = random(size, size);
                    ch.write(ByteBuffer.wrap(d));
                    ByteBuffer back = ByteBuffer.allocate(65_536);
                    ch.socket().setSoTimeout(10_000);
                    int k = ch.socket().getChannel().read(back);
                    assertEquals(size, k);
                    assertArrayEquals(d, java.util.Arrays.copyOf(back.array(), k));
                }
            }
        }
    }

    @Test
    void serveExitsZeroOnSigterm() throws Exception {
        try (Cli serve = Cli.start("serve", "--echo", "0", "--discard", "0")) {
            String ready = serve.awaitLine("ready");
            Cli.port(ready, "echo");
            Cli.port(ready, "discard");
            serve.process.destroy(); // SIGTERM
            assertEquals(0, serve.waitFor(30));
        }
    }

    @Test
    void serveExitsZeroOnSigintInTheForeground() throws Exception {
        try (Cli serve = Cli.start("serve", "--echo", "0")) {
            serve.awaitLine("ready");
            signal("INT", serve.process.toHandle());
            assertEquals(0, serve.waitFor(30));
        }
    }

    /**
     * A non-interactive shell starts a background job with SIGINT ignored; the command must still stop on the
     * script's {@code kill -INT} (CLI.md: every long-running command stops on SIGINT or SIGTERM).
     */
    @Test
    void serveStopsOnSigintFromAScriptThatStartedItInTheBackground() throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", "\"$@\" & wait $!", "bash"));
        cmd.addAll(Cli.builder("serve", "--echo", "0").command());
        try (Cli script = Cli.start(new ProcessBuilder(cmd))) {
            try {
                script.awaitLine("ready");
                ProcessHandle serve = script.process.children().findFirst().orElseThrow();
                assertTrue(Files.readString(Path.of("/proc", Long.toString(serve.pid()), "status"))
                        .lines().anyMatch(l -> l.startsWith("SigCgt:") && (Long.parseLong(l.substring(7).trim(), 16) & 2) != 0),
                        "serve catches SIGINT although the shell started it ignored");
                signal("INT", serve);
                assertEquals(0, script.waitFor(30), "bash's wait returns serve's exit status");
            } finally {
                script.process.descendants().forEach(ProcessHandle::destroyForcibly);
            }
        }
    }

    /**
     * A stop (SIGINT) stops accepting, gives open flows their grace, then ends the ones still open, and the
     * command exits 0: an idle client connection is ended, not left hanging, and a new one is refused.
     */
    @Test
    void aStopEndsIdleFlowsAfterTheGraceAndExitsZero() throws Exception {
        try (Cli serve = Cli.start("serve", "--echo", "0")) {
            int port = Cli.port(serve.awaitLine("ready"), "echo");
            InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            try (SocketChannel idle = SocketChannel.open(at)) {
                idle.write(ByteBuffer.wrap(new byte[] {42}));
                ByteBuffer one = ByteBuffer.allocate(1);
                assertEquals(1, idle.read(one), "the flow works before the stop");
                signal("INT", serve.process.toHandle());
                assertEquals(0, serve.waitFor(30));
                ByteBuffer rest = ByteBuffer.allocate(16);
                int n;
                try {
                    n = idle.read(rest);
                } catch (IOException reset) {
                    n = -1;
                }
                assertEquals(-1, n, "the idle flow was ended by the stop");
            }
            assertThrows(IOException.class, () -> SocketChannel.open(at).close(), "nothing listens after the stop");
        }
    }

    /**
     * The grace: a flow open when the stop comes may go on (here: send the second half of its data, close, and
     * read all of it echoed back), although the server already refuses new connections.
     */
    @Test
    void aFlowOpenAtTheStopMayFinishWithinTheGrace() throws Exception {
        try (Cli serve = Cli.start("serve", "--echo", "0")) {
            int port = Cli.port(serve.awaitLine("ready"), "echo");
            InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            byte[] data = new byte[64 * 1024];
            new SplittableRandom(5).nextBytes(data);
            try (SocketChannel flow = SocketChannel.open(at)) {
                flow.write(ByteBuffer.wrap(data, 0, data.length / 2));
                // The first half's echo shows that the server accepted the flow and handles it: a connection
                // still in the listener's backlog at the stop is reset with the listener (as the kernel does).
                ByteBuffer back = ByteBuffer.allocate(data.length + 1);
                for (int i = 0; i < 100_000 && back.position() < data.length / 2; i++) {
                    assertTrue(flow.read(back) >= 0, "the first half is echoed");
                }
                signal("INT", serve.process.toHandle());
                assertTrue(refusedWithin(at, Duration.ofSeconds(5)), "the stop closed the listener");
                flow.write(ByteBuffer.wrap(data, data.length / 2, data.length - data.length / 2));
                flow.shutdownOutput();
                while (flow.read(back) >= 0 && back.hasRemaining()) {
                    // until the echo's FIN
                }
                assertArrayEquals(data, java.util.Arrays.copyOf(back.array(), back.position()));
            }
            assertEquals(0, serve.waitFor(30));
        }
    }

    /** Whether connecting to {@code at} is refused before the bound (bounded in attempts and time). */
    private static boolean refusedWithin(InetSocketAddress at, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        for (int i = 0; i < 100_000 && System.nanoTime() < deadline; i++) {
            try (SocketChannel probe = SocketChannel.open(at)) {
                probe.shutdownOutput();
            } catch (IOException refused) {
                return true;
            }
        }
        return false;
    }

    private static void signal(String name, ProcessHandle target) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(target.pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + name);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }
}
