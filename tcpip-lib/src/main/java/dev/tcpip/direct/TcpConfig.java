package dev.tcpip.direct;

import java.time.Duration;
import java.util.Objects;

/**
 * Every knob of the direct stack's TCP, with its default and the reason for it.
 *
 * @param sendBufferSize       bytes a flow buffers for sending; write blocks beyond it. 256 KiB: a
 *                             bandwidth-delay product of 20 Gbit/s x 100 µs, or 20 Mbit/s x 100 ms.
 * @param receiveBufferSize    bytes a flow buffers for the application at first; the advertised window is the
 *                             free part of it (RFC 9293 §3.8.6). 256 KiB, as the send side; it grows up to
 *                             {@code receiveBufferMax} as the application reads.
 * @param closeBufferLimit     while {@code close} waits for the peer's FIN, the receive buffer may grow to
 *                             this, so a peer that keeps sending cannot deadlock the close. 4 MiB, as the
 *                             socket stack's; at most 1 GiB, like the buffers.
 * @param initialRto           RFC 6298 §2.1: 1 s.
 * @param minRto               RFC 6298 §2.4 says 1 s; 200 ms is what deployed stacks use on fast paths.
 * @param maxRto               RFC 6298 §2.5 allows a maximum of at least 60 s: 60 s.
 * @param synRetries           SYN (and SYN-ACK) retransmissions before connect fails with Timeout: 6, which
 *                             with 1 s doubling waits 127 s in all (RFC 9293 §3.8.3 asks for at least 3 min
 *                             of R2 for a SYN; 6 retries is the common deployed value).
 * @param dataRetries          retransmissions of one segment before the flow fails (RFC 9293 §3.8.3 R2):
 *                             15, about 15 minutes with a 60 s ceiling.
 * @param msl                  maximum segment lifetime; TIME_WAIT lasts 2 x MSL (RFC 9293 §3.4.2). 30 s.
 * @param timeWaitLimit        connections kept in TIME_WAIT at most; past it the oldest is dropped early
 *                             (a bounded table, DESIGN principle 7). 4096.
 * @param delayedAck           the delayed-ACK timer: RFC 1122 §4.2.3.2 and RFC 9293 §3.8.6.3 require
 *                             less than 500 ms (the issue: at most 200 ms); 40 ms keeps request/response
 *                             latency low.
 * @param outOfOrderLimit      runs of out-of-order data kept per flow (contiguous ranges after a hole, each what
 *                             a SACK block reports); a segment that would open one more is dropped. 256. The
 *                             bytes held are bounded by the receive window, and with each segment's overhead by
 *                             twice the receive buffer.
 * @param backlog              half-open (SYN_RECEIVED) connections per listener. Past it a SYN is answered
 *                             with a SYN cookie (RFC 4987 §3.6) when {@code synCookies} is on, else dropped
 *                             silently so that the client's SYN retry comes back later. Past half of it, new
 *                             half-open entries retransmit their SYN-ACK at most once (they time out after
 *                             3 s instead of 127 s). 1024: Linux's tcp_max_syn_backlog on a machine with
 *                             some memory; a half-open entry holds about 2 KB, so a full backlog about 2 MB.
 * @param initialWindow        the initial congestion window in segments (RFC 6928 §2): 10.
 * @param windowScaling        offer window scaling (RFC 7323 §2).
 * @param timestamps           offer timestamps, PAWS and RTTM (RFC 7323 §3-5).
 * @param sack                 offer SACK (RFC 2018) and recover with it (RFC 6675).
 * @param nagle                Nagle's algorithm (RFC 896, RFC 1122 §4.2.3.4) on plain writes; writeNodelay
 *                             always bypasses it.
 * @param congestionControl    CUBIC (RFC 9438), the default as on most hosts, or NewReno (RFC 5681/6582).
 * @param challengeAckLimit    challenge ACKs per second for the whole stack (RFC 5961 §7): 1000.
 * @param ephemeralLow         lowest ephemeral port (RFC 6335 §6: 49152).
 * @param ephemeralHigh        highest ephemeral port: 65535.
 * @param defaultMss           the send MSS when the peer's SYN carries none: 536 (RFC 9293 §3.7.1).
 * @param maxConnections       connections in the table at most, half-open, established and TIME_WAIT alike.
 *                             At the limit the oldest TIME_WAIT entry makes room if there is one; else a new
 *                             SYN (or a valid cookie's final ACK) gets a RST and {@code connect} fails with an
 *                             IOException. 65,536. Measured on the heap: an idle connection holds about
 *                             1.5 KB (no buffers until data flows; {@code tcpip bench idle-1m}), and a handler's
 *                             virtual thread parked in read added about 2.7 KB, so a table full of idle flows
 *                             takes 100-280 MB; buffers in use come on top. Lower it where memory is tighter;
 *                             raise it for more (a million idle connections: about 1.5 GB).
 * @param synCookies           answer SYNs past a full backlog with SYN cookies (RFC 4987 §3.6) instead of
 *                             dropping them. On.
 * @param ecn                  Explicit Congestion Notification (RFC 3168, RFC 8311): {@link EcnMode#OFF},
 *                             {@link EcnMode#ACCEPT} or {@link EcnMode#ON}, Linux's {@code net.ipv4.tcp_ecn} 0, 2
 *                             and 1. ACCEPT by default, as Linux: a peer that asks gets ECN, but this side does
 *                             not ask, because a path that mangles or drops ECN-setup SYNs or ECT packets would
 *                             otherwise cost the connection (RFC 3168 §6.1.1.1 falls back only after a timeout).
 *                             A SYN-ACK sent as a SYN cookie never agrees to ECN (the cookie has no room for it).
 * @param sendBufferMax        the send buffer grows with the congestion window up to this many bytes: to twice
 *                             cwnd, so that data queued behind what is in flight keeps the ACK clock fed (as
 *                             Linux's {@code tcp_sndbuf_expand} up to {@code tcp_wmem[2]}); it never shrinks below
 *                             {@code sendBufferSize}, and at or below {@code sendBufferSize} it does not grow.
 *                             4 MiB, Linux's {@code tcp_wmem[2]}: at 256 KiB a sender over TAP had the whole buffer
 *                             in flight and waited on ACKs (BENCHMARKS.md "TCP send path, continued"). Written
 *                             buffers are kept, not copied, so the bound is on what the stack holds of the
 *                             application's memory. {@link #withBuffers} fixes the size (no growth), as
 *                             {@code SO_SNDBUF} locks Linux's.
 * @param receiveBufferMax     the receive buffer grows up to this many bytes when the application reads fast enough
 *                             to use it (receive-buffer auto-tuning, ARCHITECTURE.md "Receive buffer auto-tuning"):
 *                             per receiver-side round trip, to about twice what the application read in one, so
 *                             that the window offered is not what limits a sender on a long or fast path. It never
 *                             shrinks within a connection; at or below {@code receiveBufferSize} it does not grow. The
 *                             memory is only held while data waits to be read (the buffer is a queue of received
 *                             payloads, not an array of its size). 4 MiB, as {@code sendBufferMax} and
 *                             {@code closeBufferLimit} (so the window scale offered stays 7); Linux's
 *                             {@code tcp_rmem[2]} is 6 MiB. {@link #withBuffers} fixes the size (no growth), as
 *                             {@code SO_RCVBUF} disables Linux's auto-tuning.
 */
