package dev.tcpip.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;

/** Fuzzes the Arp parser (see {@link WireFuzz}); plain test runs replay the stored inputs. */
class ArpFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void arp(byte[] input) {
        WireFuzz.arp(input);
    }
}
