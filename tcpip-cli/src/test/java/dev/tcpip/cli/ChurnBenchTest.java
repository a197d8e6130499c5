package dev.tcpip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@code bench churn} runs with few connections and reports every system's figure, sane (not timed). */
class ChurnBenchTest {

    @Test
    void reportsARatePerSystemBesideTheKernel() throws Exception {
        List<Figure> figures = ChurnBench.run(60, 3, 1);
        Map<String, Figure> bySystem = figures.stream().collect(Collectors.toMap(Figure::system, f -> f));
        assertEquals(List.of("direct-memory", "socket-loopback", "nio-loopback", "ratio", "clients", "connections"),
                figures.stream().map(Figure::system).toList());
        for (Figure f : figures) {
            assertEquals(ChurnBench.WORK, f.work(), f.toString());
            assertTrue(Double.isFinite(f.value()) && f.value() > 0, f.toString());
        }
        for (String s : List.of("direct-memory", "socket-loopback", "nio-loopback")) {
            assertEquals(ChurnBench.UNIT, bySystem.get(s).unit());
        }
        assertEquals(bySystem.get("direct-memory").value() / bySystem.get("nio-loopback").value(),
                bySystem.get("ratio").value(), 1e-9);
        assertEquals(3, bySystem.get("clients").value());
        assertEquals(60, bySystem.get("connections").value());
    }
}
