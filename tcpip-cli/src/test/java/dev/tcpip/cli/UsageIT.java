package dev.tcpip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.direct.PlotReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Exit statuses and messages: 0 success, 1 runtime failure, 2 bad usage naming the bad option. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UsageIT {

    @Test
    void badPortIsAUsageErrorNamingTheOption() throws Exception {
        Cli.Result r = Cli.run(30, "serve", "--echo", "70000");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--echo"), r.err());
    }

    @Test
    void nonNumericPortIsAUsageError() throws Exception {
        Cli.Result r = Cli.run(30, "serve", "--http", "eighty");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--http"), r.err());
    }

    @Test
    void unknownOptionIsAUsageError() throws Exception {
        Cli.Result r = Cli.run(30, "serve", "--bogus", "1");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--bogus"), r.err());
    }

    @Test
    void serveWithoutAServiceIsAUsageError() throws Exception {
        Cli.Result r = Cli.run(30, "serve");
        assertEquals(2, r.code());
    }

    @Test
    void directStackOptionsWithoutTapAreUsageErrors() throws Exception {
        Cli.Result r = Cli.run(30, "serve", "--ipv4", "192.0.2.1/24", "--echo", "7");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--ipv4"), r.err());
    }

    @Test
    void ncNeedsHostAndPort() throws Exception {
        assertEquals(2, Cli.run(30, "nc").code());
        Cli.Result r = Cli.run(30, "nc", "127.0.0.1", "notaport");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("PORT"), r.err());
    }

    @Test
    void ncToAClosedPortFailsWithExitOneAndOneLine() throws Exception {
        int port;
        try (ServerSocketChannel s = ServerSocketChannel.open()) {
            s.bind(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0));
            port = ((InetSocketAddress) s.getLocalAddress()).getPort();
        } // closed again: nobody listens there now
        Cli.Result r = Cli.run(30, "nc", "127.0.0.1", String.valueOf(port));
        assertEquals(1, r.code());
        // The address as typed: 127.0.0.1:PORT, never InetSocketAddress's /127.0.0.1:PORT.
        assertEquals("tcpip nc: refused: connection to 127.0.0.1:" + port + " refused", r.err().strip());
    }

    /**
     * Every command's --help, at the 80 columns picocli uses off a terminal: no line is longer, no word or option
     * label is cut across lines (the synopsis breaks between options only), and no line ends early while the next
     * line's first word would have fitted (a description written as separate lines instead of one paragraph).
     */
    @Test
    void helpWorksOnEveryCommandAndWrapsCleanlyAt80Columns() throws Exception {
        for (String cmd : new String[] {"", "serve", "nc", "ping", "demo", "bench", "gateway", "relay"}) {
            Cli.Result r = cmd.isEmpty() ? Cli.run(30, "--help") : Cli.run(30, cmd, "--help");
            assertEquals(0, r.code(), cmd);
            assertTrue(r.out().startsWith("Usage: tcpip " + cmd), r.out());
            assertFalse((r.out() + r.err()).contains("WARN"), r.err());
            List<String> lines = r.out().lines().toList();
            boolean synopsis = true;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                String where = "tcpip " + cmd + " --help, line " + (i + 1) + ": '" + line + "'";
                assertTrue(line.length() <= 80, where + " is longer than 80 columns");
                assertFalse(line.endsWith("%") || line.endsWith("-"), where + " cuts a word");
                synopsis &= i == 0 || line.startsWith(" ");
                if (synopsis) {
                    assertEquals(line.chars().filter(c -> c == '[').count(), line.chars().filter(c -> c == ']').count(),
                            where + " breaks inside an option");
                }
                if (i + 1 < lines.size()) {
                    String next = lines.get(i + 1).strip();
                    String word = next.split(" ", 2)[0];
                    int indent = lines.get(i + 1).indexOf(next);
                    // Text going on: a paragraph's next line (column 0 after column 0) or a table cell's (indented
                    // past the option and command columns), not a heading's first row or the next row.
                    // A sentence that ended ('.', ':') may end its line: what follows is another item.
                    boolean paragraph = indent == 0 && !line.startsWith(" ");
                    boolean continues = !next.isEmpty() && Character.isLowerCase(next.charAt(0))
                            && (paragraph || indent > 8) && !line.endsWith(".") && !line.endsWith(":");
                    // picocli keeps a table cell's last column free: 79 is the widest any line can be filled to.
                    assertFalse(continues && line.length() + 1 + word.length() <= 79,
                            where + " ends early: '" + word + "' would have fitted");
                }
            }
        }
    }

    @Test
    void benchWritesJsonFigures(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("figures.json");
        Cli.Result r = Cli.run(120, "bench", "socket", "--quick", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        String text = Files.readString(json);
        for (String system : new String[] {"socket-loopback", "nio-loopback"}) {
            assertTrue(text.contains("\"system\": \"" + system + "\""), text);
        }
        assertTrue(text.contains("\"work\": \"tcp-bulk\"") && text.contains("\"unit\": \"Gbit/s\""), text);
        assertTrue(r.out().contains("tcp-rr-1byte"), r.out());
        assertEquals(2, Cli.run(30, "bench", "nosuchworkload").code());
    }

    @Test
    void directStackOptionsAreCheckedBeforeAnyDeviceIsOpened() throws Exception {
        String[][] cases = {
                {"--ipv4", "serve", "--tap", "tap9", "--echo", "7"},
                {"--ipv4", "serve", "--tap", "tap9", "--ipv4", "10.0.0.2", "--echo", "7"},
                {"--ipv4", "serve", "--tap", "tap9", "--ipv4", "10.0.0.0/24", "--echo", "7"},
                {"--gateway", "serve", "--tap", "tap9", "--ipv4", "10.0.0.2/24", "--gateway", "10.1.0.1", "--echo", "7"},
                {"--mac", "serve", "--tap", "tap9", "--ipv4", "10.0.0.2/24", "--mac", "01:00:5e:00:00:01", "--echo", "7"},
                {"--mtu", "nc", "--tap", "tap9", "--ipv4", "10.0.0.2/24", "--mtu", "40", "10.0.0.1", "7"},
                {"--loss", "nc", "--tap", "tap9", "--ipv4", "10.0.0.2/24", "--loss", "101", "10.0.0.1", "7"},
                {"--tap", "nc", "--tap", "a-name-far-too-long", "--ipv4", "10.0.0.2/24", "10.0.0.1", "7"},
                {"--pcap", "serve", "--pcap", "x.pcap", "--echo", "7"},
                {"--ipv4", "ping", "--ipv4", "10.0.0.2/24", "10.0.0.1"},
                {"--tun", "serve", "--tap", "tap9", "--tun", "tun9", "--ipv4", "10.0.0.2/24", "--echo", "7"},
                {"--mac", "serve", "--tun", "tun9", "--ipv4", "10.0.0.2/24", "--mac", "02:00:00:00:00:09", "--echo", "7"},
                {"--tun", "nc", "--tun", "a-name-far-too-long", "--ipv4", "10.0.0.2/24", "10.0.0.1", "7"},
                {"--ipv4", "serve", "--tun", "tun9", "--echo", "7"},
        };
        assertUsageErrors(cases, "Try 'tcpip ");
    }

    @Test
    void relayOptionsAreCheckedBeforeAnyDeviceIsOpened() throws Exception {
        String dns = "--dns-upstream=127.0.0.1:53";
        String[][] cases = {
                {"--tun", "relay", dns},
                {"--tun", "relay", dns, "--tun", "a-name-far-too-long"},
                {"--socks5", "relay", dns, "--tun", "tun9", "--socks5", "127.0.0.1"},
                {"--socks5", "relay", dns, "--tun", "tun9", "--socks5", "127.0.0.1:0"},
                {"--socks5", "relay", dns, "--tun", "tun9", "--socks5", "127.0.0.1:70000"},
                {"--socks5", "relay", dns, "--tun", "tun9", "--socks5", "user@127.0.0.1:1080"},
                {"--socks5", "relay", dns, "--tun", "tun9", "--socks5", ":pass@127.0.0.1:1080"},
                {"--socks5", "relay", dns, "--tun", "tun9", "--socks5", "user:@127.0.0.1:1080"},
                {"--socks5", "relay", dns, "--tun", "tun9", "--socks5", "u:p@[::1:1080"},
                {"--mtu", "relay", dns, "--tun", "tun9", "--mtu", "100"},
                {"--mtu", "relay", dns, "--tun", "tun9", "--mtu", "1000", "--ipv6", "fd00:3::1/64"},
                {"--netns", "relay", dns, "--tun", "tun9", "--netns", "tcpip-no-such-ns"},
                {"--max-flows", "relay", dns, "--tun", "tun9", "--max-flows", "0"},
                {"--udp-timeout", "relay", dns, "--tun", "tun9", "--udp-timeout", "0"},
                {"--ipv4", "relay", dns, "--tun", "tun9", "--ipv4", "10.0.3.255/24"},
                {"--ipv4", "relay", dns, "--tun", "tun9", "--ipv4", "10.0.3.254/24"},
                {"--ipv4", "relay", dns, "--tun", "tun9", "--ipv4", "10.0.3.1"},
                {"--ipv6", "relay", dns, "--tun", "tun9", "--ipv6", "fd00:3::ffff:ffff:ffff:ffff/64"},
                {"--ipv6", "relay", dns, "--tun", "tun9", "--ipv6", "10.0.3.1/64"},
                {"--dns-upstream", "relay", "--tun", "tun9", "--dns-upstream", "127.0.0.1"},
                {"--stats", "relay", dns, "--tun", "tun9", "--stats", "0"},
        };
        assertUsageErrors(cases, "Try 'tcpip relay --help'");
    }

    /** Each case, {option, args...}: exit 2, the message naming the option and the hint given. */
    private static void assertUsageErrors(String[][] cases, String hint) throws Exception {
        for (String[] c : cases) {
            Cli.Result r = Cli.run(30, java.util.Arrays.copyOfRange(c, 1, c.length));
            String line = String.join(" ", c);
            assertEquals(2, r.code(), line + ": " + r.err());
            assertTrue(r.err().contains(c[0]), line + " names " + c[0] + ": " + r.err());
            assertTrue(r.err().contains(hint), line + ": " + r.err());
        }
    }

    @Test
    void demoWithLossPlotsItsTransferWithTheRetransmissionsMarked(@TempDir Path dir) throws Exception {
        Path svg = dir.resolve("demo.svg");
        Cli.Result r = Cli.run(120, "demo", "--pcap", dir.resolve("demo.pcap").toString(), "--bytes", "4000000",
                "--loss", "2", "--plot", svg.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "2.0% loss each way: (\\d+) frames dropped, (\\d+) segments retransmitted").matcher(r.out());
        assertTrue(m.find(), r.out());
        long retransmitted = Long.parseLong(m.group(2));
        assertTrue(Long.parseLong(m.group(1)) > 0 && retransmitted > 0, "2 % of about 4,000 frames: " + m.group());
        assertTrue(r.out().contains("plot  of A's side") && r.out().contains(svg.toString()), r.out());
        PlotReader plot = PlotReader.parse(Files.readString(svg));
        assertEquals("svg", plot.root().getLocalName());
        assertTrue(plot.root().getTextContent().contains("10.0.0.1:") && plot.root().getTextContent()
                .contains("10.0.0.2:9"), "the title names the flow");
        // One marker per retransmitted segment: the data segments counted above, and any FIN or SYN sent again.
        List<double[]> marks = plot.bars("retransmissions");
        assertEquals("false", plot.group("retransmissions").getAttribute("data-merged"));
        assertEquals(Integer.parseInt(plot.group("retransmissions").getAttribute("data-count")), marks.size());
        assertTrue(marks.size() >= retransmitted, marks.size() + " markers for " + retransmitted + " retransmissions");
        PlotReader.Panel panel = plot.panel("seq-panel");
        for (double[] b : marks) {
            assertTrue(panel.inside(new double[] {b[0], b[1]}) && panel.inside(new double[] {b[0], b[2]}));
        }
        assertTrue(!plot.points("acks").isEmpty() && !plot.points("cwnd").isEmpty());
    }

    @Test
    void demoLossAndBenchPlotAreCheckedAsUsage() throws Exception {
        Cli.Result r = Cli.run(30, "demo", "--loss", "60");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--loss"), r.err());
        r = Cli.run(30, "bench", "socket", "--plot", "x.svg");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--plot") && r.err().contains("direct-tcp"), r.err());
    }

    @Test
    void demoExchangesTcpUdpAndPingsWithoutRoot(@TempDir Path dir) throws Exception {
        Path pcap = dir.resolve("demo.pcap");
        Cli.Result r = Cli.run(120, "demo", "--pcap", pcap.toString(), "--bytes", "8388608");
        assertEquals(0, r.code(), r.out() + r.err());
        for (String expected : new String[] {"rtt min/avg/max", "udp   65507  bytes", "same bytes back", "MB/s",
                "all succeeded", pcap.toString()}) {
            assertTrue(r.out().contains(expected), expected + " in: " + r.out());
        }
        assertTrue(Files.size(pcap) > 10_000, "the capture was written");
    }
}
