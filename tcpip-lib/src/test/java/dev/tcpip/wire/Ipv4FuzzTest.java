package dev.tcpip.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the Ipv4 parser (see {@link WireFuzz}); plain test runs replay the stored inputs. The input's
 * last byte is a control byte (bit 0: fix the checksum up first), the rest the packet.
 */
class Ipv4FuzzTest {

    @FuzzTest(maxDuration = "10s")
    void ipv4(byte[] input) {
        WireFuzz.ipv4(WireFuzz.body(input), (WireFuzz.control(input) & 1) != 0);
    }
}
