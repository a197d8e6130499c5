package dev.tcpip.device;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network namespace made by a test ({@code ip netns add tcpip-it-PID-N}) and deleted by {@link #close()}.
 * Commands run inside it with {@link #run} or {@link #command}; Java code runs inside it on a platform thread
 * that entered it with setns(2) ({@link #onThread}): a thread's network namespace is its own.
 */
public final class Netns implements AutoCloseable {
    private static final AtomicInteger COUNT = new AtomicInteger();
    private static final int CLONE_NEWNET = 0x40000000;       // <linux/sched.h>

    private final String name;

    private Netns(String name) {
        this.name = name;
    }

    /** A new, empty namespace with a unique name; its loopback is brought up. */
    public static Netns create() throws IOException, InterruptedException {
        String name = "tcpip-it-" + ProcessHandle.current().pid() + "-" + COUNT.incrementAndGet();
        exec(30, List.of("ip", "netns", "add", name));
        Netns ns = new Netns(name);
        ns.ip("link", "set", "lo", "up");
        return ns;
    }

    public String name() {
        return name;
    }

    /** {@code ip -n NAME ARGS...}; fails unless it exits 0. */
    public String ip(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", name));
        cmd.addAll(List.of(args));
        return exec(30, cmd);
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

    /** Runs {@code body} on a new platform thread that has entered this namespace; returns its result. */
    public <T> T onThread(Callable<T> body) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofPlatform().name("in-" + name).start(() -> {
            try {
                enter();
                result.complete(body.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
    }

    private void enter() throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle setns = linker.downcallHandle(linker.defaultLookup().find("setns").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Posix.errnoSegment(a);
            int fd = Posix.open(st, a.allocateFrom("/run/netns/" + name), Posix.O_CLOEXEC);  // O_RDONLY is 0
            if (fd < 0) {
                throw new IOException("open /run/netns/" + name + ": " + Posix.strerror(Posix.errno(st)));
            }
            try {
                if ((int) setns.invokeExact(fd, CLONE_NEWNET) != 0) {
                    throw new IOException("setns into " + name + " failed");
                }
            } finally {
                Posix.close(st, fd);
            }
        }
    }

    /** Deletes the namespace; devices in it go with it once no process holds it. */
    @Override
    public void close() throws IOException, InterruptedException {
        exec(30, List.of("ip", "netns", "del", name));
    }

    /** Runs a command to completion within the bound; returns stdout, or fails with stderr. */
    public static String exec(long timeoutSeconds, List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
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
    private static CompletableFuture<byte[]> drain(java.io.InputStream in) {
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
