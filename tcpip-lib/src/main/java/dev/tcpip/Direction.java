package dev.tcpip;

/** Which half of a flow {@link TcpFlow#shutdown} ends. */
public enum Direction {
    /** No more reading: later reads give {@code Eof}; data that arrives is discarded. */
    READ,
    /** No more writing: pending data is flushed and a FIN sent; the peer's reads then give {@code Eof}. */
    WRITE,
    /** Both of the above. */
    BOTH
}
