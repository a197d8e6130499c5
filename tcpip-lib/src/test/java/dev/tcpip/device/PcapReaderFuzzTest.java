package dev.tcpip.device;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/** Fuzzes the pcap reader: only {@link PcapFormatException} may come out of a garbled file. */
class PcapReaderFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void pcapReader(byte[] file) throws IOException {
        try (PcapReader r = new PcapReader(new ByteArrayInputStream(file))) {
            // Each record consumes at least its 16-byte header, so this ends within file.length / 16 steps.
            for (int i = 0; i <= file.length / 16; i++) {
                PcapReader.Record rec = r.next();
                if (rec == null) {
                    return;
                }
                if (rec.data().length > r.snaplen()) {
                    throw new AssertionError("record longer than the snap length");
                }
            }
            throw new AssertionError("more records than the file can hold");
        } catch (PcapFormatException expected) {
            // rejected: fine
        }
    }
}
