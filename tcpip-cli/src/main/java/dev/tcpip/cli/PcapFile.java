package dev.tcpip.cli;

import dev.tcpip.device.FrameRecorder;
import dev.tcpip.device.PcapWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A pcap file as a {@link FrameRecorder}. Frames are recorded on a stack's loop, where an exception has
 * nowhere to go: the first write error is kept, later frames are skipped, and {@link #close} reports it.
 * The file is flushed every {@value #FLUSH_MILLIS} ms, and {@link PcapWriter} hands the file whole records
 * only, so a process killed at any moment (even {@code kill -9}) leaves a file that ends with its last
 * complete record, missing at most the last {@value #FLUSH_MILLIS} ms.
 */
final class PcapFile implements FrameRecorder, AutoCloseable {
    static final int FLUSH_MILLIS = 100;

    private final Path path;
    private final PcapWriter writer;
    private final ScheduledExecutorService flusher;
    private volatile IOException failure;

    private PcapFile(Path path, PcapWriter writer) {
        this.path = path;
        this.writer = writer;
        this.flusher = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("pcap-flush").factory());
        flusher.scheduleWithFixedDelay(this::flush, FLUSH_MILLIS, FLUSH_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void flush() {
        if (failure == null) {
            try {
                writer.flush();
            } catch (IOException e) {
                failure = e;
            }
        }
    }

    /** Creates or truncates {@code path}: classic pcap, Ethernet link type, nanosecond timestamps. */
    static PcapFile create(Path path) throws IOException {
        return create(path, dev.tcpip.device.LinkType.ETHERNET);
    }

    /** As {@link #create(Path)}, with the link type of a device of {@code link} (raw IP for a TUN device). */
    static PcapFile create(Path path, dev.tcpip.device.LinkType link) throws IOException {
        return new PcapFile(path, PcapWriter.open(path, PcapWriter.LinkType.of(link), PcapWriter.Precision.NANOS));
    }

    Path path() {
        return path;
    }

    @Override
    public void record(long epochNanos, byte[] frame, int off, int len, dev.tcpip.device.FrameDirection direction) {
        if (failure == null) {
            try {
                writer.write(epochNanos, frame, off, len);
            } catch (IOException e) {
                failure = e;
            }
        }
    }

    /** Flushes and closes the file; fails if any frame could not be written. */
    @Override
    public void close() throws IOException {
        flusher.shutdownNow();
        try {
            flusher.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writer.close();
        if (failure != null) {
            throw new IOException("writing the capture " + path + " failed: " + failure.getMessage(), failure);
        }
    }
}
