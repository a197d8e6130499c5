package dev.tcpip.time;

import java.io.InterruptedIOException;

/**
 * How a thread waits for a {@link LoopFuture}: plainly in real time; in a {@link Simulation}, by handing the
 * turn back to the simulation so that virtual time may advance only when every application thread waits.
 */
interface Blocking {

    /** Returns once {@code future} is done. Called only when it was not done at the caller's last look. */
    void block(LoopFuture<?> future) throws InterruptedIOException;

    /** Called once, after {@code future} became done, from the completing thread. */
    void completed(LoopFuture<?> future);

    /** Real time: the awaiting thread waits on the future's monitor. */
    Blocking REAL_TIME = new Blocking() {
        @Override
        public void block(LoopFuture<?> future) throws InterruptedIOException {
            synchronized (future) {
                while (!future.isDone()) {
                    try {
                        future.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while waiting for the event loop");
                    }
                }
            }
        }

        @Override
        public void completed(LoopFuture<?> future) {
            synchronized (future) {
                future.notifyAll();
            }
        }
    };
}
