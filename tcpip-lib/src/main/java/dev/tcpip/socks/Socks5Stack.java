package dev.tcpip.socks;

import dev.tcpip.ClosedException;
import dev.tcpip.FlowInfo;
import dev.tcpip.Stack;
import dev.tcpip.TcpFlow;
import dev.tcpip.TcpInfo;
import dev.tcpip.Udp;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link Stack} whose TCP connections and UDP datagrams go through a SOCKS5 proxy (RFC 1928), reached over another
 * stack (the underlying one: normally the socket stack; a direct stack in a simulation). As a forwarder's upstream,
 * {@code new Forwarder(directStack, Socks5Stack.over(socketStack, config), forwarderConfig)} relays every guest flow
 * through the proxy.
 *
 * <p><b>Handshake.</b> Each CONNECT and each UDP ASSOCIATE has a connection to the proxy of its own. The client offers
 * "no authentication" (0x00), and user/password (0x02, RFC 1929) too when credentials are configured; the whole
 * handshake, from the connect to the proxy to the request's reply, is bounded by {@code connectTimeout} (the connect
 * itself also by the underlying stack's own connect timeout, which the watchdog cannot cut short). Bytes the proxy
 * sends right after a CONNECT reply (the server's first bytes, in the same segment) are the flow's first read.
 *
 * <p><b>Failures.</b> Failures of the connection to the proxy are the underlying stack's exceptions, unchanged. A
 * proxy's failure reply (RFC 1928 §6) becomes the exception that {@code Forwarder} maps to what a router would have
 * said to the guest:
 * <table>
 * <caption>REP codes</caption>
 * <tr><th>REP</th><th>RFC 1928 §6</th><th>exception</th><th>the forwarder's answer to the guest's SYN</th></tr>
 * <tr><td>0x01</td><td>general SOCKS server failure</td><td>{@link Socks5Exception} FAILURE_REPLY</td><td>RST</td></tr>
 * <tr><td>0x02</td><td>connection not allowed by ruleset</td><td>{@link Socks5Exception} FAILURE_REPLY</td><td>RST</td></tr>
 * <tr><td>0x03</td><td>network unreachable</td><td>{@code UnreachableException} NETWORK</td><td>ICMP net unreachable</td></tr>
 * <tr><td>0x04</td><td>host unreachable</td><td>{@code UnreachableException} HOST</td><td>ICMP host unreachable</td></tr>
 * <tr><td>0x05</td><td>connection refused</td><td>{@code RefusedException}</td><td>RST</td></tr>
 * <tr><td>0x06</td><td>TTL expired</td><td>{@code TimedOutException} (the target did not answer the proxy in time)</td><td>ICMP host unreachable</td></tr>
 * <tr><td>0x07</td><td>command not supported</td><td>{@link Socks5Exception} FAILURE_REPLY</td><td>RST</td></tr>
 * <tr><td>0x08</td><td>address type not supported</td><td>{@link Socks5Exception} FAILURE_REPLY</td><td>RST</td></tr>
 * <tr><td>0x09-0xFF</td><td>unassigned</td><td>{@link Socks5Exception} FAILURE_REPLY</td><td>RST</td></tr>
 * <tr><td>-</td><td>method 0xFF, credentials rejected, malformed or truncated reply</td><td>{@link Socks5Exception}
 * NO_ACCEPTABLE_METHOD, AUTHENTICATION_FAILED, MALFORMED_REPLY</td><td>RST</td></tr>
 * <tr><td>-</td><td>no complete reply within {@code connectTimeout}</td><td>{@code TimedOutException}</td><td>ICMP host
 * unreachable</td></tr>
 * </table>
 *
 * <p><b>Addresses.</b> {@link Socks5Tcp#connect(String, int)}, or an unresolved {@link InetSocketAddress}, sends a host
 * name for the proxy to resolve (ATYP 3); resolved addresses go as IPv4 (ATYP 1) or IPv6 (ATYP 4). A flow's
 * {@code dst()} is the target as given, {@code src()} the local end of the connection to the proxy. The UDP layer
 * takes unresolved destinations too.
 *
 * <p><b>Not offered.</b> BIND: {@code tcp().listen} throws {@link UnsupportedOperationException}. UDP listeners only
 * hear what the relay sends back to a port that has sent (see {@link Socks5Udp}).
 *
 * <p><b>Ownership.</b> {@link #disconnect()} aborts every flow and association this stack opened; the underlying
 * stack stays open (it belongs to the caller).
 */
public final class Socks5Stack implements Stack {
    private final Stack underlying;
    private final Socks5Config config;
    private final Counters counters = new Counters();
    private final Set<Socks5Flow> flows = ConcurrentHashMap.newKeySet();
    private final Socks5Tcp tcp;
    private final Socks5Udp udp;
    private volatile boolean closed;

    private Socks5Stack(Stack underlying, Socks5Config config) {
        this.underlying = Objects.requireNonNull(underlying, "underlying");
        this.config = Objects.requireNonNull(config, "config");
        this.tcp = new Socks5Tcp(this);
        this.udp = new Socks5Udp(this);
    }

    /** A stack that reaches {@code config.proxy()} over {@code underlying}. */
    public static Socks5Stack over(Stack underlying, Socks5Config config) {
        return new Socks5Stack(underlying, config);
    }

    @Override
    public Socks5Tcp tcp() {
        return tcp;
    }

    @Override
    public Udp udp() {
        return udp;
    }

    /**
     * The CONNECT flows handed out and not yet closed or aborted, each with its target as {@code dst} and the info
     * of its connection to the proxy; UDP associations' control connections are not listed.
     */
    @Override
    public List<FlowInfo> flows() {
        List<FlowInfo> rows = new ArrayList<>();
        for (Socks5Flow f : flows) {
            if (rows.size() >= FLOWS_LIMIT) {
                break;
            }
            try {
                TcpInfo info = f.info();
                if (info.state() != TcpInfo.State.CLOSED && info.state() != TcpInfo.State.TIME_WAIT) {
                    rows.add(new FlowInfo(f.src(), f.dst(), info));
                }
            } catch (RuntimeException e) {
                // the underlying stack cannot say (no TCP_INFO): the flow is left out
            }
        }
        return rows;
    }

    public Socks5Config config() {
        return config;
    }

    public Socks5Stats stats() {
        return counters.snapshot();
    }

    @Override
    public void disconnect() {
        closed = true;
        for (Socks5Flow f : new ArrayList<>(flows)) {
            f.abort();
        }
        udp.close();
    }

    Stack underlying() {
        return underlying;
    }

    Counters counters() {
        return counters;
    }

    void ensureOpen() throws ClosedException {
        if (closed) {
            throw new ClosedException("the SOCKS5 stack is disconnected");
        }
    }

    /** A granted CONNECT as the flow handed out, known to the stack until it is closed or aborted. */
    TcpFlow track(TcpFlow proxied, InetSocketAddress target, ByteBuffer leftover) throws ClosedException {
        Socks5Flow f = new Socks5Flow(proxied, target, leftover, flows);
        flows.add(f);
        if (closed) {                                           // disconnect ran meanwhile and did not see f
            f.abort();
            throw new ClosedException("the SOCKS5 stack is disconnected");
        }
        return f;
    }
}
