package dev.tcpip.wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Reads and writes of integers on byte arrays: big-endian (network order), and little-endian 16-bit for the
 * one little-endian header the stack touches (the virtio-net header of a TAP device).
 */
final class Bytes {

    private static final VarHandle U16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LE16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle U32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    static final VarHandle U64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Bytes() {
    }

    static int u8(byte[] b, int i) {
        return b[i] & 0xff;
    }

    static int u16(byte[] b, int i) {
        return (short) U16.get(b, i) & 0xffff;
    }

    static int i32(byte[] b, int i) {
        return (int) U32.get(b, i);
    }

    static long u32(byte[] b, int i) {
        return i32(b, i) & 0xffff_ffffL;
    }

    static long i64(byte[] b, int i) {
        return (long) U64.get(b, i);
    }

    /** Reads 8 bytes little-endian: the machine's own order on x86 and ARM, so no byte swap. */
    static long le64(byte[] b, int i) {
        return (long) LE64.get(b, i);
    }

    /** Reads a 48-bit big-endian value (a MAC address). */
    static long u48(byte[] b, int i) {
        return ((long) u16(b, i) << 32) | u32(b, i + 2);
    }

    static int le16(byte[] b, int i) {
        return (short) LE16.get(b, i) & 0xffff;
    }

    static void putLe16(byte[] b, int i, int v) {
        LE16.set(b, i, (short) v);
    }

    static void put8(byte[] b, int i, int v) {
        b[i] = (byte) v;
    }

    static void put16(byte[] b, int i, int v) {
        U16.set(b, i, (short) v);
    }

    static void put32(byte[] b, int i, int v) {
        U32.set(b, i, v);
    }

    static void put64(byte[] b, int i, long v) {
        U64.set(b, i, v);
    }

    static void put48(byte[] b, int i, long v) {
        put16(b, i, (int) (v >>> 32));
        put32(b, i + 2, (int) v);
    }

    /** Checks that the region {@code off, len} lies within {@code buf} (a programming error otherwise). */
    static void checkRegion(byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
    }
}
