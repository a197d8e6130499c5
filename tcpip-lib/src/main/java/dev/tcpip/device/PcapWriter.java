package dev.tcpip.device;

import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes classic pcap files (the libpcap format: a 24-byte file header, then one 16-byte record header
 * and the captured bytes per frame), in little-endian byte order.
 *
 * <p>Usage: {@code try (var w = PcapWriter.open(path, LinkType.ETHERNET, Precision.NANOS)) {
 * w.write(epochNanos, frame, 0, frame.length); }}. Frames longer than the snap length are cut to it;
 * the record keeps their original length. {@link #write} is safe to call from several threads.
 *
 * <p>Output is buffered in whole records: every write to the underlying stream ends on a record boundary (the
 * file header is written at once, records are gathered in a 64 KiB buffer, a record larger than it goes out
 * alone in one write). So a process killed at any moment leaves a file that ends after its last complete
 * record, readable as it is. Call {@link #flush} to push buffered records out (a capture that must survive a
 * kill flushes on a timer), {@link #close} to flush and close the underlying stream.
 */
public final class PcapWriter implements Closeable, Flushable {

    /** The link-layer header type of every frame in a file. */
    public enum LinkType {
        /** LINKTYPE_ETHERNET: frames start with an Ethernet II header. */
        ETHERNET(1),
        /** LINKTYPE_RAW: frames are IPv4 or IPv6 datagrams, told apart by their version nibble. */
        RAW(101);

        private final int code;

        LinkType(int code) {
            this.code = code;
        }

        /** The LINKTYPE_ number stored in the file header. */
        public int code() {
            return code;
        }

        /**
         * The link type for the frames of a device of {@code link}: {@link #ETHERNET}, or {@link #RAW} for an IP
         * link. RAW (101) rather than LINKTYPE_IPV4/IPV6 (228/229): one file holds a link's IPv4 and IPv6 datagrams
         * alike, which RAW tells apart by the version nibble, while 228 and 229 each promise one version only.
         */
        public static LinkType of(dev.tcpip.device.LinkType link) {
            return link == dev.tcpip.device.LinkType.IP ? RAW : ETHERNET;
        }
    }

    /** The timestamp resolution, chosen by the file's magic number. */
    public enum Precision {
        /** Magic 0xa1b2c3d4: timestamps in seconds and microseconds. */
        MICROS(0xa1b2c3d4),
        /** Magic 0xa1b23c4d: timestamps in seconds and nanoseconds. */
        NANOS(0xa1b23c4d);

        private final int magic;

        Precision(int magic) {
            this.magic = magic;
        }

        public int magic() {
            return magic;
        }
    }

    /** The default and largest snap length: bytes kept per frame. */
    public static final int DEFAULT_SNAPLEN = 262_144;
    private static final int RECORD_HEADER = 16;

    private final OutputStream out;
    private final Precision precision;
    private final int snaplen;
    /** Whole records not yet handed to {@link #out}. */
    private final byte[] buffer = new byte[1 << 16];
    private int buffered;
    private final ReentrantLock lock = new ReentrantLock();
    private boolean closed;

    /**
     * Writes the file header to {@code out} and returns a writer of records to it.
     * {@code snaplen} is within 1..{@value #DEFAULT_SNAPLEN}. The writer owns {@code out}: close closes it.
     */
    public PcapWriter(OutputStream out, LinkType linkType, Precision precision, int snaplen) throws IOException {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(linkType, "linkType");
        this.precision = Objects.requireNonNull(precision, "precision");
        if (snaplen < 1 || snaplen > DEFAULT_SNAPLEN) {
            throw new IllegalArgumentException("snaplen must be within 1.." + DEFAULT_SNAPLEN + ": " + snaplen);
        }
        this.snaplen = snaplen;
        this.out = out;
        byte[] h = new byte[24];
        putLe32(h, 0, precision.magic());
        putLe16(h, 4, 2); // version 2.4
        putLe16(h, 6, 4);
        putLe32(h, 8, 0); // thiszone: timestamps are UTC
        putLe32(h, 12, 0); // sigfigs
        putLe32(h, 16, snaplen);
        putLe32(h, 20, linkType.code());
        this.out.write(h);
        this.out.flush();
    }

    /** A writer with the default snap length. */
    public PcapWriter(OutputStream out, LinkType linkType, Precision precision) throws IOException {
        this(out, linkType, precision, DEFAULT_SNAPLEN);
    }

    /** Creates (or truncates) the file at {@code path} and writes its file header. */
    public static PcapWriter open(Path path, LinkType linkType, Precision precision) throws IOException {
        OutputStream out = Files.newOutputStream(path);
        try {
            return new PcapWriter(out, linkType, precision);
        } catch (IOException | RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /**
     * Appends one record: the frame {@code frame[off..off+len)} seen at {@code epochNanos} (nanoseconds
     * since 1970-01-01T00:00Z, not negative). Keeps at most the snap length of it.
     */
    public void write(long epochNanos, byte[] frame, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, frame.length);
        if (epochNanos < 0) {
            throw new IllegalArgumentException("timestamp before 1970: " + epochNanos);
        }
        long seconds = epochNanos / 1_000_000_000L;
        long fraction = epochNanos % 1_000_000_000L;
        if (precision == Precision.MICROS) {
            fraction /= 1000;
        }
        int kept = Math.min(len, snaplen);
        lock.lock();
        try {
            if (closed) {
                throw new IOException("pcap writer is closed");
            }
            int size = RECORD_HEADER + kept;
            if (buffered + size > buffer.length) {
                drain();
            }
            byte[] to = size <= buffer.length ? buffer : new byte[size];  // too big to gather: one write alone
            int at = to == buffer ? buffered : 0;
            putLe32(to, at, (int) seconds); // unsigned 32-bit seconds: valid to 2106
            putLe32(to, at + 4, (int) fraction);
            putLe32(to, at + 8, kept);
            putLe32(to, at + 12, len);
            System.arraycopy(frame, off, to, at + RECORD_HEADER, kept);
            if (to == buffer) {
                buffered += size;
            } else {
                out.write(to);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void flush() throws IOException {
        lock.lock();
        try {
            if (!closed) {
                drain();
                out.flush();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Flushes and closes the stream; later writes fail, later closes do nothing. */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                try {
                    drain();
                } finally {
                    out.close();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Hands the gathered records to the stream in one write. Under the lock. */
    private void drain() throws IOException {
        if (buffered > 0) {
            int n = buffered;
            buffered = 0;
            out.write(buffer, 0, n);
        }
    }

    private static void putLe16(byte[] b, int i, int v) {
        b[i] = (byte) v;
        b[i + 1] = (byte) (v >>> 8);
    }

    private static void putLe32(byte[] b, int i, int v) {
        putLe16(b, i, v);
        putLe16(b, i + 2, v >>> 16);
    }
}
