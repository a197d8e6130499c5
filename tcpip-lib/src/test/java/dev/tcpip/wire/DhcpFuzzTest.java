package dev.tcpip.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;

/** Fuzzes the DHCPv4 parser (see {@link WireFuzz}); plain test runs replay the stored inputs. The input is the UDP payload. */
class DhcpFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void dhcp(byte[] input) {
        WireFuzz.dhcp(input);
    }
}
