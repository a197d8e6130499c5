package dev.tcpip.device;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Reads classic pcap files: microsecond and nanosecond magic numbers, in either byte order. Any
 * link type is read; {@link #linkType()} tells which. A truncated or garbled file raises
 * {@link PcapFormatException}; a record longer than the file's snap length (capped at
 * {@link #MAX_RECORD_LENGTH}) is rejected, so a garbled length cannot make the reader allocate without bound.
 */
public final class PcapReader implements Closeable {

    /** No record longer than this is read, whatever the file header says. */
    public static final int MAX_RECORD_LENGTH = PcapWriter.DEFAULT_SNAPLEN;

    /** One captured frame: when, its length on the wire, and the bytes kept. */
    public record Record(long epochNanos, int originalLength, byte[] data) {
    }

    private final InputStream in;
    private final boolean bigEndian;
    private final boolean nanos;
    private final int linkType;
    private final int snaplen;
    private final int versionMajor;
    private final int versionMinor;
    private final byte[] header = new byte[16];
    private long recordIndex;

    /** Reads the file header from {@code in}; the reader owns {@code in}: close closes it. */
    public PcapReader(InputStream in) throws IOException {
        Objects.requireNonNull(in, "in");
        this.in = in instanceof BufferedInputStream ? in : new BufferedInputStream(in, 1 << 16);
        byte[] h = new byte[24];
        if (readFully(h, 24) != 24) {
            throw new PcapFormatException("pcap file header truncated");
        }
        int magicLe = le32(h, 0);
        int magicBe = Integer.reverseBytes(magicLe);
        if (magicLe == PcapWriter.Precision.MICROS.magic() || magicLe == PcapWriter.Precision.NANOS.magic()) {
            bigEndian = false;
            nanos = magicLe == PcapWriter.Precision.NANOS.magic();
        } else if (magicBe == PcapWriter.Precision.MICROS.magic() || magicBe == PcapWriter.Precision.NANOS.magic()) {
            bigEndian = true;
            nanos = magicBe == PcapWriter.Precision.NANOS.magic();
        } else {
            throw new PcapFormatException("not a classic pcap file: magic " + Integer.toHexString(magicLe));
        }
        versionMajor = u16(h, 4);
        versionMinor = u16(h, 6);
        if (versionMajor != 2) {
            throw new PcapFormatException("unsupported pcap version " + versionMajor + "." + versionMinor);
        }
        int s = i32(h, 16);
        snaplen = s <= 0 || s > MAX_RECORD_LENGTH ? MAX_RECORD_LENGTH : s;
        linkType = i32(h, 20) & 0x0fff_ffff; // upper bits carry FCS flags (pcap-linktype(7))
    }

    public static PcapReader open(Path path) throws IOException {
        InputStream in = Files.newInputStream(path);
        try {
            return new PcapReader(in);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** The LINKTYPE_ number: 1 for Ethernet, 101 for raw IP. */
    public int linkType() {
        return linkType;
    }

    /** True for nanosecond timestamps (magic 0xa1b23c4d). */
    public boolean nanosecond() {
        return nanos;
    }

    /** True if the file was written big-endian. */
    public boolean bigEndian() {
        return bigEndian;
    }

    /** The snap length from the file header, capped at {@link #MAX_RECORD_LENGTH}. */
    public int snaplen() {
        return snaplen;
    }

    /** The next record, or null at the end of the file. */
    public Record next() throws IOException {
        int n = readFully(header, 16);
        if (n == 0) {
            return null;
        }
        if (n != 16) {
            throw new PcapFormatException("record " + recordIndex + ": header truncated");
        }
        long seconds = i32(header, 0) & 0xffff_ffffL;
        long fraction = i32(header, 4) & 0xffff_ffffL;
        int incl = i32(header, 8);
        int orig = i32(header, 12);
        if (fraction >= (nanos ? 1_000_000_000L : 1_000_000L)) {
            throw new PcapFormatException("record " + recordIndex + ": sub-second field out of range: " + fraction);
        }
        if (incl < 0 || incl > snaplen) {
            throw new PcapFormatException("record " + recordIndex + ": length " + Integer.toUnsignedString(incl)
                    + " exceeds the snap length " + snaplen);
        }
        byte[] data = new byte[incl];
        if (readFully(data, incl) != incl) {
            throw new PcapFormatException("record " + recordIndex + ": data truncated");
        }
        recordIndex++;
        long epochNanos = seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1000);
        return new Record(epochNanos, orig, data);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private int readFully(byte[] b, int len) throws IOException {
        int n = 0;
        while (n < len) {
            int r = in.read(b, n, len - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return n;
    }

    private int u16(byte[] b, int i) {
        int v = (b[i] & 0xff) | (b[i + 1] & 0xff) << 8;
        return bigEndian ? Integer.reverseBytes(v) >>> 16 : v;
    }

    private int i32(byte[] b, int i) {
        int v = le32(b, i);
        return bigEndian ? Integer.reverseBytes(v) : v;
    }

    private static int le32(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | (b[i + 3] & 0xff) << 24;
    }
}
