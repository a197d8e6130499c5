package dev.tcpip.time;

import java.io.InterruptedIOException;

/**
 * How a thread waits on a {@link LoopFuture} of a {@link Simulation} (the real-time way is
 * {@link Blocking#REAL_TIME}): an application thread hands its turn back to the {@link AppScheduler} until
 * the future is done; the thread that may drive the simulation runs it until the future is done (within
 * {@link SimulationConfig#awaitLimit()}); a loop task, or any other thread, may not wait at all.
 */
final class SimulatedBlocking implements Blocking {
    private final Simulation sim;
    private final AppScheduler apps;

    SimulatedBlocking(Simulation sim, AppScheduler apps) {
        this.sim = sim;
        this.apps = apps;
    }

    @Override
    public void block(LoopFuture<?> future) throws InterruptedIOException {
        if (apps.isAppThread()) {
            apps.awaitDone(future);
            return;
        }
        Thread self = Thread.currentThread();
        if (sim.isDriver(self)) {
            throw new IllegalStateException("a loop task must never block (await on " + future.loop() + ")");
        }
        if (sim.mayDrive()) {
            sim.runUntil(future::isDone, sim.config().awaitLimit());
            return;
        }
        throw new IllegalStateException("in a simulation only threads started with spawn() and the thread driving"
                + " the simulation may block; " + self + " is neither");
    }

    @Override
    public void completed(LoopFuture<?> future) {
        apps.wake(future);
    }
}
