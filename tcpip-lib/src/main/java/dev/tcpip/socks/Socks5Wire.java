package dev.tcpip.socks;

import dev.tcpip.wire.ParseException;
import java.net.IDN;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The bytes of SOCKS5 (RFC 1928) and its user/password sub-negotiation (RFC 1929): building requests and parsing
 * replies and UDP headers. Parsers check every length and throw only {@link ParseException}.
 */
final class Socks5Wire {
    static final int VERSION = 5;                          // RFC 1928 §3
    static final int METHOD_NONE = 0x00;                   // RFC 1928 §3: NO AUTHENTICATION REQUIRED
    static final int METHOD_USER_PASSWORD = 0x02;          // RFC 1928 §3, RFC 1929
    static final int METHOD_NO_ACCEPTABLE = 0xFF;          // RFC 1928 §3
    static final int AUTH_VERSION = 1;                     // RFC 1929 §2
    static final int CMD_CONNECT = 0x01;                   // RFC 1928 §4
    static final int CMD_UDP_ASSOCIATE = 0x03;             // RFC 1928 §4
    static final int ATYP_IPV4 = 0x01;                     // RFC 1928 §5
    static final int ATYP_DOMAIN = 0x03;
    static final int ATYP_IPV6 = 0x04;
    static final int REP_SUCCEEDED = 0x00;                 // RFC 1928 §6
    /** The longest reply: VER REP RSV ATYP, a 255-byte name after its length byte, the port. */
    static final int MAX_REPLY = 4 + 1 + 255 + 2;
    /** The UDP header (RFC 1928 §7) before the address: RSV (2 bytes) and FRAG. */
    static final int UDP_PREFIX = 3;

    private Socks5Wire() {
    }

    /** The method selection message (RFC 1928 §3): VER, NMETHODS, METHODS. */
    static byte[] greeting(boolean withCredentials) {
        return withCredentials
                ? new byte[] {VERSION, 2, METHOD_NONE, (byte) METHOD_USER_PASSWORD}
                : new byte[] {VERSION, 1, METHOD_NONE};
    }

    /** The username/password request (RFC 1929 §2): VER=1, ULEN, UNAME, PLEN, PASSWD. */
    static byte[] authentication(Socks5Config.Credentials c) {
        byte[] user = c.user().getBytes(StandardCharsets.UTF_8);
        byte[] password = c.password().getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[3 + user.length + password.length];
        b[0] = AUTH_VERSION;
        b[1] = (byte) user.length;
        System.arraycopy(user, 0, b, 2, user.length);
        b[2 + user.length] = (byte) password.length;
        System.arraycopy(password, 0, b, 3 + user.length, password.length);
        return b;
    }

    /** A request (RFC 1928 §4): VER, CMD, RSV, ATYP, DST.ADDR, DST.PORT. */
    static byte[] request(int command, InetSocketAddress dst) {
        byte[] b = new byte[3 + addressLength(dst)];
        b[0] = VERSION;
        b[1] = (byte) command;
        putAddress(b, 3, dst);
        return b;
    }

    /** The bytes ATYP, the address and the port take for {@code a} (RFC 1928 §5). */
    static int addressLength(InetSocketAddress a) {
        if (a.isUnresolved()) {
            return 1 + 1 + hostBytes(a.getHostString()).length + 2;
        }
        return 1 + (a.getAddress() instanceof Inet4Address ? 4 : 16) + 2;
    }

    /**
     * Writes ATYP, the address and the port at {@code off}; returns the offset after them. An unresolved address
     * goes as a domain name (ATYP 3), for the proxy to resolve; a resolved one as its IP address.
     */
    static int putAddress(byte[] b, int off, InetSocketAddress a) {
        if (a.isUnresolved()) {
            byte[] name = hostBytes(a.getHostString());
            b[off++] = ATYP_DOMAIN;
            b[off++] = (byte) name.length;
            System.arraycopy(name, 0, b, off, name.length);
            off += name.length;
        } else {
            byte[] ip = a.getAddress().getAddress();
            b[off++] = (byte) (ip.length == 4 ? ATYP_IPV4 : ATYP_IPV6);
            System.arraycopy(ip, 0, b, off, ip.length);
            off += ip.length;
        }
        b[off++] = (byte) (a.getPort() >>> 8);
        b[off++] = (byte) a.getPort();
        return off;
    }

