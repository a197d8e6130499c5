package dev.tcpip.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapTest {

    static final byte[] FRAME = HexFormat.of().parseHex("ffffffffffff02000000000a0806" + "00".repeat(28));

    @Test
    void writesTheMicrosecondFileAndRecordHeadersLittleEndian() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PcapWriter w = new PcapWriter(out, PcapWriter.LinkType.ETHERNET, PcapWriter.Precision.MICROS, 65535)) {
            w.write(1_700_000_000_123_456_789L, FRAME, 0, FRAME.length);
        }
        byte[] b = out.toByteArray();
        assertEquals("d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000".replace(" ", ""),
                HexFormat.of().formatHex(b, 0, 24));
        // 1700000000 s = 0x6553f100, 123456 us = 0x0001e240, 42 bytes both
        assertEquals("00f15365 40e20100 2a000000 2a000000".replace(" ", ""), HexFormat.of().formatHex(b, 24, 40));
        assertEquals(24 + 16 + 42, b.length);
    }

    @Test
    void roundTripsNanosecondRawIpFilesAndCutsToTheSnapLength() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PcapWriter w = new PcapWriter(out, PcapWriter.LinkType.RAW, PcapWriter.Precision.NANOS, 20)) {
            w.write(5_000_000_007L, FRAME, 0, FRAME.length);
            w.write(6_000_000_000L, FRAME, 2, 10);
        }
        try (PcapReader r = new PcapReader(new ByteArrayInputStream(out.toByteArray()))) {
            assertEquals(101, r.linkType());
            assertTrue(r.nanosecond());
            assertFalse(r.bigEndian());
            assertEquals(20, r.snaplen());
            PcapReader.Record a = r.next();
            assertEquals(5_000_000_007L, a.epochNanos());
            assertEquals(42, a.originalLength());
            assertArrayEquals(java.util.Arrays.copyOf(FRAME, 20), a.data());
            PcapReader.Record c = r.next();
            assertEquals(6_000_000_000L, c.epochNanos());
            assertArrayEquals(java.util.Arrays.copyOfRange(FRAME, 2, 12), c.data());
            assertNull(r.next());
        }
    }

    @Test
    void readsABigEndianMicrosecondFile() throws IOException {
        byte[] file = HexFormat.of().parseHex(("a1b2c3d4 0002 0004 00000000 00000000 00000100 00000001"
                + " 00000002 00000003 00000002 00000004 abcd").replace(" ", ""));
        try (PcapReader r = new PcapReader(new ByteArrayInputStream(file))) {
            assertTrue(r.bigEndian());
            assertFalse(r.nanosecond());
            assertEquals(1, r.linkType());
            PcapReader.Record rec = r.next();
            assertEquals(2_000_003_000L, rec.epochNanos());
            assertEquals(4, rec.originalLength());
            assertArrayEquals(new byte[] {(byte) 0xab, (byte) 0xcd}, rec.data());
            assertNull(r.next());
        }
    }

    @Test
    void rejectsGarbledAndTruncatedFiles() throws IOException {
        assertThrows(PcapFormatException.class, () -> new PcapReader(new ByteArrayInputStream(new byte[10])));
        assertThrows(PcapFormatException.class, () -> new PcapReader(new ByteArrayInputStream(new byte[24])));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PcapWriter w = new PcapWriter(out, PcapWriter.LinkType.ETHERNET, PcapWriter.Precision.MICROS, 100)) {
            w.write(0, FRAME, 0, FRAME.length);
        }
        byte[] good = out.toByteArray();
        for (int cut : new int[] {30, 40, good.length - 1}) {
            byte[] truncated = java.util.Arrays.copyOf(good, cut);
            try (PcapReader r = new PcapReader(new ByteArrayInputStream(truncated))) {
                assertThrows(PcapFormatException.class, r::next, "cut at " + cut);
            }
        }
        byte[] huge = good.clone();
        huge[24 + 8] = (byte) 0xff; // included length 0x..ff > snaplen 100
        huge[24 + 11] = (byte) 0x7f;
        try (PcapReader r = new PcapReader(new ByteArrayInputStream(huge))) {
            assertThrows(PcapFormatException.class, r::next);
        }
    }

    @Test
    void writesWholeRecordsFromManyThreads(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("t.pcap");
        try (PcapWriter w = PcapWriter.open(file, PcapWriter.LinkType.ETHERNET, PcapWriter.Precision.NANOS)) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                threads.add(Thread.ofVirtual().start(() -> {
                    byte[] f = FRAME.clone();
                    f[13] = (byte) id;
                    for (int i = 0; i < 500; i++) {
                        try {
                            w.write(i, f, 0, f.length);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
        }
        int n = 0;
        try (PcapReader r = PcapReader.open(file)) {
            for (PcapReader.Record rec = r.next(); rec != null; rec = r.next()) {
                assertEquals(42, rec.data().length);
                assertTrue(rec.data()[13] >= 0 && rec.data()[13] < 4);
                n++;
            }
        }
        assertEquals(2000, n);
        PcapWriter closed = PcapWriter.open(dir.resolve("c.pcap"), PcapWriter.LinkType.RAW, PcapWriter.Precision.MICROS);
        closed.close();
        assertThrows(IOException.class, () -> closed.write(0, FRAME, 0, 1));
    }
    /**
     * A process killed at any moment must leave a readable file: every write the writer makes to its stream
     * ends on a record boundary, including the header, a record too big to gather, and the buffer's edge.
     */
    @Test
    void everyWriteToTheStreamEndsOnARecordBoundary() throws IOException {
        List<Integer> ends = new ArrayList<>();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream() {
            @Override
            public synchronized void write(byte[] b, int off, int len) {
                super.write(b, off, len);
                ends.add(size());
            }

            @Override
            public void write(byte[] b) {
                write(b, 0, b.length);
            }
        };
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(11);
        int written = 0;
        try (PcapWriter w = new PcapWriter(bytes, PcapWriter.LinkType.ETHERNET, PcapWriter.Precision.NANOS)) {
            for (int i = 0; i < 300; i++) {
                int len = i == 150 ? 100_000 : 14 + rnd.nextInt(9_000);   // one record bigger than the buffer
                w.write(i, new byte[len], 0, len);
                written++;
                if (i % 97 == 0) {
                    w.flush();
                }
            }
        }
        byte[] all = bytes.toByteArray();
        List<Integer> boundaries = new ArrayList<>();
        int pos = 24;
        boundaries.add(pos);
        while (pos < all.length) {
            int caplen = (all[pos + 8] & 0xff) | (all[pos + 9] & 0xff) << 8 | (all[pos + 10] & 0xff) << 16
                    | (all[pos + 11] & 0xff) << 24;
            pos += 16 + caplen;
            boundaries.add(pos);
        }
        assertEquals(all.length, pos);
        assertEquals(written + 1, boundaries.size());
        assertTrue(ends.size() > 3, "the records went out in several writes: " + ends.size());
        for (int end : ends) {
            assertTrue(boundaries.contains(end), "a write ended inside a record, at byte " + end);
        }
    }
}
