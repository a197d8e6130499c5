package dev.tcpip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The kernel's request/response reference: pinning a thread really narrows its CPUs, and the loop round-trips. */
class KernelRoundTripsTest {

    @Test
    void pinningNarrowsTheCallingThreadToOneCpuAndNoOther() throws Exception {
        List<Integer> allowed = KernelRoundTrips.allowedCpus();
        assertFalse(allowed.isEmpty());
        int cpu = allowed.getLast();
        CompletableFuture<List<Integer>> pinned = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                KernelRoundTrips.pin(cpu);
                pinned.complete(KernelRoundTrips.allowedCpus());
            } catch (Throwable t) {
                pinned.completeExceptionally(t);
            }
        });
        assertEquals(List.of(cpu), pinned.get(30, TimeUnit.SECONDS));
        assertEquals(allowed, KernelRoundTrips.allowedCpus(), "this thread is not pinned by another's call");
    }

    @Test
    void refusesACpuOutsideTheMask() {
        assertThrows(IllegalArgumentException.class, () -> KernelRoundTrips.pin(1 << 20));
        List<Integer> allowed;
        try {
            allowed = KernelRoundTrips.allowedCpus();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        // The mask's last CPU is, on any machine with fewer than 1,024, one the thread may not run on: EINVAL.
        if (!allowed.contains(1023)) {
            IOException e = assertThrows(IOException.class, () -> KernelRoundTrips.pin(1023));
            assertTrue(e.getMessage().startsWith("sched_setaffinity"), e.getMessage());
        }
    }

    @Test
    void roundTripsOnLoopbackWithBothEndsOnOneCpu() throws Exception {
        int cpu = KernelRoundTrips.allowedCpus().getFirst();
        double rate = KernelRoundTrips.loopback(500, cpu, cpu);
        assertTrue(rate > 0 && Double.isFinite(rate), "round trips per second: " + rate);
    }
}
