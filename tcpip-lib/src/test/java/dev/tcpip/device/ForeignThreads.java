package dev.tcpip.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The threads of this process in a network namespace other than the process's own (id and name). */
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
                    if (!own.equals(Files.readSymbolicLink(task.resolve("ns/net")).toString())) {
                        foreign.add(task.getFileName() + " " + Files.readString(task.resolve("comm")).trim());
                    }
                } catch (IOException gone) {
                    // the thread ended meanwhile
                }
            }
        }
        return foreign;
    }
}
