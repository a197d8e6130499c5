package dev.tcpip.socks;

import dev.tcpip.Keepalive;
import dev.tcpip.ReadResult;
import dev.tcpip.RefusedException;
import dev.tcpip.Stack;
import dev.tcpip.TcpFlow;
import dev.tcpip.TimedOutException;
import dev.tcpip.UnreachableException;
import dev.tcpip.wire.ParseException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * One SOCKS5 handshake over a fresh connection to the proxy: method negotiation (RFC 1928 §3), user/password if
 * chosen (RFC 1929 §2), one request (§4) and its reply (§6). Bounded in bytes (the longest reply is 262) and in time
 * (the connect timeout aborts the connection, which ends any read).
 */
final class Handshake {

    /** A granted request: the connection to the proxy, BND.ADDR:BND.PORT, and any bytes that followed the reply. */
    record Granted(TcpFlow flow, InetSocketAddress bound, ByteBuffer leftover) {
    }

    private Handshake() {
    }

    /**
     * Connects to the proxy and makes the request {@code command} for the address {@code target} computes from the
     * connection (UDP ASSOCIATE names the connection's own address).
     */
    static Granted run(Stack underlying, Socks5Config config, Counters counters, Keepalive keepalive, int command,
                       Function<TcpFlow, InetSocketAddress> target) throws IOException {
        InetSocketAddress proxy = config.proxy();
        AtomicBoolean expired = new AtomicBoolean();
        AtomicReference<TcpFlow> connected = new AtomicReference<>();
        Runnable cancel = config.timer().schedule(config.connectTimeout(), () -> {
            expired.set(true);
            TcpFlow f = connected.get();
            if (f != null) {
                f.abort();                                       // a read blocked in the handshake returns Eof
            }
        });
        TcpFlow flow = null;
        try {
            flow = keepalive == null ? underlying.tcp().connect(proxy) : underlying.tcp().connect(proxy, keepalive);
            connected.set(flow);
            if (expired.get()) {
                throw new TimedOutException("connected to the SOCKS5 proxy " + proxy + " only after the timeout");
            }
            Granted g = negotiate(flow, config, counters, command, target.apply(flow));
            cancel.run();
            if (expired.get()) {                                 // the timer fired as the reply came: flow aborted
                throw new TimedOutException("SOCKS5 proxy " + proxy + ": reply at the timeout");
            }
            return g;
        } catch (IOException | RuntimeException e) {
            cancel.run();
            if (flow != null) {
                flow.abort();
            }
            if (expired.get() && !(e instanceof TimedOutException)) {
                counters.timeouts.incrementAndGet();
                throw new TimedOutException("SOCKS5 proxy " + proxy + ": no complete reply within "
                        + config.connectTimeout().toMillis() + " ms", e);
            }
            if (e instanceof TimedOutException) {
                counters.timeouts.incrementAndGet();
            } else if (e instanceof Socks5Exception s && s.reason() != Socks5Exception.Reason.FAILURE_REPLY) {
                counters.protocolErrors.incrementAndGet();
            }
            throw e;
        }
    }

    private static Granted negotiate(TcpFlow flow, Socks5Config config, Counters counters, int command,
                                     InetSocketAddress target) throws IOException {
        InetSocketAddress proxy = config.proxy();
        Socks5Config.Credentials credentials = config.credentials();
        Reader in = new Reader(flow, proxy);
        flow.write(ByteBuffer.wrap(Socks5Wire.greeting(credentials != null)));
        in.need(2);
        if (in.at(0) != Socks5Wire.VERSION) {
            throw malformed(proxy, "method selection version " + in.at(0) + ", not 5");
        }
        int method = in.at(1);
        if (method == Socks5Wire.METHOD_NO_ACCEPTABLE) {     // RFC 1928 §3: the client must close
            throw new Socks5Exception(Socks5Exception.Reason.NO_ACCEPTABLE_METHOD, -1, "SOCKS5 proxy " + proxy
                    + " accepts none of the methods offered (" + (credentials == null ? "no authentication"
                    : "no authentication, user/password") + ")", null);
        }
        if (method == Socks5Wire.METHOD_USER_PASSWORD && credentials != null) {
            in.reset();
            flow.write(ByteBuffer.wrap(Socks5Wire.authentication(credentials)));
            in.need(2);
            if (in.at(0) != Socks5Wire.AUTH_VERSION) {
                throw malformed(proxy, "user/password reply version " + in.at(0) + ", not 1");
            }
            if (in.at(1) != 0) {                               // RFC 1929 §2: STATUS 0 is success
                throw new Socks5Exception(Socks5Exception.Reason.AUTHENTICATION_FAILED, -1,
                        "SOCKS5 proxy " + proxy + " rejected user " + credentials.user() + " (status " + in.at(1)
                                + ")", null);
            }
        } else if (method != Socks5Wire.METHOD_NONE) {
            throw malformed(proxy, "the proxy chose method " + method + ", which was not offered");
        }
        in.reset();
        flow.write(ByteBuffer.wrap(Socks5Wire.request(command, target)));
        Socks5Wire.Reply reply;
        try {
            in.need(5);
            in.need(Socks5Wire.replyLength(in.bytes(), 5));
            reply = Socks5Wire.parseReply(in.bytes(), in.have());
        } catch (ParseException e) {
            throw malformed(proxy, e.getMessage());
        }
        if (reply.rep() != Socks5Wire.REP_SUCCEEDED) {
            counters.replies.incrementAndGet(reply.rep());
            throw failure(reply.rep(), target, proxy);
        }
        return new Granted(flow, reply.bound(), in.leftover());
    }

