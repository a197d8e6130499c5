package dev.tcpip.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The threads of this process in a network namespace other than the process's own (id and name), but for the
 * JDK's "process reaper" threads: the JDK makes one, when none is idle, on whichever thread starts a process, and a
 * test that runs a command from a thread inside a namespace ({@code ns.ip}, {@code ns.run} in {@code onThread})
 * leaves it there, idle, for up to a minute. That is the tests' doing; what these checks are for is that the
 * devices' reader and writer, the loops and their sockets never end up in another namespace.
 */
public final class ForeignThreads {
    private ForeignThreads() {
    }

    /** Each thread whose {@code /proc/self/task/ID/ns/net} differs from {@code /proc/self/ns/net}. */
    public static List<String> list() throws IOException {
        String own = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        List<String> foreign = new ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String comm = Files.readString(task.resolve("comm")).trim();
                    if (!own.equals(Files.readSymbolicLink(task.resolve("ns/net")).toString())
                            && !comm.equals("process reaper")) {
                        foreign.add(task.getFileName() + " " + comm);
                    }
                } catch (IOException gone) {
                    // the thread ended meanwhile
                }
            }
        }
        return foreign;
    }
}