    /** A host name as the octets of a domain-name address: ASCII (IDN-encoded if need be), 1 to 255 of them. */
    static byte[] hostBytes(String host) {
        String ascii = host.chars().allMatch(ch -> ch < 0x80) ? host : IDN.toASCII(host);
        byte[] b = ascii.getBytes(StandardCharsets.US_ASCII);
        if (b.length < 1 || b.length > 255) {           // RFC 1928 §5: one length octet
            throw new IllegalArgumentException("a SOCKS5 host name has 1 to 255 octets: " + b.length + " in " + host);
        }
        return b;
    }

    /**
     * How long the reply that starts in {@code b[0..have)} is, once enough of it has arrived to tell (5 bytes);
     * 5 when fewer have. Checks VER and ATYP.
     */
    static int replyLength(byte[] b, int have) throws ParseException {
        if (have < 5) {
            return 5;
        }
        if ((b[0] & 0xFF) != VERSION) {
            throw new ParseException("socks5.reply.ver", "version " + (b[0] & 0xFF) + ", not 5");
        }
        return 3 + addressLengthAt(b, 3, have - 3, "socks5.reply.atyp");
    }

    /** The length of the ATYP-address-port at {@code off}, from its first two bytes ({@code have} ≥ 2). */
    private static int addressLengthAt(byte[] b, int off, int have, String field) throws ParseException {
        if (have < 1) {
            throw new ParseException(field, "truncated: no address type");
        }
        return switch (b[off] & 0xFF) {
            case ATYP_IPV4 -> 1 + 4 + 2;
            case ATYP_IPV6 -> 1 + 16 + 2;
            case ATYP_DOMAIN -> {
                if (have < 2) {
                    throw new ParseException(field, "truncated: no name length");
                }
                int n = b[off + 1] & 0xFF;
                if (n == 0) {
                    throw new ParseException(field, "an empty domain name");
                }
                yield 1 + 1 + n + 2;
            }
            default -> throw new ParseException(field, "unknown address type " + (b[off] & 0xFF));
        };
    }

    /** An address (ATYP, address, port) at {@code off} within {@code b[off..off+len)} and where it ends. */
    record Address(InetSocketAddress address, int end) {
    }

    static Address parseAddress(byte[] b, int off, int len, String field) throws ParseException {
        int n = addressLengthAt(b, off, len, field);
        if (len < n) {
            throw new ParseException(field, "truncated: " + len + " bytes, need " + n);
        }
        int type = b[off] & 0xFF;
        int port = ((b[off + n - 2] & 0xFF) << 8) | (b[off + n - 1] & 0xFF);
        InetSocketAddress a;
        if (type == ATYP_DOMAIN) {
            a = InetSocketAddress.createUnresolved(
                    new String(b, off + 2, b[off + 1] & 0xFF, StandardCharsets.ISO_8859_1), port);
        } else {
            try {
                a = new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(b, off + 1, off + n - 2)), port);
            } catch (UnknownHostException e) {                // only for a wrong length, which n rules out
                throw new ParseException(field, "bad address length");
            }
        }
        return new Address(a, off + n);
    }

    /** A complete reply (RFC 1928 §6): REP and BND.ADDR:BND.PORT. */
    record Reply(int rep, InetSocketAddress bound) {
    }

    static Reply parseReply(byte[] b, int len) throws ParseException {
        int n = replyLength(b, len);
        if (len < n) {
            throw new ParseException("socks5.reply", "truncated: " + len + " bytes, need " + n);
        }
        // RSV (b[2]) is not checked: RFC 1928 §6 only reserves it.
        return new Reply(b[1] & 0xFF, parseAddress(b, 3, len - 3, "socks5.reply.atyp").address());
    }

    /** The UDP request header (RFC 1928 §7), RSV FRAG ATYP DST.ADDR DST.PORT, then the payload. */
    static byte[] udpDatagram(InetSocketAddress dst, java.nio.ByteBuffer payload) {
        int header = UDP_PREFIX + addressLength(dst);
        byte[] b = new byte[header + payload.remaining()];
        putAddress(b, UDP_PREFIX, dst);                       // RSV and FRAG stay 0: no fragmentation
        payload.get(b, header, payload.remaining());
        return b;
    }

    /** A datagram from the relay: where it came from, the fragment number, and where the payload starts. */
    record UdpHeader(InetSocketAddress src, int frag, int payloadOffset) {
    }

    static UdpHeader parseUdp(byte[] b, int off, int len) throws ParseException {
        if (len < UDP_PREFIX + 1) {
            throw new ParseException("socks5.udp", "truncated: " + len + " bytes");
        }
        int frag = b[off + 2] & 0xFF;
        Address a = parseAddress(b, off + UDP_PREFIX, len - UDP_PREFIX, "socks5.udp.atyp");
        return new UdpHeader(a.address(), frag, a.end());
    }
}
