package dev.tcpip.direct.tcp;

import dev.tcpip.direct.TcpConfig;
import dev.tcpip.direct.ip.IpSender;
import dev.tcpip.wire.Checksum;
import dev.tcpip.wire.Ecn;
import dev.tcpip.wire.IpAddress;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.TcpHeader;
import dev.tcpip.wire.TcpOptions;
import dev.tcpip.wire.TcpView;
import java.util.List;

/**
 * Builds and sends the connection's segments: the header, the options each carries (timestamps RFC 7323,
 * SACK blocks RFC 2018) with the window field {@link Receiver} advertises, and the data from the send
 * buffer; it keeps the timestamp state those options echo (TS.Recent, Last.ACK.sent, RFC 7323 §4.3) and
 * checks arriving timestamps against it (PAWS, RFC 7323 §5). Parsing is {@link TcpView}'s.
 */
final class Segments {
    private static final long PAWS_IDLE = 24L * 24 * 3600 * 1_000_000_000L; // RFC 7323 §5.5: 24 days

    private final Connection c;
    private final Tcb t;
    private int tsOffset;       // RFC 7323 §5.4: a per-connection random offset of TSval
    private int tsRecent;       // RFC 7323 §4.3
    private long tsRecentTime;  // when tsRecent was set (RFC 7323 §5.5: older than 24 days is invalid)
    private int lastAckSent;    // RFC 7323 §4.3 Last.ACK.sent
    long segmentsSent;
    /** Segments sent by {@link #ack}: no data, SYN, FIN or RST (window updates and duplicate ACKs included). */
    long acksSent;
    /** Super-segments handed to the device (TSO), each counted in {@link #segmentsSent} as its pieces. */
    long superSegmentsSent;

    // A burst (TSO): consecutive full segments of new data held back to leave as one super-segment. burstLimit 0: none
    // open. The held segments are counted and booked as sent; only their frame is not yet written.
    private int burstLimit;      // the largest transport message the IP layer takes as a super-segment
    private int burstSize;       // the payload of each segment in it: the full size when the burst opened
    private int burstSeq;        // the first one's sequence number
    private int burstCount;
    private int burstFlags;
    private int burstWindow;
    private int burstEcn;
    private TcpOptions burstOptions;

    Segments(Connection c) {
        this.c = c;
        this.t = c.tcb;
    }

    void start(int tsOffset) {
        this.tsOffset = tsOffset;
    }

    // --- timestamps (RFC 7323) ---

    int tsVal(long now) {
        return tsClock(now, tsOffset);
    }

    /** RFC 7323 §5.4: the TSval clock ticks every 1 ms, offset per connection. */
    static int tsClock(long now, int offset) {
        return (int) (now / 1_000_000) + offset;
    }

    /** The peer's SYN: TS.Recent starts from its TSval when timestamps were agreed. */
    void onSyn(TcpView syn, long now) {
        if (t.tsOk) {
            tsRecent = syn.tsVal();
            tsRecentTime = now;
        }
    }

    /** RFC 7323 §5.3 R1: PAWS rejects a segment whose TSval is older than TS.Recent (unless TS.Recent is stale). */
    boolean pawsRejects(TcpView seg, long now) {
        return t.tsOk && seg.hasTimestamps() && Seq.lt(seg.tsVal(), tsRecent) && now - tsRecentTime < PAWS_IDLE;
    }

    /** RFC 6191 §2: the segment's TSval is newer than TS.Recent. */
    boolean newerThanRecent(TcpView seg) {
        return t.tsOk && seg.hasTimestamps() && Seq.gt(seg.tsVal(), tsRecent);
    }

    /** RFC 7323 §4.3: remember TSval of the segment that covers Last.ACK.sent. */
    void noteTsRecent(TcpView seg, int seq, long now) {
        if (t.tsOk && seg.hasTimestamps() && Seq.le(seq, lastAckSent)) {
            tsRecent = seg.tsVal();
            tsRecentTime = now;
        }
    }

    /** True if {@code seg} echoes one of our timestamps, an unambiguous RTT sample (RFC 7323 §4.1). */
    boolean echoes(TcpView seg) {
        return t.tsOk && seg.hasTimestamps() && seg.tsEcr() != 0;
    }

