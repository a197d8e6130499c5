package dev.tcpip.cli;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;

/**
 * SIGINT and SIGTERM as an ordinary event, so that a long-running command stops cleanly and exits 0; a second
 * signal exits at once.
 *
 * <p>A non-interactive shell starts a background job with SIGINT (and SIGQUIT) ignored (POSIX, "Shell Command
 * Language" §2.11), and the JVM will not replace a handler that was ignored: {@link Signal#handle} then silently
 * installs nothing and {@code kill -INT} from the script does nothing. So the dispositions are first reset to
 * the default through libc's {@code signal(2)} (FFM), then the handlers are installed.
 */
final class Signals {
    private static final int SIGINT = 2;   // Linux numbering (signal(7))
    private static final int SIGTERM = 15;
    private static final Optional<MethodHandle> SIGNAL = lookup();

    private Signals() {
    }

    private static Optional<MethodHandle> lookup() {
        Linker linker = Linker.nativeLinker();
        return linker.defaultLookup().find("signal").map(f -> linker.downcallHandle(f,
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS)));
    }

    /**
     * Gives SIGINT and SIGTERM their default action even when the parent left them ignored: every command
     * calls this at start, so that {@code kill -INT} ends even a command that installs no handler.
     */
    static void restoreDefaults() {
        resetToDefault(SIGINT);
        resetToDefault(SIGTERM);
    }

    /** Runs {@code action} on the first SIGINT or SIGTERM; the second halts the process (128 + signal). */
    static void onTermination(Runnable action) {
        restoreDefaults();
        AtomicInteger received = new AtomicInteger();
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(name), s -> {
                if (received.getAndIncrement() == 0) {
                    action.run();
                } else {
                    Runtime.getRuntime().halt(128 + s.getNumber());
                }
            });
        }
    }

    /** Undoes an inherited "ignore" (SIG_DFL is the null handler); a failure leaves the disposition as it was. */
    private static void resetToDefault(int number) {
        if (SIGNAL.isEmpty()) {
            return;
        }
        try {
            MemorySegment previous = (MemorySegment) SIGNAL.get().invokeExact(number, MemorySegment.NULL);
            if (previous.address() == -1L) {   // SIG_ERR
                System.err.println("tcpip: could not reset the handling of signal " + number);
            }
        } catch (Throwable e) {
            System.err.println("tcpip: could not reset the handling of signal " + number + ": " + e);
        }
    }
}
