package dev.tcpip;

import java.io.IOException;

/**
 * The failures of the seed's {@code error} and {@code write_error} types. Normal outcomes, such as the
 * end of a stream, are values ({@link ReadResult.Eof}), never exceptions. {@link #getMessage()} is the
 * seed's {@code pp_error} / {@code pp_write_error}.
 */
public abstract sealed class TcpipException extends IOException
        permits ClosedException, TimedOutException, RefusedException, UnreachableException {

    TcpipException(String message, Throwable cause) {
        super(message, cause);
    }
}
