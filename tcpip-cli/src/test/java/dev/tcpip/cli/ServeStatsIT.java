package dev.tcpip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** `tcpip serve --stats SECONDS` on the socket stack: the table of live flows on stderr, parsed. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServeStatsIT {
    private static final int N = 100_000;

    @Test
    void theTableShowsTheConnectedClientWithItsBytesEachWay() throws Exception {
        try (Cli serve = Cli.start("serve", "--echo", "0", "--stats", "1");
             SocketChannel client = SocketChannel.open()) {
            int port = Cli.port(serve.awaitLine("ready"), "echo");
            client.connect(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), port));
            ByteBuffer out = ByteBuffer.allocate(N);
            while (out.hasRemaining()) {
                client.write(out);
            }
            ByteBuffer back = ByteBuffer.allocate(N);
            while (back.hasRemaining() && client.read(back) >= 0) {
                // the echo
            }
            assertEquals(N, back.position());
            int clientPort = ((InetSocketAddress) client.getLocalAddress()).getPort();
            // The row of this flow once the echo is done (a table printed mid-transfer shows fewer bytes).
            String row = "^(socket +127\\.0\\.0\\.1:" + port + " +127\\.0\\.0\\.1:" + clientPort
                    + " +ESTABLISHED +\\d+ +" + N + " .*)$";
            String line = null;
            for (int tables = 0; tables < 10 && line == null; tables++) {
                try {
                    line = serve.awaitStderr(row);
                } catch (AssertionError e) {
                    if (tables == 9) {
                        throw e;
                    }
                }
            }
            Matcher m = Pattern.compile("^socket +(\\S+) +(\\S+) +(\\S+) +(\\d+) +(\\d+) +(\\d+) +(\\S+) +(\\d+) +(\\S+)$")
                    .matcher(line);
            assertTrue(m.matches(), line);
            long sent = Long.parseLong(m.group(4));
            long retransmissions = Long.parseLong(m.group(8));
            assertEquals(N, Long.parseLong(m.group(5)), "received: " + line);
            assertTrue(retransmissions == 0 ? sent == N : sent > N, "sent (retransmissions included): " + line);
            assertTrue(Long.parseLong(m.group(6)) > 0, "cwnd: " + line);
            assertTrue(m.group(7).matches("\\d+\\.\\d{3}ms"), "srtt: " + line);
            assertTrue(m.group(9).matches("-|\\d+(\\.\\d)?[kMGT]?bit/s"), "delivery rate: " + line);
            assertEquals(0, serve.stop(30));
        }
    }

    @Test
    void aBadPeriodIsAUsageErrorNamingTheOption() throws Exception {
        for (String bad : new String[] {"0", "-1", "abc", "1e9"}) {
            Cli.Result r = Cli.run(60, "serve", "--echo", "0", "--stats", bad);
            assertEquals(2, r.code(), bad + ": " + r.err());
            assertTrue(r.err().contains("--stats"), bad + ": " + r.err());
        }
        Cli.Result g = Cli.run(60, "gateway", "--tap", "tapstats0", "--dns-upstream", "127.0.0.1:53", "--stats", "abc");
        assertEquals(2, g.code(), g.err());
        assertTrue(g.err().contains("--stats"), g.err());
    }
}
