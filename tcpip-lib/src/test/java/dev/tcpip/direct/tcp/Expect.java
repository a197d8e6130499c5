package dev.tcpip.direct.tcp;

import static dev.tcpip.wire.TcpHeader.ACK;

import dev.tcpip.wire.TcpOptions;
import dev.tcpip.wire.TcpView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A declarative matcher for one segment the stack sent: each field set is checked, every field left unset is
 * not. Matchers are immutable, so a common part can be kept and refined:
 *
 * <pre>{@code
 * Expect synAck = Expect.segment().flags(SYN, ACK).ack(1001).window(65535);
 * p.expect(synAck.option(MSS, 1460).noOption(SACK_PERMITTED));
 * }</pre>
 *
 * <p>Setting a field again replaces the earlier expectation for it. A mismatch fails with one line naming the
 * fields that differ, the expectation and the whole segment as sent, for example
 * {@code segment differs in ack: expected [S.] ack=1001 len=0 but got 80>40000 [S.] seq=7 ack=1000 win=65535
 * len=0 opts=[mss 1460, sackOK] at=0ms}.
 *
 * <p>{@link #relative()} compares sequence numbers as offsets from the initial sequence numbers, as tcpdump
 * shows them: {@code seq} from our ISN (the first data byte is 1), {@code ack} and SACK edges from the peer's.
 * The ISNs come from {@link ScriptedPeer#isns}.
 */
final class Expect {

    /** The initial sequence numbers relative matchers count from: ours and the peer's. */
    record Isns(int local, int peer) {
    }

    /** The fields, in the order they are shown. */
    private enum Field {
        PORTS("ports"), FLAGS("flags"), SEQ("seq"), ACK("ack"), WINDOW("win"), LEN("len"), MSS("mss"),
        WSCALE("wscale"), SACK_OK("sackOK"), TS("ts"), TSVAL("tsval"), TSECR("tsecr"), SACK("sack"),
        OPTIONS("options"), AT("at");

        final String label;

        Field(String label) {
            this.label = label;
        }
    }

    /** One expectation: how it is shown and whether a segment meets it. */
    private record Check(String shown, Predicate<Seen> ok) {
    }

    /** A sent segment with the bases applied: what the checks look at and what a failure shows. */
    private record Seen(ScriptedPeer.Sent sent, TcpView v, int seqBase, int ackBase, boolean relative) {
        int seq() {
            return v.seq() - seqBase;
        }

        int ack() {
            return v.ack() - ackBase;
        }

        List<Integer> sackEdges() {
            List<Integer> out = new ArrayList<>();
            for (int i = 0; i < v.sackBlockCount(); i++) {
                out.add(v.sackLeft(i) - ackBase);
                out.add(v.sackRight(i) - ackBase);
            }
            return out;
        }

        boolean anyOption() {
            return v.mss() >= 0 || v.windowScale() >= 0 || v.sackPermitted() || v.hasTimestamps()
                    || v.sackBlockCount() > 0;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            sb.append(v.srcPort()).append('>').append(v.dstPort()).append(' ').append(flagNames(v.flags()))
                    .append(" seq=").append(Integer.toUnsignedString(seq()))
                    .append(" ack=").append(Integer.toUnsignedString(ack()))
                    .append(" win=").append(v.window()).append(" len=").append(v.payloadLength());
            List<String> opts = new ArrayList<>();
            if (v.mss() >= 0) {
                opts.add("mss " + v.mss());
            }
            if (v.windowScale() >= 0) {
                opts.add("wscale " + v.windowScale());
            }
            if (v.sackPermitted()) {
                opts.add("sackOK");
            }
            if (v.hasTimestamps()) {
                opts.add("ts " + Integer.toUnsignedString(v.tsVal()) + " ecr " + Integer.toUnsignedString(v.tsEcr()));
            }
            if (v.sackBlockCount() > 0) {
                opts.add("sack " + blocks(sackEdges()));
            }
            sb.append(" opts=").append(opts).append(" at=").append(time(sent.at()));
            if (relative) {
                sb.append(" (relative)");
            }
            return sb.toString();
        }
    }

    private static final Expect ANY = new Expect(new EnumMap<>(Field.class), false);

    private final EnumMap<Field, Check> checks;
    private final boolean relative;

    private Expect(EnumMap<Field, Check> checks, boolean relative) {
        this.checks = checks;
        this.relative = relative;
    }

    /** A matcher that accepts any segment, to be narrowed. */
    static Expect segment() {
        return ANY;
    }

    /**
     * The short form: exactly {@code flags}, {@code seq}, and {@code ack} if ACK is among the flags (without
     * it the acknowledgment field carries nothing, RFC 9293 §3.1).
     */
    static Expect segment(int flags, int seq, int ack) {
        Expect e = ANY.flags(flags).seq(seq);
        return (flags & ACK) != 0 ? e.ack(ack) : e;
    }

    /** Sequence numbers from here on are offsets from the ISNs (see the class comment). */
    Expect relative() {
        return new Expect(checks, true);
    }

    /** The segment's ports: ours ({@code src}) and the peer's. */
    Expect ports(int src, int dst) {
        return with(Field.PORTS, src + ">" + dst, s -> s.v.srcPort() == src && s.v.dstPort() == dst);
    }

    /** Exactly these flags (ORed together), no others. */
    Expect flags(int... flags) {
        int f = Arrays.stream(flags).reduce(0, (a, b) -> a | b);
        return with(Field.FLAGS, flagNames(f), s -> s.v.flags() == f);
    }

    Expect seq(int seq) {
        return with(Field.SEQ, "seq=" + Integer.toUnsignedString(seq), s -> s.seq() == seq);
    }

    Expect ack(int ack) {
        return with(Field.ACK, "ack=" + Integer.toUnsignedString(ack), s -> s.ack() == ack);
    }

    /** The window field as sent (unscaled). */
    Expect window(int window) {
        return with(Field.WINDOW, "win=" + window, s -> s.v.window() == window);
    }

    /** The payload length. */
    Expect len(int len) {
        return with(Field.LEN, "len=" + len, s -> s.v.payloadLength() == len);
    }

    /** The virtual time the segment was sent, in nanoseconds. */
    Expect at(long nanos) {
        return with(Field.AT, "at=" + time(nanos), s -> s.sent.at() == nanos);
    }

    /** The option of {@code kind} (MSS, WINDOW_SCALE, SACK_PERMITTED, TIMESTAMPS or SACK) is present. */
    Expect option(int kind) {
        return switch (kind) {
            case TcpOptions.MSS -> with(Field.MSS, "mss", s -> s.v.mss() >= 0);
            case TcpOptions.WINDOW_SCALE -> with(Field.WSCALE, "wscale", s -> s.v.windowScale() >= 0);
            case TcpOptions.SACK_PERMITTED -> with(Field.SACK_OK, "sackOK", s -> s.v.sackPermitted());
            case TcpOptions.TIMESTAMPS -> with(Field.TS, "ts", s -> s.v.hasTimestamps());
            case TcpOptions.SACK -> with(Field.SACK, "sack", s -> s.v.sackBlockCount() > 0);
            default -> throw new IllegalArgumentException("no such option kind: " + kind);
        };
    }

    /** The option of {@code kind} (MSS or WINDOW_SCALE) is present with {@code value}. */
    Expect option(int kind, int value) {
        return switch (kind) {
            case TcpOptions.MSS -> with(Field.MSS, "mss " + value, s -> s.v.mss() == value);
            case TcpOptions.WINDOW_SCALE -> with(Field.WSCALE, "wscale " + value, s -> s.v.windowScale() == value);
            default -> throw new IllegalArgumentException("option " + kind + " has no single value; "
                    + "use tsVal, tsEcr or sack");
        };
    }

    /** The option of {@code kind} is absent. */
    Expect noOption(int kind) {
        return switch (kind) {
            case TcpOptions.MSS -> with(Field.MSS, "!mss", s -> s.v.mss() < 0);
            case TcpOptions.WINDOW_SCALE -> with(Field.WSCALE, "!wscale", s -> s.v.windowScale() < 0);
            case TcpOptions.SACK_PERMITTED -> with(Field.SACK_OK, "!sackOK", s -> !s.v.sackPermitted());
            case TcpOptions.TIMESTAMPS -> with(Field.TS, "!ts", s -> !s.v.hasTimestamps());
            case TcpOptions.SACK -> with(Field.SACK, "!sack", s -> s.v.sackBlockCount() == 0);
            default -> throw new IllegalArgumentException("no such option kind: " + kind);
        };
    }

    /** None of the options the stack knows is present. */
    Expect noOptions() {
        return with(Field.OPTIONS, "opts=[]", s -> !s.anyOption());
    }

    /** Timestamps are present with this TSval. */
    Expect tsVal(int tsVal) {
        return with(Field.TSVAL, "tsval=" + Integer.toUnsignedString(tsVal),
                s -> s.v.hasTimestamps() && s.v.tsVal() == tsVal);
    }

    /** Timestamps are present with this TSecr. */
    Expect tsEcr(int tsEcr) {
        return with(Field.TSECR, "tsecr=" + Integer.toUnsignedString(tsEcr),
                s -> s.v.hasTimestamps() && s.v.tsEcr() == tsEcr);
    }

    /** Exactly these SACK blocks, in this order, as left, right, left, right...; none: no SACK option. */
    Expect sack(int... edges) {
        if (edges.length % 2 != 0) {
            throw new IllegalArgumentException("SACK edges come in pairs: " + Arrays.toString(edges));
        }
        List<Integer> want = Arrays.stream(edges).boxed().toList();
        return with(Field.SACK, "sack " + blocks(want), s -> s.sackEdges().equals(want));
    }

    /** Checks {@code sent}; {@code isns} are needed by relative matchers only. Returns {@code sent}. */
    ScriptedPeer.Sent check(ScriptedPeer.Sent sent, Isns isns) {
        if (relative && isns == null) {
            throw new IllegalStateException("a relative matcher needs the ISNs: call ScriptedPeer.isns first");
        }
        Seen seen = relative ? new Seen(sent, sent.seg(), isns.local(), isns.peer(), true)
                : new Seen(sent, sent.seg(), 0, 0, false);
        List<String> differ = new ArrayList<>();
        checks.forEach((field, c) -> {
            if (!c.ok.test(seen)) {
                differ.add(field.label);
            }
        });
        if (!differ.isEmpty()) {
            throw new AssertionError("segment differs in " + String.join(", ", differ) + ": expected " + this
                    + " but got " + seen);
        }
        return sent;
    }

    /** Whether {@code sent} matches (absolute sequence numbers, or relative to {@code isns}). */
    boolean matches(ScriptedPeer.Sent sent, Isns isns) {
        try {
            check(sent, isns);
            return true;
        } catch (AssertionError e) {
            return false;
        }
    }

    /** The expected fields, as a segment is shown. */
    @Override
    public String toString() {
        if (checks.isEmpty()) {
            return "any segment";
        }
        String s = checks.values().stream().map(Check::shown).collect(Collectors.joining(" "));
        return relative ? s + " (relative)" : s;
    }

    /** A sent segment shown on one line, absolute. */
    static String describe(ScriptedPeer.Sent s) {
        return s == null ? "nothing" : new Seen(s, s.seg(), 0, 0, false).toString();
    }

    /** Flags as tcpdump shows them: {@code [S.]} for SYN and ACK, {@code [none]} for none. */
    static String flagNames(int f) {
        StringBuilder sb = new StringBuilder("[");
        String letters = "FSRP.UEW";                   // FIN, SYN, RST, PSH, ACK, URG, ECE, CWR: bit order
        for (int bit = 0; bit < 8; bit++) {
            if ((f & 1 << bit) != 0) {
                sb.append(letters.charAt(bit));
            }
        }
        return sb.length() == 1 ? "[none]" : sb.append(']').toString();
    }

    private Expect with(Field field, String shown, Predicate<Seen> ok) {
        EnumMap<Field, Check> c = new EnumMap<>(checks);
        c.put(field, new Check(shown, ok));
        return new Expect(c, relative);
    }

    private static String blocks(List<Integer> edges) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i + 1 < edges.size(); i += 2) {
            sb.append(i == 0 ? "" : " ").append(Integer.toUnsignedString(edges.get(i))).append(':')
                    .append(Integer.toUnsignedString(edges.get(i + 1)));
        }
        return sb.append('}').toString();
    }

    private static String time(long nanos) {
        if (nanos % ScriptedPeer.MS == 0) {
            return nanos / ScriptedPeer.MS + "ms";
        }
        return nanos % 1000 == 0 ? nanos / 1000 + "us" : nanos + "ns";
    }
}
