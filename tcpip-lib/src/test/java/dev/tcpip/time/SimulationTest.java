package dev.tcpip.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.ClosedException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SimulationTest {
    private static final long HOUR = Duration.ofHours(1).toNanos();

    @Test
    void oneHourTimerFiresAfterMillisecondsOfRealTime() {
        try (Simulation sim = Simulation.withSeed(1)) {
            SimulatedLoop loop = sim.newLoop("a");
            long[] firedAt = {-1};
            loop.schedule(HOUR, () -> firedAt[0] = loop.now());
            long start = System.nanoTime();
            sim.runUntil(() -> firedAt[0] >= 0, Duration.ofHours(2));
            long realNanos = System.nanoTime() - start;
            assertEquals(HOUR, firedAt[0]);
            assertEquals(HOUR, sim.now());
            assertTrue(realNanos < Duration.ofSeconds(2).toNanos(), "took " + realNanos + " ns of real time");
        }
    }

    @Test
    void timersFireInDeadlineOrderAndEqualDeadlinesInSchedulingOrder() {
        try (Simulation sim = Simulation.withSeed(1)) {
            SimulatedLoop a = sim.newLoop("a"), b = sim.newLoop("b");
            List<String> trace = new ArrayList<>();
            a.schedule(30, () -> trace.add("a30@" + a.now()));
            b.schedule(10, () -> trace.add("b10@" + b.now()));
            a.schedule(10, () -> trace.add("a10@" + a.now()));
            Timer cancelled = b.schedule(20, () -> trace.add("never"));
            assertTrue(cancelled.cancel());
            assertTrue(!cancelled.cancel());
            sim.runFor(Duration.ofNanos(100));
            assertEquals(List.of("b10@10", "a10@10", "a30@30"), trace);
            assertEquals(100, sim.now());
        }
    }

    @Test
    void aRescheduledTimerOrdersAsIfScheduledAnew() {
        try (Simulation sim = Simulation.withSeed(1)) {
            SimulatedLoop a = sim.newLoop("a");
            List<String> trace = new ArrayList<>();
            Timer t = a.schedule(50, () -> trace.add("moved@" + a.now()));
            a.schedule(10, () -> trace.add("first@" + a.now()));
            Timer later = a.schedule(70, () -> trace.add("again@" + a.now()));
            assertTrue(a.reschedule(t, 10) == t);         // pending: moved in place, after "first" (same deadline)
            assertTrue(later.cancel());
            Timer replaced = a.reschedule(later, 20);     // not pending: as cancel and at, a new timer runs the task
            assertNotEquals(later, replaced);
            sim.runFor(Duration.ofNanos(100));
            assertEquals(List.of("first@10", "moved@10", "again@20"), trace);
        }
    }

    @Test
    void runForStopsExactlyAtTheBoundAndLeavesLaterTimers() {
        try (Simulation sim = Simulation.withSeed(1)) {
            SimulatedLoop a = sim.newLoop("a");
            AtomicBoolean fired = new AtomicBoolean();
            a.schedule(1_000, () -> fired.set(true));
            sim.runFor(Duration.ofNanos(999));
            assertEquals(999, sim.now());
            assertTrue(!fired.get());
            sim.runFor(Duration.ofNanos(1));
            assertTrue(fired.get());
        }
    }

    @Test
    void appThreadBlocksOnLoopFutureAndTimeAdvancesOnlyWhileItWaits() {
        try (Simulation sim = Simulation.withSeed(7)) {
            SimulatedLoop loop = sim.newLoop("stack");
            List<String> trace = new ArrayList<>();       // touched by one thread at a time: the turn
            loop.schedule(1, () -> trace.add("timer@" + loop.now()));
            LoopFuture<Void> app = sim.spawn("app", () -> {
                trace.add("app-start@" + loop.now());
                for (int i = 0; i < 2_000; i++) {          // runnable for a while: time must stand still
                    Thread.yield();
                    assertEquals(0, loop.now());
                }
                trace.add("app-spun@" + loop.now());
                // a command answered by the loop 10 s (virtual) later
                String answer = loop.<String>submit(f -> loop.scheduleAfter(10_000_000_000L,
                        () -> f.complete("pong@" + loop.now()))).await();
                trace.add(answer);
                trace.add("app-woke@" + loop.now());
            });
            sim.runUntil(app::isDone, Duration.ofMinutes(1));
            app.getNow();
            assertEquals(List.of("app-start@0", "app-spun@0", "timer@1", "pong@10000000000", "app-woke@10000000000"),
                    trace);
        }
    }

    @Test
    void drivingThreadAwaitRunsTheSimulation() throws Exception {
        try (Simulation sim = Simulation.withSeed(3)) {
            SimulatedLoop loop = sim.newLoop("stack");
            LoopFuture<Long> f = loop.submit(fut -> loop.scheduleAfter(HOUR, () -> fut.complete(loop.now())));
            assertEquals(HOUR, f.await());
            loop.sleep(Duration.ofSeconds(5));                 // sleep on the driver thread runs the sim too
            assertEquals(HOUR + 5_000_000_000L, sim.now());
        }
    }

    @Test
    void appThreadsJoinEachOtherAndSleepInVirtualTime() {
        try (Simulation sim = Simulation.withSeed(3)) {
            SimulatedLoop loop = sim.newLoop("stack");
            List<String> trace = new ArrayList<>();
            LoopFuture<Void> main = sim.spawn("main", () -> {
                LoopFuture<Void> child = loop.spawn("child", () -> {
                    loop.sleep(Duration.ofMillis(250));
                    trace.add("child@" + loop.now());
                });
                child.await();
                trace.add("main@" + loop.now());
            });
            sim.runUntil(main::isDone, Duration.ofSeconds(1));
            assertEquals(List.of("child@250000000", "main@250000000"), trace);
        }
    }

    @Test
    void sameSeedGivesTheSameTraceAndAnotherSeedAnotherOne() {
        List<String> first = randomScenario(99), again = randomScenario(99), other = randomScenario(100);
        assertEquals(first, again);
        assertNotEquals(first, other);
        assertTrue(first.size() > 50, "trace too short: " + first.size());
    }

    /** Three loops pinging each other with random delays, and two app threads: a trace of who ran when. */
    private static List<String> randomScenario(long seed) {
        List<String> trace = new ArrayList<>();
        try (Simulation sim = Simulation.withSeed(seed)) {
            List<SimulatedLoop> loops = List.of(sim.newLoop("l0"), sim.newLoop("l1"), sim.newLoop("l2"));
            RandomGenerator rnd = sim.random("scenario");
            for (int i = 0; i < 30; i++) {
                SimulatedLoop l = loops.get(rnd.nextInt(3));
                int id = i;
                l.scheduleAfter(rnd.nextLong(1_000_000), () -> {
                    trace.add(l.name() + ":t" + id + "@" + l.now());
                    loops.get(id % 3).execute(() -> trace.add("post" + id + "@" + l.now()));
                });
            }
            List<LoopFuture<Void>> apps = new ArrayList<>();
            for (int k = 0; k < 2; k++) {
                SimulatedLoop l = loops.get(k);
                RandomGenerator appRnd = sim.random("app" + k);
                apps.add(sim.spawn("app" + k, () -> {
                    for (int j = 0; j < 10; j++) {
                        long d = appRnd.nextLong(500_000);
                        long woke = l.<Long>submit(f -> l.scheduleAfter(d, () -> f.complete(l.now()))).await();
                        trace.add(l.name() + ":app woke " + woke);
                    }
                }));
            }
            sim.runUntil(() -> apps.stream().allMatch(LoopFuture::isDone), Duration.ofSeconds(10));
            sim.runFor(Duration.ofSeconds(1));
        }
        return trace;
    }

    @Test
    void awaitInsideALoopTaskFailsTheRun() {
        try (Simulation sim = Simulation.withSeed(5)) {
            SimulatedLoop loop = sim.newLoop("stack");
            LoopFuture<Void> never = loop.newFuture();
            loop.execute(() -> {
                try {
                    never.await();
                } catch (java.io.IOException e) {
                    throw new AssertionError(e);
                }
            });
            SimulationException e = assertThrows(SimulationException.class,
                    () -> sim.runUntil(never::isDone, Duration.ofSeconds(1)));
            assertEquals(SimulationException.Reason.TASK_FAILED, e.reason());
            assertInstanceOf(IllegalStateException.class, e.getCause());
        }
    }

    @Test
    void idleRunThrowsWithTheSeedInTheMessage() {
        try (Simulation sim = Simulation.withSeed(0x5eed)) {
            SimulationException e = assertThrows(SimulationException.class,
                    () -> sim.runUntil(() -> false, Duration.ofSeconds(1)));
            assertEquals(SimulationException.Reason.IDLE, e.reason());
            assertEquals(0x5eed, e.seed());
            assertTrue(e.getMessage().contains("-Dtcpip.seed=" + 0x5eed), e.getMessage());
        }
    }

    @Test
    void timeAndStepLimitsAreEnforced() {
        try (Simulation sim = new Simulation(SimulationConfig.withSeed(1).maxStepsPerRun(1_000))) {
            SimulatedLoop loop = sim.newLoop("spin");
            loop.scheduleAfter(HOUR, () -> {});
            SimulationException time = assertThrows(SimulationException.class,
                    () -> sim.runUntil(() -> false, Duration.ofMinutes(1)));
            assertEquals(SimulationException.Reason.TIME_LIMIT, time.reason());
            Runnable[] again = new Runnable[1];
            again[0] = () -> loop.execute(again[0]);
            loop.execute(again[0]);
            SimulationException steps = assertThrows(SimulationException.class,
                    () -> sim.runUntil(() -> false, Duration.ofMinutes(1)));
            assertEquals(SimulationException.Reason.STEP_LIMIT, steps.reason());
        }
    }

    @Test
    void anAppThreadThatThrowsFailsTheRun() {
        try (Simulation sim = Simulation.withSeed(1)) {
            LoopFuture<Void> app = sim.spawn("bad", () -> {
                throw new IllegalArgumentException("boom");
            });
            SimulationException e = assertThrows(SimulationException.class,
                    () -> sim.runUntil(() -> false, Duration.ofSeconds(1)));
            assertEquals(SimulationException.Reason.APP_FAILED, e.reason());
            assertInstanceOf(IllegalArgumentException.class, app.failure());
        }
    }

    @Test
    void anAppThreadBlockedOutsideTheStackIsReportedAsStuck() {
        CountDownLatch never = new CountDownLatch(1);
        Simulation sim = new Simulation(SimulationConfig.withSeed(1).appSliceTimeout(Duration.ofMillis(200)));
        sim.spawn("stuck", never::await);
        SimulationException e = assertThrows(SimulationException.class,
                () -> sim.runUntil(() -> false, Duration.ofSeconds(1)));
        assertEquals(SimulationException.Reason.APP_STUCK, e.reason());
        assertTrue(e.getMessage().contains("stuck"), e.getMessage());
        sim.close();                                             // interrupts it, so it ends
    }

    @Test
    void closeReleasesBlockedAppThreadsAndFailsPendingCommands() throws Exception {
        Simulation sim = Simulation.withSeed(1);
        SimulatedLoop loop = sim.newLoop("stack");
        LoopFuture<Void> app = sim.spawn("reader", () -> loop.<Void>submit(f -> {}).await());
        sim.runFor(Duration.ofSeconds(1));
        assertTrue(!app.isDone());
        LoopFuture<Void> pending = loop.submit(f -> f.complete(null));   // queued, never run
        sim.close();
        assertInstanceOf(InterruptedIOException.class, app.failure());
        assertInstanceOf(ClosedException.class, pending.failure());
        assertInstanceOf(ClosedException.class, loop.<Void>submit(f -> f.complete(null)).failure());
    }

    @Test
    void awaitFromAnUnknownThreadIsRefused() throws Exception {
        try (Simulation sim = Simulation.withSeed(1)) {
            SimulatedLoop loop = sim.newLoop("stack");
            LoopFuture<Void> f = loop.newFuture();
            // the driver is busy running an app thread that starts a plain thread which awaits
            Throwable[] seen = new Throwable[1];
            LoopFuture<Void> app = sim.spawn("app", () -> {
                Thread t = Thread.ofPlatform().start(() -> {
                    try {
                        f.await();
                    } catch (Throwable e) {
                        seen[0] = e;
                    }
                });
                t.join();
            });
            sim.runUntil(app::isDone, Duration.ofSeconds(1));
            assertInstanceOf(IllegalStateException.class, seen[0]);
        }
    }
}
