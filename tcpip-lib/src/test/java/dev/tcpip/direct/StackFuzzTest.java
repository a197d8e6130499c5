package dev.tcpip.direct;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the whole direct stack through its receive path, with live TCP flows over IPv4 and IPv6 (see
 * {@link StackFuzz}); plain test runs replay the stored inputs.
 */
class StackFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void stack(FuzzedDataProvider data) throws Exception {
        try (StackFuzz fuzz = new StackFuzz()) {
            fuzz.run(data);
        }
    }
}
