package dev.tcpip.time;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * The answer to a command that an application thread posted to an {@link EventLoop}: the loop completes it,
 * the application thread {@link #await()}s it. This is the one way the stack's blocking calls wait, in real
 * time and in a {@link Simulation} alike.
 *
 * <p>Completion ({@link #complete}, {@link #fail}) is allowed from any thread and only the first one counts.
 * Waiting is for application threads only: {@link #await()} on the loop's own thread throws, since nothing
 * may block the loop.
 *
 * <p>In simulation, awaiting from an application thread started with {@link EventLoop#spawn} tells the
 * simulation that this thread waits for the stack, so virtual time may advance; awaiting from the thread that
 * drives the simulation runs the simulation until the future is done (bounded by
 * {@link SimulationConfig#awaitLimit()}).
 */
public final class LoopFuture<T> {
    private static final Object PENDING = new Object();
    private static final Object NULL = new Object();

    private static final VarHandle OUTCOME;
    private static final VarHandle WAITER;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            OUTCOME = l.findVarHandle(LoopFuture.class, "outcome", Object.class);
            WAITER = l.findVarHandle(LoopFuture.class, "waiter", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private record Failure(Throwable cause) {}

    private final EventLoop loop;
    private final Blocking blocking;
    private volatile Object outcome = PENDING;
    /** The simulation's record of threads blocked on this future; guarded by the simulation's lock. */
    Object simWaiters;
    /** Real time: the first thread that blocked on this future, parked until it is done; null if none. */
    private volatile Thread waiter;
    /** Real time: a second thread blocked too and waits on this future's monitor. */
    volatile boolean monitorWaiters;

    LoopFuture(EventLoop loop, Blocking blocking) {
        this.loop = loop;
        this.blocking = blocking;
    }

    /** The loop this future belongs to. */
    public EventLoop loop() {
        return loop;
    }

    /** Completes with a value (may be null). Returns false if already done. */
    public boolean complete(T value) {
        return finish(value == null ? NULL : value);
    }

    /** Completes with a failure, which {@link #await()} rethrows. Returns false if already done. */
    public boolean fail(Throwable cause) {
        return finish(new Failure(Objects.requireNonNull(cause, "cause")));
    }

    private boolean finish(Object result) {
        if (!OUTCOME.compareAndSet(this, PENDING, result)) {
            return false;
        }
        blocking.completed(this);
        return true;
    }

    /** Real time: makes the calling thread this future's parked waiter; false if another thread already is. */
    boolean claimWaiter(Thread self) {
        return WAITER.compareAndSet(this, null, self) || waiter == self;
    }

    /** Real time: the parked waiter, or null. */
    Thread waiter() {
        return waiter;
    }

    public boolean isDone() {
        return outcome != PENDING;
    }

    /** True if done with a failure. */
    public boolean isFailed() {
        return outcome instanceof Failure;
    }

    /**
     * Waits until done and returns the value, or throws the failure: an {@link IOException} or unchecked
     * exception as it is, another checked exception wrapped in an {@link IOException}. An interrupt gives
     * {@link java.io.InterruptedIOException} with the thread's interrupt status set.
     *
     * @throws IllegalStateException on the loop's own thread, or (in simulation) from a thread the simulation
     *     does not know
     */
    public T await() throws IOException {
        if (!isDone()) {
            if (loop.inLoop()) {
                throw new IllegalStateException("await() on the event loop's own thread would block it: " + loop);
            }
            blocking.block(this);
        }
        return result();
    }

    /**
     * The value if done, rethrowing a failure like {@link #await()} (an {@link IOException} wrapped in an
     * {@link UncheckedIOException}); never blocks.
     *
     * @throws IllegalStateException if not done yet
     */
    public T getNow() {
        if (!isDone()) {
            throw new IllegalStateException("not done");
        }
        try {
            return result();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The failure if failed, else null. */
    public Throwable failure() {
        return outcome instanceof Failure(Throwable cause) ? cause : null;
    }

    @SuppressWarnings("unchecked")
    private T result() throws IOException {
        Object o = outcome;
        if (o instanceof Failure(Throwable cause)) {
            switch (cause) {
                case IOException e -> throw e;
                case RuntimeException e -> throw e;
                case Error e -> throw e;
                default -> throw new IOException(cause);
            }
        }
        return o == NULL ? null : (T) o;
    }

    @Override
    public String toString() {
        Object o = outcome;
        return "LoopFuture[" + (o == PENDING ? "pending" : o instanceof Failure f ? "failed: " + f.cause() : "done") + "]";
    }
}
