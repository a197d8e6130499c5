package dev.tcpip.socks;

import dev.tcpip.TestServers;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.Datagram;
import dev.tcpip.IpFamily;
import dev.tcpip.Payloads;
import dev.tcpip.RefusedException;
import dev.tcpip.TcpFlow;
import dev.tcpip.UdpSendOptions;
import dev.tcpip.device.NeedsTool;
import dev.tcpip.socket.SocketStack;
import dev.tcpip.socket.SocketStackConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SOCKS5 stack against real servers from Debian on loopback: microsocks for CONNECT, with and without
 * user/password, and Dante ({@code danted}) for UDP ASSOCIATE. Skipped when they are missing, except under CI
 * (apt {@code microsocks}, {@code dante-server}).
 */
@Timeout(120)
class Socks5InteropTest {
    static final InetAddress LOOPBACK = InetAddress.ofLiteral("127.0.0.1");

    SocketStack host;
    final List<Process> servers = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        host = SocketStack.create(SocketStackConfig.of(IpFamily.IPV4).withConnectTimeout(Duration.ofSeconds(5)));
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        for (Process p : servers) {
            p.destroy();                                        // SIGTERM; Dante's children exit with their parent
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        host.disconnect();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    /** Starts a server and waits (at most 10 s) until it accepts on {@code port}. */
    InetSocketAddress start(int port, Path log, String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        servers.add(p);
        InetSocketAddress at = new InetSocketAddress(LOOPBACK, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {                                          // bounded by the deadline
            try (Socket probe = new Socket()) {
                probe.connect(at, 1000);
                return at;
            } catch (IOException e) {
                assertTrue(p.isAlive(), command[0] + " exited: " + Files.readString(log));
                assertTrue(System.nanoTime() < deadline, command[0] + " not listening within 10 s: "
                        + Files.readString(log));
                Thread.sleep(20);
            }
        }
    }

    InetSocketAddress microsocks(Path dir, String... auth) throws Exception {
        NeedsTool.need("microsocks", "microsocks");
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of("microsocks", "-i", "127.0.0.1", "-p", String.valueOf(port)));
        cmd.addAll(List.of(auth));
        return start(port, dir.resolve("microsocks.log"), cmd.toArray(String[]::new));
    }

    int echo() throws IOException {
        return TestServers.tcpEcho(host);
    }

    /**
     * {@code sent} echoed through {@code f}, written on one thread while this one reads as many bytes back. No
     * half-close: microsocks ends both directions at the first end of stream, so the test closes after the echo.
     */
    static byte[] echoed(TcpFlow f, byte[] sent) throws Exception {
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                for (int off = 0; off < sent.length; off += 64 << 10) {
                    f.write(ByteBuffer.wrap(sent, off, Math.min(64 << 10, sent.length - off)).slice());
                }
            } catch (IOException e) {
                f.abort();
            }
        });
        byte[] back = Payloads.readExactly(f, sent.length);
        writer.join(30_000);
        f.close();
        return back;
    }

    @Test
    void microsocksCarriesFourMiBEachWayByteExact(@TempDir Path dir) throws Exception {
        Socks5Stack socks = Socks5Stack.over(host, Socks5Config.of(microsocks(dir)));
        int port = echo();
        byte[] sent = Payloads.random(4, 4 << 20);
        assertArrayEquals(sent, echoed(socks.tcp().connect(new InetSocketAddress(LOOPBACK, port)), sent));
        assertArrayEquals("by name".getBytes(), echoed(socks.tcp().connect("localhost", port), "by name".getBytes()));
        assertEquals(2, socks.stats().connects());
    }

    @Test
    void microsocksWithUserAndPassword(@TempDir Path dir) throws Exception {
        InetSocketAddress proxy = microsocks(dir, "-u", "relay", "-P", "s3cret");
        int port = echo();
        Socks5Stack good = Socks5Stack.over(host, Socks5Config.of(proxy).withCredentials("relay", "s3cret"));
        byte[] sent = Payloads.random(5, 4 << 20);
        assertArrayEquals(sent, echoed(good.tcp().connect(new InetSocketAddress(LOOPBACK, port)), sent));
        Socks5Stack bad = Socks5Stack.over(host, Socks5Config.of(proxy).withCredentials("relay", "wrong"));
        Socks5Exception e = assertThrows(Socks5Exception.class,
                () -> bad.tcp().connect(new InetSocketAddress(LOOPBACK, port)));
        assertEquals(Socks5Exception.Reason.AUTHENTICATION_FAILED, e.reason(), e.getMessage());
        Socks5Stack none = Socks5Stack.over(host, Socks5Config.of(proxy));
        e = assertThrows(Socks5Exception.class, () -> none.tcp().connect(new InetSocketAddress(LOOPBACK, port)));
        assertEquals(Socks5Exception.Reason.NO_ACCEPTABLE_METHOD, e.reason(), e.getMessage());
    }

    @Test
    void aRefusedPortThroughMicrosocksIsRefusedException(@TempDir Path dir) throws Exception {
        Socks5Stack socks = Socks5Stack.over(host, Socks5Config.of(microsocks(dir)));
        int closed = TestServers.closedLoopbackPort();
        assertThrows(RefusedException.class, () -> socks.tcp().connect(new InetSocketAddress(LOOPBACK, closed)));
        assertEquals(1, socks.stats().failureReplies(5));
    }

    /** Dante on loopback: internal and external address 127.0.0.1, no authentication, CONNECT and UDP allowed. */
    InetSocketAddress dante(Path dir) throws Exception {
        NeedsTool.need("danted", "dante-server");
        int port = freePort();
        boolean root = "root".equals(System.getProperty("user.name"));
        String conf = String.join("\n",
                "logoutput: stderr",
                "internal: 127.0.0.1 port = " + port,
                "external: 127.0.0.1",
                "clientmethod: none",
                "socksmethod: none",
                root ? "user.privileged: root" : "",
                root ? "user.unprivileged: nobody" : "",
                "client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }",
                "socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 command: connect udpassociate udpreply }",
                "");
        Path file = dir.resolve("danted.conf");
        Files.writeString(file, conf);
        return start(port, dir.resolve("danted.log"), "danted", "-f", file.toString(), "-p",
                dir.resolve("danted.pid").toString());
    }

    @Test
    void danteRelaysUdpEchoThroughAnAssociation(@TempDir Path dir) throws Exception {
        Socks5Stack socks = Socks5Stack.over(host, Socks5Config.of(dante(dir)));
        int echo = TestServers.udpEcho(host);
        InetSocketAddress far = new InetSocketAddress(LOOPBACK, echo);
        BlockingQueue<Datagram> inbox = new ArrayBlockingQueue<>(16);
        int port = socks.udp().listen(0, inbox::add);
        for (int i = 0; i < 8; i++) {
            byte[] sent = Payloads.random(i, 100 + 1000 * i);
            socks.udp().send(far, ByteBuffer.wrap(sent.clone()), UdpSendOptions.fromPort(port));
            Datagram d = inbox.poll(10, TimeUnit.SECONDS);
            assertNotNull(d, "echo " + i + " within 10 s: " + Files.readString(dir.resolve("danted.log")));
            byte[] got = new byte[d.payload().remaining()];
            d.payload().get(got);
            assertArrayEquals(sent, got);
            assertEquals(far, d.src());
        }
        assertEquals(1, socks.stats().associations());
        assertEquals(0, socks.stats().datagramsDropped());
        int tcp = echo();
        byte[] sent = Payloads.random(6, 1 << 20);
        assertArrayEquals(sent, echoed(socks.tcp().connect(new InetSocketAddress(LOOPBACK, tcp)), sent),
                "and CONNECT through Dante");
    }
}
