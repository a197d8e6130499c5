package dev.tcpip.direct.ip;

import dev.tcpip.direct.InterfaceAddress;
import dev.tcpip.direct.link.Link;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.MacAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The interface's IPv6 addresses and multicast groups, and the choice of a source address among them (RFC 6724).
 * How an address is configured and checked for uniqueness (RFC 4862) is {@code Ndp}'s; this keeps the list and
 * each address's state and lifetimes. Runs on the loop.
 */
public final class Ipv6Addresses {

    /** One address of the interface and how far it got (RFC 4862 §2, §5.5.4). */
    public static final class Addr {
        public final Ipv6Address ip;
        final int prefixLength;
        public final InterfaceAddress.Origin origin;
        public InterfaceAddress.State state = InterfaceAddress.State.TENTATIVE;
        public long preferredUntil = Ipv6.FOREVER;
        public long validUntil = Ipv6.FOREVER;
        public dev.tcpip.time.Timer timer;

        Addr(Ipv6Address ip, int prefixLength, InterfaceAddress.Origin origin) {
            this.ip = ip;
            this.prefixLength = prefixLength;
            this.origin = origin;
        }

        boolean usable(long now) {
            return (state == InterfaceAddress.State.PREFERRED || state == InterfaceAddress.State.DEPRECATED)
                    && now < validUntil;
        }

        boolean preferred(long now) {
            return state == InterfaceAddress.State.PREFERRED && now < preferredUntil;
        }
    }

    private final Link eth;
    private final List<Addr> addresses = new ArrayList<>();
    private final Set<Ipv6Address> groups = new HashSet<>();

    Ipv6Addresses(Link eth) {
        this.eth = eth;
    }

    // ---- addresses (RFC 4862) ----

    Addr add(Ipv6Address ip, int prefixLength, InterfaceAddress.Origin origin) {
        Addr a = new Addr(ip, prefixLength, origin);
        addresses.add(a);
        return a;
    }

    public void remove(Addr a) {
        addresses.remove(a);
        if (a.timer != null) {
            a.timer.cancel();
        }
    }

    public Addr find(Ipv6Address ip) {
        for (Addr a : addresses) {
            if (a.ip.equals(ip)) {
                return a;
            }
        }
        return null;
    }

    public List<Addr> all() {
        return addresses;
    }

    public List<InterfaceAddress> list(long now) {
        List<InterfaceAddress> out = new ArrayList<>();
        for (Addr a : addresses) {
            InterfaceAddress.State s = a.state == InterfaceAddress.State.PREFERRED && now >= a.preferredUntil
                    ? InterfaceAddress.State.DEPRECATED : a.state;
            out.add(new InterfaceAddress(a.ip, a.prefixLength, a.origin, s));
        }
        return out;
    }

    /** The first preferred link-local address, or null (RS, MLD and NS sources). */
    public Ipv6Address linkLocal(long now) {
        for (Addr a : addresses) {
            if (a.origin == InterfaceAddress.Origin.LINK_LOCAL && a.usable(now)) {
                return a.ip;
            }
        }
        return null;
    }

    /** RFC 6724 §5, simplified: same scope first, preferred over deprecated, then the longest common prefix. */
    public Ipv6Address selectSource(long now, Ipv6Address dst) {
        boolean linkScope = Ipv6.isLinkLocal(dst) || dst.isMulticast() && ((dst.hi() >>> 48) & 0xf) <= 2;
        Addr best = null;
        int bestScore = -1;
        for (Addr a : addresses) {
            if (!a.usable(now)) {
                continue;
            }
            boolean ll = a.origin == InterfaceAddress.Origin.LINK_LOCAL;
            int score = (ll == linkScope ? 1 << 10 : 0) + (a.preferred(now) ? 1 << 9 : 0) + commonPrefix(a.ip, dst);
            if (score > bestScore) {
                best = a;
                bestScore = score;
            }
        }
        return best == null ? null : best.ip;
    }

    private static int commonPrefix(Ipv6Address a, Ipv6Address b) {
        long hi = a.hi() ^ b.hi();
        return hi != 0 ? Long.numberOfLeadingZeros(hi) : 64 + Long.numberOfLeadingZeros(a.lo() ^ b.lo());
    }

    // ---- groups (RFC 4291 §2.8) ----

    /** Joins {@code group}: frames to its MAC are taken from now on. Returns false if already joined. */
    public boolean join(Ipv6Address group) {
        if (!groups.add(group)) {
            return false;
        }
        eth.acceptMulticast(MacAddress.ipv6Multicast(group).bits());
        return true;
    }

    public Set<Ipv6Address> groups() {
        return groups;
    }

    /** Stops every address's lifetime timer. */
    void close() {
        for (Addr a : addresses) {
            if (a.timer != null) {
                a.timer.cancel();
            }
        }
    }
}
