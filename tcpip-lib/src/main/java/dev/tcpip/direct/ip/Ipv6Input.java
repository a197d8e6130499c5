package dev.tcpip.direct.ip;

import dev.tcpip.direct.InterfaceAddress;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.stats.Counters;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.Ipv6ExtensionChain;
import dev.tcpip.wire.Ipv6View;
import dev.tcpip.wire.ParseException;

/**
 * Receives IPv6 packets (RFC 8200 §4): checks that the destination is one of ours and the source may be one,
 * walks the extension header chain (hop-by-hop and destination options, routing, fragment), hands fragments to
 * reassembly and the rebuilt packet back to itself, and the upper layer to {@link Ipv6Demux}. Malformed packets
 * are counted and dropped. Runs on the loop.
 */
final class Ipv6Input {
    private final Ipv6Addresses addresses;
    private final Counters counters;
    private final Reassembly reassembly;
    private final Ipv6Demux demux;
    /** Forwarding: TCP and UDP to any global unicast destination are delivered too (off by default). */
    boolean anyDestination;

    Ipv6Input(Ipv6Addresses addresses, Counters counters, Reassembly reassembly, Ipv6Demux demux) {
        this.addresses = addresses;
        this.counters = counters;
        this.reassembly = reassembly;
        this.demux = demux;
    }

    void input(long now, byte[] buf, int off, int len) {
        counters.inc(StackCounter.IP6_RX);
        receive(now, buf, off, len, false);
    }

    private void receive(long now, byte[] buf, int off, int len, boolean reassembled) {
        Ipv6View v;
        Ipv6ExtensionChain c;
        try {
            v = Ipv6View.parse(buf, off, len);
            c = Ipv6ExtensionChain.of(buf, off, Ipv6.HEADER + v.payloadLength());
        } catch (ParseException e) {
            counters.inc(StackCounter.IP6_DROPPED_MALFORMED);
            return;
        }
        Ipv6Address dst = v.dst();
        Ipv6Address src = v.src();
        boolean multicast = dst.isMulticast();
        boolean tentative = false;
        boolean far = false;
        if (multicast) {
            if (!addresses.groups().contains(dst)) {
                counters.inc(StackCounter.IP6_DROPPED_NOT_FOR_US);
                return;
            }
        } else {
            Ipv6Addresses.Addr a = addresses.find(dst);
            far = a == null && anyDestination && !Ipv6.isLinkLocal(dst) && !dst.equals(Ipv6Address.UNSPECIFIED);
            if (!far && (a == null || now >= a.validUntil)) {
                counters.inc(StackCounter.IP6_DROPPED_NOT_FOR_US);
                return;
            }
            // RFC 4862 §5.4.3: a tentative address takes only the Neighbor Discovery messages of DAD.
            tentative = !far && a.state != InterfaceAddress.State.PREFERRED
                    && a.state != InterfaceAddress.State.DEPRECATED;
        }
        // RFC 4291 §2.7: a multicast address is never a source.
        if (src.isMulticast()) {
            counters.inc(StackCounter.IP6_DROPPED_BAD_SOURCE);
            return;
        }
        // RFC 4443 §2.4(e.1): never an error about an ICMPv6 error or a redirect.
        int firstUpperByte = v.upperFirstByte();
        boolean mayAnswer = !(v.protocol() == IpProtocol.ICMPV6 && firstUpperByte >= 0
                && (firstUpperByte < 128 || firstUpperByte == 137))
                && !src.equals(Ipv6Address.UNSPECIFIED);
        int ipLen = Ipv6.HEADER + v.payloadLength();
        int end = off + ipLen;
        // Ipv6View.parse checked the chain, so each step stays inside the packet and the walk ends at the upper
        // layer; a ParseException is not reached.
        try {
            while (true) {
                switch (c.type()) {
                    case IpProtocol.HOP_BY_HOP, IpProtocol.DESTINATION_OPTIONS -> {
                        if (!options(now, c, buf, off, ipLen, multicast, mayAnswer)) {
                            return;
                        }
                    }
                    case IpProtocol.ROUTING -> {
                        // RFC 8200 §4.4: no routing type is recognised by this host (type 0 is gone, RFC 5095):
                        // with segments left it is a parameter problem at the routing type; without, it is skipped.
                        if (c.segmentsLeft() != 0) {
                            counters.inc(StackCounter.IP6_DROPPED_BAD_EXTENSION);
                            demux.parameterProblem(now, 0, c.routingTypeOffset() - off, buf, off, ipLen, multicast,
                                    mayAnswer);
                            return;
                        }
                    }
                    case IpProtocol.FRAGMENT -> {
                        if (c.fragmentOffset() != 0 || c.moreFragments()) {
                            fragment(now, v, c, buf, off, ipLen, multicast, mayAnswer, reassembled, tentative);
                            return;
                        }
                        // RFC 6946 §4: an atomic fragment is processed on its own, never reassembled.
                        counters.inc(StackCounter.IP6_ATOMIC_FRAGMENTS);
                    }
                    default -> {
                        if (far && c.type() != IpProtocol.TCP && c.type() != IpProtocol.UDP) {
                            counters.inc(StackCounter.IP6_DROPPED_NOT_FOR_US);   // forwarding takes TCP and UDP only
                            return;
                        }
                        demux.deliver(now, src, dst, v.hopLimit(), buf, off, ipLen, c.type(), c.typeFieldOffset(),
                                c.offset(), end, multicast, mayAnswer, tentative);
                        return;
                    }
                }
                c.advance();
            }
        } catch (ParseException e) {
            counters.inc(StackCounter.IP6_DROPPED_MALFORMED);
        }
    }

