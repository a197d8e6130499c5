package dev.tcpip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The names {@code tcpip bench} takes: aliases resolve to their workload, each run once, in the order given. */
class BenchWorkloadsTest {

    @Test
    void connectCloseIsTheChurnWorkload() {
        assertEquals(List.of("churn"), Bench.workloads(List.of("connect-close")));
        assertEquals(List.of("tap", "churn"), Bench.workloads(List.of("tap", "connect-close", "churn")));
    }

    @Test
    void noNameMeansEveryWorkloadOnceAndUnknownNamesPassThroughToBeRefused() {
        assertEquals(List.copyOf(Bench.WORKLOADS.keySet()), Bench.workloads(List.of()));
        assertEquals(List.of("nope"), Bench.workloads(List.of("nope")));
    }
}
