package dev.tcpip.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;

/** Fuzzes the Ipv6 parser (see {@link WireFuzz}); plain test runs replay the stored inputs. */
class Ipv6FuzzTest {

    @FuzzTest(maxDuration = "10s")
    void ipv6(byte[] input) {
        WireFuzz.ipv6(input);
    }
}
