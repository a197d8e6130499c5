package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.TcpFlow;
import dev.tcpip.device.CoDel;
import dev.tcpip.device.Counter;
import dev.tcpip.device.DeviceCounters;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.direct.TcpConfig.EcnMode;
import dev.tcpip.time.LoopFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * ECN end to end between two direct stacks on a {@link dev.tcpip.device.MemoryNetwork} in virtual time: the
 * handshake agrees on ECN only when the client asks and the server accepts; a bulk transfer through a CoDel
 * bottleneck (RFC 8289) that marks instead of dropping arrives byte-exact with window reductions and no
 * retransmission, and the same transfer without ECN loses segments to CoDel's drops.
 */
class TcpEcnSimulationTest {
    private static final long SEED = Long.getLong("tcpip.seed", 20_251_206L);
    /** 20 Mbit/s, 5 ms each way on each link (20 ms RTT), CoDel on every direction's queue. */
    private static final LinkConfig BOTTLENECK = LinkConfig.DEFAULTS.withLatency(Duration.ofMillis(5))
            .withBitsPerSecond(20_000_000).withCoDel(CoDel.RFC_8289);
    private static final long BYTES = 8L << 20;

    /** What one transfer a to b showed: both flows' statistics just before they closed, and a's link counters. */
    private record Outcome(TcpStats sender, TcpStats receiver, DeviceCounters senderPort) {}

    /** a (with {@code tcpA}) sends {@code bytes} to b (with {@code tcpB}); b checks every byte. */
    private static Outcome transfer(TcpConfig tcpA, TcpConfig tcpB, LinkConfig link, long bytes) {
        AtomicReference<Outcome> out = new AtomicReference<>();
        MemoryNetworkTcpSimulationTest.replayable(SEED, () -> {
            try (MemoryNetworkTcpSimulationTest.Net n = new MemoryNetworkTcpSimulationTest.Net(SEED, tcpA, tcpB, link,
                    false)) {
                AtomicLong got = new AtomicLong(-1);
                AtomicReference<TcpStats> receiver = new AtomicReference<>();
                LoopFuture<Void> listening = n.sim.spawn("listen", () -> n.b.tcp().listen(80, flow -> {
                    got.set(Patterns.readAndVerify(flow, 1));
                    receiver.set(((DirectTcpFlow) flow).stats());
                    flow.close();
                }));
                n.sim.runUntil(listening::isDone, Duration.ofSeconds(1));
                AtomicReference<TcpStats> sender = new AtomicReference<>();
                LoopFuture<Void> client = n.sim.spawn("client", () -> {
                    TcpFlow f = n.a.tcp().connect(new InetSocketAddress(n.bAddress, 80));
                    Patterns.write(f, 1, bytes, 65_536);
                    f.shutdown(dev.tcpip.Direction.WRITE);
                    Patterns.readAndVerify(f, 2);                         // b's FIN: everything was acknowledged
                    sender.set(((DirectTcpFlow) f).stats());
                    f.close();
                });
                n.sim.runUntil(() -> client.isDone() && got.get() >= 0, Duration.ofSeconds(120));
                client.getNow();
                assertEquals(bytes, got.get(), "bytes a -> b");
                out.set(new Outcome(sender.get(), receiver.get(), n.net.link("a").port()));
                System.out.println("sender " + sender.get() + "\nreceiver " + receiver.get() + "\nport a " + n.net.link("a").port());
                n.assertNoStateAfterTimeWait(tcpA, java.util.List.of(n.a, n.b));
            }
        });
        return out.get();
    }

    private static TcpConfig mode(EcnMode m) {
        return TcpConfig.DEFAULTS.withEcn(m);
    }

    @Test
    void ecnIsAgreedOnlyWhenTheClientAsksAndTheServerTakesIt() {
        EcnMode[][] agreed = {{EcnMode.ON, EcnMode.ON}, {EcnMode.ON, EcnMode.ACCEPT}};
        EcnMode[][] not = {{EcnMode.ON, EcnMode.OFF}, {EcnMode.ACCEPT, EcnMode.ON}, {EcnMode.OFF, EcnMode.ON},
            {EcnMode.ACCEPT, EcnMode.ACCEPT}};
        LinkConfig plain = LinkConfig.DEFAULTS.withLatency(Duration.ofMillis(1));
        for (EcnMode[] pair : agreed) {
            Outcome o = transfer(mode(pair[0]), mode(pair[1]), plain, 100_000);
            assertTrue(o.sender().ecn() && o.receiver().ecn(), pair[0] + " -> " + pair[1]);
        }
        for (EcnMode[] pair : not) {
            Outcome o = transfer(mode(pair[0]), mode(pair[1]), plain, 100_000);
            assertTrue(!o.sender().ecn() && !o.receiver().ecn(), pair[0] + " -> " + pair[1]);
        }
    }

    @Test
    void aBulkTransferThroughCoDelIsMarkedNotDroppedAndNeverRetransmits() {
        Outcome o = transfer(mode(EcnMode.ON), mode(EcnMode.ACCEPT), BOTTLENECK, BYTES);
        long marked = o.senderPort().get(Counter.CE_MARKED);
        assertTrue(marked > 0, "CoDel marked");
        assertEquals(0, o.senderPort().get(Counter.DROPPED_AQM));
        assertEquals(0, o.senderPort().get(Counter.DROPPED_QUEUE_FULL));
        assertEquals(marked, o.receiver().ceReceived(), "every mark reached the receiver");
        assertTrue(o.sender().eceReceived() > 0);
        assertTrue(o.sender().ecnReductions() > 0, "the sender reduced its window");
        assertTrue(o.sender().ecnReductions() <= marked, "at most once per mark");
        assertEquals(0, o.sender().segmentsRetransmitted(), "no retransmission");
        assertEquals(0, o.sender().bytesRetransmitted());
        assertEquals(0, o.sender().timeouts());
    }

    @Test
    void withoutEcnTheSameTransferLosesSegmentsToCoDel() {
        Outcome o = transfer(mode(EcnMode.ACCEPT), mode(EcnMode.ACCEPT), BOTTLENECK, BYTES);
        assertTrue(!o.sender().ecn());
        assertTrue(o.senderPort().get(Counter.DROPPED_AQM) > 0, "CoDel dropped");
        assertEquals(0, o.senderPort().get(Counter.CE_MARKED));
        assertTrue(o.sender().segmentsRetransmitted() > 0, "the drops were repaired by retransmission");
    }
}
