package dev.tcpip.direct.tcp;

import dev.tcpip.wire.IpAddress;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.Ipv6Address;

/**
 * SYN cookies (RFC 4987 §3.6): when a listener's half-open backlog is full, the SYN-ACK's ISN carries what
 * the connection needs, so that nothing is kept until the final ACK returns it as SEG.ACK - 1.
 *
 * <p>The ISN (32 bits), from the top: a 2-bit time counter (units of {@link #PERIOD_NANOS}, 64 s, modulo 4),
 * a 3-bit index into {@link #MSS_TABLE}, and 27 bits of a keyed hash (SipHash-2-4 with the ISN key) of the
 * 4-tuple, the whole counter, the peer's ISN, the MSS index and the option bits. A cookie is accepted while
 * its counter is the current one or the one before ({@link #WINDOW} counters), i.e. for 64 to 128 s after
 * it was sent; a forger must guess 27 hash bits per try.
 *
 * <p>Options beyond the MSS (RFC 4987 §3.6 names the loss): when the SYN carried timestamps (RFC 7323 §3),
 * the low {@link #OPTION_BITS} bits of our SYN-ACK's TSval hold the peer's window shift (4 bits, 15 = no
 * window scaling) and SACK-permitted (1 bit); the final ACK echoes them in TSecr. They are in the hash too,
 * so a forged echo does not validate. Without timestamps nothing can carry them: the cookie SYN-ACK offers
 * neither window scaling nor SACK, and the connection goes on without both.
 */
final class SynCookies {
    /** The time counter's unit (RFC 4987 §3.6 suggests a coarse, slowly incrementing counter): 64 s. */
    static final long PERIOD_NANOS = 64_000_000_000L;
    /** Counters accepted: the current one and the one before it. */
    static final int WINDOW = 2;
    /**
     * The MSS values a cookie can carry, ascending; the peer's MSS is rounded down to one of them. 536 (RFC
     * 9293 §3.7.1 default), 1220 (IPv6's minimum MTU, RFC 8200 §5), 1380 (tunnels), 1440 and 1460 (a 1500 MTU
     * over IPv6 and IPv4), 4036, 8940 and 8960 (9000-byte jumbo frames over IPv6 and IPv4).
     */
    static final int[] MSS_TABLE = {536, 1220, 1380, 1440, 1460, 4036, 8940, 8960};
    /** The TSval bits that carry the options: 4 bits of window shift, 1 bit SACK-permitted. */
    static final int OPTION_BITS = 5;
    private static final int OPTION_MASK = (1 << OPTION_BITS) - 1;
    private static final int NO_WSCALE = 15;
    private static final int HASH_MASK = (1 << 27) - 1;

    /** What a validated cookie gives back: the peer's MSS, its window shift (-1: none) and SACK. */
    record Decoded(int mss, int windowScale, boolean sackPermitted) {
    }

    private final SipHash f;

    SynCookies(SipHash f) {
        this.f = f;
    }

    /** The time counter at {@code now}. */
    static long counter(long now) {
        return Math.floorDiv(now, PERIOD_NANOS);
    }

    /** The index of the largest table MSS not above {@code peerMss} (the smallest if none is). */
    static int mssIndex(int peerMss) {
        int i = 0;
        while (i + 1 < MSS_TABLE.length && MSS_TABLE[i + 1] <= peerMss) {
            i++;
        }
        return i;
    }

    /** The option bits for our TSval: the peer's window shift (-1 for none) and SACK-permitted. */
    static int optionBits(int windowScale, boolean sackPermitted) {
        int ws = windowScale < 0 ? NO_WSCALE : Math.min(windowScale, 14);  // RFC 7323 §2.3: at most 14
        return ws | (sackPermitted ? 1 << 4 : 0);
    }

    /**
     * Our TSval with the option bits in its low bits, never later than {@code tsNow}: the peer's TS.Recent
     * must not get ahead of the TSvals that follow (RFC 7323 §5.3 PAWS, on its side).
     */
    static int tsVal(int tsNow, int optionBits) {
        int v = (tsNow & ~OPTION_MASK) | optionBits;
        return Seq.gt(v, tsNow) ? v - (1 << OPTION_BITS) : v;
    }

    /** The cookie ISN for a SYN on {@code id} with sequence number {@code peerIsn}. */
    int isn(FourTuple id, int peerIsn, int mssIndex, int optionBits, long now) {
        long t = counter(now);
        return (int) (t & 3) << 30 | mssIndex << 27 | hash(id, t, peerIsn, mssIndex, optionBits);
    }

    /**
     * Checks the cookie {@code isn} (SEG.ACK - 1 of a final ACK with sequence number {@code peerIsn} + 1);
     * {@code optionBits} come from its TSecr, 0 without timestamps. Null if it does not validate.
     */
    Decoded check(FourTuple id, int isn, int peerIsn, boolean timestamps, int optionBits, long now) {
        long current = counter(now);
        int mssIndex = isn >>> 27 & 7;
        int bits = timestamps ? optionBits & OPTION_MASK : 0;
        for (long t = current; t > current - WINDOW; t--) {
            if ((t & 3) == isn >>> 30 && hash(id, t, peerIsn, mssIndex, bits) == (isn & HASH_MASK)) {
                int ws = timestamps ? bits & 0xf : NO_WSCALE;
                return new Decoded(MSS_TABLE[mssIndex], ws == NO_WSCALE ? -1 : ws, timestamps && (bits & 1 << 4) != 0);
            }
        }
        return null;
    }

    private int hash(FourTuple id, long counter, int peerIsn, int mssIndex, int optionBits) {
        long ports = (long) id.localPort() << 16 | id.remotePort();
        long rest = (long) peerIsn << 32 | (long) mssIndex << 8 | optionBits;
        long h = switch (id.local()) {
            case Ipv4Address l -> f.hash(0x5c00c1e5L, (l.bits() & 0xffffffffL) << 32 | bits4(id.remote()),
                    ports, counter, rest);
            case Ipv6Address l -> {
                Ipv6Address r = (Ipv6Address) id.remote();
                yield f.hash(0x5c00c1e6L, l.hi(), l.lo(), r.hi(), r.lo(), ports, counter, rest);
            }
        };
        return (int) (h ^ h >>> 32) & HASH_MASK;
    }

    private static long bits4(IpAddress a) {
        return ((Ipv4Address) a).bits() & 0xffffffffL;
    }
}
