package dev.tcpip.cli;

import dev.tcpip.device.FrameRecorder;
import dev.tcpip.device.PcapWriter;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A pcap file as a {@link FrameRecorder}. Frames are recorded on a stack's loop, where an exception has
 * nowhere to go: the first write error is kept, later frames are skipped, and {@link #close} reports it.
 */
final class PcapFile implements FrameRecorder, AutoCloseable {
    private final Path path;
    private final PcapWriter writer;
    private volatile IOException failure;

    private PcapFile(Path path, PcapWriter writer) {
        this.path = path;
        this.writer = writer;
    }

    /** Creates or truncates {@code path}: classic pcap, Ethernet link type, nanosecond timestamps. */
    static PcapFile create(Path path) throws IOException {
        return new PcapFile(path, PcapWriter.open(path, PcapWriter.LinkType.ETHERNET, PcapWriter.Precision.NANOS));
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
        writer.close();
        if (failure != null) {
            throw new IOException("writing the capture " + path + " failed: " + failure.getMessage(), failure);
        }
    }
}