    /** The round trip {@code seg}'s echo measures, in nanoseconds at the timestamp clock's 1 ms precision. */
    long echoRtt(TcpView seg, long now) {
        return (long) (tsVal(now) - seg.tsEcr()) * 1_000_000;
    }

    // --- what a segment carries ---

    /**
     * The data a segment sent now may carry: SMSS (which already leaves room for timestamps) less the SACK
     * option it will carry while out-of-order data is held. RFC 6691 §2: the sender MUST reduce the data
     * length by the options it includes (RFC 9293 §3.7.1, Eff.snd.MSS); else the segment exceeds the path
     * MTU and is fragmented, or dropped where DF is set.
     */
    int dataPerSegment() {
        if (!t.sackOk || !c.receiver.holdsOutOfOrder()) {
            return t.smss;
        }
        int blocks = Math.min(c.receiver.sackRuns(), maxSackBlocks());
        return Math.max(1, t.smss - sackOptionBytes(blocks));
    }

    /** RFC 2018 §3: 40 option bytes hold 4 blocks, or 3 beside timestamps. */
    private int maxSackBlocks() {
        return t.tsOk ? 3 : 4;
    }

    /** A SACK option of {@code blocks} blocks (2 + 8 each), padded to a 32-bit boundary with NOPs. */
    private static int sackOptionBytes(int blocks) {
        return (2 + 8 * blocks + 3) & ~3;
    }

    /** The options of a synchronized segment: timestamps (RFC 7323 §3.2), SACK blocks (RFC 2018 §4). */
    private TcpOptions options(long now) {
        boolean sack = t.sackOk && c.receiver.holdsOutOfOrder();
        if (!t.tsOk && !sack) {
            return TcpOptions.NONE;
        }
        List<TcpOptions.SackBlock> blocks = sack ? c.receiver.sackBlocks(maxSackBlocks()) : List.of();
        return new TcpOptions(TcpOptions.ABSENT, TcpOptions.ABSENT, false, t.tsOk,
                t.tsOk ? tsVal(now) : 0, t.tsOk ? tsRecent : 0, blocks);
    }

    // --- the segments ---

    /** SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED), with the options we offer (RFC 9293 §3.7.1, RFC 7323, RFC 2018). */
    void syn(int iss, boolean retransmit, long now) {
        boolean synAck = t.state == TcpState.SYN_RECEIVED;
        TcpConfig cfg = c.config;
        boolean ws = synAck ? t.wsOk : cfg.windowScaling();
        boolean ts = synAck ? t.tsOk : cfg.timestamps();
        boolean sack = synAck ? t.sackOk : cfg.sack();
        TcpOptions o = new TcpOptions(t.ourMss, ws ? t.rcvWscale : TcpOptions.ABSENT, sack, ts,
                ts ? tsVal(now) : 0, ts && synAck ? tsRecent : 0, List.of());
        // RFC 3168 §6.1.1: an ECN-setup SYN carries ECE and CWR, an ECN-setup SYN-ACK ECE alone; both Not-ECT.
        int ecn = synAck ? c.ecn.synAckFlags() : c.ecn.synFlags(retransmit);
        emit(TcpHeader.SYN | (synAck ? TcpHeader.ACK : 0) | ecn, iss, 0, o, c.receiver.advertiseSyn(), Ecn.NOT_ECT,
                now);
    }

    /**
     * {@code len} bytes from sequence {@code seq} (plus FIN), acknowledging RCV.NXT; {@code ect} for new data, which
     * travels ECT(0) once ECN is agreed (RFC 3168 §6.1.2) and carries CWR after a window reduction.
     */
    void data(int seq, int len, boolean fin, boolean ect, long now) {
        data(seq, len, fin, ect, false, now);
    }

