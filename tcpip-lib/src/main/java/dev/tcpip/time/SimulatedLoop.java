package dev.tcpip.time;

import java.util.function.LongConsumer;

/**
 * An {@link EventLoop} of a {@link Simulation}: its tasks and timers run on the simulation's driving thread,
 * interleaved with every other loop of the same simulation in one deterministic order. Created by
 * {@link Simulation#newLoop(String)}.
 */
public final class SimulatedLoop implements EventLoop, Timer.TimerOwner {
    private final Simulation sim;
    private final String name;
    private volatile boolean closed;

    SimulatedLoop(Simulation sim, String name) {
        this.sim = sim;
        this.name = name;
    }

    /** The simulation this loop belongs to. */
    public Simulation simulation() {
        return sim;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Clock clock() {
        return sim.clock();
    }

    @Override
    public void execute(Runnable task) {
        sim.time().post(this, task);
    }

    @Override
    public Timer at(long deadlineNanos, LongConsumer task) {
        return sim.time().schedule(this, deadlineNanos, task);
    }

    /** In place (see {@link EventLoop#reschedule}) for a pending timer of this loop: the same order, no new timer. */
    @Override
    public Timer reschedule(Timer timer, long deadlineNanos) {
        Timer moved = timer.owner == this ? sim.time().move(timer, deadlineNanos) : null;
        return moved != null ? moved : EventLoop.super.reschedule(timer, deadlineNanos);
    }

    @Override
    public void cancelled(Timer timer) {
        sim.time().unschedule(timer);
    }

    @Override
    public boolean inLoop() {
        return sim.runningLoop() == this;
    }

    @Override
    public <T> LoopFuture<T> newFuture() {
        return new LoopFuture<>(this, sim.blocking());
    }

    @Override
    public LoopFuture<Void> spawn(String threadName, AppTask body) {
        return sim.apps().spawn(this, threadName, body);
    }

    @Override
    public boolean isClosed() {
        return closed || sim.isClosed();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            sim.time().loopClosed(this);
        }
    }

    @Override
    public String toString() {
        return "SimulatedLoop[" + name + (closed ? ", closed]" : "]");
    }
}
