package dev.tcpip.cli;

import static dev.tcpip.cli.TapLink.STACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.NeedsNetAdmin;
import dev.tcpip.device.NetNamespace;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping {@code tcpip serve --tap} as a script does (issue: signals): started in the background by a
 * non-interactive shell, so with SIGINT ignored, it must stop on {@code kill -INT}: stop accepting, give open flows
 * 1 s of grace, end the rest with RST, flush and close the pcap, and exit 0, all within 2 s; a second signal
 * exits at once.
 */
@NeedsNetAdmin
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TapStopIT {
    @TempDir
    Path dir;

    @Test
    void aScriptsSigintStopsServeWithinTwoSecondsResetsIdleFlowsAndLeavesAReadablePcap() throws Exception {
        Path pcap = dir.resolve("stop.pcap");
        try (TapLink link = TapLink.create()) {
            try (Cli script = backgrounded(link, "serve", "--echo", "7", "--pcap", pcap.toString())) {
                script.awaitLine("ready");
                ProcessHandle serve = script.process.children().findFirst().orElseThrow();
                try (SocketChannel idle = link.ns.onThread(() -> SocketChannel.open(new InetSocketAddress(STACK, 7)))) {
                    echoOne(idle);
                    long t0 = System.nanoTime();
                    kill("INT", serve);
                    assertEquals(0, script.waitFor(10), "exit status through bash's wait");
                    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    System.out.println("serve --tap stopped " + ms + " ms after SIGINT");
                    assertTrue(ms <= 2_000, "stopped within 2 s of SIGINT: " + ms + " ms");
                    ByteBuffer rest = ByteBuffer.allocate(16);
                    IOException reset = assertThrows(IOException.class, () -> idle.read(rest),
                            "the idle flow is reset, not closed as if complete");
                    assertTrue(String.valueOf(reset.getMessage()).contains("reset"), reset.toString());
                } finally {
                    script.process.descendants().forEach(ProcessHandle::destroyForcibly);
                }
            }
        }
        String rsts = NetNamespace.exec(60, List.of("tshark", "-n", "-r", pcap.toString(), "-Y",
                "ip.src==" + STACK + " && tcp.flags.reset==1"));
        assertTrue(rsts.lines().count() >= 1, "the pcap is readable to its end and holds the stop's RST: " + rsts);
    }

    @Test
    void aSecondSignalExitsAtOnce() throws Exception {
        try (TapLink link = TapLink.create()) {
            try (Cli script = backgrounded(link, "serve", "--echo", "7")) {
                script.awaitLine("ready");
                ProcessHandle serve = script.process.children().findFirst().orElseThrow();
                try (SocketChannel idle = link.ns.onThread(() -> SocketChannel.open(new InetSocketAddress(STACK, 7)))) {
                    echoOne(idle);                       // an open flow: the first signal's grace would wait for it
                    kill("INT", serve);
                    kill("INT", serve);
                    assertEquals(128 + 2, script.waitFor(10), "the second SIGINT halts: 128 + SIGINT");
                } finally {
                    script.process.descendants().forEach(ProcessHandle::destroyForcibly);
                }
            }
        }
    }

    /** {@code bash -c '"$@" & wait $!'}: the command runs as a script's background job, SIGINT ignored. */
    private static Cli backgrounded(TapLink link, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", "\"$@\" & wait $!", "bash"));
        cmd.addAll(link.tcpip(args[0], java.util.Arrays.copyOfRange(args, 1, args.length)).command());
        return Cli.start(new ProcessBuilder(cmd));
    }

    private static void echoOne(SocketChannel ch) throws IOException {
        ch.write(ByteBuffer.wrap(new byte[] {42}));
        ByteBuffer one = ByteBuffer.allocate(1);
        assertEquals(1, ch.read(one), "the flow works before the stop");
    }

    private static void kill(String signal, ProcessHandle target) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(target.pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal);
    }
}
