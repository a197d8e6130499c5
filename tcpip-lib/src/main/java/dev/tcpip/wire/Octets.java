package dev.tcpip.wire;

import java.util.Arrays;
import java.util.HexFormat;

/** An immutable run of bytes with value equality: raw option data inside header records. */
public final class Octets {

    public static final Octets EMPTY = new Octets(new byte[0]);

    private final byte[] bytes;

    private Octets(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A copy of {@code b}. */
    public static Octets of(byte... b) {
        return b.length == 0 ? EMPTY : new Octets(b.clone());
    }

    /** A copy of {@code b[off..off+len)}. */
    public static Octets copyOf(byte[] b, int off, int len) {
        return len == 0 ? EMPTY : new Octets(Arrays.copyOfRange(b, off, off + len));
    }

    public int length() {
        return bytes.length;
    }

    public int get(int i) {
        return bytes[i] & 0xff;
    }

    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** Copies the bytes to {@code buf} at {@code off}; returns the offset after them. */
    public int copyTo(byte[] buf, int off) {
        System.arraycopy(bytes, 0, buf, off, bytes.length);
        return off + bytes.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Octets other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return HexFormat.of().formatHex(bytes);
    }
}
