package dev.tcpip.wire;

import java.util.List;
import java.util.Objects;

/**
 * An IPv6 header (RFC 8200 §3) and its extension headers to emit. {@code protocol} is the upper-layer
 * protocol after the chain; {@code upperLength} the upper-layer bytes after it. The payload length
 * field is the extensions' length plus {@code upperLength}.
 */
public record Ipv6Header(int trafficClass, int flowLabel, int hopLimit, Ipv6Address src, Ipv6Address dst,
        List<Ipv6Extension> extensions, int protocol, int upperLength) {

    public static final int FIXED_LENGTH = 40;

    public Ipv6Header {
        Ipv4Header.check("trafficClass", trafficClass, 255);
        Ipv4Header.check("flowLabel", flowLabel, 0xfffff);
        Ipv4Header.check("hopLimit", hopLimit, 255);
        Ipv4Header.check("protocol", protocol, 255);
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(dst, "dst");
        extensions = List.copyOf(extensions);
        for (int i = 1; i < extensions.size(); i++) {
            if (extensions.get(i) instanceof Ipv6Extension.HopByHop) {
                throw new IllegalArgumentException("hop-by-hop options must come first (RFC 8200 §4.3)");
            }
        }
        int ext = extensions.stream().mapToInt(Ipv6Extension::length).sum();
        if (upperLength < 0 || ext + upperLength > 0xffff) {
            throw new IllegalArgumentException("payload length out of range: " + (ext + upperLength));
        }
    }

    /** A header without extensions. */
    public static Ipv6Header of(Ipv6Address src, Ipv6Address dst, int protocol, int hopLimit, int upperLength) {
        return new Ipv6Header(0, 0, hopLimit, src, dst, List.of(), protocol, upperLength);
    }

    /** Fixed header plus extension headers. */
    public int length() {
        int n = FIXED_LENGTH;
        for (Ipv6Extension e : extensions) {
            n += e.length();
        }
        return n;
    }

    public int payloadLength() {
        return length() - FIXED_LENGTH + upperLength;
    }

    /** Writes the fixed and extension headers at {@code off}; returns the upper layer's offset. */
    public int emit(byte[] buf, int off) {
        Bytes.checkRegion(buf, off, length());
        Bytes.put32(buf, off, 6 << 28 | trafficClass << 20 | flowLabel);
        Bytes.put16(buf, off + 4, payloadLength());
        Bytes.put8(buf, off + 6, extensions.isEmpty() ? protocol : extensions.getFirst().protocol());
        Bytes.put8(buf, off + 7, hopLimit);
        src.write(buf, off + 8);
        dst.write(buf, off + 24);
        int p = off + FIXED_LENGTH;
        for (int i = 0; i < extensions.size(); i++) {
            Ipv6Extension e = extensions.get(i);
            Bytes.put8(buf, p, i + 1 < extensions.size() ? extensions.get(i + 1).protocol() : protocol);
            e.emitBody(buf, p);
            p += e.length();
        }
        return p;
    }

    /** Overwrites the payload length field of the packet at {@code buf[off..)} (a rebuilt packet, RFC 8200 §4.5). */
    public static void putPayloadLength(byte[] buf, int off, int payloadLength) {
        Bytes.put16(buf, off + 4, payloadLength);
    }
}
