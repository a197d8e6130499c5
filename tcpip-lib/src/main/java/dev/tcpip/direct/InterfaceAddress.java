package dev.tcpip.direct;

import dev.tcpip.wire.Ipv6Address;

/**
 * One IPv6 address of a {@link DirectStack}, as {@link DirectStack#ipv6Addresses()} reports it.
 *
 * @param address the address
 * @param prefixLength its on-link prefix (64 for link-local and SLAAC addresses)
 * @param origin where it came from
 * @param state how far it got (RFC 4862 §2)
 */
public record InterfaceAddress(Ipv6Address address, int prefixLength, Origin origin, State state) {

    public enum Origin {
        /** fe80::/64 with the modified EUI-64 of the MAC (RFC 4862 §5.3). */
        LINK_LOCAL,
        /** Configured in {@link DirectStackConfig.Ipv6Config#addresses()}. */
        STATIC,
        /** Formed from an advertised prefix (RFC 4862 §5.5.3). */
        SLAAC
    }

    public enum State {
        /** Duplicate address detection runs; not used yet (RFC 4862 §5.4). */
        TENTATIVE,
        /** Usable for new communication. */
        PREFERRED,
        /** Valid but past its preferred lifetime: kept for existing flows, avoided for new ones (RFC 4862 §5.5.4). */
        DEPRECATED,
        /** Another node uses it: never used (RFC 4862 §5.4.5). */
        DUPLICATE
    }
}
