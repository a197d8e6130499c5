package dev.tcpip.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.IpFamily;
import dev.tcpip.Payloads;
import dev.tcpip.device.ForeignThreads;
import dev.tcpip.device.NeedsNetAdmin;
import dev.tcpip.device.NetNamespace;
import dev.tcpip.device.TinyHttp;
import dev.tcpip.device.TunDevice;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.socket.SocketStack;
import dev.tcpip.socket.SocketStackConfig;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Forwarding over a real TUN device, the relay's shape: a namespace routes a far subnet (198.51.100.0/24,
 * 2001:db8:f::/48) into its TUN device; the direct stack on the device forwards every flow to those far addresses
 * through the socket stack of this process, which reaches the test's servers on its loopback. No ARP, no MAC:
 * the replies from the far addresses go straight into the TUN.
 */
@Timeout(120)
class TunForwardingTest {
    static final InetAddress FAR4 = InetAddress.ofLiteral("198.51.100.1");
    static final InetAddress FAR6 = InetAddress.ofLiteral("2001:db8:f::1");

    /** The forwarder's threads, and every other, stay in this process's namespace. */
    @AfterEach
    void noThreadStaysInAnotherNamespace() throws Exception {
        assertEquals(java.util.List.of(), ForeignThreads.list(), "threads in another namespace");
    }

    @Test
    @NeedsNetAdmin
    void aTcpGetAndAUdpEchoToFarAddressesAreForwardedFromTheTun() throws Exception {
        try (NetNamespace ns = NetNamespace.create("relay");
             DatagramSocket echo = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            Thread echoer = Thread.ofVirtual().start(() -> echo(echo));
            TunDevice tun = TunDevice.open(ns.name(), "tun0", 1500, true);
            DirectStack stack;
            try {
                tun.configureIpv4(0x0a00_0301, 24);                     // 10.0.3.1/24 on the kernel's side
                tun.addRoute(0xc633_6400, 24);                          // 198.51.100.0/24 into the TUN
                ns.ip("-6", "addr", "add", "fd00:3::1/64", "dev", "tun0", "nodad");
                ns.ip("-6", "route", "add", "2001:db8:f::/48", "dev", "tun0");
                stack = DirectStack.create(DirectStackConfig.ipv4("10.0.3.2/24").withIpv6("fd00:3::2/64"), tun);
            } catch (Exception e) {
                tun.close();
                throw e;
            }
            SocketStack host = SocketStack.create(SocketStackConfig.of(IpFamily.DUAL).withConnectTimeout(Duration.ofSeconds(10)));
            Forwarder forwarder = new Forwarder(stack, host, ForwarderConfig.DEFAULTS.withDestinations(dst ->
                    dst.getAddress().equals(FAR4) ? new InetSocketAddress("127.0.0.1", dst.getPort())
                            : dst.getAddress().equals(FAR6) ? new InetSocketAddress("::1", dst.getPort()) : null));
            try {
                forwarder.start();
                int http = TinyHttp.serve(host, 0);
                String sha = Payloads.sha256(TinyHttp.pattern(1 << 20));
                for (String far : new String[] {"198.51.100.1", "[2001:db8:f::1]"}) {
                    String got = ns.run(60, "sh", "-c",
                            "curl -sf -g http://" + far + ":" + http + "/bytes/" + (1 << 20) + " | sha256sum");
                    assertEquals(sha, got.split(" ")[0], "a GET through the TUN to " + far);
                }
                int udp = echo.getLocalPort();
                String answer = ns.onThread(() -> {
                    try (DatagramSocket s = new DatagramSocket()) {
                        s.setSoTimeout(10_000);
                        byte[] hello = "hello over the tun".getBytes(StandardCharsets.US_ASCII);
                        s.send(new DatagramPacket(hello, hello.length, new InetSocketAddress(FAR4, udp)));
                        DatagramPacket p = new DatagramPacket(new byte[100], 100);
                        s.receive(p);
                        assertEquals(new InetSocketAddress(FAR4, udp), p.getSocketAddress(),
                                "the echo comes back from the far address");
                        return new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
                    }
                });
                assertEquals("hello over the tun", answer);
                assertEquals(0, stack.counter(StackCounter.ARP_TX_REQUESTS));
                assertEquals(0, stack.counter(StackCounter.NDP_NS_TX));
                ForwarderStats stats = forwarder.stats();
                assertEquals(2, stats.tcpOpened(), stats.toString());
                assertEquals(1, stats.udpOpened(), stats.toString());
            } finally {
                forwarder.close();
                stack.disconnect();
                host.disconnect();
                echo.close();
                echoer.join(Duration.ofSeconds(10));
            }
            assertTrue(!ns.ip("link", "show").contains("tun0"), "the TUN went with the stack");
        }
    }

    /** Sends every datagram back to its source until the socket is closed. */
    private static void echo(DatagramSocket s) {
        byte[] buf = new byte[2048];
        while (!s.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                s.receive(p);
                s.send(new DatagramPacket(Arrays.copyOf(buf, p.getLength()), p.getLength(), p.getSocketAddress()));
            } catch (SocketException closed) {
                return;
            } catch (java.io.IOException e) {
                return;
            }
        }
    }
}
