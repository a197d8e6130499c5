package dev.tcpip.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;

/** Fuzzes the Ethernet parser (see {@link WireFuzz}); plain test runs replay the stored inputs. */
class EthernetFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void ethernet(byte[] input) {
        WireFuzz.ethernet(input);
    }
}