    /**
     * RFC 8200 §4.2: options this host does not know are handled by their type's two high bits: 00 skip,
     * 01 discard, 10 discard and send a parameter problem, 11 the same unless the destination was multicast.
     * Returns whether the packet goes on.
     */
    private boolean options(long now, Ipv6ExtensionChain c, byte[] buf, int off, int ipLen, boolean multicast,
                            boolean mayAnswer) {
        boolean hopByHop = c.type() == IpProtocol.HOP_BY_HOP;
        for (int q = c.optionsOffset(); q < c.optionsEnd(); q = c.nextOption(q)) {
            int type = c.optionType(q);
            boolean known = type == 0 || type == 1 || hopByHop && type == 5;   // Pad1, PadN; RFC 2711 router alert
            if (known) {
                continue;
            }
            switch (type >>> 6) {
                case 0 -> { }
                case 1 -> {
                    counters.inc(StackCounter.IP6_DROPPED_UNKNOWN_OPTION);
                    return false;
                }
                case 2 -> {
                    counters.inc(StackCounter.IP6_DROPPED_UNKNOWN_OPTION);
                    // RFC 4443 §2.4(e.3): code 2 may answer even a multicast destination.
                    demux.parameterProblem(now, 2, q - off, buf, off, ipLen, false, mayAnswer);
                    return false;
                }
                default -> {
                    counters.inc(StackCounter.IP6_DROPPED_UNKNOWN_OPTION);
                    demux.parameterProblem(now, 2, q - off, buf, off, ipLen, multicast, mayAnswer);
                    return false;
                }
            }
        }
        return true;
    }

    private void fragment(long now, Ipv6View v, Ipv6ExtensionChain c, byte[] buf, int off, int ipLen,
                          boolean multicast, boolean mayAnswer, boolean reassembled, boolean tentative)
            throws ParseException {
        int p = c.offset();
        int fo = c.fragmentOffset();
        int dataOff = p + c.length();
        int fragLen = off + ipLen - dataOff;
        if (reassembled || tentative || fragLen == 0) {
            counters.inc(StackCounter.IP_FRAGMENT_MALFORMED);     // nested fragments; nothing to take
            return;
        }
        // RFC 8200 §4.5: every fragment but the last is a multiple of 8 bytes (else a parameter problem at the
        // payload length), and none reaches past a 65,535-byte payload (at the fragment offset).
        if (c.moreFragments() && fragLen % 8 != 0) {
            counters.inc(StackCounter.IP_FRAGMENT_MALFORMED);
            demux.parameterProblem(now, 0, 4, buf, off, ipLen, multicast, mayAnswer);
            return;
        }
        if (p - off - Ipv6.HEADER + fo + fragLen > 0xffff) {
            counters.inc(StackCounter.IP_FRAGMENT_MALFORMED);
            demux.parameterProblem(now, 0, c.fragmentOffsetField() - off, buf, off, ipLen, multicast, mayAnswer);
            return;
        }
        Reassembly.Datagram d = reassembly.add6(now, v.srcHi(), v.srcLo(), v.dstHi(), v.dstLo(),
                c.fragmentIdentification(), fo, c.moreFragments(), buf, dataOff, fragLen, off, dataOff - off);
        if (d == null) {
            return;
        }
        byte[] whole = Ipv6Reassembled.rebuild(d);
        receive(now, whole, 0, whole.length, true);
    }
}
