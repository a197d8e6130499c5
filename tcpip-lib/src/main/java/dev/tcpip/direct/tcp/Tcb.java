package dev.tcpip.direct.tcp;

import dev.tcpip.direct.TcpConfig;
import dev.tcpip.wire.TcpView;

/**
 * Holds the connection's state (RFC 9293 §3.3.2) and what its handshake negotiated (RFC 9293 §3.7.1,
 * RFC 7323, RFC 2018): the facts every part reads. The sequence variables of RFC 9293 §3.3.1 live with the
 * parts that own them: SND.* in {@link Sender}, RCV.* in {@link Receiver}; timestamps in {@link Segments}.
 */
final class Tcb {
    /** The bytes of the timestamps option on every segment once negotiated (10, padded to 12). */
    static final int TS_OPTION_LENGTH = 12;

    TcpState state;

    /** The peer's MSS (RFC 9293 §3.7.1). */
    int peerMss;
    /** Our MSS, offered on the SYN: the path's payload limit minus the TCP header. */
    int ourMss;
    /** Data bytes per full segment: min of both MSS values, less the option bytes every segment carries. */
    int smss;
    boolean wsOk;       // RFC 7323 §2.2: both SYNs carried the option
    int sndWscale;      // RFC 7323 §2.2: shift the peer's window field by this
    int rcvWscale;      // and ours by this
    boolean tsOk;       // RFC 7323 §3.2
    boolean sackOk;     // RFC 2018 §2

    /** The options of the peer's SYN (RFC 9293 §3.7.1; RFC 7323 §2.2, §3.2; RFC 2018 §2). */
    void negotiate(TcpConfig cfg, TcpView syn) {
        agree(cfg, syn.mss() > 0 ? syn.mss() : cfg.defaultMss(), syn.windowScale(),
                cfg.timestamps() && syn.hasTimestamps(), syn.sackPermitted());
    }

    /**
     * The options a validated SYN cookie carried (RFC 4987 §3.6): the MSS from its table, window scaling and
     * SACK only if they came back in the timestamp echo ({@code timestamps}), else neither.
     */
    void negotiate(TcpConfig cfg, SynCookies.Decoded cookie, boolean timestamps) {
        agree(cfg, cookie.mss(), timestamps ? cookie.windowScale() : -1, timestamps,
                timestamps && cookie.sackPermitted());
    }

    /** The peer's MSS, its window shift (-1: none), and whether timestamps and SACK are agreed on. */
    private void agree(TcpConfig cfg, int peerMss, int peerWscale, boolean timestamps, boolean sackPermitted) {
        this.peerMss = peerMss;
        wsOk = cfg.windowScaling() && peerWscale >= 0;
        sndWscale = wsOk ? Math.min(peerWscale, 14) : 0;  // RFC 7323 §2.3: at most 14
        rcvWscale = wsOk ? cfg.windowScaleToOffer() : 0;
        tsOk = timestamps;
        sackOk = cfg.sack() && sackPermitted;
        // RFC 9293 §3.7.1, RFC 6691: the data per segment leaves room for the options every segment carries.
        smss = Math.max(64, Math.min(peerMss, ourMss) - optionBytesPerSegment());
    }

    int optionBytesPerSegment() {
        return tsOk ? TS_OPTION_LENGTH : 0;
    }
}
