package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.FlowInfo;
import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import dev.tcpip.TcpInfo;
import dev.tcpip.device.Faults;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.time.LoopFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.Test;

/** {@link TcpFlow#info()} and {@code Stack.flows()} on the direct stack, in virtual time over two whole stacks. */
class TcpInfoSimulationTest {
    private static final int UP = 1_000_000;
    private static final int DOWN = 77_777;

    /** Reads exactly {@code n} bytes, verifying the pattern of {@code stream}. */
    static void readExactly(TcpFlow f, long stream, long n) throws IOException {
        long got = 0;
        while (got < n) {
            if (!(f.read() instanceof ReadResult.Data(ByteBuffer b))) {
                throw new AssertionError("Eof after " + got + " of " + n + " bytes");
            }
            while (b.hasRemaining()) {
                assertEquals(Patterns.at(stream, got++), b.get(), "byte " + (got - 1));
            }
        }
        assertEquals(n, got, "more bytes than sent");
    }

    /** Writes {@code n} bytes of {@code stream}'s pattern without ending the stream (no FIN). */
    static void writePattern(TcpFlow f, long stream, int n) throws IOException {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = Patterns.at(stream, i);
        }
        f.write(ByteBuffer.wrap(b));
    }

    @Test
    void infoAfterAKnownTransferAndFlowsListThenForgetTheFlow() {
        MemoryNetworkTcpSimulationTest.replayable(1, () -> {
            try (var n = new MemoryNetworkTcpSimulationTest.Net(1, TcpConfig.DEFAULTS, MemoryNetworkTcpSimulationTest.LINK)) {
                AtomicReference<TcpInfo> serverInfo = new AtomicReference<>();
                AtomicReference<List<FlowInfo>> serverFlows = new AtomicReference<>();
                LoopFuture<Void> l = n.sim.spawn("listen", () -> n.b.tcp().listen(80, flow -> {
                    readExactly(flow, 1, UP);
                    writePattern(flow, 2, DOWN);
                    while (flow.read() instanceof ReadResult.Data) {
                        throw new AssertionError("no more data was sent");
                    }
                    serverInfo.set(flow.info());
                    serverFlows.set(n.b.flows());
                    flow.close();
                }));
                n.sim.runUntil(l::isDone, Duration.ofSeconds(1));
                AtomicReference<TcpInfo> open = new AtomicReference<>();
                AtomicReference<TcpInfo> closed = new AtomicReference<>();
                AtomicReference<List<FlowInfo>> listed = new AtomicReference<>();
                AtomicReference<TcpFlow> flow = new AtomicReference<>();
                LoopFuture<Void> c = n.sim.spawn("client", () -> {
                    TcpFlow f = n.a.tcp().connect(new InetSocketAddress(n.bAddress, 80));
                    flow.set(f);
                    writePattern(f, 1, UP);
                    readExactly(f, 2, DOWN);
                    open.set(f.info());
                    listed.set(n.a.flows());
                    f.close();
                    closed.set(f.info());
                });
                n.sim.runUntil(c::isDone, Duration.ofMinutes(1));
                c.getNow();

                TcpInfo i = open.get();
                assertEquals(TcpInfo.State.ESTABLISHED, i.state());
                assertEquals(TcpInfo.CongestionState.OPEN, i.congestionState());
                assertEquals(UP, i.bytesSent(), "no loss: every byte sent once");
                assertEquals(UP, i.bytesAcked(), "the server answered after reading it all");
                assertEquals(DOWN, i.bytesReceived());
                assertEquals(0, i.bytesRetransmitted());
                assertEquals(0, i.retransmissions());
                assertEquals(1460 - 12, i.mss(), "Ethernet's MSS less the timestamps option");
                assertTrue(i.cwnd() >= 10L * i.mss(), "cwnd grew from the initial window: " + i.cwnd());
                assertTrue(i.segmentsOut() >= UP / i.mss(), "segments out " + i.segmentsOut());
                // 1 ms each way on each of two links: 4 ms.
                assertTrue(i.rtt().orElseThrow() >= 4_000_000 && i.rtt().getAsLong() < 10_000_000, "srtt " + i.rtt());
                assertTrue(i.minRtt().orElseThrow() >= 4_000_000, "min rtt " + i.minRtt());
                assertTrue(i.rto() >= 200_000_000L, "RFC 6298 §2.4 floor: " + i.rto());
                assertTrue(i.sendWindow().orElseThrow() > 0 && i.receiveWindow().orElseThrow() > 0);
                assertEquals(0, i.lost().orElseThrow());
                assertEquals(0, i.sacked().orElseThrow());
                assertTrue(i.pacingRate().isEmpty(), "the direct stack does not pace");
                assertTrue(i.deliveryRate().orElseThrow() > 0, "data was acknowledged over several round trips");
                assertEquals(0, i.unsentBytes());

                FlowInfo row = listed.get().getFirst();
                assertEquals(1, listed.get().size(), "the client's stack has one flow: " + listed.get());
                assertEquals(new InetSocketAddress(n.bAddress, 80), row.dst());
                assertEquals(flow.get().src(), row.src());
                assertEquals(UP, row.info().bytesSent());

                TcpInfo s = serverInfo.get();
                assertEquals(TcpInfo.State.CLOSE_WAIT, s.state(), "the client's FIN arrived, the server's not sent");
                assertEquals(UP, s.bytesReceived());
                assertEquals(DOWN, s.bytesSent());
                assertEquals(1, serverFlows.get().size());
                assertEquals(flow.get().src(), serverFlows.get().getFirst().dst());

                TcpInfo last = closed.get();
                assertTrue(last.state() == TcpInfo.State.TIME_WAIT || last.state() == TcpInfo.State.FIN_WAIT_2,
                        "close returned once both FINs crossed: " + last.state());
                assertEquals(UP, last.bytesSent());
                assertEquals(DOWN, last.bytesReceived());

                n.assertNoStateAfterTimeWait(TcpConfig.DEFAULTS);
                LoopFuture<Void> after = n.sim.spawn("after", () -> {
                    assertEquals(List.of(), n.a.flows(), "the flow is forgotten once it has ended");
                    assertEquals(List.of(), n.b.flows());
                    TcpInfo gone = flow.get().info();
                    assertEquals(TcpInfo.State.CLOSED, gone.state(), "a released flow says CLOSED, never throws");
                    assertEquals(UP, gone.bytesSent());
                    assertEquals(DOWN, gone.bytesReceived());
                });
                n.sim.runUntil(after::isDone, Duration.ofSeconds(1));
                after.getNow();
            }
        });
    }

    private static final LinkConfig LAN = LinkConfig.DEFAULTS.withLatency(Duration.ofNanos(25_000))
            .withBitsPerSecond(10_000_000_000L).withQueueFrames(1024);

    @Test
    void underLossInfoCountsRetransmissionsAndTheScoreboardAddsUp() {
        long bytes = 8L << 20;
        MemoryNetworkTcpSimulationTest.replayable(2, () -> {
            try (var n = new MemoryNetworkTcpSimulationTest.Net(2, TcpConfig.DEFAULTS,
                    LAN.withFaults(Faults.NONE.withLoss(0.02), Faults.NONE))) {
                AtomicLong got = new AtomicLong(-1);
                LoopFuture<Void> l = n.sim.spawn("listen", () -> n.b.tcp().listen(80, flow -> {
                    got.set(Patterns.readAndVerify(flow, 1));
                    flow.close();
                }));
                n.sim.runUntil(l::isDone, Duration.ofSeconds(1));
                // Every 50 us of virtual time, the sender's flows as the stack's loop sees them: a segment stays
                // marked lost only until cwnd lets it go again, which at 200 us the samples could miss.
                AtomicLong maxLost = new AtomicLong();
                AtomicLong maxSacked = new AtomicLong();
                AtomicLong samples = new AtomicLong();
                AtomicReference<String> inconsistent = new AtomicReference<>();
                LongConsumer[] sample = new LongConsumer[1];
                sample[0] = now -> {
                    for (FlowInfo f : n.a.tcp().flows(8)) {
                        TcpInfo i = f.info();
                        long lost = i.lost().orElse(0);      // absent until the handshake agreed on SACK
                        long sacked = i.sacked().orElse(0);
                        maxLost.accumulateAndGet(lost, Math::max);
                        maxSacked.accumulateAndGet(sacked, Math::max);
                        long outstanding = i.bytesSent() - i.bytesRetransmitted() - i.bytesAcked();
                        if ((lost + sacked) * (long) i.mss() > outstanding + i.mss()) {
                            inconsistent.compareAndSet(null, "lost " + lost + " + sacked " + sacked
                                    + " segments exceed the " + outstanding + " bytes outstanding: " + i);
                        }
                    }
                    if (samples.incrementAndGet() < 100_000 && got.get() < 0) {
                        n.loopA.at(now + 50_000, sample[0]);
                    }
                };
                LoopFuture<Void> start = n.loopA.submit(f -> {
                    n.loopA.at(0, sample[0]);
                    f.complete(null);
                });
                n.sim.runUntil(start::isDone, Duration.ofSeconds(1));
                AtomicReference<TcpInfo> end = new AtomicReference<>();
                LoopFuture<Void> c = n.sim.spawn("client", () -> {
                    TcpFlow f = n.a.tcp().connect(new InetSocketAddress(n.bAddress, 80));
                    Patterns.write(f, 1, bytes, 65_536);
                    f.close();
                    end.set(f.info());
                });
                n.sim.runUntil(() -> c.isDone() && got.get() >= 0, Duration.ofMinutes(10));
                c.getNow();
                assertEquals(bytes, got.get());
                TcpInfo i = end.get();
                assertTrue(i.retransmissions() > 0 && i.bytesRetransmitted() > 0, "2 % of the frames were lost: " + i);
                assertEquals(bytes, i.bytesSent() - i.bytesRetransmitted(), "every byte once, plus the retransmissions");
                assertEquals(bytes, i.bytesAcked());
                assertEquals(0, i.lost().orElseThrow(), "all acknowledged: nothing is lost any more");
                assertEquals(0, i.sacked().orElseThrow());
                assertTrue(i.ssthresh().isPresent(), "a loss set ssthresh: " + i);
                assertTrue(maxLost.get() > 0, "RACK marked segments lost during the transfer (" + samples + " samples)");
                assertTrue(maxSacked.get() > 0, "the receiver SACKed data above the holes");
                assertEquals(null, inconsistent.get());
            }
        });
    }
}
