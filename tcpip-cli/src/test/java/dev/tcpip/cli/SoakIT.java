package dev.tcpip.cli;

import static dev.tcpip.cli.TapLink.STACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.NeedsNetAdmin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A soak of {@code tcpip serve --tap}: for {@code tcpip.soak.seconds} (default 180; BENCHMARKS.md records a
 * 600 s run) two wrk clients run at once, one on kept-alive connections and one opening a new connection per
 * request (connection churn: handshakes, FINs and TIME_WAIT all the time), while OpenBSD nc sends 4 MiB through
 * the echo service again and again, each echo checked by SHA-256. Passes with 0 errors from wrk, every echo
 * byte-exact, and the process's resident memory and open file descriptors flat after the first third of the
 * run (the warm-up): the largest later sample at most 10 % above the sample at the warm-up's end. The heap is
 * fixed at 256 MB and touched at start, so that the JVM growing its heap into free memory is not mistaken for a
 * leak in RSS (CI saw +24 % in 3 minutes from a 32 MB initial heap); the heap itself is checked from the GC
 * log: its lowest occupancy after a GC in the last third at most 10 % (+8 MB) above that of the middle third.
 */
@NeedsNetAdmin
class SoakIT {
    private static final long SECONDS = Long.getLong("tcpip.soak.seconds", 180);
    private static final long SAMPLE_SECONDS = 5;
    private static final int ECHO_BYTES = 4 << 20;

    @TempDir
    Path dir;

    @Test
    void wrkWithChurnAndEchoTransfersLeaveMemoryAndDescriptorsFlat() throws Exception {
        assertTrue(SECONDS >= 30 && SECONDS <= 3600, "tcpip.soak.seconds in 30..3600: " + SECONDS);
        Path payload = dir.resolve("echo.bin");
        byte[] bytes = new byte[ECHO_BYTES];
        new Random(7).nextBytes(bytes);
        Files.write(payload, bytes);
        String sha = TapLink.sha256(bytes);
        try (TapLink link = TapLink.create()) {
            ProcessBuilder pb = link.tcpip("serve", "--http", "80", "--echo", "7");
            Path gcLog = dir.resolve("gc.log");
            // After the launcher's options (the last -Xms wins): the whole heap committed and touched at start,
            // so that RSS measures everything but the heap, and a GC log for the heap's live size.
            pb.command().addAll(pb.command().indexOf("-jar"), List.of("-Xms256m", "-Xmx256m",
                    "-XX:+AlwaysPreTouch", "-Xlog:gc:file=" + gcLog));
            Cli serve = link.start(pb);
            serve.awaitLine("ready");
            long pid = serve.process.pid();
            String wrk = "wrk -t 1 -d " + SECONDS + "s --timeout 5s ";
            CompletableFuture<String> kept = sh(link, SECONDS + 60, wrk + "-c 20 http://" + STACK + "/");
            CompletableFuture<String> churn = sh(link, SECONDS + 60,
                    wrk + "-c 8 -H 'Connection: close' http://" + STACK + "/");
            CompletableFuture<int[]> echoes = CompletableFuture.supplyAsync(() -> echoLoop(link, payload, sha),
                    r -> Thread.ofVirtual().start(r));

            long start = System.nanoTime();
            long warmUpEnd = SECONDS / 3;
            long rssAtWarmUp = 0;
            long fdsAtWarmUp = 0;
            long rssMax = 0;
            long fdsMax = 0;
            for (long t = SAMPLE_SECONDS; t < SECONDS; t += SAMPLE_SECONDS) {
                TimeUnit.NANOSECONDS.sleep(start + TimeUnit.SECONDS.toNanos(t) - System.nanoTime()); // sample pacing
                long rss = rss(pid);
                long fds = fds(pid);
                if (rssAtWarmUp == 0 && t >= warmUpEnd) {
                    rssAtWarmUp = rss;
                    fdsAtWarmUp = fds;
                } else if (rssAtWarmUp != 0) {
                    rssMax = Math.max(rssMax, rss);
                    fdsMax = Math.max(fdsMax, fds);
                }
                assertTrue(serve.process.isAlive(), "serve is still running at " + t + " s");
            }
            String keptOut = kept.get(SECONDS + 90, TimeUnit.SECONDS);
            String churnOut = churn.get(SECONDS + 90, TimeUnit.SECONDS);
            int[] echo = echoes.get(SECONDS + 300, TimeUnit.SECONDS);
            long keptRequests = requests(keptOut);
            long churnRequests = requests(churnOut);
            System.out.printf("soak %d s: wrk kept-alive %,d requests, wrk new-connection-per-request %,d requests,"
                            + " %d echoes of 4 MiB byte-exact; RSS at warm-up %,d, max after %,d (%+.1f %%);"
                            + " fds at warm-up %d, max after %d%n", SECONDS, keptRequests, churnRequests, echo[0],
                    rssAtWarmUp, rssMax, 100.0 * (rssMax - rssAtWarmUp) / rssAtWarmUp, fdsAtWarmUp, fdsMax);
            for (String out : new String[] {keptOut, churnOut}) {
                assertFalse(out.contains("Socket errors"), out);
                assertFalse(out.contains("Non-2xx"), out);
            }
            assertTrue(keptRequests > 1000 && churnRequests > 1000, keptOut + churnOut);
            assertEquals(0, echo[1], "echoes that were not byte-exact");
            assertTrue(echo[0] >= 3, "echoes completed: " + echo[0]);
            assertTrue(rssMax <= rssAtWarmUp * 1.10, "RSS grew from " + rssAtWarmUp + " to " + rssMax);
            long[] live = liveHeapFloors(gcLog);
            System.out.printf("soak: heap after GC, lowest in the middle third %,d, in the last third %,d%n",
                    live[0], live[1]);
            assertTrue(live[1] <= live[0] * 1.10 + (8 << 20),
                    "the heap's floor after GC grew from " + live[0] + " to " + live[1]);
            assertTrue(fdsMax <= fdsAtWarmUp * 1.10, "fds grew from " + fdsAtWarmUp + " to " + fdsMax);
            assertEquals(0, serve.stop(10), "serve exits 0 on SIGTERM after the soak");
        }
    }

