package dev.tcpip.direct.tcp;

/**
 * When to acknowledge received data (RFC 9293 §3.8.6.3, RFC 5681 §4.2, RFC 1122 §4.2.3.2): at once for
 * out-of-order data, data that fills a hole, and for every second full-sized segment; otherwise after the
 * delayed-ACK timer.
 */
final class AckPolicy {
    private int unackedBytes;
    private boolean pending;

    /**
     * In-order data of {@code len} bytes arrived. Returns true if an ACK must go out now; otherwise the
     * caller arms the delayed-ACK timer.
     */
    boolean onInOrderData(int len, int fullSegment, boolean filledHole) {
        pending = true;
        unackedBytes += len;
        // RFC 5681 §4.2: at least every second full-sized segment; RFC 5681 §4.2: ACK at once when a hole fills.
        return filledHole || unackedBytes >= 2 * fullSegment;
    }

    boolean pending() {
        return pending;
    }

    /** Any segment carrying an ACK went out. */
    void onAckSent() {
        pending = false;
        unackedBytes = 0;
    }
}
