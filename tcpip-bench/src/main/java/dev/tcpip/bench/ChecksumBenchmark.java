package dev.tcpip.bench;

import dev.tcpip.wire.Checksum;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The Internet checksum over 20 B (an IPv4 header), 64 B, 1500 B and 64 KiB buffers: {@code fast}
 * (dev.tcpip.wire.Checksum), {@code baseline} (the implementation before issue 13: four accumulators, 32 bytes
 * per turn, big-endian loads, kept here so one run compares the two), {@code naive} (one byte at a time, the
 * textbook loop) and {@code crc32} (java.util.zip.CRC32, a JVM intrinsic, as a memory-speed reference). Scores
 * are operations per microsecond; GB/s = score * size / 1000.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ChecksumBenchmark {

    @Param({"20", "64", "1500", "65536"})
    public int size;

    private byte[] data;
    private final CRC32 crc = new CRC32();

    @Setup
    public void setup() {
        data = new byte[size];
        new SplittableRandom(42).nextBytes(data);
        if (fast() != baseline() || fast() != naive()) {
            throw new IllegalStateException("the implementations disagree at size " + size);
        }
    }

    @Benchmark
    public int fast() {
        return Checksum.fold(Checksum.ones(data, 0, size, 0));
    }

    @Benchmark
    public int baseline() {
        return Checksum.fold(baselineOnes(data, 0, size, 0));
    }

    private static final VarHandle BE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle BE32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    /** {@code Checksum.ones} as it was at 305c130 (before issue 13's change), for the A/B in one run. */
    static long baselineOnes(byte[] b, int off, int len, long initial) {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        long s0 = 0;
        long s1 = 0;
        long s2 = 0;
        long s3 = 0;
        int i = off;
        int end = off + len;
        for (; i <= end - 32; i += 32) {
            long w0 = (long) BE64.get(b, i);
            long w1 = (long) BE64.get(b, i + 8);
            long w2 = (long) BE64.get(b, i + 16);
            long w3 = (long) BE64.get(b, i + 24);
            s0 += (w0 >>> 32) + (w0 & 0xffff_ffffL);
            s1 += (w1 >>> 32) + (w1 & 0xffff_ffffL);
            s2 += (w2 >>> 32) + (w2 & 0xffff_ffffL);
            s3 += (w3 >>> 32) + (w3 & 0xffff_ffffL);
        }
        for (; i <= end - 8; i += 8) {
            long w = (long) BE64.get(b, i);
            s0 += (w >>> 32) + (w & 0xffff_ffffL);
        }
        if (i <= end - 4) {
            s1 += (int) BE32.get(b, i) & 0xffff_ffffL;
            i += 4;
        }
        if (i <= end - 2) {
            s2 += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
            i += 2;
        }
        if (i < end) {
            s3 += (b[i] & 0xff) << 8;
        }
        long sum = fold32(s0) + fold32(s1) + fold32(s2) + fold32(s3);
        return fold32(initial) + sum;
    }

    private static long fold32(long s) {
        return (s & 0xffff_ffffL) + (s >>> 32);
    }

    @Benchmark
    public int naive() {
        byte[] b = data;
        long sum = 0;
        for (int i = 0; i < b.length; i++) {
            sum += (i & 1) == 0 ? (b[i] & 0xff) << 8 : b[i] & 0xff;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }

    @Benchmark
    public long crc32() {
        crc.reset();
        crc.update(data, 0, size);
        return crc.getValue();
    }
}