    /**
     * {@link #data(int, int, boolean, boolean, long)}; {@code fresh}: new data (not a retransmission), which may join
     * the open burst if it is a full segment without FIN.
     */
    void data(int seq, int len, boolean fin, boolean ect, boolean fresh, long now) {
        int ecn = c.ecn.dataCodepoint(ect);
        int flags = TcpHeader.ACK | (len > 0 ? TcpHeader.PSH : 0) | (fin ? TcpHeader.FIN : 0)
                | (ecn != Ecn.NOT_ECT ? c.ecn.takeCwr() : 0);
        TcpOptions options = options(now);
        int window = c.receiver.advertise();
        if (burstLimit > 0 && fresh && !fin && len == burstSize) {
            hold(flags | c.ecn.ackFlags(), seq, options, window, ecn, now);
        } else {
            flushBurst(now);
            emit(flags, seq, len, options, window, ecn, now);
        }
        c.receiver.onAckSent();
    }

    // --- segmentation offload (TSO) ---

    /**
     * Opens a burst for the send loop when the device takes TCP super-segments: until {@link #endBurst}, full
     * segments of {@code full} bytes of new data that share their header fields but the sequence number are held
     * and then leave as one super-segment with {@code gso_size} = {@code full} (virtio 1.2 §5.1.6.2), which the
     * device (or whatever must see wire frames) cuts back into exactly those segments; the connection's bookkeeping
     * (retransmission queue, RACK, SACK, cwnd, counters) is per segment, as if each had left alone. RFC 9293 leaves
     * how data is packed into segments to the implementation; the segments themselves are the ones it would send.
     */
    void beginBurst(int full) {
        IpSender ip = c.layer.ip();
        int limit = ip.completesChecksums() ? ip.maxSuperSegment(c.id.remote()) : 0;
        burstLimit = full > 0 ? limit : 0;
        burstSize = full;
        burstCount = 0;
    }

    /** Writes what the burst holds and closes it. */
    void endBurst(long now) {
        flushBurst(now);
        burstLimit = 0;
    }

    private void hold(int flags, int seq, TcpOptions options, int window, int ecn, long now) {
        if (burstCount > 0 && (seq != burstSeq + burstCount * burstSize || flags != (burstFlags & ~TcpHeader.CWR)
                || window != burstWindow || ecn != burstEcn || !options.equals(burstOptions)
                || 20 + options.length() + (burstCount + 1) * burstSize > burstLimit)) {
            flushBurst(now);
        }
        if (burstCount == 0) {
            burstSeq = seq;
            burstFlags = flags;
            burstWindow = window;
            burstEcn = ecn;
            burstOptions = options;
        }
        burstCount++;
        lastAckSent = c.receiver.nxt();
        segmentsSent++;
    }

