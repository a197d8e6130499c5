package dev.tcpip.forward;

import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.RouterAdvertisementConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The gateway as the IPv6 router of its link (RFC 4861 §6.2, RFC 4862): the direct stack advertises the prefixes of
 * its static /64 addresses with the on-link and autonomous flags, so that a guest configures an address by SLAAC and
 * takes the gateway's link-local address as its default router. Unsolicited advertisements go out at start and
 * every MaxRtrAdvInterval at the latest; router solicitations are answered within 0.5 s (at most one advertisement
 * per 3 s). The work is the stack's ({@link DirectStack#advertiseAsRouter}); this is the gateway's face for it.
 */
public final class RouterAdvertiser implements AutoCloseable {
    /** RFC 4862 §5.5.3(d): SLAAC forms addresses only from /64 prefixes on Ethernet (RFC 4291 interface IDs). */
    public static final int SLAAC_PREFIX = 64;

    private final DirectStack stack;
    private final RouterAdvertisementConfig config;

    private RouterAdvertiser(DirectStack stack, RouterAdvertisementConfig config) {
        this.stack = stack;
        this.config = config;
    }

    /** Advertises {@code config} on {@code stack} until {@link #close()}. */
    public static RouterAdvertiser start(DirectStack stack, RouterAdvertisementConfig config) throws IOException {
        stack.advertiseAsRouter(config);
        return new RouterAdvertiser(stack, config);
    }

    /**
     * The RFC defaults over the prefixes of the stack's static /64 addresses.
     *
     * @throws IllegalArgumentException the stack has no static IPv6 address with a /64 prefix
     */
    public static RouterAdvertisementConfig defaults(DirectStackConfig stack) {
        List<RouterAdvertisementConfig.Prefix> prefixes = new ArrayList<>();
        if (stack.ipv6() != null) {
            for (DirectStackConfig.StaticAddress a : stack.ipv6().addresses()) {
                if (a.prefixLength() == SLAAC_PREFIX) {
                    prefixes.add(new RouterAdvertisementConfig.Prefix(a.address(), SLAAC_PREFIX));
                }
            }
        }
        if (prefixes.isEmpty()) {
            throw new IllegalArgumentException("no static IPv6 address with a /64 prefix to advertise");
        }
        return RouterAdvertisementConfig.of(prefixes);
    }

    public RouterAdvertisementConfig config() {
        return config;
    }

    /** Stops advertising; a last advertisement with router lifetime 0 tells the guests (RFC 4861 §6.2.5). */
    @Override
    public void close() throws IOException {
        stack.stopAdvertising();
    }
}
