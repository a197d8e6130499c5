package dev.tcpip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.Stack;
import dev.tcpip.device.Counter;
import dev.tcpip.device.FaultInjectingDevice;
import dev.tcpip.device.Faults;
import dev.tcpip.device.FrameDirection;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.MemoryNetwork;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.net.StackSocketFactory;
import dev.tcpip.socket.SocketStack;
import java.io.IOException;
import java.io.InputStream;
import java.net.Proxy;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * OkHttp, unmodified, over {@link StackSocketFactory}: it fetches from {@code serve --http}'s handler
 * ({@link HttpService}) over two direct stacks on a real-time memory network that loses 1 % of the frames each way,
 * and over the socket stack on loopback. Byte-exact by SHA-256, both ways, several requests on one kept-alive
 * connection.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OkHttpOverStacksTest {

    private static final int DOWNLOAD = 4 << 20;
    private static final int UPLOAD = 3 << 20;

    @Test
    void overTwoDirectStacksOnALossyMemoryNetwork() throws Exception {
        try (MemoryNetwork net = MemoryNetwork.realTime(1)) {
            Faults lossy = Faults.NONE.withLoss(0.01);
            DirectStack server = DirectStack.create(DirectStackConfig.ipv4("10.0.0.1/24"),
                    net.connect("server", LinkConfig.DEFAULTS).device());
            FaultInjectingDevice faulty =
                    new FaultInjectingDevice(net.connect("client", LinkConfig.DEFAULTS).device(), lossy, lossy, 17);
            DirectStack client = DirectStack.create(DirectStackConfig.ipv4("10.0.0.2/24"), faulty);
            try (server; client) {
                fetchAll(server, client, "10.0.0.1");
            }
            // The loss was real: frames were dropped each way, and TCP repaired it under OkHttp.
            assertTrue(faulty.counters(FrameDirection.SENT).get(Counter.DROPPED_LOSS) > 10);
            assertTrue(faulty.counters(FrameDirection.RECEIVED).get(Counter.DROPPED_LOSS) > 10);
        }
    }

    @Test
    void overTheSocketStackOnLoopback() throws Exception {
        try (SocketStack stack = SocketStack.ipv4()) {
            fetchAll(stack, stack, "127.0.0.1");
        }
    }

    private static void fetchAll(Stack serverStack, Stack clientStack, String host) throws Exception {
        int port = serverStack.tcp().listen(0, HttpService::serve);
        OkHttpClient http = new OkHttpClient.Builder()
                .socketFactory(new StackSocketFactory(clientStack))
                .proxy(Proxy.NO_PROXY)
                .readTimeout(Duration.ofSeconds(20))
                .build();
        String base = "http://" + host + ":" + port;
        try {
            try (Response r = http.newCall(new Request.Builder().url(base + "/").build()).execute()) {
                assertEquals(200, r.code());
                assertEquals("hello from tcpip\n", r.body().string());
            }
            // GET /bytes/N: byte i is i mod 251.
            byte[] pattern = new byte[DOWNLOAD];
            for (int i = 0; i < pattern.length; i++) {
                pattern[i] = (byte) (i % 251);
            }
            try (Response r = http.newCall(new Request.Builder().url(base + "/bytes/" + DOWNLOAD).build()).execute()) {
                assertEquals(200, r.code());
                assertEquals(DOWNLOAD, r.body().contentLength());
                assertEquals(hex(sha256(pattern)), hex(sha256(r.body().byteStream())));
            }
            // POST /sha256: the server hashes what it received.
            byte[] upload = new byte[UPLOAD];
            new Random(5).nextBytes(upload);
            RequestBody body = RequestBody.create(upload, MediaType.get("application/octet-stream"));
            try (Response r = http.newCall(new Request.Builder().url(base + "/sha256").post(body).build()).execute()) {
                assertEquals(200, r.code());
                assertEquals(hex(sha256(upload)) + "\n", r.body().string());
            }
            try (Response r = http.newCall(new Request.Builder().url(base + "/nowhere").build()).execute()) {
                assertEquals(404, r.code());
                r.body().string();
            }
            // Every request went over one connection, kept alive (its responses were read to the end).
            assertEquals(1, http.connectionPool().connectionCount());
        } finally {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
            serverStack.tcp().unlisten(port);
        }
    }

    private static byte[] sha256(byte[] data) throws NoSuchAlgorithmException {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    private static byte[] sha256(InputStream in) throws IOException, NoSuchAlgorithmException {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[16 * 1024];
        for (int n; (n = in.read(buf)) >= 0; ) {
            md.update(buf, 0, n);
        }
        return md.digest();
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
