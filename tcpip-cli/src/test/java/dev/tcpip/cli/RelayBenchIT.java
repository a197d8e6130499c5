package dev.tcpip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.NeedsNetAdmin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tcpip bench relay --quick}: every figure of every system is there and sane (not timings): throughputs and
 * connect rates positive, the heap per idle connection positive and below 1 MiB (a figure above that would mean the
 * measurement caught something else than the connections).
 */
@NeedsNetAdmin
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class RelayBenchIT {
    @TempDir
    Path dir;

    @Test
    void benchRelayReportsEveryFigureOfEverySystem() throws Exception {
        List<String> missing = new ArrayList<>();
        for (String tool : List.of("iperf3", "microsocks")) {
            if (!GatewayBench.onPath(tool)) {
                missing.add(tool);
            }
        }
        if (!missing.isEmpty()) {
            String why = "missing " + missing + " (apt-get install iperf3 microsocks)";
            if ("true".equals(System.getenv("CI"))) {
                throw new IllegalStateException("CI=true, so the relay bench must run, but " + why);
            }
            Assumptions.abort("skipped: " + why);
        }
        Path json = dir.resolve("relay.json");
        Cli.Result r = Cli.run(540, "bench", "relay", "--quick", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, Double> figures = figures(Files.readString(json));
        String context = "\n" + r.out() + r.err();
        for (String system : List.of(RelayBench.KERNEL, RelayBench.RELAY, RelayBench.RELAY_SOCKS)) {
            for (int mtu : GatewayBench.MTUS) {
                for (String way : List.of("guest->far", "far->guest")) {
                    Double v = figures.get("relay " + way + " MTU " + mtu + " / " + system);
                    assertTrue(v != null && v > 0, way + " at MTU " + mtu + " by " + system + ": " + v + context);
                }
                // The receiver's ACKs per data frame guest->far (the guest device's frames in per frame out).
                Double acks = figures.get("relay guest->far MTU " + mtu + " ACKs / " + system);
                assertTrue(acks != null && acks > 0 && acks < 2, "ACKs per frame at MTU " + mtu + " by " + system
                        + ": " + acks + context);
            }
            Double c = figures.get("relay connects / " + system);
            assertTrue(c != null && c > 0, "connects by " + system + ": " + c + context);
        }
        Double heap = figures.get("relay heap per idle connection / " + RelayBench.RELAY);
        assertTrue(heap != null && heap > 0 && heap < 1024, "KiB per idle connection: " + heap + context);
        System.out.println("tcpip bench relay --quick:" + context);
    }

    private static Map<String, Double> figures(String json) {
        return GatewayBenchIT.figures(json);
    }
}
