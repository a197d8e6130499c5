package dev.tcpip.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.ClosedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RealTimeLoopTest {
    private static final long MS = 1_000_000L;

    @Test
    void timersFireInDeadlineOrderNotSchedulingOrder() throws Exception {
        try (RealTimeLoop loop = RealTimeLoop.start("timers")) {
            List<Integer> order = new ArrayList<>();        // loop thread only
            // before the command reads the loop's now: read after submit, a caller preempted for over 1 ms (seen at
            // load 18) made the timers look early
            long start = System.nanoTime();
            LoopFuture<List<Integer>> done = loop.submit(f -> {
                long now = loop.now();
                loop.schedule(now + 30 * MS, () -> {
                    order.add(30);
                    f.complete(List.copyOf(order));
                });
                loop.schedule(now + 10 * MS, () -> order.add(10));
                loop.schedule(now + 20 * MS, () -> order.add(20));
                loop.schedule(now + 20 * MS, () -> order.add(21));   // same deadline: scheduling order
            });
            assertEquals(List.of(10, 20, 21, 30), done.await());
            assertTrue(System.nanoTime() - start >= 30 * MS - MS, "fired early");
        }
    }

    @Test
    void everyThreadAwaitingOneFutureReturnsWhenItCompletes() throws Exception {
        try (RealTimeLoop loop = RealTimeLoop.start("waiters")) {
            LoopFuture<String> future = loop.newFuture();
            List<AtomicReference<Object>> got = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 3; i++) {             // the first parks, the others wait on the monitor
                AtomicReference<Object> r = new AtomicReference<>();
                got.add(r);
                Thread.Builder b = i == 1 ? Thread.ofPlatform() : Thread.ofVirtual();
                threads.add(b.start(() -> {
                    try {
                        r.set(future.await());
                    } catch (Exception e) {
                        r.set(e);
                    }
                }));
            }
            for (Thread t : threads) {                 // all blocked before the loop completes the future
                long deadline = System.nanoTime() + 10_000 * MS;
                while (t.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertEquals(Thread.State.WAITING, t.getState());
            }
            loop.execute(() -> future.complete("done"));
            for (Thread t : threads) {
                assertTrue(t.join(Duration.ofSeconds(10)));
            }
            for (AtomicReference<Object> r : got) {
                assertEquals("done", r.get());
            }
        }
    }

    @Test
    void anInterruptedAwaitThrowsAndKeepsTheInterruptStatus() throws Exception {
        try (RealTimeLoop loop = RealTimeLoop.start("interrupt")) {
            LoopFuture<String> future = loop.newFuture();
            AtomicReference<Object> r = new AtomicReference<>();
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    r.set(future.await());
                } catch (Exception e) {
                    r.set(e);
                }
                if (!Thread.currentThread().isInterrupted()) {
                    r.set("interrupt status lost");
                }
            });
            long deadline = System.nanoTime() + 10_000 * MS;
            while (t.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            t.interrupt();
            assertTrue(t.join(Duration.ofSeconds(10)));
            assertInstanceOf(java.io.InterruptedIOException.class, r.get());
            assertFalse(future.isDone());
        }
    }

    @Test
    void cancelledTimersDoNotRunAndLeaveTheQueue() throws Exception {
        try (RealTimeLoop loop = RealTimeLoop.start("cancel")) {
            List<String> ran = new ArrayList<>();
            LoopFuture<Void> done = loop.submit(f -> {
                Timer t = loop.scheduleAfter(5 * MS, () -> ran.add("cancelled"));
                assertTrue(t.cancel());
                loop.scheduleAfter(10 * MS, () -> f.complete(null));
            });
            done.await();
            assertEquals(List.of(), ran);
            // off-loop cancellation of far timers: they leave the heap at once, not in an hour
            List<Timer> far = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                far.add(loop.scheduleAfter(Duration.ofHours(1).toNanos(), () -> ran.add("far")));
            }
            far.forEach(Timer::cancel);
            assertEquals(0, loop.<Integer>submit(f -> f.complete(pendingTimers(loop))).await());
            assertTrue(far.stream().noneMatch(Timer::isPending));
        }
    }

    @Test
    void aTimerRescheduledOnTheLoopMovesInPlaceAndFiresOnceAtItsNewDeadline() throws Exception {
        try (RealTimeLoop loop = RealTimeLoop.start("move")) {
            List<String> ran = new ArrayList<>();           // loop thread only
            LoopFuture<Timer[]> moved = loop.submit(f -> {
                long now = loop.now();
                Timer t = loop.at(now + Duration.ofHours(1).toNanos(), at -> ran.add("moved"));
                loop.at(now + 20 * MS, at -> ran.add("second"));
                Timer same = loop.reschedule(t, now + 10 * MS);  // earlier: ahead of "second"
                f.complete(new Timer[] {t, same});
            });
            Timer[] timers = moved.await();
            assertTrue(timers[0] == timers[1], "moved in place, not replaced");
            // off the loop the timer is replaced (as cancel and at), and the old handle is cancelled
            Timer far = loop.scheduleAfter(Duration.ofHours(1).toNanos(), () -> ran.add("far"));
            Timer replaced = loop.reschedule(far, loop.now() + 30 * MS);
            assertTrue(replaced != far && !far.isPending() && replaced.isPending());
            loop.reschedule(replaced, loop.now() + Duration.ofHours(2).toNanos());
            loop.<Void>submit(f -> loop.at(loop.now() + 60 * MS, at -> f.complete(null))).await();
            List<String> order = loop.<List<String>>submit(f -> f.complete(List.copyOf(ran))).await();
            assertEquals(List.of("moved", "second"), order);
            assertEquals(1, loop.<Integer>submit(f -> f.complete(pendingTimers(loop))).await());
        }
    }

    private static int pendingTimers(RealTimeLoop loop) {
        try {
            var field = RealTimeLoop.class.getDeclaredField("timers");
            field.setAccessible(true);
            return ((TimerQueue) field.get(loop)).size();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void tasksFromManyThreadsRunInOrderPerThreadOnTheLoopThread() throws Exception {
        try (RealTimeLoop loop = RealTimeLoop.start("many")) {
            int threads = 4, perThread = 10_000;
            long[] last = new long[threads];
            int[] count = {0};
            AtomicReference<String> error = new AtomicReference<>();
            LoopFuture<Void> all = loop.newFuture();
            List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < threads; p++) {
                int id = p;
                producers.add(Thread.ofVirtual().start(() -> {
                    for (int i = 1; i <= perThread; i++) {
                        int n = i;
                        loop.execute(() -> {
                            if (!loop.inLoop() || last[id] != n - 1) {
                                error.compareAndSet(null, "thread " + id + " task " + n + " after " + last[id]);
                            }
                            last[id] = n;
                            if (++count[0] == threads * perThread) {
                                all.complete(null);
                            }
                        });
                    }
                }));
            }
            for (Thread t : producers) {
                t.join();
            }
            all.await();
            assertEquals(null, error.get());
        }
    }

    @Test
    void appThreadsBlockOnLoopFuturesAndAwaitOnTheLoopIsRefused() throws Exception {
        try (RealTimeLoop loop = RealTimeLoop.start("app")) {
            LoopFuture<Void> app = loop.spawn("client", () -> {
                String s = loop.<String>submit(f -> loop.scheduleAfter(5 * MS, () -> f.complete("late"))).await();
                assertEquals("late", s);
                loop.sleep(Duration.ofMillis(1));
            });
            app.await();
            LoopFuture<Throwable> onLoop = loop.submit(f -> {
                try {
                    loop.newFuture().await();
                    f.complete(null);
                } catch (Throwable t) {
                    f.complete(t);
                }
            });
            assertInstanceOf(IllegalStateException.class, onLoop.await());
        }
    }

    @Test
    void aFailingTaskIsReportedAndTheLoopGoesOn() throws Exception {
        List<Throwable> failures = new ArrayList<>();
        LoopConfig config = LoopConfig.DEFAULTS.withOnTaskFailure(failures::add);   // called on the loop thread
        try (RealTimeLoop loop = RealTimeLoop.start("fail", config)) {
            loop.execute(() -> {
                throw new IllegalStateException("boom");
            });
            assertEquals(1, loop.<Integer>submit(f -> f.complete(failures.size())).await());
            LoopFuture<Void> thrown = loop.submit(f -> {
                throw new IllegalArgumentException("in command");
            });
            assertThrows(IllegalArgumentException.class, thrown::await);
        }
    }

    @Test
    void aFailureHandlerThrowingOnTheLoopThreadLeavesTheLoopRunning() throws Exception {
        List<Throwable> seen = Collections.synchronizedList(new ArrayList<>());
        LoopConfig config = LoopConfig.DEFAULTS.withOnTaskFailure(t -> {
            seen.add(t);
            throw new IllegalStateException("handler");
        });
        try (RealTimeLoop loop = loopWithInline("handler-throws-on-loop", "false", config)) {
            loop.execute(() -> {
                throw new IllegalArgumentException("task");
            });
            loop.scheduleAfter(0, () -> {
                throw new IllegalArgumentException("timer");
            });
            LoopFuture<Integer> timerRan = loop.newFuture();
            loop.scheduleAfter(TimeUnit.MILLISECONDS.toNanos(1), () -> timerRan.complete(seen.size()));
            assertEquals(2, timerRan.await(), "both failures reached the handler and a later timer still fired");
            assertEquals(7, loop.<Integer>submit(f -> f.complete(7)).await(), "the loop still takes commands");
        }
    }

    @Test
    void closeStopsTheThreadAndFailsQueuedCommands() throws Exception {
        RealTimeLoop loop = RealTimeLoop.start("closing");
        LoopFuture<Void> blocker = loop.newFuture();
        // park the loop inside a task until a command is queued behind it, then close from the task
        loop.execute(() -> {
            while (!blocker.isDone()) {
                Thread.onSpinWait();
            }
            loop.close();
        });
        LoopFuture<Void> queued = loop.submit(f -> f.complete(null));
        blocker.complete(null);
        assertThrows(ClosedException.class, queued::await);
        loop.close();                                        // joins the thread; idempotent
        assertFalse(loop.isAlive());
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("tcpip-loop-closing")));
        assertInstanceOf(ClosedException.class, loop.<Void>submit(f -> f.complete(null)).failure());
    }

    /**
     * Submits from this thread until a command runs inline (the loop parked with nothing queued), at most 10 s: the
     * loop parks soon after it empties its queue, and nothing else here gives it work. Returns that command's thread.
     */
    private static Thread submitUntilInline(RealTimeLoop loop, Runnable inside) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            Thread ran = loop.<Thread>submit(f -> {
                if (Thread.currentThread() != loopThread(loop)) {
                    inside.run();
                }
                f.complete(Thread.currentThread());
            }).await();
            if (ran == Thread.currentThread()) {
                return ran;
            }
        }
        throw new AssertionError("no command ran inline within 10 s");
    }

    /** A loop started with inline runs on (the default; set here so that a run with the switch off still tests them). */
    private static RealTimeLoop inlineLoop(String name) {
        return loopWithInline(name, "true");
    }

    /** A loop started with {@value RealTimeLoop#INLINE_PROPERTY} set to {@code value}. */
    private static RealTimeLoop loopWithInline(String name, String value) {
        return loopWithInline(name, value, LoopConfig.DEFAULTS);
    }

    private static RealTimeLoop loopWithInline(String name, String value, LoopConfig config) {
        String was = System.getProperty(RealTimeLoop.INLINE_PROPERTY);
        System.setProperty(RealTimeLoop.INLINE_PROPERTY, value);
        try {
            return RealTimeLoop.start(name, config);
        } finally {
            if (was == null) {
                System.clearProperty(RealTimeLoop.INLINE_PROPERTY);
            } else {
                System.setProperty(RealTimeLoop.INLINE_PROPERTY, was);
            }
        }
    }

    private static Thread loopThread(RealTimeLoop loop) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("tcpip-loop-" + loop.name())).findFirst().orElseThrow();
    }

    @Test
    void aCommandSubmittedToAParkedLoopRunsOnTheCallerHoldingTheTurn() throws Exception {
        try (RealTimeLoop loop = inlineLoop("inline")) {
            AtomicReference<Boolean> inLoop = new AtomicReference<>();
            submitUntilInline(loop, () -> inLoop.set(loop.inLoop()));
            assertEquals(Boolean.TRUE, inLoop.get(), "the caller owns the loop while it runs the command");
            assertFalse(loop.inLoop(), "and gives the turn back");
            // a task handed over with runOrExecute runs here too once the loop is parked again
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            AtomicReference<Thread> ran = new AtomicReference<>();
            while (ran.get() != Thread.currentThread() && System.nanoTime() < deadline) {
                LoopFuture<Void> done = loop.newFuture();
                loop.runOrExecute(() -> {
                    ran.set(Thread.currentThread());
                    done.complete(null);
                });
                done.await();
            }
            assertEquals(Thread.currentThread(), ran.get());
        }
    }

    @Test
    void withTheSwitchOffEveryCommandAndBatchRunsOnTheLoopThread() throws Exception {
        try (RealTimeLoop loop = loopWithInline("not-inline", "false")) {
            Thread loopThread = loopThread(loop);
            for (int i = 0; i < 200; i++) {
                assertEquals(loopThread, loop.<Thread>submit(f -> f.complete(Thread.currentThread())).await());
                LoopFuture<Thread> ran = loop.newFuture();
                loop.runOrExecute(() -> ran.complete(Thread.currentThread()));
                assertEquals(loopThread, ran.await());
            }
        }
    }

    @Test
    void aTimerArmedInlineWakesTheParkedLoopInTime() throws Exception {
        try (RealTimeLoop loop = inlineLoop("inline-timer")) {
            LoopFuture<Thread> fired = loop.newFuture();
            // the loop parks with no timer at all: only the unpark after the inline run makes it see this one
            submitUntilInline(loop, () -> loop.scheduleAfter(5 * MS, () -> fired.complete(Thread.currentThread())));
            assertEquals(loopThread(loop), fired.await(), "the loop thread ran the timer");
        }
    }

    @Test
    void aCommandSubmittedInsideAnInlineRunQueuesAsOnTheLoopThread() throws Exception {
        try (RealTimeLoop loop = inlineLoop("nested")) {
            List<String> order = new ArrayList<>();              // whoever holds the turn
            AtomicReference<LoopFuture<Void>> nested = new AtomicReference<>();
            submitUntilInline(loop, () -> {
                nested.set(loop.submit(f -> {
                    order.add("nested");
                    f.complete(null);
                }));
                order.add("outer");
            });
            nested.get().await();
            assertEquals(List.of("outer", "nested"), loop.<List<String>>submit(f -> f.complete(List.copyOf(order)))
                    .await());
        }
    }

    /**
     * A task another thread queues while a caller holds the parked loop's turn runs on that caller before it lets go
     * (the loop thread is not woken for it). Retried up to 10 s: the loop may have just woken (a stale unpark), and
     * then the task is rightly left to it.
     */
    @Test
    void aTaskQueuedDuringAnInlineRunRunsOnThatCallerBeforeItLetsGo() throws Exception {
        try (RealTimeLoop loop = inlineLoop("queued-inline")) {
            Thread self = Thread.currentThread();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            Thread ran = null;
            while (ran != self && System.nanoTime() < deadline) {
                LoopFuture<Thread> queued = loop.newFuture();
                submitUntilInline(loop, () -> {
                    Thread other = Thread.ofPlatform().start(() -> loop.execute(() -> {
                        if (loop.inLoop()) {
                            queued.complete(Thread.currentThread());
                        } else {
                            queued.fail(new AssertionError("a queued task ran without the turn"));
                        }
                    }));
                    try {
                        other.join();
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    assertFalse(queued.isDone(), "queued behind the caller's command");
                });
                ran = queued.await();
            }
            assertEquals(self, ran);
        }
    }

    /**
     * Plain executes from two threads race callers running inline from two others: each executed task must run (a
     * lost wake-up, a task queued while the caller lets go without seeing it and the loop parked for good, hangs its
     * thread here until the class timeout), and each thread's tasks in order.
     */
    @Test
    void tasksQueuedWhileCallersRunInlineAreNeverLeftBehind() throws Exception {
        try (RealTimeLoop loop = inlineLoop("no-lost-wakeup")) {
            int each = 20_000;
            List<Thread> workers = new ArrayList<>();
            AtomicReference<Throwable> error = new AtomicReference<>();
            for (int t = 0; t < 4; t++) {
                boolean executes = t % 2 == 0;
                int[] last = {-1};
                workers.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < each; i++) {
                            int n = i;
                            if (executes) {
                                LoopFuture<Void> done = loop.newFuture();
                                loop.execute(() -> {
                                    if (last[0] != n - 1) {
                                        done.fail(new AssertionError("task " + n + " after " + last[0]));
                                    }
                                    last[0] = n;
                                    done.complete(null);
                                });
                                done.await();
                            } else {
                                loop.<Void>submit(f -> f.complete(null)).await();
                            }
                        }
                    } catch (Throwable e) {
                        error.set(e);
                    }
                }));
            }
            for (Thread w : workers) {
                w.join();
            }
            assertEquals(null, error.get());
        }
    }

    @Test
    void inlineRunsAndTheLoopThreadNeverOwnTheStateAtOnce() throws Exception {
        try (RealTimeLoop loop = inlineLoop("owners")) {
            int[] counter = {0};                                  // no lock of its own: the turn guards it
            int threads = 4;
            int each = 20_000;
            List<Thread> workers = new ArrayList<>();
            AtomicReference<Throwable> error = new AtomicReference<>();
            for (int t = 0; t < threads; t++) {
                boolean submits = t % 2 == 0;
                workers.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < each; i++) {
                            if (submits) {
                                loop.<Void>submit(f -> {
                                    counter[0]++;
                                    f.complete(null);
                                }).await();
                            } else {
                                loop.runOrExecute(() -> counter[0]++);
                            }
                        }
                    } catch (Throwable e) {
                        error.set(e);
                    }
                }));
            }
            for (Thread w : workers) {
                w.join();
            }
            assertEquals(null, error.get());
            assertEquals(threads * each, loop.<Integer>submit(f -> f.complete(counter[0])).await());
        }
    }

    /**
     * Inline submits, inline batches and the loop thread's timers at once, with the loop parked on a far timer so that a
     * missed wake-up shows as a timer an hour late: the time each owner of the turn is handed never goes back (a timer
     * or command must not see an older {@code now} than one an earlier owner acted on), no timer fires before its
     * deadline or after being cancelled, each thread's commands run in the order it submitted them, and every timer
     * armed inline fires within seconds.
     */
    @Test
    void inlineRunsAndTimersKeepTimeMonotonicAndFireEveryTimerOnTime() throws Exception {
        try (RealTimeLoop loop = inlineLoop("stress")) {
            long[] lastNow = {Long.MIN_VALUE};                  // the turn guards these
            List<String> violations = new ArrayList<>();
            int[] fired = {0};
            int[] armed = {0};
            long[] latest = {0};
            int[] inline = {0};
            Thread loopThread = loopThread(loop);
            loop.<Void>submit(f -> {
                loop.schedule(loop.now() + TimeUnit.HOURS.toNanos(1), () -> violations.add("the anchor fired"));
                f.complete(null);
            }).await();
            int threads = 4;
            int each = 5_000;
            List<Thread> workers = new ArrayList<>();
            AtomicReference<Throwable> error = new AtomicReference<>();
            for (int w = 0; w < threads; w++) {
                int id = w;
                workers.add(Thread.ofPlatform().start(() -> {
                    java.util.SplittableRandom random = new java.util.SplittableRandom(id);
                    int[] lastSeq = {-1};
                    try {
                        for (int i = 0; i < each; i++) {
                            int seq = i;
                            EventLoop.Command<Void> command = (now, f) -> {
                                if (now < lastNow[0]) {
                                    violations.add("command saw " + now + " after " + lastNow[0]);
                                }
                                lastNow[0] = Math.max(lastNow[0], now);
                                if (seq != lastSeq[0] + 1) {
                                    violations.add("thread " + id + " ran " + seq + " after " + lastSeq[0]);
                                }
                                lastSeq[0] = seq;
                                if (Thread.currentThread() != loopThread) {
                                    inline[0]++;
                                }
                                if (random.nextInt(4) == 0) {
                                    long deadline = now + random.nextLong(2 * MS);
                                    armed[0]++;
                                    latest[0] = Math.max(latest[0], deadline);
                                    Timer t = loop.at(deadline, at -> {
                                        fired[0]++;
                                        if (at < deadline || loop.now() < deadline) {
                                            violations.add("timer for " + deadline + " fired at " + at);
                                        }
                                        if (at < lastNow[0]) {
                                            violations.add("timer saw " + at + " after " + lastNow[0]);
                                        }
                                        lastNow[0] = Math.max(lastNow[0], at);
                                    });
                                    if (random.nextInt(8) == 0 && t.cancel()) {
                                        armed[0]--;
                                    }
                                }
                                f.complete(null);
                            };
                            if (id % 2 == 0) {
                                loop.submit(command).await();
                            } else {
                                LoopFuture<Void> done = loop.newFuture();
                                loop.runOrExecute(() -> command.run(loop.now(), done));
                                done.await();
                            }
                        }
                    } catch (Throwable e) {
                        error.set(e);
                    }
                }));
            }
            for (Thread w : workers) {
                w.join();
            }
            assertEquals(null, error.get());
            // the last timers fire on the loop: it completes this once every timer armed has fired (@Timeout bounds it)
            LoopFuture<Integer> allFired = loop.<Integer>submit(f -> {
                if (fired[0] == armed[0]) {
                    f.complete(fired[0]);
                } else {
                    loop.schedule(latest[0], () -> f.complete(fired[0]));
                }
            });
            long start = System.nanoTime();
            int count = allFired.await();
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "the last timers fired late");
            assertEquals(loop.<Integer>submit(f -> f.complete(armed[0])).await(), count,
                    "every timer armed and not cancelled fired");
            assertTrue(count > threads * each / 8, "timers were armed: " + count);
            assertTrue(loop.<Integer>submit(f -> f.complete(inline[0])).await() > 0, "callers ran inline");
            assertEquals(List.of(), loop.<List<String>>submit(f -> f.complete(List.copyOf(violations))).await());
        }
    }

    /**
     * An interrupted caller that runs inline: its command sees the status the loop thread would (none), and the caller
     * gets its own back. Else a command or queued task writing to an interruptible channel closes it.
     */
    @Test
    void aCommandRunInlineDoesNotSeeTheCallersInterruptAndTheCallerKeepsIt() throws Exception {
        try (RealTimeLoop loop = inlineLoop("interrupted-caller")) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            int inline = 0;
            for (int attempt = 0; inline < 5 && System.nanoTime() < deadline; attempt++) {
                submitUntilInline(loop, () -> { });          // the loop parked just now
                AtomicReference<Thread> ranOn = new AtomicReference<>();
                Thread.currentThread().interrupt();
                LoopFuture<Boolean> sawInterrupt = loop.submit(f -> {
                    ranOn.set(Thread.currentThread());
                    f.complete(Thread.currentThread().isInterrupted());
                });
                assertTrue(Thread.interrupted(), "the caller keeps its interrupt status (attempt " + attempt + ")");
                assertFalse(sawInterrupt.await(), "the command ran without the caller's interrupt");
                if (ranOn.get() == Thread.currentThread()) {
                    inline++;
                }
            }
            assertEquals(5, inline, "interrupted callers ran inline");
        }
    }

    /**
     * A caller interrupted (by another thread) while it holds the turn leaves the tasks other threads queued meanwhile
     * to the loop thread: run on the interrupted caller, this one's channel write would close the channel
     * (ClosedByInterruptException). Five inline runs; a run where the loop had just woken leaves the task to it anyway.
     */
    @Test
    void aCallerInterruptedInsideItsCommandLeavesOtherThreadsTasksToTheLoopThread() throws Exception {
        Pipe pipe = Pipe.open();
        try (RealTimeLoop loop = inlineLoop("interrupted-inside");
             Pipe.SinkChannel sink = pipe.sink();
             Pipe.SourceChannel source = pipe.source()) {
            Thread self = Thread.currentThread();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (int inline = 0; inline < 5 && System.nanoTime() < deadline; ) {
                LoopFuture<Thread> wrote = loop.newFuture();
                AtomicBoolean ranInline = new AtomicBoolean();
                loop.<Void>submit(f -> {
                    if (Thread.currentThread() == self) {
                        ranInline.set(true);
                        Thread other = Thread.ofPlatform().start(() -> loop.execute(() -> {
                            try {
                                sink.write(ByteBuffer.wrap(new byte[] {1}));
                                wrote.complete(Thread.currentThread());
                            } catch (IOException e) {
                                wrote.fail(e);
                            }
                        }));
                        try {
                            other.join();
                        } catch (InterruptedException e) {
                            throw new AssertionError(e);
                        }
                        self.interrupt();                    // as another thread's interrupt would, now
                    }
                    f.complete(null);
                }).await();
                Thread.interrupted();
                if (!ranInline.get()) {
                    continue;
                }
                inline++;
                assertEquals(loopThread(loop), wrote.await(), "the loop thread ran the queued task");
                assertTrue(sink.isOpen(), "the channel stays open");
            }
            assertTrue(sink.isOpen());
        }
    }

    /**
     * A failure handler that throws on an inline caller (here: on any thread but the loop's) while the caller runs a
     * task queued meanwhile: the throw reaches that caller, the turn is let go, and the task queued after the failing
     * one runs on the loop thread, in order. Retried up to 10 s until the failing task ran on the caller.
     */
    @Test
    void aFailureHandlerThrowingOnACallerLetsGoOfTheTurnAndTheRestStillRuns() throws Exception {
        List<Throwable> onLoop = Collections.synchronizedList(new ArrayList<>());
        LoopConfig config = LoopConfig.DEFAULTS.withOnTaskFailure(t -> {
            if (!Thread.currentThread().getName().startsWith("tcpip-loop-")) {
                throw new IllegalStateException("handler", t);
            }
            onLoop.add(t);
        });
        try (RealTimeLoop loop = loopWithInline("handler-throws", "true", config)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            boolean escaped = false;
            while (!escaped && System.nanoTime() < deadline) {
                List<String> order = Collections.synchronizedList(new ArrayList<>());
                LoopFuture<Thread> after = loop.newFuture();
                try {
                    submitUntilInline(loop, () -> {
                        Thread other = Thread.ofPlatform().start(() -> {
                            loop.execute(() -> {
                                order.add("failing");
                                throw new IllegalArgumentException("task");
                            });
                            loop.execute(() -> {
                                order.add("after");
                                after.complete(Thread.currentThread());
                            });
                        });
                        try {
                            other.join();
                        } catch (InterruptedException e) {
                            throw new AssertionError(e);
                        }
                    });
                } catch (IllegalStateException e) {
                    assertEquals("handler", e.getMessage());
                    escaped = true;
                }
                assertFalse(loop.inLoop(), "the caller let go of the turn");
                Thread ran = after.await();
                assertEquals(List.of("failing", "after"), List.copyOf(order));
                if (escaped) {
                    assertEquals(loopThread(loop), ran, "the task after the failing one went back to the loop");
                }
            }
            assertTrue(escaped, "the failing task ran on the caller");
        }
    }
}
