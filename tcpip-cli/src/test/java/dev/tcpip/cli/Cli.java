package dev.tcpip.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs the packaged {@code tcpip} command as a separate process, as a user would. */
final class Cli implements AutoCloseable {

    static final Path JAR = Path.of("target", "tcpip.jar").toAbsolutePath();
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    /** The JVM options the {@code ./tcpip} launcher gives the command: {@code tcpip-cli/jvm.options}. */
    static final List<String> JVM_OPTIONS = jvmOptions();

    private static List<String> jvmOptions() {
        try {
            return Files.readAllLines(Path.of("jvm.options")).stream().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("the launcher's JVM options (tcpip-cli/jvm.options)", e);
        }
    }

    final Process process;
    private final List<String> stderrLines = new ArrayList<>();

    private Cli(Process p) {
        this.process = p;
    }

    static ProcessBuilder builder(String... args) {
        return builder(List.of(), args);
    }

    /** The command run under {@code prefix} (for example {@code ip netns exec NS}). */
    static ProcessBuilder builder(List<String> prefix, String... args) {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException("the command's jar is missing: " + JAR + " (run the package phase first)");
        }
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(JAVA);
        cmd.addAll(JVM_OPTIONS);
        cmd.addAll(List.of("-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    static Cli start(ProcessBuilder pb) throws IOException {
        return new Cli(pb.start());
    }

    static Cli start(String... args) throws IOException {
        return start(builder(args));
    }

    /** Runs to completion (bounded) and returns exit code, stdout and stderr. */
    static Result run(long timeoutSeconds, String... args) throws Exception {
        return run(timeoutSeconds, builder(args));
    }

    /** Runs {@code pb} with stdin from /dev/null to completion (bounded). */
    static Result run(long timeoutSeconds, ProcessBuilder pb) throws Exception {
        String[] args = pb.command().toArray(String[]::new);
        Process p = pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("tcpip " + String.join(" ", args) + " did not finish in " + timeoutSeconds + " s");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    record Result(int code, String out, String err) {
    }

    /** Reads stdout lines until one starts with {@code prefix} (bounded in lines); returns it. */
    String awaitLine(String prefix) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (int i = 0; i < 100; i++) {
            String line = r.readLine();
            if (line == null) {
                throw new AssertionError("the command ended before printing '" + prefix + "'; stderr: " + stderr());
            }
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        throw new AssertionError("no line starting with '" + prefix + "'");
    }

    /** Reads stderr lines until one matches {@code regex}; returns its first group. */
    String awaitStderr(String regex) throws IOException {
        Pattern pat = Pattern.compile(regex);
        BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
        for (int i = 0; i < 100; i++) {
            String line = r.readLine();
            if (line == null) {
                throw new AssertionError("stderr ended before a line matching " + regex);
            }
            stderrLines.add(line);
            Matcher m = pat.matcher(line);
            if (m.find()) {
                return m.group(1);
            }
        }
        throw new AssertionError("no stderr line matching " + regex);
    }

    private String stderr() {
        try {
            return String.join("\n", stderrLines) + new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** The port named {@code name=PORT} in a ready line. */
    static int port(String readyLine, String name) {
        Matcher m = Pattern.compile("\\b" + Pattern.quote(name) + "=(\\d+)").matcher(readyLine);
        if (!m.find()) {
            throw new AssertionError("no " + name + " port in: " + readyLine);
        }
        return Integer.parseInt(m.group(1));
    }

    int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("the command did not exit within " + seconds + " s");
        }
        return process.exitValue();
    }

    /** SIGTERM, then waits (bounded) for the exit status. */
    int stop(long seconds) throws InterruptedException {
        process.destroy();
        return waitFor(seconds);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
