package dev.tcpip.cli;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network namespace that {@code tcpip bench tap} makes for itself ({@code ip netns add}) and deletes on
 * {@link #close}. Java code runs inside it on a platform thread that entered it with setns(2): a thread's
 * network namespace is its own, and sockets and TAP devices belong to the namespace of the thread that
 * creates them.
 */
final class NetNamespace implements AutoCloseable {
    private static final AtomicInteger COUNT = new AtomicInteger();
    private static final int CLONE_NEWNET = 0x40000000;          // <linux/sched.h>
    private static final int O_RDONLY_CLOEXEC = 0x80000;         // O_RDONLY (0) | O_CLOEXEC

    final String name;

    private NetNamespace(String name) {
        this.name = name;
    }

    /** Root, {@code /dev/net/tun} and the {@code ip} command; null if all are there, else what is missing. */
    static String missingPrerequisite() throws IOException {
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

    static NetNamespace create(String purpose) throws IOException, InterruptedException {
        String name = "tcpip-" + purpose + "-" + ProcessHandle.current().pid() + "-" + COUNT.incrementAndGet();
        run("ip", "netns", "add", name);
        NetNamespace ns = new NetNamespace(name);
        ns.ip("link", "set", "lo", "up");
        return ns;
    }

    /** {@code ip -n NAME ARGS}. */
    void ip(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", name));
        cmd.addAll(List.of(args));
        run(cmd.toArray(String[]::new));
    }

    /** Starts {@code body} on a new platform thread inside this namespace. */
    <T> CompletableFuture<T> start(String thread, Callable<T> body) {
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

    private void enter() throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle open = linker.downcallHandle(linker.defaultLookup().find("open").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                Linker.Option.firstVariadicArg(2));
        MethodHandle setns = linker.downcallHandle(linker.defaultLookup().find("setns").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        MethodHandle close = linker.downcallHandle(linker.defaultLookup().find("close").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment path = a.allocateFrom("/run/netns/" + name);
            int fd = (int) open.invokeExact(path, O_RDONLY_CLOEXEC);
            if (fd < 0) {
                throw new IOException("cannot open /run/netns/" + name);
            }
            int rc = (int) setns.invokeExact(fd, CLONE_NEWNET);
            int ignored = (int) close.invokeExact(fd);
            if (rc != 0) {
                throw new IOException("setns into " + name + " failed");
            }
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run("ip", "netns", "del", name);
    }

    static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        CompletableFuture<byte[]> out = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                out.complete(p.getInputStream().readAllBytes());
            } catch (IOException e) {
                out.complete(new byte[0]);
            }
        });
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + ": no exit within 30 s");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + new String(out.join()).strip());
        }
    }
}
