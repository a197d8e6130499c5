package dev.tcpip.wire;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * A DHCPv4 message (RFC 2131 §2, the BOOTP layout of RFC 951) for an Ethernet client, with its options (RFC 2132)
 * in order. Unlike the per-packet headers of this package it is a record parsed whole: DHCP is a handful of
 * messages per lease, and the server wants every option anyway. {@link #parse} accepts only Ethernet hardware
 * addresses (htype 1, hlen 6), demands the magic cookie and well-framed options (pad and end allowed, an option
 * running past the message is an error), and ignores {@code sname}/{@code file} (option overload, RFC 2132 §9.3,
 * is not read: a server's own options never need the room) and anything after the end option.
 *
 * @param op {@link #BOOTREQUEST} or {@link #BOOTREPLY}
 * @param xid the client's transaction id
 * @param secs seconds since the client began (0..65535)
 * @param broadcast the flags field's B bit (RFC 2131 §2 figure 2): the client wants replies broadcast
 * @param ciaddr the client's address when it has one (renewing, informing)
 * @param yiaddr "your" address: the one offered or assigned
 * @param siaddr the next server (0 here)
 * @param giaddr the relay agent, 0 without one
 * @param chaddr the client's hardware address
 * @param options in order, without pad and end
 */
public record DhcpMessage(int op, int xid, int secs, boolean broadcast, Ipv4Address ciaddr, Ipv4Address yiaddr,
                          Ipv4Address siaddr, Ipv4Address giaddr, MacAddress chaddr, List<Option> options) {

    public static final int BOOTREQUEST = 1;
    public static final int BOOTREPLY = 2;
    /** The fixed BOOTP part: op .. file (RFC 2131 §2 figure 1). */
    public static final int FIXED_LENGTH = 236;
    /** RFC 2131 §3: 99.130.83.99 starts the options. */
    public static final int MAGIC_COOKIE = 0x63825363;
    /** RFC 1542 §3.5: a BOOTP message is at least 300 bytes; shorter replies are padded. */
    public static final int MIN_LENGTH = 300;
    /** RFC 2131 §2: every client accepts messages of 576 bytes of IP datagram, 548 of DHCP message. */
    public static final int MAX_DEFAULT_LENGTH = 548;

    // RFC 2132 option codes used here.
    public static final int OPT_PAD = 0;
    public static final int OPT_SUBNET_MASK = 1;
    public static final int OPT_ROUTER = 3;
    public static final int OPT_DNS = 6;
    public static final int OPT_MTU = 26;
    public static final int OPT_REQUESTED_ADDRESS = 50;
    public static final int OPT_LEASE_TIME = 51;
    public static final int OPT_MESSAGE_TYPE = 53;
    public static final int OPT_SERVER_ID = 54;
    public static final int OPT_RENEWAL_TIME = 58;
    public static final int OPT_REBINDING_TIME = 59;
    public static final int OPT_END = 255;

    // RFC 2132 §9.6: DHCP message types.
    public static final int DISCOVER = 1;
    public static final int OFFER = 2;
    public static final int REQUEST = 3;
    public static final int DECLINE = 4;
    public static final int ACK = 5;
    public static final int NAK = 6;
    public static final int RELEASE = 7;
    public static final int INFORM = 8;

    private static final int HTYPE_ETHERNET = 1;
    private static final int BROADCAST_FLAG = 0x8000;
    private static final int CHADDR = 28;
    private static final int OPTIONS = FIXED_LENGTH + 4;

    /** One option: its code (1..254) and its data (0..255 bytes). Compared by content. */
    public record Option(int code, byte[] data) {
        public Option {
            if (code <= OPT_PAD || code >= OPT_END) {
                throw new IllegalArgumentException("option code must be 1..254: " + code);
            }
            data = data.clone();
            if (data.length > 255) {
                throw new IllegalArgumentException("option " + code + " longer than 255 bytes: " + data.length);
            }
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        /** A one-byte option (message type). */
        public static Option ofByte(int code, int value) {
            return new Option(code, new byte[] {(byte) value});
        }

        /** A 32-bit option (lease times, RFC 2132 §9.2, §9.11-12). */
        public static Option ofInt(int code, long value) {
            byte[] b = new byte[4];
            Bytes.put32(b, 0, (int) value);
            return new Option(code, b);
        }

        /** A 16-bit option (MTU, RFC 2132 §5.1). */
        public static Option ofShort(int code, int value) {
            byte[] b = new byte[2];
            Bytes.put16(b, 0, value);
            return new Option(code, b);
        }

        /** An option of one or more IPv4 addresses (router, DNS, server id, mask). */
        public static Option ofAddresses(int code, List<Ipv4Address> addresses) {
            byte[] b = new byte[4 * addresses.size()];
            for (int i = 0; i < addresses.size(); i++) {
                addresses.get(i).write(b, 4 * i);
            }
            return new Option(code, b);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Option other && other.code == code && Arrays.equals(other.data, data);
        }

        @Override
        public int hashCode() {
            return 31 * code + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Option[" + code + "=" + HexFormat.of().formatHex(data) + "]";
        }
    }

    public DhcpMessage {
        if (op != BOOTREQUEST && op != BOOTREPLY) {
            throw new IllegalArgumentException("op must be 1 or 2: " + op);
        }
        if (secs < 0 || secs > 0xffff) {
            throw new IllegalArgumentException("secs must be 0..65535: " + secs);
        }
        Objects.requireNonNull(ciaddr, "ciaddr");
        Objects.requireNonNull(yiaddr, "yiaddr");
        Objects.requireNonNull(siaddr, "siaddr");
        Objects.requireNonNull(giaddr, "giaddr");
        Objects.requireNonNull(chaddr, "chaddr");
        options = List.copyOf(options);
    }

    /** Parses the UDP payload {@code buf[off, off+len)}. */
    public static DhcpMessage parse(byte[] buf, int off, int len) throws ParseException {
        Bytes.checkRegion(buf, off, len);
        ParseException.need("dhcp", len, OPTIONS);
        int op = Bytes.u8(buf, off);
        if (op != BOOTREQUEST && op != BOOTREPLY) {
            throw new ParseException("dhcp.op", "not a request or a reply: " + op);
        }
        if (Bytes.u8(buf, off + 1) != HTYPE_ETHERNET || Bytes.u8(buf, off + 2) != 6) {
            throw new ParseException("dhcp.htype", "not Ethernet: htype " + Bytes.u8(buf, off + 1) + " hlen "
                    + Bytes.u8(buf, off + 2));
        }
        if (Bytes.i32(buf, off + FIXED_LENGTH) != MAGIC_COOKIE) {
            throw new ParseException("dhcp.cookie", "no DHCP magic cookie");
        }
        List<Option> options = new ArrayList<>();
        int at = off + OPTIONS;
        int end = off + len;
        while (at < end) {                                // bounded: every step moves at forward
            int code = Bytes.u8(buf, at);
            if (code == OPT_END) {
                break;
            }
            if (code == OPT_PAD) {
                at++;
                continue;
            }
            if (at + 2 > end) {
                throw new ParseException("dhcp.options", "option " + code + " has no length");
            }
            int n = Bytes.u8(buf, at + 1);
            if (at + 2 + n > end) {
                throw new ParseException("dhcp.options", "option " + code + " runs past the message");
            }
            options.add(new Option(code, Arrays.copyOfRange(buf, at + 2, at + 2 + n)));
            at += 2 + n;
        }
        return new DhcpMessage(op, Bytes.i32(buf, off + 4), Bytes.u16(buf, off + 8),
                (Bytes.u16(buf, off + 10) & BROADCAST_FLAG) != 0, Ipv4Address.read(buf, off + 12),
                Ipv4Address.read(buf, off + 16), Ipv4Address.read(buf, off + 20), Ipv4Address.read(buf, off + 24),
                MacAddress.read(buf, off + CHADDR), options);
    }

    /** The bytes {@link #emit} writes: the options and end, padded to {@link #MIN_LENGTH}. */
    public int length() {
        int n = OPTIONS + 1;
        for (Option o : options) {
            n += 2 + o.data.length;
        }
        return Math.max(n, MIN_LENGTH);
    }

    /** Writes the message at {@code buf[off..]} (zeroes the padding); returns the offset after it. */
    public int emit(byte[] buf, int off) {
        int len = length();
        Bytes.checkRegion(buf, off, len);
        Arrays.fill(buf, off, off + len, (byte) 0);
        Bytes.put8(buf, off, op);
        Bytes.put8(buf, off + 1, HTYPE_ETHERNET);
        Bytes.put8(buf, off + 2, 6);
        Bytes.put32(buf, off + 4, xid);
        Bytes.put16(buf, off + 8, secs);
        Bytes.put16(buf, off + 10, broadcast ? BROADCAST_FLAG : 0);
        ciaddr.write(buf, off + 12);
        yiaddr.write(buf, off + 16);
        siaddr.write(buf, off + 20);
        giaddr.write(buf, off + 24);
        chaddr.write(buf, off + CHADDR);
        Bytes.put32(buf, off + FIXED_LENGTH, MAGIC_COOKIE);
        int at = off + OPTIONS;
        for (Option o : options) {
            Bytes.put8(buf, at, o.code);
            Bytes.put8(buf, at + 1, o.data.length);
            System.arraycopy(o.data, 0, buf, at + 2, o.data.length);
            at += 2 + o.data.length;
        }
        Bytes.put8(buf, at, OPT_END);
        return off + len;
    }

    /** The message as a fresh array. */
    public byte[] toBytes() {
        byte[] b = new byte[length()];
        emit(b, 0);
        return b;
    }

    /** The first option of {@code code}, or null. */
    public Option option(int code) {
        for (Option o : options) {
            if (o.code == code) {
                return o;
            }
        }
        return null;
    }

    /** The DHCP message type (option 53), or 0 for a plain BOOTP message or a malformed type. */
    public int messageType() {
        Option o = option(OPT_MESSAGE_TYPE);
        return o == null || o.data.length != 1 ? 0 : o.data[0] & 0xff;
    }

    /** The first address of option {@code code} (requested address, server id), or null if absent or short. */
    public Ipv4Address address(int code) {
        Option o = option(code);
        return o == null || o.data.length < 4 ? null : Ipv4Address.read(o.data, 0);
    }

    /** A 32-bit option's value (lease time), or -1 if absent or malformed. */
    public long uint32(int code) {
        Option o = option(code);
        return o == null || o.data.length != 4 ? -1 : Bytes.u32(o.data, 0);
    }
}
