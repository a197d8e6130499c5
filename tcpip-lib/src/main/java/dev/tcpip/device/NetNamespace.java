package dev.tcpip.device;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network namespace of one's own ({@code ip netns add tcpip-PURPOSE-PID-N}), deleted by {@link #close()}: for
 * tests and benchmarks that need a kernel network to talk to. Commands run inside it with {@link #ip} and
 * {@link #run}; Java code runs inside it on a platform thread that entered it with setns(2) ({@link #start},
 * {@link #onThread}): a thread's network namespace is its own, and sockets and TAP devices belong to the
 * namespace of the thread that creates them. Needs root (or CAP_SYS_ADMIN and CAP_NET_ADMIN) and the
 * {@code ip} command.
 */
public final class NetNamespace implements AutoCloseable {
    private static final AtomicInteger COUNT = new AtomicInteger();
    private static final long COMMAND_SECONDS = 30;
    private static final long THREAD_SECONDS = 120;

    private final String name;

    private NetNamespace(String name) {
        this.name = name;
    }

    /** Root and {@code /dev/net/tun}: null if both are there, else what is missing. */
    public static String missingPrerequisite() throws IOException {
        String uid = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Uid:"))
                .map(l -> l.split("\\s+")[2]).findFirst().orElse("?");
        if (!uid.equals("0")) {
            return "needs root (network namespaces and TAP devices)";
        }
        if (!Files.exists(Path.of("/dev/net/tun"))) {
            return "/dev/net/tun is missing (modprobe tun)";
        }
        return null;
    }

    /** A new, empty namespace named {@code tcpip-PURPOSE-PID-N}; its loopback is brought up. */
    public static NetNamespace create(String purpose) throws IOException, InterruptedException {
        String name = "tcpip-" + purpose + "-" + ProcessHandle.current().pid() + "-" + COUNT.incrementAndGet();
        exec(COMMAND_SECONDS, List.of("ip", "netns", "add", name));
        NetNamespace ns = new NetNamespace(name);
        ns.ip("link", "set", "lo", "up");
        return ns;
    }

    public String name() {
        return name;
    }

    /** {@code ip -n NAME ARGS...}; its standard output, or fails unless it exits 0. */
    public String ip(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", name));
        cmd.addAll(List.of(args));
        return exec(COMMAND_SECONDS, cmd);
    }

    /** The command line that runs {@code cmd} inside the namespace. */
    public List<String> command(String... cmd) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(cmd));
        return full;
    }

    /** Runs {@code cmd} inside the namespace (bounded by {@code timeoutSeconds}); its stdout, or fails. */
    public String run(long timeoutSeconds, String... cmd) throws IOException, InterruptedException {
        return exec(timeoutSeconds, command(cmd));
    }

    /** Starts {@code body} on a new platform (daemon) thread named {@code thread} inside this namespace. */
    public <T> CompletableFuture<T> start(String thread, Callable<T> body) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name(thread).start(() -> {
            try {
                enter();
                result.complete(body.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    /** Runs {@code body} on a new platform thread inside this namespace and waits (up to 2 min) for its result. */
    public <T> T onThread(Callable<T> body) throws Exception {
        try {
            return start("in-" + name, body).get(THREAD_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
    }

    /**
     * Runs {@code body} inside the existing namespace {@code name} ({@code /run/netns/NAME}, as {@code ip netns}
     * names them) on a platform thread made for it, which ends with the call, and returns its result. Only that
     * thread ever enters the namespace: threads a thread creates inherit its namespace (clone(2)), so a long-lived
     * thread that entered it could hand the namespace on, for example to the carrier threads of virtual threads
     * that then open sockets there. Keep {@code body} to what must happen inside: opening a device, configuring it.
     *
     * @throws IOException no such namespace (the message names it), or what {@code body} threw
     */
    public static <T> T inside(String name, Callable<T> body) throws IOException {
        Path file = Path.of("/run/netns", name);
        if (name.isEmpty() || name.contains("/") || !Files.exists(file)) {
            throw new IOException("no network namespace named '" + name + "' (" + file + " does not exist)");
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().daemon().name("netns-" + name).start(() -> {
            try {
                enter(name);
                result.complete(body.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        try {
            T value = result.get(THREAD_SECONDS, TimeUnit.SECONDS);
            t.join();
            return value;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while working inside namespace " + name);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException("work inside namespace " + name + " did not finish within " + THREAD_SECONDS + " s");
        }
    }

    /** Moves the calling thread into this namespace (setns(2) on {@code /run/netns/NAME}). */
    private void enter() throws IOException {
        enter(name);
    }

    private static void enter(String name) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Posix.errnoSegment(a);
            int fd = Posix.open(st, a.allocateFrom("/run/netns/" + name), Posix.O_CLOEXEC);  // O_RDONLY is 0
            if (fd < 0) {
                throw new IOException("open /run/netns/" + name + ": " + Posix.strerror(Posix.errno(st)));
            }
            try {
                if (Posix.setns(st, fd, Posix.CLONE_NEWNET) != 0) {
                    throw new IOException("setns into " + name + ": " + Posix.strerror(Posix.errno(st)));
                }
            } finally {
                Posix.close(st, fd);
            }
        }
    }

    /** Deletes the namespace; devices in it go with it once no process or thread holds it. */
    @Override
    public void close() throws IOException, InterruptedException {
        exec(COMMAND_SECONDS, List.of("ip", "netns", "del", name));
    }

    /** Runs a command to completion within the bound; returns stdout, or fails with its exit code and stderr. */
    public static String exec(long timeoutSeconds, List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        CompletableFuture<byte[]> err = drain(p.getErrorStream());
        CompletableFuture<byte[]> out = drain(p.getInputStream());
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + ": did not finish within " + timeoutSeconds + " s");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + ": exit " + p.exitValue() + ": "
                    + new String(err.join(), StandardCharsets.UTF_8).strip());
        }
        return new String(out.join(), StandardCharsets.UTF_8);
    }

    /** Reads a stream to its end on a virtual thread, so that waiting for the process stays bounded. */
    private static CompletableFuture<byte[]> drain(InputStream in) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                f.complete(in.readAllBytes());
            } catch (IOException e) {
                f.complete(new byte[0]);
            }
        });
        return f;
    }
}