public record TcpConfig(int sendBufferSize, int receiveBufferSize, int closeBufferLimit, Duration initialRto,
                        Duration minRto, Duration maxRto, int synRetries, int dataRetries, Duration msl,
                        int timeWaitLimit, Duration delayedAck, int outOfOrderLimit, int backlog,
                        int initialWindow, boolean windowScaling, boolean timestamps, boolean sack,
                        boolean nagle, CongestionControlKind congestionControl, int challengeAckLimit,
                        int ephemeralLow, int ephemeralHigh, int defaultMss, int maxConnections,
                        boolean synCookies, EcnMode ecn, int sendBufferMax,
                        int receiveBufferMax) {

    /**
     * Whether connections use Explicit Congestion Notification (RFC 3168 §6.1.1, RFC 8311): the three settings of
     * Linux's {@code net.ipv4.tcp_ecn}.
     */
    public enum EcnMode {
        /** Never: SYNs do not ask, and an ECN-setup SYN is answered with a plain SYN-ACK ({@code tcp_ecn=0}). */
        OFF,
        /** Accept ECN when the peer's SYN asks for it, never ask ({@code tcp_ecn=2}, Linux's default). */
        ACCEPT,
        /** Ask on every SYN this side sends, and accept when asked ({@code tcp_ecn=1}). */
        ON
    }

    /** The congestion control algorithms on offer. */
    public enum CongestionControlKind { NEW_RENO, CUBIC }

    public static final TcpConfig DEFAULTS = new TcpConfig(256 * 1024, 256 * 1024, 4 << 20,
            Duration.ofSeconds(1), Duration.ofMillis(200), Duration.ofSeconds(60), 6, 15,
            Duration.ofSeconds(30), 4096, Duration.ofMillis(40), 256, 1024, 10, true, true, true, true,
            CongestionControlKind.CUBIC, 1000, 49152, 65535, 536, 65_536, true, EcnMode.ACCEPT, 4 << 20, 4 << 20);

    public TcpConfig {
        positive("sendBufferSize", sendBufferSize);
        positive("receiveBufferSize", receiveBufferSize);
        if (receiveBufferSize > 1 << 30 || sendBufferSize > 1 << 30 || sendBufferMax > 1 << 30
                || receiveBufferMax > 1 << 30) {
            throw new IllegalArgumentException("buffers are limited to 1 GiB (RFC 7323 §2.3)");
        }
        if (closeBufferLimit < 0 || closeBufferLimit > 1 << 30) {
            throw new IllegalArgumentException("closeBufferLimit must be 0..1 GiB (the receive buffer's limit): "
                    + closeBufferLimit);
        }
        Objects.requireNonNull(congestionControl, "congestionControl");
        Objects.requireNonNull(ecn, "ecn");
        for (Duration d : new Duration[] {initialRto, minRto, maxRto, msl, delayedAck}) {
            Objects.requireNonNull(d);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("durations must be positive: " + d);
            }
        }
        if (minRto.compareTo(maxRto) > 0) {
            throw new IllegalArgumentException("minRto above maxRto");
        }
        if (delayedAck.toMillis() > 500) {
            throw new IllegalArgumentException("delayedAck must be below 500 ms (RFC 1122 §4.2.3.2)");
        }
        positive("synRetries", synRetries);
        positive("dataRetries", dataRetries);
        positive("timeWaitLimit", timeWaitLimit);
        positive("outOfOrderLimit", outOfOrderLimit);
        positive("backlog", backlog);
        positive("initialWindow", initialWindow);
        positive("challengeAckLimit", challengeAckLimit);
        positive("maxConnections", maxConnections);
        if (ephemeralLow < 1 || ephemeralHigh > 65535 || ephemeralLow > ephemeralHigh) {
            throw new IllegalArgumentException("bad ephemeral range " + ephemeralLow + ".." + ephemeralHigh);
        }
        if (defaultMss < 64) {
            throw new IllegalArgumentException("defaultMss below 64");
        }
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be positive: " + v);
        }
    }

    public TcpConfig withCongestionControl(CongestionControlKind kind) {
        return new TcpConfig(sendBufferSize, receiveBufferSize, closeBufferLimit, initialRto, minRto, maxRto,
                synRetries, dataRetries, msl, timeWaitLimit, delayedAck, outOfOrderLimit, backlog, initialWindow,
                windowScaling, timestamps, sack, nagle, kind, challengeAckLimit, ephemeralLow, ephemeralHigh,
                defaultMss, maxConnections, synCookies, ecn, sendBufferMax, receiveBufferMax);
    }

    /** The same configuration with the three negotiated options switched on or off. */
    public TcpConfig withOptions(boolean windowScaling, boolean timestamps, boolean sack) {
        return new TcpConfig(sendBufferSize, receiveBufferSize, closeBufferLimit, initialRto, minRto, maxRto,
                synRetries, dataRetries, msl, timeWaitLimit, delayedAck, outOfOrderLimit, backlog, initialWindow,
                windowScaling, timestamps, sack, nagle, congestionControl, challengeAckLimit, ephemeralLow,
                ephemeralHigh, defaultMss, maxConnections, synCookies, ecn, sendBufferMax, receiveBufferMax);
    }

    /** The same configuration with these buffer sizes, both fixed (neither grows: no auto-tuning either way). */
    public TcpConfig withBuffers(int sendBufferSize, int receiveBufferSize) {
        return withBuffers(sendBufferSize, sendBufferSize, receiveBufferSize);
    }

    /**
     * The same configuration with a send buffer that starts at {@code sendBufferSize} and grows to {@code max}, and a
     * fixed receive buffer of {@code receiveBufferSize} (no receive-buffer auto-tuning, as {@code SO_RCVBUF}).
     */
    public TcpConfig withBuffers(int sendBufferSize, int max, int receiveBufferSize) {
        return new TcpConfig(sendBufferSize, receiveBufferSize, closeBufferLimit, initialRto, minRto, maxRto,
                synRetries, dataRetries, msl, timeWaitLimit, delayedAck, outOfOrderLimit, backlog, initialWindow,
                windowScaling, timestamps, sack, nagle, congestionControl, challengeAckLimit, ephemeralLow,
                ephemeralHigh, defaultMss, maxConnections, synCookies, ecn, max, receiveBufferSize);
    }

    /**
     * The same configuration with a receive buffer that starts at {@code size} and grows to {@code max} as the
     * application reads (receive-buffer auto-tuning; {@code max <= size}: fixed).
     */
    public TcpConfig withReceiveBuffer(int size, int max) {
        return new TcpConfig(sendBufferSize, size, closeBufferLimit, initialRto, minRto, maxRto,
                synRetries, dataRetries, msl, timeWaitLimit, delayedAck, outOfOrderLimit, backlog, initialWindow,
                windowScaling, timestamps, sack, nagle, congestionControl, challengeAckLimit, ephemeralLow,
                ephemeralHigh, defaultMss, maxConnections, synCookies, ecn, sendBufferMax, max);
    }

    public TcpConfig withLimits(int timeWaitLimit, int backlog, int outOfOrderLimit) {
        return new TcpConfig(sendBufferSize, receiveBufferSize, closeBufferLimit, initialRto, minRto, maxRto,
                synRetries, dataRetries, msl, timeWaitLimit, delayedAck, outOfOrderLimit, backlog, initialWindow,
                windowScaling, timestamps, sack, nagle, congestionControl, challengeAckLimit, ephemeralLow,
                ephemeralHigh, defaultMss, maxConnections, synCookies, ecn, sendBufferMax, receiveBufferMax);
    }

    public TcpConfig withRetries(int synRetries, int dataRetries) {
        return new TcpConfig(sendBufferSize, receiveBufferSize, closeBufferLimit, initialRto, minRto, maxRto,
                synRetries, dataRetries, msl, timeWaitLimit, delayedAck, outOfOrderLimit, backlog, initialWindow,
                windowScaling, timestamps, sack, nagle, congestionControl, challengeAckLimit, ephemeralLow,
                ephemeralHigh, defaultMss, maxConnections, synCookies, ecn, sendBufferMax, receiveBufferMax);
    }

    /** The same configuration with the connection table's limit and SYN cookies switched on or off. */
    public TcpConfig withConnectionLimits(int maxConnections, boolean synCookies) {
        return new TcpConfig(sendBufferSize, receiveBufferSize, closeBufferLimit, initialRto, minRto, maxRto,
                synRetries, dataRetries, msl, timeWaitLimit, delayedAck, outOfOrderLimit, backlog, initialWindow,
                windowScaling, timestamps, sack, nagle, congestionControl, challengeAckLimit, ephemeralLow,
                ephemeralHigh, defaultMss, maxConnections, synCookies, ecn, sendBufferMax, receiveBufferMax);
    }

    /** The same configuration with ECN {@code mode} (RFC 3168 §6.1.1). */
    public TcpConfig withEcn(EcnMode mode) {
        return new TcpConfig(sendBufferSize, receiveBufferSize, closeBufferLimit, initialRto, minRto, maxRto,
                synRetries, dataRetries, msl, timeWaitLimit, delayedAck, outOfOrderLimit, backlog, initialWindow,
                windowScaling, timestamps, sack, nagle, congestionControl, challengeAckLimit, ephemeralLow,
                ephemeralHigh, defaultMss, maxConnections, synCookies, mode, sendBufferMax, receiveBufferMax);
    }

    /**
     * The window scale to offer (RFC 7323 §2.3): the least shift that lets the largest buffer be offered, the receive
     * buffer's maximum (auto-tuning) included: the shift is fixed on the SYN and the window field is 16 bits.
     */
    public int windowScaleToOffer() {
        int max = Math.max(Math.max(receiveBufferSize, receiveBufferMax), closeBufferLimit);
        int shift = 0;
        while (shift < 14 && (max >> shift) > 0xffff) {
            shift++;
        }
        return shift;
    }
}