    /** nc echoes until the soak's time is up: {done, mismatched}. */
    private static int[] echoLoop(TapLink link, Path payload, String sha) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS - 10);
        int done = 0;
        int bad = 0;
        for (int i = 0; i < 10_000 && System.nanoTime() < end; i++) {
            try {
                String out = link.sh(120, "nc -N -w 60 " + STACK + " 7 < " + payload + " | sha256sum");
                if (TapLink.firstWord(out).equals(sha)) {
                    done++;
                } else {
                    bad++;
                }
            } catch (IOException | InterruptedException e) {
                bad++;
            }
        }
        return new int[] {done, bad};
    }

    private static CompletableFuture<String> sh(TapLink link, long timeout, String script) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return link.sh(timeout, script);
            } catch (IOException | InterruptedException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, r -> Thread.ofVirtual().start(r));
    }

    private static long requests(String wrkOutput) {
        Matcher m = Pattern.compile("(\\d+) requests in").matcher(wrkOutput);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static long rss(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new AssertionError("no VmRSS for " + pid);
    }

    /**
     * The lowest heap occupancy after a GC in the middle third of the run and in the last third, from the
     * {@code -Xlog:gc} lines ({@code [12.345s][info][gc] GC(3) Pause Young ... 150M->45M(256M) 3.456ms}): garbage
     * comes and goes between collections, but a leak raises the floor.
     */
    private static long[] liveHeapFloors(Path gcLog) throws IOException {
        Pattern line = Pattern.compile("^\\[([0-9.]+)s\\].* (\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)[KMG]\\)");
        long[] floors = {Long.MAX_VALUE, Long.MAX_VALUE};
        for (String l : Files.readAllLines(gcLog)) {
            Matcher m = line.matcher(l);
            if (!m.find()) {
                continue;
            }
            double at = Double.parseDouble(m.group(1));
            long after = Long.parseLong(m.group(4)) << switch (m.group(5)) {
                case "K" -> 10;
                case "M" -> 20;
                default -> 30;
            };
            int third = (int) (at * 3 / SECONDS);
            if (third == 1 || third == 2) {
                floors[third - 1] = Math.min(floors[third - 1], after);
            }
        }
        assertTrue(floors[0] != Long.MAX_VALUE && floors[1] != Long.MAX_VALUE,
                "a GC in the middle and in the last third of the run: " + gcLog);
        return floors;
    }

    private static long fds(long pid) throws IOException {
        try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return s.count();
        }
    }
}
