package dev.tcpip.cli;

import dev.tcpip.Direction;
import dev.tcpip.ReadResult;
import dev.tcpip.Stack;
import dev.tcpip.TcpFlow;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.SynchronousQueue;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tcpip nc HOST PORT} and {@code tcpip nc -l PORT}: copies stdin to the connection, half-closing
 * (FIN) at the end of stdin, and the connection to stdout; exits 0 once both directions are finished.
 */
@Command(name = "nc", mixinStandardHelpOptions = true,
        description = "Connects to HOST PORT (or with -l, accepts one connection on PORT), copies stdin to the"
                + " connection, half-closing it at the end of stdin, and the connection to stdout.")
final class Nc implements Callable<Integer> {

    private static final int CHUNK = 64 * 1024;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    StackOptions stackOptions;

    @Option(names = "-l", description = "Listen on PORT and accept one connection.")
    boolean listen;

    @Parameters(paramLabel = "HOST PORT | PORT", arity = "1..2", description = "Where to connect, or with -l the port.")
    String[] args;

    @Override
    public Integer call() throws Exception {
        String host;
        int port;
        if (listen) {
            if (args.length != 1) {
                throw usage("with -l, give only PORT");
            }
            host = null;
            port = parsePort(args[0]);
        } else {
            if (args.length != 2) {
                throw usage("give HOST and PORT");
            }
            host = args[0];
            port = parsePort(args[1]);
        }
        try (Stack stack = stackOptions.open()) {
            TcpFlow flow = listen ? acceptOne(stack, port) : stack.tcp().connect(resolve(host, port));
            copyBothWays(flow, new FileInputStream(FileDescriptor.in), new FileOutputStream(FileDescriptor.out));
        }
        return 0;
    }

    private static TcpFlow acceptOne(Stack stack, int port) throws Exception {
        SynchronousQueue<TcpFlow> handoff = new SynchronousQueue<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        int bound = stack.tcp().listen(port, flow -> {
            handoff.put(flow);
            done.join(); // keep the handler's thread until the copy is over
        });
        System.err.println("tcpip nc: listening on port " + bound);
        TcpFlow flow = handoff.take();
        stack.tcp().unlisten(bound); // one connection only
        done.complete(null);
        return flow;
    }

    /** Copies in → flow (then FIN) and flow → out, both at once; returns when both are finished. */
    static void copyBothWays(TcpFlow flow, InputStream in, OutputStream out) throws Exception {
        CompletableFuture<Void> upload = new CompletableFuture<>();
        // A platform thread: reading a file descriptor blocks it, which would pin a virtual thread's carrier.
        Thread.ofPlatform().daemon().name("tcpip-nc-stdin").start(() -> {
            try {
                byte[] buf = new byte[CHUNK];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (n > 0) {
                        byte[] chunk = java.util.Arrays.copyOf(buf, n);
                        flow.write(ByteBuffer.wrap(chunk));
                    }
                }
                flow.shutdown(Direction.WRITE);
                upload.complete(null);
            } catch (Throwable t) {
                upload.completeExceptionally(t);
            }
        });
        byte[] buf = new byte[CHUNK];
        while (flow.read() instanceof ReadResult.Data(ByteBuffer b)) {
            while (b.hasRemaining()) {
                int n = Math.min(buf.length, b.remaining());
                b.get(buf, 0, n);
                out.write(buf, 0, n);
            }
            out.flush();
        }
        out.flush();
        try {
            upload.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
        flow.close();
    }

    private int parsePort(String s) {
        int p;
        try {
            p = Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw usage("invalid PORT '" + s + "': not a number");
        }
        if (p < 0 || p > 65535) {
            throw usage("invalid PORT '" + s + "': not a port (0..65535)");
        }
        if (!listen && p == 0) {
            throw usage("invalid PORT '0': cannot connect to port 0");
        }
        return p;
    }

    private static InetSocketAddress resolve(String host, int port) throws UnknownHostException {
        return new InetSocketAddress(InetAddress.getByName(host), port);
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
