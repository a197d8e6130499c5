package dev.tcpip;

import java.nio.ByteBuffer;

/** What {@link TcpFlow#read()} returns: data, or the end of the peer's stream. */
public sealed interface ReadResult {

    /** At least one byte, in a fresh buffer that belongs to the caller. */
    record Data(ByteBuffer bytes) implements ReadResult {
        public Data {
            if (bytes.remaining() < 1) {
                throw new IllegalArgumentException("Data must hold at least one byte");
            }
        }
    }

    /** The peer has closed its sending side and every byte it sent has been read. */
    record Eof() implements ReadResult {
    }

    /** The one {@link Eof} value. */
    Eof EOF = new Eof();
}
