package dev.tcpip.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.FlowInfo;
import dev.tcpip.Payloads;
import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import dev.tcpip.TcpInfo;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link TcpFlow#info()} and {@link SocketStack#flows()} from the kernel's TCP_INFO, on loopback. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SocketTcpInfoTest {
    private static final int UP = 300_000;
    private static final int DOWN = 123_457;

    @Test
    void infoComesFromTheKernelAndFlowsListThenForgetTheFlow() throws Exception {
        try (SocketStack server = SocketStack.ipv4(); SocketStack client = SocketStack.ipv4()) {
            BlockingQueue<TcpInfo> serverSide = new ArrayBlockingQueue<>(1);
            CountDownLatch answered = new CountDownLatch(1);
            CountDownLatch handlerDone = new CountDownLatch(1);
            int port = server.tcp().listen(0, flow -> {
                try {
                    assertEquals(UP, Payloads.readExactly(flow, UP).length);
                    flow.write(ByteBuffer.wrap(Payloads.random(2, DOWN)));
                    answered.await();                   // the client has read the answer and asked its info
                    serverSide.add(flow.info());
                    while (flow.read() instanceof ReadResult.Data) {
                        throw new AssertionError("no more data was sent");
                    }
                    flow.close();
                } finally {
                    handlerDone.countDown();
                }
            });
            InetSocketAddress to = new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), port);
            TcpFlow f = client.tcp().connect(to);
            f.write(ByteBuffer.wrap(Payloads.random(1, UP)));
            assertEquals(DOWN, Payloads.readExactly(f, DOWN).length);
            TcpInfo i = f.info();
            List<FlowInfo> clientFlows = client.flows();
            List<FlowInfo> serverFlows = server.flows();
            answered.countDown();

            assertEquals(TcpInfo.State.ESTABLISHED, i.state());
            assertEquals(UP, i.bytesSent() - i.bytesRetransmitted(), "each byte once, plus what loopback resent");
            assertEquals(DOWN, i.bytesReceived());
            assertEquals(UP + 1, i.bytesAcked(), "Linux counts the SYN's sequence number too");
            assertTrue(i.mss() > 1000 && i.mss() <= 65_483, "loopback's MSS: " + i.mss());
            assertTrue(i.cwnd() >= i.mss(), "cwnd " + i.cwnd());
            assertTrue(i.rtt().isPresent() && i.minRtt().isPresent(), "the handshake gave a sample: " + i);
            assertTrue(i.rto() >= 200_000_000L, "Linux's minimum RTO: " + i.rto());
            assertTrue(i.segmentsOut() >= UP / i.mss() && i.segmentsIn() > 0, i.toString());
            assertEquals(0, i.unsentBytes());
            assertTrue(i.timeouts().isPresent() || i.sendWindow().isEmpty(), "6.7+ kernels report RTO counts");

            assertEquals(1, clientFlows.size(), clientFlows.toString());
            assertEquals(to, clientFlows.getFirst().dst());
            assertEquals(f.src(), clientFlows.getFirst().src());
            assertEquals(UP, clientFlows.getFirst().info().bytesSent() - clientFlows.getFirst().info().bytesRetransmitted());
            assertEquals(1, serverFlows.size(), serverFlows.toString());
            assertEquals(f.src(), serverFlows.getFirst().dst());
            assertEquals(UP, serverFlows.getFirst().info().bytesReceived());

            TcpInfo s = serverSide.poll(30, TimeUnit.SECONDS);
            assertEquals(UP, s.bytesReceived());
            assertEquals(DOWN, s.bytesSent() - s.bytesRetransmitted());

            f.close();
            assertTrue(handlerDone.await(30, TimeUnit.SECONDS));
            assertEquals(List.of(), client.flows(), "a closed flow is forgotten");
            assertEquals(List.of(), server.flows());
            TcpInfo after = f.info();
            assertEquals(TcpInfo.State.CLOSED, after.state(), "a closed flow gives its last info, never throws");
            assertEquals(UP, after.bytesSent() - after.bytesRetransmitted());
            assertEquals(DOWN + 1, after.bytesReceived(), "the peer's FIN counted, as Linux counts it");
        }
    }

    @Test
    void theStructIsReadOnlyAsFarAsTheKernelFilledIt() {
        byte[] raw = new byte[KernelTcpInfo.SIZE];
        raw[0] = 1;                                   // ESTABLISHED
        raw[16] = (byte) 0xb4;                        // tcpi_snd_mss 1460
        raw[17] = 0x05;
        raw[80] = 10;                                 // tcpi_snd_cwnd 10 segments
        raw[228] = 1;                                 // tcpi_snd_wnd, at 228..231
        TcpInfo full = KernelTcpInfo.parse(raw, KernelTcpInfo.SIZE);
        assertEquals(14_600, full.cwnd());
        assertEquals(1, full.sendWindow().orElseThrow());
        assertTrue(full.timeouts().isPresent());
        TcpInfo old = KernelTcpInfo.parse(raw, 228);  // a kernel before tcpi_snd_wnd
        assertTrue(old.sendWindow().isEmpty() && old.receiveWindow().isEmpty() && old.timeouts().isEmpty());
        assertEquals(null, KernelTcpInfo.parse(raw, 100), "too short to be worth reporting");
    }
}
