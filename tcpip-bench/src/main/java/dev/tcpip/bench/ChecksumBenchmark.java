package dev.tcpip.bench;

import dev.tcpip.wire.Checksum;
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
 * The Internet checksum over 64 B, 1500 B and 64 KiB buffers: {@code fast} (dev.tcpip.wire.Checksum),
 * {@code naive} (one byte at a time, the textbook loop) and {@code crc32} (java.util.zip.CRC32, a JVM
 * intrinsic, as a memory-speed reference). Scores are operations per microsecond; GB/s = score * size / 1000.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ChecksumBenchmark {

    @Param({"64", "1500", "65536"})
    public int size;

    private byte[] data;
    private final CRC32 crc = new CRC32();

    @Setup
    public void setup() {
        data = new byte[size];
        new SplittableRandom(42).nextBytes(data);
    }

    @Benchmark
    public int fast() {
        return Checksum.fold(Checksum.ones(data, 0, size, 0));
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
