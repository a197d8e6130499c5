package dev.tcpip.direct.ip;

import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.wire.Ipv6Address;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where IPv6 packets go and how large they may be: the on-link prefixes, default routers and destination cache
 * (a path MTU learned by RFC 8201, a redirect's next hop by RFC 4861 §8) that give the next hop toward a
 * destination (RFC 4861 §5.2) and the link MTU. Every table is bounded by the destination cache size. Runs on
 * the loop.
 */
public final class Ipv6Routes {

    private record Prefix(Ipv6Address prefix, int length, long validUntil) {}

    /** The destination cache (RFC 4861 §5.1): a learned path MTU (RFC 8201 §5.2) and a redirect's next hop. */
    private static final class Dest {
        int pmtu;
        Ipv6Address redirect;

        Dest(int pmtu) {
            this.pmtu = pmtu;
        }
    }

    private final int limit;
    private final int deviceMtu;
    private final Ipv6.Resolver neighbors;
    private final boolean pointToPoint;
    private final List<Prefix> prefixes = new ArrayList<>();
    private final Map<Ipv6Address, Long> routers = new LinkedHashMap<>();
    private final Map<Ipv6Address, Dest> destinations = new LinkedHashMap<>();
    private int linkMtu;

    Ipv6Routes(DirectStackConfig.Ipv6Config config, int deviceMtu, Ipv6.Resolver neighbors, boolean pointToPoint) {
        this.pointToPoint = pointToPoint;
        this.limit = config.ndp().destinationCacheSize();
        this.deviceMtu = deviceMtu;
        this.linkMtu = deviceMtu;
        this.neighbors = neighbors;
        if (config.gateway() != null) {
            routers.put(config.gateway(), Ipv6.FOREVER);
        }
    }

    // ---- prefixes and routers (RFC 4861 §6.3.4) ----

    public void onLink(long now, Ipv6Address prefix, int length, long validUntil) {
        prefixes.removeIf(p -> p.length == length && matches(p.prefix, prefix, length));
        if (validUntil > now) {
            if (prefixes.size() >= limit) {
                prefixes.removeFirst();                   // bounded: the oldest advertised prefix goes
            }
            prefixes.add(new Prefix(prefix, length, validUntil));
        }
    }

    public void router(long now, Ipv6Address ip, long validUntil) {
        if (validUntil <= now) {
            routers.remove(ip);                           // RFC 4861 §6.3.4: lifetime 0 removes it
            return;
        }
        if (!routers.containsKey(ip) && routers.size() >= limit) {
            return;
        }
        routers.put(ip, validUntil);
    }

    public List<Ipv6Address> routers(long now) {
        List<Ipv6Address> out = new ArrayList<>();
        routers.forEach((ip, until) -> {
            if (now < until) {
                out.add(ip);
            }
        });
        return out;
    }

    public int linkMtu() {
        return linkMtu;
    }

    /** RFC 4861 §6.3.4: an advertised MTU within 1280 and the device's applies to the link. */
    public void linkMtu(int m) {
        if (m >= Ipv6.MIN_MTU && m <= deviceMtu) {
            linkMtu = m;
        }
    }

    static boolean matches(Ipv6Address a, Ipv6Address b, int length) {
        if (length == 0) {
            return true;
        }
        if (length <= 64) {
            return ((a.hi() ^ b.hi()) >>> (64 - length)) == 0;
        }
        return a.hi() == b.hi() && (length == 128 ? a.lo() == b.lo() : ((a.lo() ^ b.lo()) >>> (128 - length)) == 0);
    }

    private boolean isOnLink(long now, Ipv6Address dst) {
        // A point-to-point link's one neighbour is its other end, so every destination is sent there (RFC 4861
        // §2.2: such a link connects exactly two interfaces).
        if (pointToPoint || Ipv6.isLinkLocal(dst)) {
            return true;
        }
        for (Prefix p : prefixes) {
            if (now < p.validUntil && matches(p.prefix, dst, p.length)) {
                return true;
            }
        }
        return false;
    }

    // ---- next hop and destination cache (RFC 4861 §5.2, RFC 8201) ----

    /** The on-link next hop toward a unicast {@code dst}, or null without a route (RFC 4861 §5.2). */
    public Ipv6Address nextHop(long now, Ipv6Address dst) {
        Dest d = destinations.get(dst);
        if (d != null && d.redirect != null) {
            return d.redirect;
        }
        if (isOnLink(now, dst)) {
            return dst;
        }
        // RFC 4861 §6.3.6: prefer a router known to be reachable; else any.
        Ipv6Address any = null;
        for (Map.Entry<Ipv6Address, Long> r : routers.entrySet()) {
            if (now >= r.getValue()) {
                continue;
            }
            if (neighbors.known(r.getKey())) {
                return r.getKey();
            }
            if (any == null) {
                any = r.getKey();
            }
        }
        return any;
    }

    /** RFC 4861 §8.3: traffic for {@code dst} goes to {@code target} from now on. */
    public void redirect(Ipv6Address dst, Ipv6Address target) {
        dest(dst).redirect = target;
    }

    /** RFC 8201 §4-5: a packet too big lowers the path MTU toward {@code dst}, never below 1280. */
    public int lowerPathMtu(Ipv6Address dst, long reported) {
        int m = (int) Math.max(Ipv6.MIN_MTU, Math.min(reported, linkMtu));
        Dest d = dest(dst);
        d.pmtu = Math.min(d.pmtu, m);
        return d.pmtu;
    }

    public int pathMtu(Ipv6Address dst) {
        Dest d = destinations.get(dst);
        return d == null ? linkMtu : Math.min(d.pmtu, linkMtu);
    }

    private Dest dest(Ipv6Address dst) {
        Dest d = destinations.get(dst);
        if (d == null) {
            if (destinations.size() >= limit) {
                Iterator<Dest> it = destinations.values().iterator();
                it.next();
                it.remove();                              // bounded: the oldest destination is forgotten
            }
            d = new Dest(linkMtu);
            destinations.put(dst, d);
        }
        return d;
    }
}
