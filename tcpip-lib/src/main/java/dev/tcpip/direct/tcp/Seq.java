package dev.tcpip.direct.tcp;

/**
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4): the only place where sequence numbers are
 * compared or subtracted. A sequence number is an {@code int}; {@code a} is "before" {@code b} when the
 * signed 32-bit difference {@code a - b} is negative, which holds while they are less than 2^31 apart.
 */
final class Seq {
    private Seq() {
    }

    static boolean lt(int a, int b) {
        return a - b < 0;
    }

    static boolean le(int a, int b) {
        return a - b <= 0;
    }

    static boolean gt(int a, int b) {
        return a - b > 0;
    }

    static boolean ge(int a, int b) {
        return a - b >= 0;
    }

    /** {@code lo <= s < hi}, modulo 2^32. */
    static boolean inWindow(int s, int lo, int hi) {
        return s - lo >= 0 && s - hi < 0;
    }

    /** How far {@code a} is past {@code b} (negative if before). */
    static int diff(int a, int b) {
        return a - b;
    }

    static int max(int a, int b) {
        return a - b >= 0 ? a : b;
    }

    static int min(int a, int b) {
        return a - b <= 0 ? a : b;
    }
}
