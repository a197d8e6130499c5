package dev.tcpip.direct.ndp;

import dev.tcpip.direct.RouterAdvertisementConfig;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.ip.Ipv6;
import dev.tcpip.direct.stats.Counters;
import dev.tcpip.time.Scheduler;
import dev.tcpip.time.Timer;
import dev.tcpip.wire.Icmpv6Message;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.NdpOption;
import dev.tcpip.wire.Octets;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The router's side of Neighbor Discovery (RFC 4861 §6.2): unsolicited router advertisements to all nodes, and
 * answers to router solicitations, rate-limited. Owned by {@link Ndp}; runs on the loop. At most one timer is
 * armed at a time, so the state is bounded whatever the solicitations.
 */
final class Advertiser {
    private static final long SECOND = 1_000_000_000L;
    /** RFC 4861 §10 router constants. */
    private static final int MAX_INITIAL_RTR_ADVERTISEMENTS = 3;
    private static final long MAX_INITIAL_RTR_ADVERT_INTERVAL = 16 * SECOND;
    private static final long MIN_DELAY_BETWEEN_RAS = 3 * SECOND;
    private static final long MAX_RA_DELAY_TIME = SECOND / 2;
    /** RFC 8106 §5.1: the RDNSS option's type. */
    static final int RDNSS = 25;

    private final Ndp ndp;
    private final Ipv6 ip;
    private final Counters counters;
    private final Scheduler scheduler;
    private final RandomGenerator random;
    private final RouterAdvertisementConfig config;
    private final int mtu;
    private int sent;
    private long lastSent = Long.MIN_VALUE;
    private long next = Long.MAX_VALUE;        // when the armed timer fires
    private Timer timer;
    private boolean stopped;

    Advertiser(Ndp ndp, Ipv6 ip, Counters counters, Scheduler scheduler, RandomGenerator random,
               RouterAdvertisementConfig config, int linkMtu) {
        this.ndp = ndp;
        this.ip = ip;
        this.counters = counters;
        this.scheduler = scheduler;
        this.random = random;
        this.config = config;
        this.mtu = config.mtu() == 0 ? linkMtu : config.mtu();
    }

    void start(long now) {
        arm(now);
    }

    /** RFC 4861 §6.2.6: a solicitation moves the next advertisement to within MAX_RA_DELAY_TIME, rate-limited. */
    void solicited(long now) {
        if (stopped) {
            return;
        }
        long at = now + (long) (random.nextDouble() * MAX_RA_DELAY_TIME);
        if (lastSent != Long.MIN_VALUE && at < lastSent + MIN_DELAY_BETWEEN_RAS) {
            at = lastSent + MIN_DELAY_BETWEEN_RAS;
        }
        if (at < next) {
            arm(at);
        }
    }

    /** RFC 4861 §6.2.5: a router that stops advertising says so with a router lifetime of 0. */
    void stop(long now) {
        if (stopped) {
            return;
        }
        stopped = true;
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
        send(now, 0);
    }

    private void arm(long at) {
        if (timer != null) {
            timer.cancel();
        }
        next = at;
        timer = scheduler.at(at, this::fire);
    }

    private void fire(long now) {
        timer = null;
        next = Long.MAX_VALUE;
        if (stopped) {
            return;
        }
        if (!send(now, (int) config.routerLifetime().toSeconds())) {
            arm(now + SECOND);                           // the link-local address is still tentative
            return;
        }
        // §6.2.4: the next one at a random time in [Min, Max]; the first few no more than 16 s apart.
        long min = config.minInterval().toNanos();
        long max = config.maxInterval().toNanos();
        long interval = min + (long) (random.nextDouble() * (max - min));
        if (sent <= MAX_INITIAL_RTR_ADVERTISEMENTS) {
            interval = Math.min(interval, MAX_INITIAL_RTR_ADVERT_INTERVAL);
        }
        arm(now + interval);
    }

    /** One advertisement to all nodes from the link-local address (§4.2, §6.2.3); false if there is none yet. */
    private boolean send(long now, int routerLifetime) {
        Ipv6Address src = ip.addresses().linkLocal(now);
        if (src == null) {
            return false;
        }
        List<NdpOption> options = new ArrayList<>();
        options.add(new NdpOption.SourceLinkLayerAddress(ip.mac()));
        options.add(new NdpOption.Mtu(mtu));
        for (RouterAdvertisementConfig.Prefix p : config.prefixes()) {
            options.add(new NdpOption.PrefixInformation(p.length(), true, true, config.validLifetime(),
                    config.preferredLifetime(), p.address()));
        }
        if (!config.dnsServers().isEmpty()) {
            options.add(rdnss(config.dnsServers(), 2 * config.maxInterval().toSeconds()));
        }
        Icmpv6Message ra = new Icmpv6Message.RouterAdvertisement(config.curHopLimit(), false, false, routerLifetime,
                0, 0, options);
        ndp.send(now, src, Ipv6Address.ALL_NODES, ra);
        counters.inc(StackCounter.NDP_RA_TX);
        sent++;
        lastSent = now;
        return true;
    }

    /** RFC 8106 §5.1: reserved (2), lifetime (4), the addresses; lifetime within [Max, 2 × Max]. */
    static NdpOption rdnss(List<Ipv6Address> servers, long lifetime) {
        byte[] b = new byte[6 + 16 * servers.size()];
        b[2] = (byte) (lifetime >>> 24);
        b[3] = (byte) (lifetime >>> 16);
        b[4] = (byte) (lifetime >>> 8);
        b[5] = (byte) lifetime;
        for (int i = 0; i < servers.size(); i++) {
            servers.get(i).write(b, 6 + 16 * i);
        }
        return new NdpOption.Other(RDNSS, Octets.of(b));
    }
}
