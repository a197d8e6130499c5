package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.TcpFlow;
import dev.tcpip.TimedOutException;
import dev.tcpip.device.Faults;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.time.LoopFuture;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stack's JFR events, recorded over a simulated run and read back from the recording file. */
class TcpJfrEventsTest {
    private static final LinkConfig LAN = LinkConfig.DEFAULTS.withLatency(Duration.ofNanos(25_000))
            .withBitsPerSecond(10_000_000_000L).withQueueFrames(1024);
    private static final List<String> EVENTS = List.of("dev.tcpip.TcpConnectionOpened", "dev.tcpip.TcpConnectionClosed",
            "dev.tcpip.TcpRetransmissionTimeout", "dev.tcpip.TcpRecoveryEntered", "dev.tcpip.TcpRecoveryLeft",
            "dev.tcpip.TcpSynCookieSent", "dev.tcpip.FrameDropped");

    @Test
    void aLossyTransferASilentPeerAndAnUnlistenedPortAreRecorded(@TempDir Path dir) throws Exception {
        long bytes = 4L << 20;
        Path file = dir.resolve("run.jfr");
        String client;
        try (Recording r = new Recording()) {
            EVENTS.forEach(e -> r.enable(e));
            r.start();
            client = run(bytes);
            r.stop();
            r.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        assertTrue(Files.size(file) > 0);
        List<RecordedEvent> opened = named(events, "dev.tcpip.TcpConnectionOpened");
        assertEquals(2, opened.size(), "the client's and the server's side of the one connection: " + opened);
        assertEquals(1, opened.stream().filter(e -> e.getBoolean("active")).count());

        List<RecordedEvent> closed = named(events, "dev.tcpip.TcpConnectionClosed");
        RecordedEvent sender = closed.stream().filter(e -> e.getString("local").equals(client)).findFirst().orElseThrow();
        assertEquals("direct", sender.getString("stack"));
        assertEquals(bytes, sender.getLong("bytesSent") - sender.getLong("bytesRetransmitted"),
                "the bytes the test sent, each once, plus the retransmissions");
        assertTrue(sender.getLong("retransmissions") > 0, "2 % of the frames were lost");
        RecordedEvent receiver = closed.stream().filter(e -> e.getString("remote").equals(client)).findFirst()
                .orElseThrow();
        assertEquals(bytes, receiver.getLong("bytesReceived"));

        List<RecordedEvent> entered = named(events, "dev.tcpip.TcpRecoveryEntered");
        assertTrue(entered.stream().anyMatch(e -> e.getString("cause").equals("fast")), "losses were recovered");
        assertTrue(named(events, "dev.tcpip.TcpRecoveryLeft").size() > 0);

        // The silent peer: the SYN went out three times, two of them after a timeout.
        List<RecordedEvent> rtos = named(events, "dev.tcpip.TcpRetransmissionTimeout").stream()
                .filter(e -> e.getString("state").equals("SYN_SENT")).toList();
        assertEquals(2, rtos.size(), rtos.toString());
        assertTrue(rtos.get(1).getLong("rto") > rtos.get(0).getLong("rto"), "RFC 6298 §5.5: backed off");

        List<RecordedEvent> drops = named(events, "dev.tcpip.FrameDropped");
        assertTrue(drops.stream().anyMatch(e -> e.getString("reason").equals("UDP_DROPPED_NO_LISTENER")), drops.toString());
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }

    /** 2 % loss a to b during a transfer; a SYN to an address nobody holds; a datagram to a port nobody listens on. */
    private static String run(long bytes) {
        String[] client = new String[1];
        MemoryNetworkTcpSimulationTest.replayable(3, () -> {
            TcpConfig tcp = TcpConfig.DEFAULTS.withRetries(2, TcpConfig.DEFAULTS.dataRetries());
            try (var n = new MemoryNetworkTcpSimulationTest.Net(3, tcp, LAN.withFaults(Faults.NONE.withLoss(0.02),
                    Faults.NONE))) {
                AtomicLong got = new AtomicLong(-1);
                LoopFuture<Void> l = n.sim.spawn("listen", () -> n.b.tcp().listen(80, flow -> {
                    got.set(Patterns.readAndVerify(flow, 1));
                    flow.close();
                }));
                n.sim.runUntil(l::isDone, Duration.ofSeconds(1));
                LoopFuture<Void> c = n.sim.spawn("client", () -> {
                    TcpFlow f = n.a.tcp().connect(new InetSocketAddress(n.bAddress, 80));
                    client[0] = dev.tcpip.wire.AddressText.of(f.src());
                    Patterns.write(f, 1, bytes, 65_536);
                    f.close();
                    n.a.udp().send(new InetSocketAddress(n.bAddress, 9), ByteBuffer.wrap(new byte[10]));
                    assertThrows(TimedOutException.class, () -> n.a.tcp().connect(
                            new InetSocketAddress(MemoryNetworkTcpSimulationTest.SILENT, 80)));
                });
                n.sim.runUntil(() -> c.isDone() && got.get() >= 0, Duration.ofMinutes(10));
                c.getNow();
                assertEquals(bytes, got.get());
                n.assertNoStateAfterTimeWait(tcp);
            }
        });
        return client[0];
    }
}
