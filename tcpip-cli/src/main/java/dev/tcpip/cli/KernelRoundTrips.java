package dev.tcpip.cli;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * 1-byte request/response between kernel sockets (blocking java.nio, each end on a platform thread of its own), the
 * kernel's reference for the stacks' {@code tcp-rr-1byte} rows. Either end may be pinned to one CPU: the thread
 * calls sched_setaffinity(2) on itself through FFM (a platform thread is one kernel thread), so "same CPU" and
 * "across CPUs" are both ends on one CPU or on two. Nagle is off on both ends (TCP_NODELAY).
 */
final class KernelRoundTrips {
    /** Round trips before the clock starts: the JIT compiles the loop, the connection leaves slow start. */
    static final int WARM_UP = 2_000;
    /** No pinning. */
    static final int ANY_CPU = -1;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final int MASK_BYTES = 128;   // cpu_set_t: 1,024 CPUs
    private static final MethodHandle SET_AFFINITY = downcall("sched_setaffinity");
    private static final MethodHandle GET_AFFINITY = downcall("sched_getaffinity");

    private KernelRoundTrips() {
    }

    private static MethodHandle downcall(String name) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                        ValueLayout.ADDRESS), Linker.Option.captureCallState("errno"));
    }

    /** The CPUs the calling thread may run on (sched_getaffinity(2); a new thread inherits its creator's), ascending. */
    static List<Integer> allowedCpus() throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mask = a.allocate(MASK_BYTES);
            affinity(GET_AFFINITY, "sched_getaffinity", a, mask);
            List<Integer> cpus = new ArrayList<>();
            for (int cpu = 0; cpu < MASK_BYTES * 8; cpu++) {
                if ((mask.get(ValueLayout.JAVA_BYTE, cpu / 8) & (1 << (cpu % 8))) != 0) {
                    cpus.add(cpu);
                }
            }
            return cpus;
        }
    }

    /** Pins the calling thread to {@code cpu} (sched_setaffinity(2) with pid 0: this thread only); no-op for ANY_CPU. */
    static void pin(int cpu) throws IOException {
        if (cpu == ANY_CPU) {
            return;
        }
        if (cpu < 0 || cpu >= MASK_BYTES * 8) {
            throw new IllegalArgumentException("no CPU " + cpu);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mask = a.allocate(MASK_BYTES);
            mask.set(ValueLayout.JAVA_BYTE, cpu / 8, (byte) (1 << (cpu % 8)));
            affinity(SET_AFFINITY, "sched_setaffinity", a, mask);
        }
    }

    private static void affinity(MethodHandle call, String name, Arena a, MemorySegment mask) throws IOException {
        MemorySegment state = a.allocate(CAPTURE);
        int r;
        try {
            r = (int) call.invokeExact(state, 0, (long) MASK_BYTES, mask);
        } catch (Throwable t) {
            throw new IOException(name + " failed", t);
        }
        if (r < 0) {
            throw new IOException(name + ": errno " + (int) ERRNO.get(state, 0L));
        }
    }

    /**
     * The echo end, on the calling thread pinned to {@code cpu}: accepts one connection on {@code server} and sends
     * back what it reads until the peer closes. Returns the bytes echoed.
     */
    static long echo(ServerSocketChannel server, int cpu) throws IOException {
        pin(cpu);
        try (SocketChannel ch = server.accept()) {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ByteBuffer buf = ByteBuffer.allocateDirect(64);
            long n = 0;
            while (ch.read(buf.clear()) >= 0) {
                buf.flip();
                n += buf.remaining();
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
            return n;
        }
    }

    /**
     * The requesting end, on the calling thread pinned to {@code cpu}: connects to {@code to}, makes {@link #WARM_UP}
     * round trips, then {@code n} timed ones (write 1 byte, read the 1-byte answer), and closes. Round trips per second.
     */
    static double requests(InetSocketAddress to, int n, int cpu) throws IOException {
        pin(cpu);
        try (SocketChannel ch = SocketChannel.open(to)) {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ByteBuffer out = ByteBuffer.allocateDirect(1);
            ByteBuffer in = ByteBuffer.allocateDirect(1);
            for (int i = 0; i < WARM_UP; i++) {
                exchange(ch, out, in, i);
            }
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                exchange(ch, out, in, i);
            }
            return n * 1e9 / (System.nanoTime() - start);
        }
    }

    private static void exchange(SocketChannel ch, ByteBuffer out, ByteBuffer in, int i) throws IOException {
        out.clear().put((byte) i).flip();
        while (out.hasRemaining()) {
            ch.write(out);
        }
        in.clear();
        while (in.hasRemaining()) {
            if (ch.read(in) < 0) {
                throw new IOException("the echo closed after " + i + " round trips");
            }
        }
        if (in.get(0) != (byte) i) {
            throw new IOException("round trip " + i + " came back as " + in.get(0));
        }
    }

    /**
     * Both ends in this process on the kernel's loopback (no namespace, no root), the echo pinned to {@code
     * echoCpu} and the requests to {@code requestCpu}. Round trips per second.
     */
    static double loopback(int n, int echoCpu, int requestCpu) throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            InetSocketAddress to = (InetSocketAddress) server.getLocalAddress();
            CompletableFuture<Long> echoed = onThread("kernel-rr-echo", () -> echo(server, echoCpu));
            double rate = onThread("kernel-rr-requests", () -> requests(to, n, requestCpu)).get(300, TimeUnit.SECONDS);
            echoed.get(30, TimeUnit.SECONDS);
            return rate;
        }
    }

    /** {@code body} on a new platform (daemon) thread of its own, so that pinning it pins nothing else. */
    private static <T> CompletableFuture<T> onThread(String name, Callable<T> body) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name(name).start(() -> {
            try {
                result.complete(body.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }
}
