package dev.tcpip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.NeedsNetAdmin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tcpip bench gateway --quick}: every system that can run gives every figure, each positive. slirp4netns
 * and pasta must be there (CI installs them); {@code tcpip gateway} is asserted when this build has the command.
 */
@NeedsNetAdmin
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class GatewayBenchIT {
    private static final List<String> WORKS = List.of(
            "gateway guest->host MTU 1500", "gateway host->guest MTU 1500",
            "gateway guest->host MTU 65520", "gateway host->guest MTU 65520",
            "gateway 1-byte request/response", "gateway http");

    @TempDir
    Path dir;

    @Test
    void benchGatewayReportsEveryFigureOfEverySystem() throws Exception {
        List<String> missing = new ArrayList<>();
        for (String tool : List.of("slirp4netns", "pasta", "iperf3", "wrk")) {
            if (!GatewayBench.onPath(tool)) {
                missing.add(tool);
            }
        }
        if (!missing.isEmpty()) {
            String why = "missing " + missing + " (apt-get install slirp4netns passt iperf3 wrk)";
            if ("true".equals(System.getenv("CI"))) {
                throw new IllegalStateException("CI=true, so the gateway bench must run, but " + why);
            }
            Assumptions.abort("skipped: " + why);
        }
        Path json = dir.resolve("gateway.json");
        Cli.Result r = Cli.run(540, "bench", "gateway", "--quick", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, Double> figures = figures(Files.readString(json));
        List<String> systems = new ArrayList<>(List.of("slirp4netns", "pasta", "tcpip-gateway"));
        for (String system : systems) {
            for (String work : WORKS) {
                Double v = figures.get(work + " / " + system);
                assertTrue(v != null && v > 0, work + " by " + system + " is missing or not positive: " + v
                        + "\n" + r.out() + r.err());
            }
        }
        System.out.println("tcpip bench gateway --quick:\n" + r.out() + r.err());
    }

    /** "work / system" to value, from the bench's JSON array (one flat object per line). */
    static Map<String, Double> figures(String json) {
        Map<String, Double> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\\{\"work\": \"([^\"]*)\", \"system\": \"([^\"]*)\", \"value\": ([-0-9.eE]+)")
                .matcher(json);
        while (m.find()) {
            out.put(m.group(1) + " / " + m.group(2), Double.parseDouble(m.group(3)));
        }
        return out;
    }
}
