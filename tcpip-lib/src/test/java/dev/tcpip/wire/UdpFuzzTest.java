package dev.tcpip.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the Udp parser (see {@link WireFuzz}); plain test runs replay the stored inputs. The input's
 * last byte is a control byte (bit 0: fix the checksum up first; bit 1: over IPv6), the rest the packet.
 */
class UdpFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void udp(byte[] input) {
        WireFuzz.udp(WireFuzz.body(input), (WireFuzz.control(input) & 1) != 0, (WireFuzz.control(input) & 2) != 0);
    }
}
