package dev.tcpip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The JDK selection shared by ./mvnw and ./tcpip, and the ./tcpip launcher itself. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LauncherIT {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String JDK25 = System.getProperty("java.home");

    private record Out(int code, String out, String err) {
    }

    private static Out sh(String script, String... env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", script).directory(ROOT.toFile());
        pb.environment().remove("JAVA_HOME");
        pb.environment().put("PATH", "/usr/bin:/bin");
        for (int i = 0; i < env.length; i += 2) {
            pb.environment().put(env[i], env[i + 1]);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Out(p.exitValue(), out.strip(), err.strip());
    }

    @Test
    void aJavaHomeOf25IsTakenAsItIs() throws Exception {
        Out o = sh(". scripts/find-jdk.sh && tcpip_find_jdk && echo \"$JAVA_HOME\"", "JAVA_HOME", JDK25);
        assertEquals(0, o.code(), o.err());
        assertEquals(JDK25, o.out());
    }

    @Test
    void anOlderJavaHomeIsPassedOverForA25InTheJvmFolder(@TempDir Path jvms) throws Exception {
        Path old = fakeJdk(jvms.resolve("jdk-17"), "17.0.15");
        Files.createSymbolicLink(jvms.resolve("temurin-25-jdk"), Path.of(JDK25));
        Out o = sh(". scripts/find-jdk.sh && tcpip_find_jdk && echo \"$JAVA_HOME\"",
                "JAVA_HOME", old.toString(), "TCPIP_JVM_DIR", jvms.toString());
        assertEquals(0, o.code(), o.err());
        assertEquals(jvms.resolve("temurin-25-jdk").toString(), o.out());
    }

    @Test
    void withoutAnyJdk25TheErrorSaysWhatToInstall(@TempDir Path jvms) throws Exception {
        Path old = fakeJdk(jvms.resolve("jdk-17"), "17.0.15");
        Out o = sh(". scripts/find-jdk.sh && tcpip_find_jdk && echo found",
                "JAVA_HOME", old.toString(), "TCPIP_JVM_DIR", jvms.toString()); // java on PATH is 17 here
        assertEquals(1, o.code());
        assertTrue(o.err().contains("no JDK 25") && o.err().contains("install"), o.err());
        assertEquals(1, o.err().lines().count());
    }

    @Test
    void theLauncherRunsTheCommand() throws Exception {
        Out o = sh("./tcpip --version");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().startsWith("tcpip "), o.out());
    }

    /** A folder that looks like a JDK of the given version (release file and executables). */
    private static Path fakeJdk(Path home, String version) throws Exception {
        Files.createDirectories(home.resolve("bin"));
        for (String tool : new String[] {"java", "javac"}) {
            Path t = Files.writeString(home.resolve("bin").resolve(tool), "#!/bin/sh\nexit 0\n");
            t.toFile().setExecutable(true);
        }
        Files.writeString(home.resolve("release"), "JAVA_VERSION=\"" + version + "\"\n");
        return home;
    }
}
