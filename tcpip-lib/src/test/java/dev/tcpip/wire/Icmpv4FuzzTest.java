package dev.tcpip.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the Icmpv4 parser (see {@link WireFuzz}); plain test runs replay the stored inputs. The input's
 * last byte is a control byte (bit 0: fix the checksum up first), the rest the packet.
 */
class Icmpv4FuzzTest {

    @FuzzTest(maxDuration = "10s")
    void icmpv4(byte[] input) {
        WireFuzz.icmpv4(WireFuzz.body(input), (WireFuzz.control(input) & 1) != 0);
    }
}
