package dev.tcpip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The parts of {@code bench gateway} that need no root: reading iperf3's JSON. */
class GatewayBenchTest {

    @Test
    void readsTheReceiversRateNotTheSendersOrAnInterval() throws IOException {
        String json = """
                {"intervals": [{"sum": {"start": 0, "end": 1, "bits_per_second": 1.0e9}}],
                 "end": {
                  "sum_sent": {"start": 0, "end": 2.0, "seconds": 2.0, "bytes": 200, "bits_per_second": 3.5e9,
                               "retransmits": 4, "sender": true},
                  "sum_received": {"start": 0, "end": 2.01, "seconds": 2.01, "bytes": 190,
                                   "bits_per_second": 2.75E9, "sender": true}
                 }}""";
        assertEquals(2.75e9, GatewayBench.iperfBitsPerSecond(json));
    }

    @Test
    void anErrorReportIsAnException() {
        String json = "{\"start\": {}, \"intervals\": [], \"end\": {}, \"error\": \"unable to connect to server\"}";
        IOException e = assertThrows(IOException.class, () -> GatewayBench.iperfBitsPerSecond(json));
        assertEquals(true, e.getMessage().contains("unable to connect"), e.getMessage());
    }
}
