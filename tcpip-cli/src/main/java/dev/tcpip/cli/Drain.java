package dev.tcpip.cli;

import dev.tcpip.FlowHandler;
import java.time.Duration;

/**
 * Counts the flows a server is handling, so that a stop can give them a bounded grace to finish before the
 * stack aborts the rest (CLI.md: on SIGINT/SIGTERM stop accepting, let open flows finish for 1 s, then reset).
 */
final class Drain {
    private int active;

    /** {@code handler}, counted while it runs. */
    FlowHandler wrap(FlowHandler handler) {
        return flow -> {
            synchronized (this) {
                active++;
            }
            try {
                handler.handle(flow);
            } finally {
                synchronized (this) {
                    if (--active == 0) {
                        notifyAll();
                    }
                }
            }
        };
    }

    /** Waits until no flow is being handled or {@code grace} has passed; true if none is left. */
    synchronized boolean awaitIdle(Duration grace) throws InterruptedException {
        long deadline = System.nanoTime() + grace.toNanos();
        while (active > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }
}
