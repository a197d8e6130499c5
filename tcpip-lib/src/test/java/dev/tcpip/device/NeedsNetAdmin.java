package dev.tcpip.device;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Tests that create network namespaces and TAP devices: they need root (CAP_NET_ADMIN and CAP_SYS_ADMIN for
 * {@code ip netns}), {@code /dev/net/tun} and the {@code ip} command. Without them the tests are skipped with
 * the reason, except when the environment says {@code CI=true}: there they must run, so a missing
 * prerequisite fails them.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(NeedsNetAdmin.Condition.class)
public @interface NeedsNetAdmin {

    /** Evaluates the prerequisites once per test class. */
    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            String missing = missing();
            if (missing == null) {
                return ConditionEvaluationResult.enabled("root, /dev/net/tun and ip are present");
            }
            if ("true".equals(System.getenv("CI"))) {
                throw new IllegalStateException("CI=true, so the namespace/TAP interop tests must run, but " + missing);
            }
            return ConditionEvaluationResult.disabled("skipped: " + missing
                    + " (these tests make network namespaces and TAP devices; run as root, or set CI=true to fail instead)");
        }

        /** What is missing, or null. */
        static String missing() {
            if (!isRoot()) {
                return "not running as root";
            }
            if (!Files.exists(Path.of("/dev/net/tun"))) {
                return "/dev/net/tun is missing (modprobe tun; mknod /dev/net/tun c 10 200)";
            }
            if (!Files.isExecutable(Path.of("/usr/sbin/ip")) && !Files.isExecutable(Path.of("/sbin/ip"))
                    && !Files.isExecutable(Path.of("/usr/bin/ip"))) {
                return "the ip command (iproute2) is missing";
            }
            return null;
        }

        private static boolean isRoot() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("Uid:")) {
                        return line.split("\\s+")[2].equals("0");   // the effective uid
                    }
                }
            } catch (java.io.IOException e) {
                return false;
            }
            return false;
        }
    }
}
