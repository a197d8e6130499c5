package dev.tcpip.cli;

import static dev.tcpip.cli.TapLink.firstWord;
import static dev.tcpip.cli.TapLink.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The byte-exact transfers of the TAP interop tests, over IPv4 or IPv6: curl against {@code serve --http}, a
 * Linux client of {@code serve --echo}, and {@code tcpip nc} against socat in both roles. {@code stack} and
 * {@code kernel} are the two ends' addresses of one family; files go to {@code dir}.
 */
final class TapTransfers {
    private final TapLink link;
    private final Path dir;
    private final String stack;
    private final String kernel;
    private final boolean v6;

    TapTransfers(TapLink link, Path dir, String stack, String kernel) {
        this.link = link;
        this.dir = dir;
        this.stack = stack;
        this.kernel = kernel;
        this.v6 = stack.contains(":");
    }

    /** The stack's URL for {@code path} (curl needs -g for the brackets of an IPv6 literal). */
    String url(int port, String path) {
        return "'http://" + (v6 ? "[" + stack + "]" : stack) + ":" + port + path + "'";
    }

    /** GET / and GET /bytes/N with its sha256, then POST /sha256 of {@code postBytes} random bytes. */
    void curl(int getBytes, int postBytes) throws Exception {
        assertEquals("hello from tcpip\n", link.sh(20, "curl -g -sS -m 10 " + url(80, "/")));
        String got = link.sh(240, "curl -g -sS -m 230 " + url(80, "/bytes/" + getBytes) + " | sha256sum");
        assertEquals(sha256(TapLink.pattern(getBytes)), firstWord(got), "GET /bytes/" + getBytes);
        Path body = randomFile("post", postBytes);
        String posted = link.sh(240, "curl -g -sS -m 230 --data-binary @" + body + " " + url(80, "/sha256"));
        assertEquals(sha256(Files.readAllBytes(body)), posted.strip(), "POST /sha256 of " + postBytes + " bytes");
    }

    /** OpenBSD nc sends {@code bytes} to the echo service on port 7 and half-closes; the echo must match. */
    void echo(int bytes) throws Exception {
        Path f = randomFile("echo", bytes);
        String echoed = link.sh(240, "nc -N -w 60 " + stack + " 7 < " + f + " | sha256sum");
        assertEquals(sha256(Files.readAllBytes(f)), firstWord(echoed), "echo of " + bytes + " bytes");
    }

    /** The same through socat, which half-closes at the end of its input and then waits for the echo's end. */
    void echoBySocat(int bytes) throws Exception {
        Path f = randomFile("echo", bytes);
        String to = v6 ? "TCP6:[" + stack + "]:7" : "TCP:" + stack + ":7";
        String echoed = link.sh(240, "socat -t 60 - " + to + " < " + f + " | sha256sum");
        assertEquals(sha256(Files.readAllBytes(f)), firstWord(echoed), "echo of " + bytes + " bytes through socat");
    }

    /**
     * tcpip nc as a client of a Linux listener, then a Linux client of tcpip nc -l; each time {@code bytes}
     * each way at once. socat is the Linux end: it keeps sending its input after the peer's FIN (-t gives the
     * other direction time to finish), where OpenBSD nc stops.
     */
    void ncBothRoles(int bytes, String... extra) throws Exception {
        ncBothRoles(bytes, List.of(extra), List.of(extra));
    }

    /** {@link #ncBothRoles(int, String...)} with {@code connect} options for tcpip nc, {@code listen} for nc -l. */
    void ncBothRoles(int bytes, List<String> connect, List<String> listen) throws Exception {
        Path fromLinux = randomFile("from-linux", bytes);
        Path fromTcpip = randomFile("from-tcpip", bytes);
        String linuxSha = sha256(Files.readAllBytes(fromLinux));
        String tcpipSha = sha256(Files.readAllBytes(fromTcpip));

        Path atLinux = dir.resolve("at-linux-1");
        Path atTcpip = dir.resolve("at-tcpip-1");
        Cli socat = link.start(new ProcessBuilder(link.ns.command("socat", "-t", "60",
                (v6 ? "TCP6-LISTEN:9000,bind=[" + kernel + "]" : "TCP-LISTEN:9000") + ",reuseaddr",
                "SYSTEM:cat " + fromLinux + " & cat > " + atLinux + "; wait")));
        awaitListening(link, 9000);
        List<String> args = new ArrayList<>(connect);
        args.addAll(List.of(kernel, "9000"));
        Cli nc = link.start(link.tcpip("nc", args.toArray(String[]::new))
                .redirectInput(fromTcpip.toFile()).redirectOutput(atTcpip.toFile()));
        assertEquals(0, nc.waitFor(240), "tcpip nc exits 0");
        assertEquals(0, socat.waitFor(60), "socat exits 0");
        assertEquals(tcpipSha, sha256(Files.readAllBytes(atLinux)), "tcpip nc → Linux listener");
        assertEquals(linuxSha, sha256(Files.readAllBytes(atTcpip)), "Linux listener → tcpip nc");

        Path atLinux2 = dir.resolve("at-linux-2");
        Path atTcpip2 = dir.resolve("at-tcpip-2");
        List<String> largs = new ArrayList<>(listen);
        largs.addAll(List.of("-l", "9001"));
        Cli listener = link.start(link.tcpip("nc", largs.toArray(String[]::new))
                .redirectInput(fromTcpip.toFile()).redirectOutput(atTcpip2.toFile()));
        listener.awaitStderr("listening on port (\\d+)");
        link.ns.run(240, "socat", "-t", "60", v6 ? "TCP6:[" + stack + "]:9001" : "TCP:" + stack + ":9001",
                "SYSTEM:cat " + fromLinux + " & cat > " + atLinux2 + "; wait");
        assertEquals(0, listener.waitFor(60), "tcpip nc -l exits 0");
        assertEquals(tcpipSha, sha256(Files.readAllBytes(atLinux2)), "tcpip nc -l → Linux client");
        assertEquals(linuxSha, sha256(Files.readAllBytes(atTcpip2)), "Linux client → tcpip nc -l");
    }

    /** socat prints nothing when it listens: poll the namespace's sockets, bounded (no event to wait on). */
    static void awaitListening(TapLink link, int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (link.ns.run(10, "ss", "-Hltn", "sport = :" + port).isBlank()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("nothing listens on port " + port + " after 20 s");
            }
            Thread.onSpinWait();
        }
    }

    /** A file of {@code bytes} seeded random bytes in the test's directory. */
    Path randomFile(String name, int bytes) throws IOException {
        byte[] b = new byte[bytes];
        new SplittableRandom(name.hashCode()).nextBytes(b);
        Path f = dir.resolve(name + "-" + bytes);
        Files.write(f, b);
        return f;
    }
}
