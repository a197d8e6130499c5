package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.Direction;
import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import dev.tcpip.device.Faults;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.direct.TcpConfig;
import dev.tcpip.time.LoopFuture;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The direct stack's buffer ownership (the seed's rules): a plain write's buffer is the stack's from then on and is
 * kept, not copied, until its bytes are acknowledged, so retransmissions read it; a read's buffer is the reader's,
 * and the stack never touches it again.
 */
class TcpBufferOwnershipSimulationTest {
    private static final LinkConfig LAN = LinkConfig.DEFAULTS.withLatency(Duration.ofNanos(25_000))
            .withBitsPerSecond(10_000_000_000L).withQueueFrames(1024);

    /**
     * Against the contract on purpose, to show the mechanism: a buffer changed right after {@code write} returned
     * (before the loop sent anything) arrives changed, so the stack sent from the caller's buffer, not a copy.
     * {@code writeNodelay}'s buffer is the caller's again once it returns, so it is copied.
     */
    @Test
    void aWrittenBufferIsKeptNotCopiedButAWriteNodelaysIsCopied() {
        MemoryNetworkTcpSimulationTest.replayable(1, () -> {
            try (var n = new MemoryNetworkTcpSimulationTest.Net(1, TcpConfig.DEFAULTS, LAN)) {
                AtomicReference<byte[]> got = new AtomicReference<>();
                LoopFuture<Void> l = n.sim.spawn("listen", () -> n.b.tcp().listen(80, flow -> {
                    got.set(readAll(flow));
                    flow.close();
                }));
                n.sim.runUntil(l::isDone, Duration.ofSeconds(1));
                LoopFuture<Void> c = n.sim.spawn("client", () -> {
                    TcpFlow f = n.a.tcp().connect(new InetSocketAddress(n.bAddress, 80));
                    byte[] nodelay = filled(3000, (byte) 1);
                    f.writeNodelay(ByteBuffer.wrap(nodelay));
                    java.util.Arrays.fill(nodelay, (byte) 9);    // returned: transmitted, and the buffer is ours
                    byte[] kept = filled(5000, (byte) 2);
                    f.write(ByteBuffer.wrap(kept));
                    java.util.Arrays.fill(kept, (byte) 3);       // not yet sent: the stack holds this very array
                    f.shutdown(Direction.WRITE);
                    f.close();
                });
                n.sim.runUntil(() -> c.isDone() && got.get() != null, Duration.ofMinutes(1));
                c.getNow();
                byte[] want = new byte[8000];
                java.util.Arrays.fill(want, 0, 3000, (byte) 1);
                java.util.Arrays.fill(want, 3000, 8000, (byte) 3);
                assertArrayEquals(want, got.get());
            }
        });
    }

    /**
     * Writes of every kind the send buffer keeps or copies (large and small, heap, direct and read-only, views at an
     * offset, writev) under 3 % loss each way: every byte arrives once and in order, retransmissions included, and
     * every buffer a read returned still holds what it held when returned at the end (the stack never wrote to it).
     */
    @Test
    void keptWritesAreRetransmittedExactlyUnderLossAndReadsAreNeverTouchedAgain() {
        for (long seed = 1; seed <= 3; seed++) {
            long s = seed;
            AtomicReference<TcpStats> stats = new AtomicReference<>();
            MemoryNetworkTcpSimulationTest.replayable(seed, () -> {
                LinkConfig lossy = LAN.withFaults(Faults.NONE.withLoss(0.03), Faults.NONE.withLoss(0.03));
                try (var n = new MemoryNetworkTcpSimulationTest.Net(s, TcpConfig.DEFAULTS, lossy)) {
                    AtomicLong got = new AtomicLong(-1);
                    LoopFuture<Void> l = n.sim.spawn("listen", () -> n.b.tcp().listen(80, flow -> {
                        got.set(readKeepingEveryBuffer(flow, s));
                        flow.close();
                    }));
                    n.sim.runUntil(l::isDone, Duration.ofSeconds(1));
                    long total = 6L << 20;
                    LoopFuture<Void> c = n.sim.spawn("client", () -> {
                        TcpFlow f = n.a.tcp().connect(new InetSocketAddress(n.bAddress, 80));
                        writeMixed(f, s, total, new SplittableRandom(s));
                        f.shutdown(Direction.WRITE);
                        f.close();
                        stats.set(((DirectTcpFlow) f).stats());
                    });
                    n.sim.runUntil(() -> c.isDone() && got.get() >= 0, Duration.ofMinutes(10));
                    c.getNow();
                    assertEquals(total, got.get());
                }
            });
            assertTrue(stats.get().bytesRetransmitted() > 0, "seed " + seed + ": something was retransmitted " + stats.get());
        }
    }

    private static byte[] filled(int n, byte v) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, v);
        return b;
    }

    private static byte[] readAll(TcpFlow f) throws java.io.IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int guard = 0; guard < 1 << 20; guard++) {
            if (!(f.read() instanceof ReadResult.Data(ByteBuffer b))) {
                return out.toByteArray();
            }
            byte[] a = new byte[b.remaining()];
            b.get(a);
            out.write(a, 0, a.length);
        }
        throw new AssertionError("unbounded read");
    }

    /** Writes {@code total} bytes of stream {@code s} in buffers of random kinds and sizes. */
    private static void writeMixed(TcpFlow f, long s, long total, SplittableRandom rnd) throws java.io.IOException {
        long p = 0;
        for (int guard = 0; p < total && guard < 1 << 24; guard++) {
            int len = (int) Math.min(total - p, rnd.nextInt(4) == 0 ? rnd.nextInt(1, 200) : rnd.nextInt(1, 100_000));
            ByteBuffer b = switch (rnd.nextInt(3)) {
                case 0 -> ByteBuffer.allocate(len + 16);
                case 1 -> ByteBuffer.allocateDirect(len + 16);
                default -> ByteBuffer.allocate(len + 16);
            };
            b.position(16);
            for (int i = 0; i < len; i++) {
                b.put(Patterns.at(s, p + i));
            }
            b.flip().position(16);
            ByteBuffer w = rnd.nextBoolean() ? b.asReadOnlyBuffer() : b;
            if (rnd.nextInt(5) == 0 && len > 1) {
                int half = len / 2;
                f.writev(List.of(w.slice(w.position(), half), w.slice(w.position() + half, len - half)));
            } else {
                f.write(w);
            }
            p += len;
        }
    }

    /** Reads to Eof, checking every byte, and at the end that no buffer returned earlier has changed. */
    private static long readKeepingEveryBuffer(TcpFlow f, long s) throws java.io.IOException {
        List<ByteBuffer> reads = new ArrayList<>();
        List<Long> starts = new ArrayList<>();
        long p = 0;
        for (long guard = 0; guard < 1L << 30; guard++) {
            if (!(f.read() instanceof ReadResult.Data(ByteBuffer b))) {
                break;
            }
            reads.add(b.duplicate());
            starts.add(p);
            for (int i = b.position(); i < b.limit(); i++) {
                if (b.get(i) != Patterns.at(s, p)) {
                    throw new AssertionError("byte " + p + " differs");
                }
                p++;
            }
        }
        for (int r = 0; r < reads.size(); r++) {
            ByteBuffer b = reads.get(r);
            long at = starts.get(r);
            for (int i = b.position(); i < b.limit(); i++, at++) {
                if (b.get(i) != Patterns.at(s, at)) {
                    throw new AssertionError("read " + r + " changed after it was returned, at byte " + at);
                }
            }
        }
        return p;
    }
}
