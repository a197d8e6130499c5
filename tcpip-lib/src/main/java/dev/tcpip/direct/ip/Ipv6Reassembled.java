package dev.tcpip.direct.ip;

import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv6ExtensionChain;
import dev.tcpip.wire.Ipv6Header;
import dev.tcpip.wire.ParseException;

/**
 * Rebuilds the packet a completed IPv6 reassembly stands for (RFC 8200 §4.5 reassembly): fragment zero's
 * unfragmentable part, the fragment header's next header written into the header before it, the payload
 * length fixed, then the reassembled payload.
 */
final class Ipv6Reassembled {
    private Ipv6Reassembled() {
    }

    /**
     * The whole packet for {@code d}, whose header is fragment zero's up to and including its fragment header.
     *
     * @throws ParseException the header has no fragment header inside it (not reached: fragment zero was parsed)
     */
    static byte[] rebuild(Reassembly.Datagram d) throws ParseException {
        byte[] w = d.buf();
        Ipv6ExtensionChain c = Ipv6ExtensionChain.of(w, 0, d.headerLength());
        while (c.type() != IpProtocol.FRAGMENT) {
            if (!c.atExtension()) {
                throw new ParseException("ipv6.fragment", "no fragment header in fragment zero's header");
            }
            c.advance();
        }
        int unfrag = c.offset();
        byte[] whole = new byte[unfrag + d.payloadLength()];
        System.arraycopy(w, 0, whole, 0, unfrag);
        System.arraycopy(w, d.headerLength(), whole, unfrag, d.payloadLength());
        whole[c.typeFieldOffset()] = (byte) c.nextHeader();
        Ipv6Header.putPayloadLength(whole, 0, whole.length - Ipv6.HEADER);
        return whole;
    }
}
