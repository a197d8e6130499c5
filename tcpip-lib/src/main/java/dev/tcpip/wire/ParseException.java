package dev.tcpip.wire;

/**
 * The one error a parser in this package throws: the bytes are not a valid header. Names the field
 * and why. Cheap to throw: no stack trace is captured, since malformed packets can arrive at line rate.
 */
public final class ParseException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String field;
    private final String reason;

    /** A parse error in {@code field} (e.g. {@code "ipv4.ihl"}) for {@code reason}. */
    public ParseException(String field, String reason) {
        super(field + ": " + reason, null, false, false);
        this.field = field;
        this.reason = reason;
    }

    /** The field at fault, as {@code protocol.field}. */
    public String field() {
        return field;
    }

    /** Why the field is invalid. */
    public String reason() {
        return reason;
    }

    /** Throws unless {@code off..off+need} lies within a buffer region of {@code len} bytes at {@code off}. */
    static void need(String field, int have, int need) throws ParseException {
        if (have < need) {
            throw new ParseException(field, "truncated: " + have + " bytes, need " + need);
        }
    }
}