    /** Writes the held segments: one alone as usual, more as one super-segment (or, if IP cannot, one by one). */
    private void flushBurst(long now) {
        int n = burstCount;
        if (n == 0) {
            return;
        }
        burstCount = 0;
        if (n > 1 && superSegment(n, now)) {
            if (superSegmentsSent++ == 0) {
                c.sender.cc().countStretchAcks();
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            write(i == 0 ? burstFlags : burstFlags & ~TcpHeader.CWR, burstSeq + i * burstSize, burstSize,
                    burstOptions, burstWindow, burstEcn, now);
        }
    }

    /** The burst's {@code n} segments as one super-segment; false if IP cannot send it in place. */
    private boolean superSegment(int n, long now) {
        int seq = burstSeq;
        int len = n * burstSize;
        FourTuple id = c.id;
        TcpHeader h = new TcpHeader(id.localPort(), id.remotePort(), seq, c.receiver.nxt(), burstFlags, burstWindow, 0,
                burstOptions, len);
        int hl = h.length();
        int total = hl + len;
        long pseudo = pseudoHeader(id.local(), id.remote(), total);
        return c.layer.ip().sendSuperSegment(now, id.local(), id.remote(), burstEcn, total, burstSize, (buf, at) -> {
            c.sender.copy(seq, buf, at + hl, len);
            h.emit(buf, at, pseudo, true);              // partial: every piece's sum is made when it is cut
        });
    }

    /**
     * A segment without data: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> (RFC 9293 §3.10.7.4). SND.NXT is the
     * RFC's, the highest sequence sent ({@link Sender#max}): after a timeout the sender goes back to resend
     * (go-back-N), and an ACK numbered from there lies below the peer's RCV.NXT, which fails the peer's
     * acceptability test, so the peer drops it unread. When both ends were resending at once, neither ever
     * saw the other's ACKs and both timed out (16-MiB transfers under 10 % loss, found in simulation).
     */
    void ack(long now) {
        acksSent++;
        emit(TcpHeader.ACK, c.sender.max(), 0, options(now), c.receiver.advertise(), Ecn.NOT_ECT, now);
        c.receiver.onAckSent();
    }

    /** RFC 9293 §3.8.4 / RFC 1122 §4.2.3.6: a keep-alive probe, SEG.SEQ = SND.NXT - 1, no data, elicits an ACK. */
    void keepaliveProbe(long now) {
        emit(TcpHeader.ACK, c.sender.una() - 1, 0, options(now), c.receiver.advertise(), Ecn.NOT_ECT, now);
    }

    /** An abortive close: <SEQ=SND.NXT><CTL=RST> (RFC 9293 §3.10.5 ABORT); SND.NXT as in {@link #ack}. */
    void reset(long now) {
        emit(TcpHeader.RST | TcpHeader.ACK, c.sender.max(), 0, TcpOptions.NONE, 0, Ecn.NOT_ECT, now);
    }

    /** Sends one segment of ours in a datagram whose ECN field is {@code ecn}. */
    private void emit(int flags, int seq, int len, TcpOptions options, int window, int ecn, long now) {
        if ((flags & (TcpHeader.SYN | TcpHeader.RST)) == 0) {
            flags |= c.ecn.ackFlags();                    // RFC 3168 §6.1.3: ECE on every ACK until CWR arrives
        }
        lastAckSent = (flags & TcpHeader.ACK) != 0 ? c.receiver.nxt() : 0;
        segmentsSent++;
        write(flags, seq, len, options, window, ecn, now);
    }

    /** Writes one segment (counted by the caller). */
    private void write(int flags, int seq, int len, TcpOptions options, int window, int ecn, long now) {
        int ack = (flags & TcpHeader.ACK) != 0 ? c.receiver.nxt() : 0;
        FourTuple id = c.id;
        TcpHeader h = new TcpHeader(id.localPort(), id.remotePort(), seq, ack, flags, window, 0, options, len);
        int hl = h.length();
        int total = hl + len;
        // A device with checksum offload sums the segment itself; never for a datagram IP would fragment.
        IpSender ip = c.layer.ip();
        boolean partial = ip.completesChecksums() && total <= ip.maxPayload(id.remote());
        long pseudo = pseudoHeader(id.local(), id.remote(), total);
        // Written in place into the link's frame when IP can send it at once: the payload's one copy.
        Writer w = c.layer.segmentWriter;
        w.fill(c, h, seq, len, pseudo, partial);
        try {
            ip.send(now, id.local(), id.remote(), IpProtocol.TCP, ecn, total, w);
        } finally {
            w.fill(null, null, 0, 0, 0, false);
        }
    }

    /**
     * Writes one segment, header and payload, where IP asks. One per stack ({@link DirectTcp#segmentWriter}), filled
     * for each segment just before it is handed to IP rather than a lambda made per segment: IP calls a writer once,
     * before {@code send} returns ({@link IpSender#send(long, IpAddress, IpAddress, int, int, int,
     * IpSender.MessageWriter)}), and what it does before that (a neighbour lookup) sends no TCP segment. Loop only.
     */
    static final class Writer implements IpSender.MessageWriter {
        private Connection c;
        private TcpHeader h;
        private int seq, len;
        private long pseudo;
        private boolean partial;

        void fill(Connection c, TcpHeader h, int seq, int len, long pseudo, boolean partial) {
            this.c = c;
            this.h = h;
            this.seq = seq;
            this.len = len;
            this.pseudo = pseudo;
            this.partial = partial;
        }

        @Override
        public void write(byte[] buf, int at) {
            if (len > 0) {
                c.sender.copy(seq, buf, at + h.length(), len);
            }
            h.emit(buf, at, pseudo, partial);
        }
    }

    static long pseudoHeader(IpAddress src, IpAddress dst, int length) {
        return switch (src) {
            case Ipv4Address s -> Checksum.pseudoIpv4(s.bits(), ((Ipv4Address) dst).bits(), IpProtocol.TCP, length);
            case Ipv6Address s -> Checksum.pseudoIpv6(s, (Ipv6Address) dst, IpProtocol.TCP, length);
        };
    }

    /**
     * The reset for a segment that belongs to no connection (RFC 9293 §3.10.7.1): if it has an ACK,
     * <SEQ=SEG.ACK><CTL=RST>; else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. Never for a RST.
     */
    static void resetFor(DirectTcp layer, IpAddress local, IpAddress remote, TcpView seg, long now) {
        if (seg.has(TcpHeader.RST)) {
            return;
        }
        TcpHeader h;
        if (seg.has(TcpHeader.ACK)) {
            h = new TcpHeader(seg.dstPort(), seg.srcPort(), seg.ack(), 0, TcpHeader.RST, 0, 0, TcpOptions.NONE, 0);
        } else {
            int segLen = seg.payloadLength() + (seg.has(TcpHeader.SYN) ? 1 : 0) + (seg.has(TcpHeader.FIN) ? 1 : 0);
            h = new TcpHeader(seg.dstPort(), seg.srcPort(), 0, seg.seq() + segLen, TcpHeader.RST | TcpHeader.ACK,
                    0, 0, TcpOptions.NONE, 0);
        }
        send(layer, local, remote, h, now);
    }

    /**
     * A SYN-ACK for {@code syn} that carries a SYN cookie (RFC 4987 §3.6) and belongs to no connection:
     * <SEQ=cookie><ACK=SEG.SEQ+1><CTL=SYN,ACK>, the MSS, and, when the SYN had timestamps, window scaling and
     * SACK as agreed with the options encoded in the TSval (see {@link SynCookies}). The window is unscaled,
     * as in every SYN (RFC 7323 §2.2). Returns nothing; nothing is kept.
     */
    static void cookieSynAck(DirectTcp layer, FourTuple id, TcpView syn, long now) {
        TcpConfig cfg = layer.config();
        int ourMss = ourMss(layer, id.remote());
        int peerMss = syn.mss() > 0 ? syn.mss() : cfg.defaultMss();
        int mssIndex = SynCookies.mssIndex(peerMss);
        boolean ts = cfg.timestamps() && syn.hasTimestamps();
        boolean ws = ts && cfg.windowScaling() && syn.windowScale() >= 0;
        boolean sack = ts && cfg.sack() && syn.sackPermitted();
        int bits = ts ? SynCookies.optionBits(ws ? syn.windowScale() : -1, sack) : 0;
        int cookie = layer.cookies().isn(id, syn.seq(), mssIndex, bits, now);
        int tsVal = ts ? SynCookies.tsVal(tsClock(now, layer.tsOffset(id)), bits) : 0;
        TcpOptions o = new TcpOptions(ourMss, ws ? cfg.windowScaleToOffer() : TcpOptions.ABSENT, sack, ts, tsVal,
                ts ? syn.tsVal() : 0, List.of());
        int window = Math.min(cfg.receiveBufferSize(), 0xffff);
        send(layer, id.local(), id.remote(), new TcpHeader(id.localPort(), id.remotePort(), cookie, syn.seq() + 1,
                TcpHeader.SYN | TcpHeader.ACK, window, 0, o, 0), now);
    }

    /** Our MSS toward {@code remote}: the path's payload limit minus the TCP header (RFC 9293 §3.7.1). */
    static int ourMss(DirectTcp layer, IpAddress remote) {
        return Math.clamp(layer.ip().maxPayload(remote) - 20, 64, 0xffff);
    }

    private static void send(DirectTcp layer, IpAddress local, IpAddress remote, TcpHeader h, long now) {
        byte[] b = new byte[h.length()];
        h.emit(b, 0, pseudoHeader(local, remote, b.length));
        layer.ip().send(now, local, remote, IpProtocol.TCP, b, 0, b.length);
    }
}
