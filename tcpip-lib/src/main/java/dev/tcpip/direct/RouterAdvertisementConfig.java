package dev.tcpip.direct;

import dev.tcpip.wire.Ipv6Address;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link DirectStack} acting as the router of its link advertises (RFC 4861 §6.2.1 router configuration
 * variables; {@link DirectStack#advertiseAsRouter}). Defaults are the RFC's, except where noted.
 *
 * @param prefixes on-link prefixes, each advertised with the on-link and autonomous flags (SLAAC, RFC 4862
 *     §5.5.3), at most 16
 * @param maxInterval MaxRtrAdvInterval, 4..1800 s. Default 600 s
 * @param minInterval MinRtrAdvInterval, 3 s..0.75 × max. Default 0.33 × max
 * @param routerLifetime AdvDefaultLifetime: 0 (not a default router) or max..9000 s. Default 3 × max
 * @param validLifetime AdvValidLifetime of each prefix, seconds. Default 2,592,000 (30 days)
 * @param preferredLifetime AdvPreferredLifetime, seconds, at most the valid one. Default 604,800 (7 days)
 * @param mtu AdvLinkMTU; 0 (the default) advertises the stack's link MTU (an MTU option is always sent)
 * @param curHopLimit AdvCurHopLimit. Default 64
 * @param dnsServers recursive DNS servers (RDNSS, RFC 8106 §5.1), at most 8; none by default
 */
public record RouterAdvertisementConfig(List<Prefix> prefixes, Duration maxInterval, Duration minInterval,
                                        Duration routerLifetime, long validLifetime, long preferredLifetime, int mtu,
                                        int curHopLimit, List<Ipv6Address> dnsServers) {

    /** An advertised prefix: {@code address} with all but the first {@code length} bits cleared. */
    public record Prefix(Ipv6Address address, int length) {
        public Prefix {
            Objects.requireNonNull(address, "address");
            if (length < 1 || length > 128) {
                throw new IllegalArgumentException("prefix length must be 1..128: " + length);
            }
            long hiMask = length >= 64 ? -1L : -1L << (64 - length);
            long loMask = length <= 64 ? 0 : length == 128 ? -1L : -1L << (128 - length);
            address = new Ipv6Address(address.hi() & hiMask, address.lo() & loMask);
        }
    }

    public RouterAdvertisementConfig {
        prefixes = List.copyOf(prefixes);
        dnsServers = List.copyOf(dnsServers);
        if (prefixes.size() > 16) {
            throw new IllegalArgumentException("at most 16 prefixes: " + prefixes.size());
        }
        if (dnsServers.size() > 8) {
            throw new IllegalArgumentException("at most 8 DNS servers: " + dnsServers.size());
        }
        long max = maxInterval.toMillis();
        long min = minInterval.toMillis();
        // RFC 4861 §6.2.1: the allowed ranges of each variable.
        if (max < 4_000 || max > 1_800_000) {
            throw new IllegalArgumentException("maxInterval must be 4..1800 s: " + maxInterval);
        }
        if (min < 3_000 || min > max * 3 / 4) {
            throw new IllegalArgumentException("minInterval must be 3 s..0.75 x maxInterval: " + minInterval);
        }
        long life = routerLifetime.toSeconds();
        if (life != 0 && (routerLifetime.toMillis() < max || life > 9000)) {
            throw new IllegalArgumentException("routerLifetime must be 0 or maxInterval..9000 s: " + routerLifetime);
        }
        if (validLifetime < 0 || validLifetime > 0xffff_ffffL || preferredLifetime < 0
                || preferredLifetime > validLifetime) {
            throw new IllegalArgumentException("lifetimes must be 0 <= preferred <= valid <= 2^32-1 s: "
                    + preferredLifetime + ", " + validLifetime);
        }
        if (mtu != 0 && (mtu < 1280 || mtu > 65_535)) {
            throw new IllegalArgumentException("mtu must be 1280..65535 or 0: " + mtu);
        }
        if (curHopLimit < 0 || curHopLimit > 255) {
            throw new IllegalArgumentException("curHopLimit must be 0..255: " + curHopLimit);
        }
    }

    /** The RFC's defaults for {@code prefixes}. */
    public static RouterAdvertisementConfig of(List<Prefix> prefixes) {
        return new RouterAdvertisementConfig(prefixes, Duration.ofSeconds(600), Duration.ofSeconds(198),
                Duration.ofSeconds(1800), 2_592_000, 604_800, 0, 64, List.of());
    }

    /** MaxRtrAdvInterval {@code max}, with MinRtrAdvInterval 0.33 × max and a router lifetime of 3 × max. */
    public RouterAdvertisementConfig withMaxInterval(Duration max) {
        return new RouterAdvertisementConfig(prefixes, max, Duration.ofMillis(Math.max(3_000, max.toMillis() * 33 / 100)),
                Duration.ofSeconds(Math.min(9000, max.toSeconds() * 3)), validLifetime, preferredLifetime, mtu,
                curHopLimit, dnsServers);
    }

    public RouterAdvertisementConfig withLifetimes(long valid, long preferred) {
        return new RouterAdvertisementConfig(prefixes, maxInterval, minInterval, routerLifetime, valid, preferred, mtu,
                curHopLimit, dnsServers);
    }

    public RouterAdvertisementConfig withDnsServers(List<Ipv6Address> servers) {
        return new RouterAdvertisementConfig(prefixes, maxInterval, minInterval, routerLifetime, validLifetime,
                preferredLifetime, mtu, curHopLimit, servers);
    }

    public RouterAdvertisementConfig withMtu(int m) {
        return new RouterAdvertisementConfig(prefixes, maxInterval, minInterval, routerLifetime, validLifetime,
                preferredLifetime, m, curHopLimit, dnsServers);
    }
}
