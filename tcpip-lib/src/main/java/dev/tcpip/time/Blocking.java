package dev.tcpip.time;

import java.io.InterruptedIOException;
import java.util.concurrent.locks.LockSupport;

/**
 * How a thread waits for a {@link LoopFuture}: plainly in real time; in a {@link Simulation}, by handing the
 * turn back to the simulation so that virtual time may advance only when every application thread waits.
 */
interface Blocking {

    /** Returns once {@code future} is done. Called only when it was not done at the caller's last look. */
    void block(LoopFuture<?> future) throws InterruptedIOException;

    /** Called once, after {@code future} became done, from the completing thread. */
    void completed(LoopFuture<?> future);

    /**
     * Real time: the first awaiting thread parks (a park and an unpark per hand-off, no monitor); a further
     * thread awaiting the same future, which the stack's calls never do, waits on the future's monitor. The
     * completing thread publishes the outcome before it looks for waiters and a waiter announces itself before it
     * looks at the outcome (all volatile), so one of them always sees the other.
     */
    Blocking REAL_TIME = new Blocking() {
        @Override
        public void block(LoopFuture<?> future) throws InterruptedIOException {
            Thread self = Thread.currentThread();
            if (future.claimWaiter(self)) {
                while (!future.isDone()) {
                    LockSupport.park(future);
                    if (Thread.interrupted()) {
                        throw interrupted(self);
                    }
                }
                return;
            }
            synchronized (future) {
                future.monitorWaiters = true;
                while (!future.isDone()) {
                    try {
                        future.wait();
                    } catch (InterruptedException e) {
                        throw interrupted(self);
                    }
                }
            }
        }

        private static InterruptedIOException interrupted(Thread self) {
            self.interrupt();
            return new InterruptedIOException("interrupted while waiting for the event loop");
        }

        @Override
        public void completed(LoopFuture<?> future) {
            Thread t = future.waiter();
            if (t != null) {
                LockSupport.unpark(t);
            }
            if (future.monitorWaiters) {
                synchronized (future) {
                    future.notifyAll();
                }
            }
        }
    };
}
