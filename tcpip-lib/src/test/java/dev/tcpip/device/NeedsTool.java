package dev.tcpip.device;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Tests that run a Linux tool (a Debian package): skipped with the package to install when the tool is missing,
 * except under {@code CI=true}, where it must be there and its absence fails the test (as {@link NeedsNetAdmin}).
 */
public final class NeedsTool {

    private NeedsTool() {
    }

    /** Returns unless {@code tool} is missing; then aborts the test, or fails it under CI. */
    public static void need(String tool, String pkg) {
        for (String dir : List.of("/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/")) {
            if (Files.isExecutable(Path.of(dir + tool))) {
                return;
            }
        }
        if ("true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("CI=true, but " + tool + " is missing: apt-get install " + pkg);
        }
        org.junit.jupiter.api.Assumptions.abort("skipped: " + tool + " is missing; apt-get install " + pkg);
    }
}