    private static Socks5Exception malformed(InetSocketAddress proxy, String what) {
        return new Socks5Exception(Socks5Exception.Reason.MALFORMED_REPLY, -1,
                "SOCKS5 proxy " + proxy + ": malformed reply: " + what, null);
    }

    /** A failure reply (RFC 1928 §6) as the exception the forwarding code maps; the table is in {@link Socks5Stack}. */
    static IOException failure(int rep, InetSocketAddress target, InetSocketAddress proxy) {
        String what = "SOCKS5 proxy " + proxy + " for " + target + ": " + replyName(rep) + " (REP " + rep + ")";
        return switch (rep) {
            case 0x03 -> new UnreachableException(what, UnreachableException.Scope.NETWORK, null);
            case 0x04 -> new UnreachableException(what, UnreachableException.Scope.HOST, null);
            case 0x05 -> new RefusedException(what);
            case 0x06 -> new TimedOutException(what);
            default -> new Socks5Exception(Socks5Exception.Reason.FAILURE_REPLY, rep, what, null);
        };
    }

    /** RFC 1928 §6's names of the REP codes. */
    static String replyName(int rep) {
        return switch (rep) {
            case 0x00 -> "succeeded";
            case 0x01 -> "general SOCKS server failure";
            case 0x02 -> "connection not allowed by ruleset";
            case 0x03 -> "network unreachable";
            case 0x04 -> "host unreachable";
            case 0x05 -> "connection refused";
            case 0x06 -> "TTL expired";
            case 0x07 -> "command not supported";
            case 0x08 -> "address type not supported";
            default -> "unassigned reply code";
        };
    }

    /**
     * Reads exactly the bytes a handshake message needs: never more than it asked for, so that whatever the proxy
     * sent after the reply (the server's first bytes) stays in the last buffer read, the leftover.
     */
    private static final class Reader {
        private final TcpFlow flow;
        private final InetSocketAddress proxy;
        private final byte[] buf = new byte[Socks5Wire.MAX_REPLY];
        private int have;
        private ByteBuffer pending;

        Reader(TcpFlow flow, InetSocketAddress proxy) {
            this.flow = flow;
            this.proxy = proxy;
        }

        /** Until {@code n} bytes (at most 262) of the current message are in. */
        void need(int n) throws IOException {
            while (have < n) {                                  // each pass takes at least one byte, or ends
                if (pending == null || !pending.hasRemaining()) {
                    switch (flow.read()) {
                        case ReadResult.Data(ByteBuffer b) -> pending = b;
                        case ReadResult.Eof() -> throw malformed(proxy,
                                "the proxy closed the connection after " + have + " bytes of a message");
                    }
                }
                int k = Math.min(n - have, pending.remaining());
                pending.get(buf, have, k);
                have += k;
            }
        }

        int at(int i) {
            return buf[i] & 0xFF;
        }

        byte[] bytes() {
            return buf;
        }

        int have() {
            return have;
        }

        void reset() {
            have = 0;
        }

        ByteBuffer leftover() {
            return pending != null && pending.hasRemaining() ? pending : null;
        }
    }
}
