package dev.tcpip.socks;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How a {@link Socks5Stack} reaches its proxy and its limits.
 *
 * @param proxy              the SOCKS5 server (a resolved address: the underlying stack connects to it)
 * @param credentials        user and password (RFC 1929), or null for no authentication
 * @param connectTimeout     bounds each handshake, from the connect to the proxy to its reply (10 s)
 * @param udpIdleTimeout     a UDP association with no datagram either way for this long is closed (60 s)
 * @param maxUdpPorts        UDP ports listened on at once, each with at most one association (1024)
 * @param maxQueuedDatagrams datagrams held per port while its association is being set up (16)
 * @param maxQueuedBytes     bytes of such datagrams held by the whole stack (4 MiB)
 * @param threads            runs association set-ups and the threads that watch control connections (virtual threads)
 * @param timer              the handshake deadlines and idle checks ({@link Timer#system()})
 */
public record Socks5Config(InetSocketAddress proxy, Credentials credentials, Duration connectTimeout,
                           Duration udpIdleTimeout, int maxUdpPorts, int maxQueuedDatagrams, long maxQueuedBytes,
                           Executor threads, Timer timer) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_UDP_IDLE_TIMEOUT = Duration.ofSeconds(60);

    public Socks5Config {
        Objects.requireNonNull(proxy, "proxy");
        positive(connectTimeout, "connectTimeout");
        positive(udpIdleTimeout, "udpIdleTimeout");
        if (maxUdpPorts < 1 || maxQueuedDatagrams < 1 || maxQueuedBytes < 1) {
            throw new IllegalArgumentException("limits must be at least 1");
        }
        Objects.requireNonNull(threads, "threads");
        Objects.requireNonNull(timer, "timer");
    }

    /** The defaults for {@code proxy}, without authentication. */
    public static Socks5Config of(InetSocketAddress proxy) {
        return new Socks5Config(proxy, null, DEFAULT_CONNECT_TIMEOUT, DEFAULT_UDP_IDLE_TIMEOUT, 1024, 16, 4 << 20,
                body -> Thread.ofVirtual().name("socks5").start(body), Timer.system());
    }

    public Socks5Config withCredentials(String user, String password) {
        return new Socks5Config(proxy, new Credentials(user, password), connectTimeout, udpIdleTimeout, maxUdpPorts,
                maxQueuedDatagrams, maxQueuedBytes, threads, timer);
    }

    public Socks5Config withConnectTimeout(Duration d) {
        return new Socks5Config(proxy, credentials, d, udpIdleTimeout, maxUdpPorts, maxQueuedDatagrams,
                maxQueuedBytes, threads, timer);
    }

    public Socks5Config withUdpIdleTimeout(Duration d) {
        return new Socks5Config(proxy, credentials, connectTimeout, d, maxUdpPorts, maxQueuedDatagrams,
                maxQueuedBytes, threads, timer);
    }

    public Socks5Config withUdpLimits(int ports, int queuedDatagrams, long queuedBytes) {
        return new Socks5Config(proxy, credentials, connectTimeout, udpIdleTimeout, ports, queuedDatagrams,
                queuedBytes, threads, timer);
    }

    /** Threads and time from elsewhere: for a simulation, the loop's application threads and virtual time. */
    public Socks5Config withThreads(Executor threads, Timer timer) {
        return new Socks5Config(proxy, credentials, connectTimeout, udpIdleTimeout, maxUdpPorts, maxQueuedDatagrams,
                maxQueuedBytes, threads, timer);
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
    }

    /** RFC 1929 credentials: each 1 to 255 octets in UTF-8 (one length octet each, RFC 1929 §2). */
    public record Credentials(String user, String password) {
        public Credentials {
            octets(user, "user");
            octets(password, "password");
        }

        private static void octets(String s, String name) {
            Objects.requireNonNull(s, name);
            int n = s.getBytes(StandardCharsets.UTF_8).length;
            if (n < 1 || n > 255) {
                throw new IllegalArgumentException("a SOCKS5 " + name + " has 1 to 255 octets, not " + n);
            }
        }

        @Override
        public String toString() {
            return "Credentials[user=" + user + ", password=***]";
        }
    }

    /** Monotonic time and one-shot timers. */
    public interface Timer {
        long nanos();

        /** Runs {@code task} once after {@code delay} unless the returned action cancels it first. */
        Runnable schedule(Duration delay, Runnable task);

        /** {@link System#nanoTime()}, and a virtual thread that sleeps per timer. */
        static Timer system() {
            return new Timer() {
                @Override
                public long nanos() {
                    return System.nanoTime();
                }

                @Override
                public Runnable schedule(Duration delay, Runnable task) {
                    AtomicBoolean done = new AtomicBoolean();
                    Thread t = Thread.ofVirtual().name("socks5-timer").start(() -> {
                        try {
                            Thread.sleep(delay);
                        } catch (InterruptedException e) {
                            return;
                        }
                        if (done.compareAndSet(false, true)) {
                            task.run();
                        }
                    });
                    return () -> {
                        if (done.compareAndSet(false, true)) {
                            t.interrupt();
                        }
                    };
                }
            };
        }
    }
}
