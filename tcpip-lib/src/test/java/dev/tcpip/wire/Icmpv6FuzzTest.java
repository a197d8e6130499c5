package dev.tcpip.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the Icmpv6 parser (see {@link WireFuzz}); plain test runs replay the stored inputs. The input's
 * last byte is a control byte (bit 0: fix the checksum up first), the rest the packet.
 */
class Icmpv6FuzzTest {

    @FuzzTest(maxDuration = "10s")
    void icmpv6(byte[] input) {
        WireFuzz.icmpv6(WireFuzz.body(input), (WireFuzz.control(input) & 1) != 0);
    }
}
