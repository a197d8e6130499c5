package dev.tcpip.wire;

import java.util.List;
import java.util.Objects;

/**
 * The TCP options this stack sends and understands: MSS (RFC 9293 §3.2), window scale and timestamps
 * (RFC 7323), SACK-permitted and SACK blocks (RFC 2018). {@code mss} and {@code windowScale} are -1
 * when absent; {@code tsVal}/{@code tsEcr} count only when {@code timestamps}.
 *
 * <p>Emitted layout, each piece 4-byte aligned (RFC 7323 App. A): MSS; SACK-permitted and timestamps
 * (NOP-padded); NOP + window scale; two NOPs + SACK blocks. When that would exceed the 40 option bytes
 * the options are packed without NOPs, then padded to a multiple of 4 with EOL; anything received fits so.
 */
public record TcpOptions(int mss, int windowScale, boolean sackPermitted, boolean timestamps, int tsVal, int tsEcr,
        List<SackBlock> sackBlocks) {

    public static final int EOL = 0;
    public static final int NOP = 1;
    public static final int MSS = 2;
    public static final int WINDOW_SCALE = 3;
    public static final int SACK_PERMITTED = 4;
    public static final int SACK = 5;
    public static final int TIMESTAMPS = 8;
    public static final int ABSENT = -1;

    /** No options. */
    public static final TcpOptions NONE = new TcpOptions(ABSENT, ABSENT, false, false, 0, 0, List.of());

    /** One SACK block: the sequence numbers {@code left} (first) and {@code right} (one past the last). */
    public record SackBlock(int left, int right) {
    }

    public TcpOptions {
        if (mss < ABSENT || mss > 0xffff) {
            throw new IllegalArgumentException("mss must be -1 or within 0..65535: " + mss);
        }
        if (windowScale < ABSENT || windowScale > 255) {
            throw new IllegalArgumentException("windowScale must be -1 or within 0..255: " + windowScale);
        }
        if (!timestamps && (tsVal != 0 || tsEcr != 0)) {
            throw new IllegalArgumentException("tsVal and tsEcr must be 0 without timestamps");
        }
        sackBlocks = List.copyOf(Objects.requireNonNull(sackBlocks, "sackBlocks"));
        if (sackBlocks.size() > 4) {
            throw new IllegalArgumentException("at most 4 SACK blocks: " + sackBlocks.size());
        }
        int length = packedLength(mss, windowScale, sackPermitted, timestamps, sackBlocks.size());
        if (length > 40) {
            throw new IllegalArgumentException("options need " + length + " bytes, more than 40");
        }
    }

    /** Options of a SYN: MSS, window scale, SACK-permitted, timestamps. */
    public static TcpOptions syn(int mss, int windowScale, boolean sackPermitted, int tsVal) {
        return new TcpOptions(mss, windowScale, sackPermitted, true, tsVal, 0, List.of());
    }

    private static int alignedLength(int mss, int ws, boolean sackp, boolean ts, int blocks) {
        return (mss >= 0 ? 4 : 0) + (ts ? 12 : sackp ? 4 : 0) + (ws >= 0 ? 4 : 0) + (blocks > 0 ? 4 + 8 * blocks : 0);
    }

    private static int packedLength(int mss, int ws, boolean sackp, boolean ts, int blocks) {
        int n = (mss >= 0 ? 4 : 0) + (ts ? 10 : 0) + (sackp ? 2 : 0) + (ws >= 0 ? 3 : 0) + (blocks > 0 ? 2 + 8 * blocks : 0);
        return (n + 3) & ~3;
    }

    private boolean aligned() {
        return alignedLength(mss, windowScale, sackPermitted, timestamps, sackBlocks.size()) <= 40;
    }

    /** The number of option bytes emitted, a multiple of 4. */
    public int length() {
        int blocks = sackBlocks.size();
        return aligned() ? alignedLength(mss, windowScale, sackPermitted, timestamps, blocks)
                : packedLength(mss, windowScale, sackPermitted, timestamps, blocks);
    }

    /** Writes the options at {@code off}; returns the offset after them. */
    public int emit(byte[] buf, int off) {
        Bytes.checkRegion(buf, off, length());
        if (!aligned()) {
            return emitPacked(buf, off);
        }
        int p = off;
        if (mss >= 0) {
            Bytes.put16(buf, p, MSS << 8 | 4);
            Bytes.put16(buf, p + 2, mss);
            p += 4;
        }
        if (timestamps) {
            Bytes.put16(buf, p, sackPermitted ? SACK_PERMITTED << 8 | 2 : NOP << 8 | NOP);
            Bytes.put16(buf, p + 2, TIMESTAMPS << 8 | 10);
            Bytes.put32(buf, p + 4, tsVal);
            Bytes.put32(buf, p + 8, tsEcr);
            p += 12;
        } else if (sackPermitted) {
            Bytes.put32(buf, p, NOP << 24 | NOP << 16 | SACK_PERMITTED << 8 | 2);
            p += 4;
        }
        if (windowScale >= 0) {
            Bytes.put32(buf, p, NOP << 24 | WINDOW_SCALE << 16 | 3 << 8 | windowScale);
            p += 4;
        }
        if (!sackBlocks.isEmpty()) {
            Bytes.put32(buf, p, NOP << 24 | NOP << 16 | SACK << 8 | (2 + 8 * sackBlocks.size()));
            p += 4;
            for (SackBlock b : sackBlocks) {
                Bytes.put32(buf, p, b.left());
                Bytes.put32(buf, p + 4, b.right());
                p += 8;
            }
        }
        return p;
    }

    private int emitPacked(byte[] buf, int off) {
        int p = off;
        if (mss >= 0) {
            Bytes.put16(buf, p, MSS << 8 | 4);
            Bytes.put16(buf, p + 2, mss);
            p += 4;
        }
        if (timestamps) {
            Bytes.put16(buf, p, TIMESTAMPS << 8 | 10);
            Bytes.put32(buf, p + 2, tsVal);
            Bytes.put32(buf, p + 6, tsEcr);
            p += 10;
        }
        if (sackPermitted) {
            Bytes.put16(buf, p, SACK_PERMITTED << 8 | 2);
            p += 2;
        }
        if (windowScale >= 0) {
            Bytes.put16(buf, p, WINDOW_SCALE << 8 | 3);
            Bytes.put8(buf, p + 2, windowScale);
            p += 3;
        }
        if (!sackBlocks.isEmpty()) {
            Bytes.put16(buf, p, SACK << 8 | (2 + 8 * sackBlocks.size()));
            p += 2;
            for (SackBlock b : sackBlocks) {
                Bytes.put32(buf, p, b.left());
                Bytes.put32(buf, p + 4, b.right());
                p += 8;
            }
        }
        int end = off + length();
        while (p < end) {
            buf[p++] = EOL;
        }
        return end;
    }
}
