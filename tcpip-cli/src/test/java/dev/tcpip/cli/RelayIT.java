package dev.tcpip.cli;

import static dev.tcpip.cli.GatewayWorld.FAR;
import static dev.tcpip.cli.GatewayWorld.FAR6;
import static dev.tcpip.cli.GatewayWorld.FAR_ECHO;
import static dev.tcpip.cli.GatewayWorld.FAR_HTTP;
import static dev.tcpip.cli.GatewayWorld.HOST_SIDE;
import static dev.tcpip.cli.GatewayWorld.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.NeedsNetAdmin;
import dev.tcpip.device.NetNamespace;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code tcpip relay} as its users run it (CLI.md, issue 16): guest namespaces route everything into a TUN device
 * that a relay in the host namespace serves ({@code --netns GUEST --configure}); the far server is reached through
 * the host's sockets, or through a SOCKS5 proxy in the host namespace: microsocks (CONNECT, with and without
 * user/password) and Dante (CONNECT and UDP ASSOCIATE). One relay per path, all in one {@link GatewayWorld}.
 *
 * <p>microsocks has no UDP ASSOCIATE, and it ends both directions of a connection at the first end of stream (its
 * relay loop stops on either side's EOF), so UDP and half-close are asserted on the direct and Dante paths only.
 */
@NeedsNetAdmin
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RelayIT {
    private static final int MIB = 1 << 20;
    private static final String RELAY_DNS = "10.0.3.2";
    private static final String RELAY6 = "fd00:3::1";
    private static final int MICROSOCKS = 1080;
    private static final int MICROSOCKS_AUTH = 1081;
    private static final int DANTE = 1082;
    private static final Pattern RELAY_LINE = Pattern.compile("^relay: tcp=(\\d+) udp=(\\d+)");
    private static final Pattern STATS_LINE = Pattern.compile("^tcpip stats: (\\d+) flows?");

    @TempDir
    static Path dir;

    private GatewayWorld world;
    /** Each path's guest namespace and relay, by name. */
    private final Map<String, NetNamespace> guests = new LinkedHashMap<>();
    private final Map<String, Watched> relays = new LinkedHashMap<>();

    /** A relay whose stderr (the --stats tables) is read all along, its last relay and table lines kept. */
    static final class Watched {
        final Cli cli;
        private final Object lock = new Object();
        private int tcp = -1;
        private int udp = -1;
        private int flows = -1;
        private long tables;

        Watched(Cli cli) {
            this.cli = cli;
            Thread.ofVirtual().start(this::read);
        }

        private void read() {
            BufferedReader r = new BufferedReader(new InputStreamReader(cli.process.getErrorStream(),
                    StandardCharsets.UTF_8));
            try {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    Matcher s = STATS_LINE.matcher(line);
                    Matcher m = RELAY_LINE.matcher(line);
                    synchronized (lock) {
                        if (s.find()) {
                            flows = Integer.parseInt(s.group(1));
                        } else if (m.find()) {
                            tcp = Integer.parseInt(m.group(1));
                            udp = Integer.parseInt(m.group(2));
                            tables++;
                            lock.notifyAll();
                        }
                    }
                }
            } catch (IOException e) {
                // the relay has exited
            }
        }

        /**
         * Waits (at most {@code seconds}) for a stats table, begun after this call, in which the forwarder holds
         * {@code tcp} TCP flows (and no UDP flow when {@code tcp} is 0, nor any flow in the table); returns whether
         * one came.
         */
        boolean awaitFlows(int tcp, long seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            synchronized (lock) {
                long seen = tables + 1;             // the table being printed may predate the call
                while (true) {                       // bounded by the deadline
                    if (tables > seen && this.tcp == tcp && (tcp > 0 || (udp == 0 && flows == 0))) {
                        return true;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                }
            }
        }

        String last() {
            synchronized (lock) {
                return "relay tcp=" + tcp + " udp=" + udp + ", table " + flows + " flows";
            }
        }
    }

    @BeforeAll
    void start() throws Exception {
        world = GatewayWorld.create();
        world.daemon(MICROSOCKS, dir.resolve("microsocks.log"), "microsocks -i 127.0.0.1 -p " + MICROSOCKS);
        world.daemon(MICROSOCKS_AUTH, dir.resolve("microsocks-auth.log"),
                "microsocks -i 127.0.0.1 -p " + MICROSOCKS_AUTH + " -u relay -P 's3c:ret'");
        Path conf = dir.resolve("danted.conf");
        Files.writeString(conf, String.join("\n",
                "logoutput: stderr",
                "internal: 127.0.0.1 port = " + DANTE,
                "external: " + HOST_SIDE,
                "clientmethod: none",
                "socksmethod: none",
                "user.privileged: root",
                "user.unprivileged: nobody",
                "client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }",
                "socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 command: connect udpassociate udpreply }",
                ""));
        world.daemon(DANTE, dir.resolve("danted.log"), "danted -f " + conf + " -p " + dir.resolve("danted.pid"));
        relay("direct", "--ipv6", RELAY6 + "/64", "--stats", "1");
        relay("microsocks", "--socks5", "127.0.0.1:" + MICROSOCKS, "--stats", "1");
        // The password through the environment, as a user keeps it out of ps (the inline USER:PASS@ form is
        // RelayCredentialsTest's).
        guests.put("microsocks-auth", world.guest());
        relays.put("microsocks-auth", new Watched(world.relay(guests.get("microsocks-auth"),
                java.util.Map.of(Relay.PASSWORD_VARIABLE, "s3c:ret"), "--socks5", "relay@127.0.0.1:" + MICROSOCKS_AUTH)));
        relay("dante", "--socks5", "127.0.0.1:" + DANTE);
        // The far network is routed into each guest's TUN by --configure's default route.
        assertTrue(guests.get("direct").ip("route", "show").contains("default dev tun0"));
    }

    private void relay(String path, String... args) throws Exception {
        NetNamespace g = world.guest();
        guests.put(path, g);
        relays.put(path, new Watched(world.relay(g, args)));
    }

    @AfterAll
    void stop() throws Exception {
        if (world != null) {
            world.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct", "microsocks", "microsocks-auth", "dante"})
    void curlGetsOneHundredMebibytesAndPostsSixtyFour(String path) throws Exception {
        NetNamespace g = guests.get(path);
        String base = "http://" + FAR + ":" + FAR_HTTP;
        String got = sh(g, 240, "curl -sS -m 200 " + base + "/bytes/" + 100 * MIB + " | sha256sum");
        assertEquals(TapLink.sha256(TapLink.pattern(100 * MIB)), TapLink.firstWord(got), "GET 100 MiB via " + path);
        Path f = random("post", 64 * MIB);
        String posted = sh(g, 240, "curl -sS -m 200 --data-binary @" + f + " -H 'Content-Type:"
                + " application/octet-stream' " + base + "/sha256");
        assertEquals(TapLink.sha256(Files.readAllBytes(f)), posted.strip(), "POST 64 MiB via " + path);
    }

    @Test
    void curlOverIpv6ThroughTheDirectRelay() throws Exception {
        String got = sh(guests.get("direct"), 60, "curl -sS -g -m 30 http://[" + FAR6 + "]:" + FAR_HTTP + "/bytes/"
                + 8 * MIB + " | sha256sum");
        assertEquals(TapLink.sha256(TapLink.pattern(8 * MIB)), TapLink.firstWord(got));
    }

    /** The guest half-closes: everything it sent comes back after its FIN (nc -N shuts its write side at EOF). */
    @ParameterizedTest
    @ValueSource(strings = {"direct", "dante"})
    void halfCloseEchoOfSixteenMebibytesFromTheGuestSide(String path) throws Exception {
        Path f = random("echo", 16 * MIB);
        String echoed = sh(guests.get(path), 120, "nc -N -w 60 " + FAR + " " + FAR_ECHO + " < " + f
                + " | sha256sum");
        assertEquals(TapLink.sha256(Files.readAllBytes(f)), TapLink.firstWord(echoed), "echo of 16 MiB via " + path);
    }

    /**
     * The far server half-closes: it sends 16 MiB and its FIN, then reads what the guest sends back after that FIN
     * until the guest's; both sides' bytes arrive whole.
     */
    @ParameterizedTest
    @ValueSource(strings = {"direct", "dante"})
    void halfCloseFromTheFarSideBothWays(String path) throws Exception {
        int port = 9000 + path.length();
        Path server = dir.resolve("halfclose-server-" + path + ".py");
        Files.writeString(server, "import socket,hashlib,random,sys\n"
                + "data=random.Random(16).randbytes(16<<20)\n"
                + "l=socket.socket(); l.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
                + "l.bind(('0.0.0.0'," + port + ")); l.listen(1); print('listening',flush=True)\n"
                + "c,_=l.accept(); c.settimeout(60); c.sendall(data); c.shutdown(socket.SHUT_WR)\n"
                + "h=hashlib.sha256(); n=0\n"
                + "while True:\n"
                + "    b=c.recv(1<<16)\n"
                + "    if not b: break\n"
                + "    h.update(b); n+=len(b)\n"
                + "print(n,h.hexdigest(),hashlib.sha256(data).hexdigest(),flush=True)\n");
        Process p = new ProcessBuilder(world.far.command("python3", server.toString()))
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("listening", out.readLine());
            String client = python(guests.get(path), "halfclose-client-" + path, "import socket,hashlib\n"
                    + "s=socket.create_connection(('" + FAR + "'," + port + "),timeout=60); got=bytearray()\n"
                    + "while True:\n"
                    + "    b=s.recv(1<<16)\n"
                    + "    if not b: break\n"
                    + "    got+=b\n"
                    + "s.sendall(got); s.shutdown(socket.SHUT_WR); s.recv(1); s.close()\n"
                    + "print(len(got),hashlib.sha256(got).hexdigest())\n");
            String[] c = client.strip().split(" ");
            String[] s = out.readLine().strip().split(" ");
            assertEquals(String.valueOf(16 * MIB), c[0], "the guest got 16 MiB and the FIN via " + path);
            assertEquals(s[2], c[1], "the far side's bytes arrived whole");
            assertEquals(String.valueOf(16 * MIB), s[0], "the far side got the guest's bytes after its own FIN");
            assertEquals(s[2], s[1], "the guest's bytes arrived whole");
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * microsocks: 16 MiB echoed in lock-step, 64 KiB at a time, the guest keeping its side open until all came back.
     * (With more in flight microsocks deadlocks against an echo: one thread per client, blocking writes each way.)
     */
    @ParameterizedTest
    @ValueSource(strings = {"microsocks", "microsocks-auth"})
    void echoOfSixteenMebibytesThroughMicrosocks(String path) throws Exception {
        Path f = random("echo", 16 * MIB);
        String out = python(guests.get(path), "echo-" + path, "import socket,hashlib\n"
                + "data=open('" + f + "','rb').read()\n"
                + "s=socket.create_connection(('" + FAR + "'," + FAR_ECHO + "),timeout=60); got=bytearray()\n"
                + "for off in range(0,len(data),1<<16):\n"
                + "    chunk=data[off:off+(1<<16)]; s.sendall(chunk); n=0\n"
                + "    while n<len(chunk):\n"
                + "        b=s.recv(1<<16)\n"
                + "        if not b: raise SystemExit('closed early at %d' % (off+n))\n"
                + "        got+=b; n+=len(b)\n"
                + "s.close(); print(hashlib.sha256(got).hexdigest())\n");
        assertEquals(TapLink.sha256(Files.readAllBytes(f)), out.strip(), "echo of 16 MiB via " + path);
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct", "dante"})
    void udpEchoOfEverySize(String path) throws Exception {
        String out = python(guests.get(path), "udp-" + path, "import socket,os\n"
                + "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.settimeout(5)\n"
                + "s.connect(('" + FAR + "'," + FAR_ECHO + "))\n"
                + "for n in [1,2,100,512,1000,1400,1472]:\n"
                + "    d=os.urandom(n); s.send(d); r=s.recv(65535)\n"
                + "    assert r==d, (n,len(r))\n"
                + "print('udp ok')\n");
        assertTrue(out.contains("udp ok"), out);
    }

    /** DNS to the relay's address over TCP on every path (a CONNECT through a proxy), over UDP where UDP goes. */
    @ParameterizedTest
    @ValueSource(strings = {"direct", "microsocks", "microsocks-auth", "dante"})
    void dnsThroughTheRelaysForwarder(String path) throws Exception {
        NetNamespace g = guests.get(path);
        assertEquals(FAR, sh(g, 30, "dig +tcp +short +time=3 +tries=2 @" + RELAY_DNS + " far.test").strip());
        if (!path.startsWith("microsocks")) {
            assertEquals(FAR, sh(g, 30, "dig +short +time=3 +tries=2 @" + RELAY_DNS + " far.test").strip());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct", "microsocks", "microsocks-auth", "dante"})
    void aClosedFarPortIsRefusedAtOnce(String path) throws Exception {
        // curl's exit 7 is "couldn't connect" (a RST from the relay); a timeout (28) would mean no refusal came.
        String out = sh(guests.get(path), 30, "curl -sS -o /dev/null -m 5 http://" + FAR + ":81/ 2>&1; echo $?");
        assertTrue(out.contains("Connection refused") || out.contains("Couldn't connect"), out);
        assertEquals("7", out.strip().lines().reduce((a, b) -> b).orElse(""), out);
    }

    /**
     * 1,000 connections opened through the relay and held (each carrying a few bytes both ways), then closed: the
     * relay's flow table is empty again and its file descriptors are back to what they were.
     */
    @ParameterizedTest
    @ValueSource(strings = {"direct", "microsocks"})
    void aThousandConcurrentConnectionsLeaveNothingBehind(String path) throws Exception {
        Watched relay = relays.get(path);
        NetNamespace g = guests.get(path);
        // Warm up (threads, selectors, buffers the first flows make), then take the baseline.
        sh(g, 60, "for i in $(seq 20); do echo x | nc -N -w 5 " + FAR + " " + FAR_ECHO + " >/dev/null; done");
        assertTrue(relay.awaitFlows(0, 30), "no flow left after the warm-up: " + relay.last());
        long pid = relay.cli.process.pid();
        long before = fds(pid);
        Path py = dir.resolve("thousand.py");
        Files.writeString(py, "import socket,resource,sys\n"
                + "resource.setrlimit(resource.RLIMIT_NOFILE,(4096,4096))\n"
                + "socks=[socket.create_connection(('" + FAR + "'," + FAR_ECHO + "),timeout=30) for _ in range(1000)]\n"
                + "for i,s in enumerate(socks): s.sendall(b'%d;' % i)\n"
                + "for i,s in enumerate(socks):\n"
                + "    want=b'%d;' % i; got=b''\n"
                + "    while len(got)<len(want):\n"
                + "        b=s.recv(64)\n"
                + "        if not b: break\n"
                + "        got+=b\n"
                + "    assert got==want,(i,got)\n"
                + "print('held',len(socks),flush=True)\n"
                + "sys.stdin.readline()\n"
                + "for s in socks: s.close()\n"
                + "print('closed',flush=True)\n");
        Process p = new ProcessBuilder(g.command("python3", py.toString())).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("held 1000", out.readLine(), "1,000 connections opened and echoed via " + path);
            assertTrue(relay.awaitFlows(1000, 30), "the relay holds 1,000 flows: " + relay.last());
            assertTrue(fds(pid) >= before + 1000, "a host socket per flow");
            try (OutputStream in = p.getOutputStream()) {
                in.write('\n');
            }
            assertEquals("closed", out.readLine());
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        assertTrue(relay.awaitFlows(0, 60), "the flow table is empty again: " + relay.last());
        long after = fds(pid);
        for (int i = 0; i < 50 && after > before; i++) {      // the last sockets close just after the table empties
            TimeUnit.MILLISECONDS.sleep(100);
            after = fds(pid);
        }
        assertEquals(before, after, "the relay's file descriptors are back to where they were");
    }

    @Test
    void maxFlowsRefusesBeyondItsLimitWhileExistingFlowsGoOn() throws Exception {
        NetNamespace g = world.guest();
        world.relay(g, "--max-flows", "3");
        String out = python(g, "maxflows", "import socket,errno\n"
                + "held=[socket.create_connection(('" + FAR + "'," + FAR_ECHO + "),timeout=5) for _ in range(3)]\n"
                + "try:\n"
                + "    socket.create_connection(('" + FAR + "'," + FAR_ECHO + "),timeout=5); print('4th accepted')\n"
                + "except ConnectionRefusedError:\n"
                + "    print('4th refused')\n"
                + "for i,s in enumerate(held):\n"
                + "    s.sendall(b'abc%d' % i); assert s.recv(10)==b'abc%d' % i\n"
                + "print('held flows ok')\n");
        assertTrue(out.contains("4th refused"), out);
        assertTrue(out.contains("held flows ok"), out);
    }

    @Test
    void sigintStopsTheRelayWithExitZeroAndTheTunGone() throws Exception {
        NetNamespace g = world.guest();
        Cli relay = world.relay(g);
        assertTrue(g.ip("link", "show").contains("tun0"));
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(relay.process.pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0);
        assertEquals(0, relay.waitFor(10));
        assertFalse(g.ip("link", "show").contains("tun0"), "the TUN device is gone");
    }

    private static long fds(long pid) throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return s.count();
        }
    }

    private Path random(String name, int bytes) throws IOException {
        return GatewayWorld.random(dir, name, bytes);
    }

    private String python(NetNamespace ns, String name, String program) throws Exception {
        return GatewayWorld.python(ns, dir, name, program);
    }
}
