package dev.tcpip.wire;

import java.util.Arrays;

/**
 * The bodies of the fuzz targets: each parses arbitrary bytes and, when they parse, reads every field,
 * converts the view to its record, emits that, parses it again and demands the same record. Only
 * {@link ParseException} may escape a parser; anything else, or a round trip that differs, is a bug.
 * When {@code fixChecksum} is set the body first writes the correct checksum into the input, so the
 * fuzzer gets past the checksum to the fields behind it.
 */
final class WireFuzz {

    static final int SRC4 = 0x0a000001;
    static final int DST4 = 0x0a000002;
    static final Ipv6Address SRC6 = new Ipv6Address(0xfe80L << 48, 1);
    static final Ipv6Address DST6 = new Ipv6Address(0xff02L << 48, 1);

    private WireFuzz() {
    }

    /** The packet part of a fuzz input: all but the last (control) byte. */
    static byte[] body(byte[] input) {
        return Arrays.copyOf(input, Math.max(0, input.length - 1));
    }

    /** The control byte: the input's last byte, or 0 for an empty input. */
    static int control(byte[] input) {
        return input.length == 0 ? 0 : input[input.length - 1] & 0xff;
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    /** What {@link #roundTrip} runs: a parse of bytes the code under test emitted. */
    interface Parse<T> {
        T run() throws ParseException;
    }

    /**
     * Parses what the code under test emitted and demands {@code expected} back. Kept apart from the first parse's
     * {@code catch}: a rejection here means emit wrote bytes that do not parse, a bug, not an input the parser
     * may refuse.
     */
    static <T> void roundTrip(T expected, Parse<T> again, String what) {
        T parsed;
        try {
            parsed = again.run();
        } catch (ParseException e) {
            throw new AssertionError(what + ": the emitted bytes do not parse: " + e.getMessage(), e);
        }
        check(expected.equals(parsed), what);
    }

    private static void fix(byte[] b, int at, long pseudo) {
        if (b.length >= at + 2) {
            Bytes.put16(b, at, 0);
            Bytes.put16(b, at, Checksum.finish(Checksum.ones(b, 0, b.length, pseudo)));
        }
    }

    static void ethernet(byte[] b) {
        try {
            EthernetView e = EthernetView.parse(b, 0, b.length);
            EthernetHeader h = e.toHeader();
            byte[] out = new byte[h.length()];
            h.emit(out, 0);
            roundTrip(h, () -> EthernetView.parse(out, 0, out.length).toHeader(), "ethernet round trip");
            frame(e);
        } catch (ParseException expected) {
            // rejected: fine
        }
    }

    /** What the direct stack does with a received frame: parse down to the transport. */
    private static void frame(EthernetView e) {
        byte[] b = e.buffer();
        try {
            switch (e.etherType()) {
                case EtherType.ARP -> ArpView.parse(b, e.payloadOffset(), e.payloadLength()).toPacket();
                case EtherType.IPV4 -> {
                    Ipv4View ip = Ipv4View.parse(b, e.payloadOffset(), e.payloadLength());
                    switch (ip.protocol()) {
                        case IpProtocol.TCP -> TcpView.parse(ip).toHeader();
                        case IpProtocol.UDP -> UdpView.parse(ip).toHeader();
                        case IpProtocol.ICMP -> Icmpv4View.parse(ip).toMessage();
                        default -> { }
                    }
                }
                case EtherType.IPV6 -> {
                    Ipv6View ip = Ipv6View.parse(b, e.payloadOffset(), e.payloadLength());
                    switch (ip.protocol()) {
                        case IpProtocol.TCP -> TcpView.parse(ip).toHeader();
                        case IpProtocol.UDP -> UdpView.parse(ip).toHeader();
                        case IpProtocol.ICMPV6 -> Icmpv6View.parse(ip).toMessage();
                        default -> { }
                    }
                }
                default -> { }
            }
        } catch (ParseException expected) {
            // rejected: fine
        }
    }

    static void arp(byte[] b) {
        try {
            ArpPacket p = ArpView.parse(b, 0, b.length).toPacket();
            byte[] out = new byte[p.length()];
            p.emit(out, 0);
            roundTrip(p, () -> ArpView.parse(out, 0, out.length).toPacket(), "arp round trip");
        } catch (ParseException expected) {
            // rejected: fine
        }
    }

    static void ipv4(byte[] b, boolean fixChecksum) {
        if (fixChecksum && b.length >= 20) {
            int hl = Math.min(b.length, Math.max(20, (b[0] & 0xf) * 4));
            Bytes.put16(b, 10, 0);
            Bytes.put16(b, 10, Checksum.compute(b, 0, hl));
        }
        try {
            Ipv4View v = Ipv4View.parse(b, 0, b.length);
            check(v.payloadOffset() + v.payloadLength() <= b.length, "ipv4 payload inside the buffer");
            v.isFragment();
            v.flags();
            Ipv4Header h = v.toHeader();
            byte[] out = new byte[h.totalLength()];
            h.emit(out, 0);
            roundTrip(h, () -> Ipv4View.parse(out, 0, out.length).toHeader(), "ipv4 round trip");
        } catch (ParseException expected) {
            // rejected: fine
        }
    }

    static void icmpv4(byte[] b, boolean fixChecksum) {
        if (fixChecksum) {
            fix(b, 2, 0);
        }
        try {
            Icmpv4View v = Icmpv4View.parse(b, 0, b.length);
            if (v.isError()) {
                v.quotedHeader();
                v.quotedPorts();
            }
            Icmpv4Message m = v.toMessage();
            byte[] out = b.clone();
            m.emit(out, 0, v.payloadLength());
            roundTrip(m, () -> Icmpv4View.parse(out, 0, out.length).toMessage(), "icmpv4 round trip");
        } catch (ParseException expected) {
            // rejected: fine
        }
    }

    static void udp(byte[] b, boolean fixChecksum, boolean ipv6) {
        long pseudo = ipv6 ? Checksum.pseudoIpv6(SRC6, DST6, IpProtocol.UDP, 0)
                : Checksum.pseudoIpv4(SRC4, DST4, IpProtocol.UDP, 0);
        if (fixChecksum && b.length >= 8) {
            b = Arrays.copyOf(b, Math.min(b.length, Math.max(8, Bytes.u16(b, 4))));
            Bytes.put16(b, 4, b.length);
            fix(b, 6, pseudo + b.length);
        }
        try {
            UdpView v = ipv6 ? UdpView.parseIpv6(b, 0, b.length, SRC6, DST6)
                    : UdpView.parseIpv4(b, 0, b.length, SRC4, DST4);
            UdpHeader h = v.toHeader();
            byte[] out = Arrays.copyOf(b, h.totalLength());
            if (ipv6) {
                h.emitIpv6(out, 0, SRC6, DST6);
                roundTrip(h, () -> UdpView.parseIpv6(out, 0, out.length, SRC6, DST6).toHeader(), "udp6 round trip");
            } else {
                h.emitIpv4(out, 0, new Ipv4Address(SRC4), new Ipv4Address(DST4));
                roundTrip(h, () -> UdpView.parseIpv4(out, 0, out.length, SRC4, DST4).toHeader(), "udp round trip");
            }
        } catch (ParseException expected) {
            // rejected: fine
        }
    }

    static void dhcp(byte[] b) {
        try {
            DhcpMessage m = DhcpMessage.parse(b, 0, b.length);
            m.messageType();
            m.address(DhcpMessage.OPT_REQUESTED_ADDRESS);
            m.uint32(DhcpMessage.OPT_LEASE_TIME);
            byte[] out = m.toBytes();
            check(out.length >= DhcpMessage.MIN_LENGTH, "dhcp length");
            roundTrip(m, () -> DhcpMessage.parse(out, 0, out.length), "dhcp round trip");
        } catch (ParseException expected) {
            // rejected: fine
        }
    }

    static void tcp(byte[] b, boolean fixChecksum) {
        if (fixChecksum) {
            fix(b, 16, Checksum.pseudoIpv4(SRC4, DST4, IpProtocol.TCP, b.length));
        }
        try {
            TcpView v = TcpView.parseIpv4(b, 0, b.length, SRC4, DST4);
            for (int i = 0; i < v.sackBlockCount(); i++) {
                v.sackLeft(i);
                v.sackRight(i);
            }
            v.reserved();
            TcpHeader h = v.toHeader();
            byte[] out = new byte[h.segmentLength()];
            System.arraycopy(b, v.payloadOffset(), out, h.length(), v.payloadLength());
            h.emitIpv4(out, 0, new Ipv4Address(SRC4), new Ipv4Address(DST4));
            roundTrip(h, () -> TcpView.parseIpv4(out, 0, out.length, SRC4, DST4).toHeader(), "tcp round trip");
        } catch (ParseException expected) {
            // rejected: fine
        }
    }

    static void ipv6(byte[] b) {
        try {
            Ipv6View v = Ipv6View.parse(b, 0, b.length);
            check(v.upperOffset() + v.upperLength() <= b.length && v.upperLength() >= 0, "ipv6 upper inside");
            v.fragmentOffset();
            v.segmentsLeft();
            Ipv6Header h = v.toHeader();
            byte[] out = new byte[h.length() + h.upperLength()];
            h.emit(out, 0);
            roundTrip(h, () -> Ipv6View.parse(out, 0, out.length).toHeader(), "ipv6 round trip");
        } catch (ParseException expected) {
            // rejected: fine
        }
    }

    static void icmpv6(byte[] b, boolean fixChecksum) {
        if (fixChecksum) {
            fix(b, 2, Checksum.pseudoIpv6(SRC6, DST6, IpProtocol.ICMPV6, b.length));
        }
        try {
            Icmpv6View v = Icmpv6View.parse(b, 0, b.length, SRC6, DST6);
            v.sourceLinkLayer();
            v.targetLinkLayer();
            v.mtuOption();
            Icmpv6Message m = v.toMessage();
            int payload = v.isNdp() ? 0 : v.payloadLength();
            byte[] out = Arrays.copyOf(b, m.length() + payload);
            m.emit(out, 0, payload, SRC6, DST6);
            roundTrip(m, () -> Icmpv6View.parse(out, 0, out.length, SRC6, DST6).toMessage(), "icmpv6 round trip");
        } catch (ParseException expected) {
            // rejected: fine
        }
    }
}
