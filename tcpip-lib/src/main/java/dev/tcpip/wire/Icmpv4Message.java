package dev.tcpip.wire;

/**
 * An ICMPv4 message header (RFC 792) to emit: the 8 bytes of type, code, checksum and the type's
 * 32-bit field. What follows (echo data, or the quoted original IP header and 64 bits of its data
 * for errors) must already be in place; emit checksums header and payload together.
 */
public sealed interface Icmpv4Message {

    int ECHO_REPLY = 0;
    int DESTINATION_UNREACHABLE = 3;
    int ECHO_REQUEST = 8;
    int TIME_EXCEEDED = 11;
    int PARAMETER_PROBLEM = 12;
    /** Destination unreachable code 4: fragmentation needed and DF set (RFC 1191 §4 adds the MTU). */
    int FRAGMENTATION_NEEDED = 4;
    int HEADER_LENGTH = 8;

    int type();

    int code();

    /** The 32 bits after the checksum (identifier and sequence, next-hop MTU, pointer...). */
    int rest();

    /** Echo request (type 8) or reply (type 0), RFC 792. */
    record Echo(boolean reply, int identifier, int sequence) implements Icmpv4Message {
        public Echo {
            Ipv4Header.check("identifier", identifier, 0xffff);
            Ipv4Header.check("sequence", sequence, 0xffff);
        }

        public int type() {
            return reply ? ECHO_REPLY : ECHO_REQUEST;
        }

        public int code() {
            return 0;
        }

        public int rest() {
            return identifier << 16 | sequence;
        }
    }

    /**
     * Destination unreachable (type 3), codes 0..15 (RFC 792, RFC 1122 §3.2.2.1, RFC 1812 §5.2.7.1);
     * {@code nextHopMtu} is sent with code 4 (RFC 1191 §4) and must be 0 otherwise.
     */
    record DestinationUnreachable(int code, int nextHopMtu) implements Icmpv4Message {
        public DestinationUnreachable {
            Ipv4Header.check("code", code, 15);
            Ipv4Header.check("nextHopMtu", nextHopMtu, code == FRAGMENTATION_NEEDED ? 0xffff : 0);
        }

        public int type() {
            return DESTINATION_UNREACHABLE;
        }

        public int rest() {
            return nextHopMtu;
        }
    }

    /** Time exceeded (type 11): code 0 TTL exceeded in transit, 1 fragment reassembly time exceeded. */
    record TimeExceeded(int code) implements Icmpv4Message {
        public TimeExceeded {
            Ipv4Header.check("code", code, 1);
        }

        public int type() {
            return TIME_EXCEEDED;
        }

        public int rest() {
            return 0;
        }
    }

    /** Any other type, carried as its raw fields. */
    record Other(int type, int code, int rest) implements Icmpv4Message {
        public Other {
            Ipv4Header.check("type", type, 255);
            Ipv4Header.check("code", code, 255);
        }
    }

    /** True for the error types whose payload quotes the original datagram's header. */
    static boolean isError(int type) {
        return type == DESTINATION_UNREACHABLE || type == TIME_EXCEEDED || type == PARAMETER_PROBLEM
                || type == 4 /* source quench */ || type == 5 /* redirect */;
    }

    default int length() {
        return HEADER_LENGTH;
    }

    /** Writes the header at {@code off} and the checksum over it and the {@code payloadLength} bytes after. */
    default int emit(byte[] buf, int off, int payloadLength) {
        Bytes.checkRegion(buf, off, HEADER_LENGTH + payloadLength);
        Bytes.put8(buf, off, type());
        Bytes.put8(buf, off + 1, code());
        Bytes.put16(buf, off + 2, 0);
        Bytes.put32(buf, off + 4, rest());
        Bytes.put16(buf, off + 2, Checksum.compute(buf, off, HEADER_LENGTH + payloadLength));
        return off + HEADER_LENGTH;
    }
}
