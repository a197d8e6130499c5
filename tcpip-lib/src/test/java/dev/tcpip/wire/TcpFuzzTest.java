package dev.tcpip.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the Tcp parser (see {@link WireFuzz}); plain test runs replay the stored inputs. The input's
 * last byte is a control byte (bit 0: fix the checksum up first), the rest the packet.
 */
class TcpFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void tcp(byte[] input) {
        WireFuzz.tcp(WireFuzz.body(input), (WireFuzz.control(input) & 1) != 0);
    }
}
