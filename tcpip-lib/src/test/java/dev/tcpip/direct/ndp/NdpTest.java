package dev.tcpip.direct.ndp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.LinkConfig;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.DirectStackConfig;
import dev.tcpip.direct.InterfaceAddress;
import dev.tcpip.direct.SimKit;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.wire.Icmpv6Message;
import dev.tcpip.wire.Icmpv6View;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.Ipv6View;
import dev.tcpip.wire.MacAddress;
import dev.tcpip.wire.NdpOption;
import dev.tcpip.wire.ParseException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Ndp} driven through a {@link DirectStack} on a memory network by raw ICMPv6 frames, in virtual time: what
 * DirectIpv6Test does not cover of DAD (RFC 4862 §5.4), SLAAC lifetimes (§5.5.3) and advertisements (RFC 4861 §7.2.4).
 */
class NdpTest {
    private static final String A = "2001:db8::1";
    private static final String RAW = "2001:db8::9";
    private static final String ROUTER = "fe80::1";
    private static final Duration RETRANS = Duration.ofSeconds(1);     // NdpLimits.DEFAULTS.retransTimer
    private static final Ipv6Address PREFIX = Ipv6Address.parse("2001:db8:1::");

    /** A raw device (made first, so it sees everything) and a stack on the kit's network. */
    private record Peers(SimKit.Raw raw, DirectStack stack) {
        static Peers on(SimKit kit, DirectStackConfig config) {
            SimKit.Raw raw = kit.raw("raw");
            return new Peers(raw, kit.stack("s", config, LinkConfig.DEFAULTS));
        }

        static Peers withA(SimKit kit) {
            return on(kit, DirectStackConfig.ipv6(A + "/64"));
        }

        /** An unsolicited advertisement with Override, to all nodes, optionally with our target link-layer option. */
        void advertise(Ipv6Address target, boolean tll) {
            raw.send(frame(raw, groupMac(Ipv6Address.ALL_NODES), RAW, "ff02::1", 255,
                    new Icmpv6Message.NeighborAdvertisement(false, false, true, target,
                            tll ? List.of(new NdpOption.TargetLinkLayerAddress(raw.mac)) : List.of())));
        }

        /** A solicitation for {@code target} to its solicited-node group: from RAW with our link-layer address, or
         * (DAD) from :: without. */
        void solicit(Ipv6Address target, boolean dad, int hopLimit) {
            Ipv6Address group = target.solicitedNode();
            raw.send(frame(raw, groupMac(group), dad ? "::" : RAW, group.toString(), hopLimit,
                    new Icmpv6Message.NeighborSolicitation(target,
                            dad ? List.of() : List.of(new NdpOption.SourceLinkLayerAddress(raw.mac)))));
        }

        /** A router advertisement from ROUTER (link-local) to all nodes with these prefixes. */
        void routerAdvertises(NdpOption.PrefixInformation... prefixes) {
            raw.send(frame(raw, groupMac(Ipv6Address.ALL_NODES), ROUTER, "ff02::1", 255,
                    new Icmpv6Message.RouterAdvertisement(64, false, false, 1800, 0, 0, List.of(prefixes))));
        }

        /** The stack's address from PREFIX and its interface identifier (RFC 4862 §5.5.3(d)), or null. */
        InterfaceAddress slaacAddress() throws Exception {
            return address(stack, new Ipv6Address(PREFIX.hi(), stack.linkLocalAddress().lo()));
        }

        /** A link-local-only stack with SLAAC on or off, past its start (DAD, router solicitation). */
        static Peers slaac(SimKit kit, boolean on) {
            Peers p = on(kit, DirectStackConfig.ipv6LinkLocal().withSlaac(on));
            kit.sim.runFor(Duration.ofSeconds(2));
            return p;
        }
    }

    private static InterfaceAddress address(DirectStack s, Ipv6Address ip) throws Exception {
        for (InterfaceAddress a : s.ipv6Addresses()) {
            if (a.address().equals(ip)) {
                return a;
            }
        }
        return null;
    }

    private static InterfaceAddress.State state(DirectStack s, String ip) throws Exception {
        InterfaceAddress a = address(s, Ipv6Address.parse(ip));
        return a == null ? null : a.state();
    }

    private static Icmpv6View icmp(Ipv6View ip) {
        try {
            return Icmpv6View.parse(ip);
        } catch (ParseException e) {
            throw new AssertionError(e);
        }
    }

    /** An ICMPv6 frame from the raw device, hop limit 255 unless told. */
    private static byte[] frame(SimKit.Raw raw, MacAddress dst, String src, String dstIp, int hopLimit,
                                Icmpv6Message m) {
        byte[] icmp = SimKit.icmpv6(src, dstIp, m, new byte[0]);
        return SimKit.ipv6Frame(dst, raw.mac, SimKit.ipv6(src, dstIp, hopLimit, List.of(), IpProtocol.ICMPV6, icmp));
    }

    private static MacAddress groupMac(Ipv6Address group) {
        return MacAddress.ipv6Multicast(group);
    }

    /** Runs until the stack's first DAD probe for {@code target} reached the raw device; returns it. */
    private static Ipv6View firstProbe(SimKit kit, SimKit.Raw raw, String target) {
        Ipv6Address t = Ipv6Address.parse(target);
        kit.sim.runUntil(() -> raw.icmpv6(Icmpv6Message.NEIGHBOR_SOLICITATION).stream()
                .anyMatch(v -> icmp(v).target().equals(t)), Duration.ofSeconds(2));
        return raw.icmpv6(Icmpv6Message.NEIGHBOR_SOLICITATION).stream()
                .filter(v -> icmp(v).target().equals(t)).findFirst().orElseThrow();
    }

    // RFC 4862 §5.4.2: the probe comes from the unspecified address to the target's solicited-node group, hop limit
    // 255, without a source link-layer option; with DupAddrDetectTransmits 1 and no conflict the address becomes
    // usable RetransTimer after it (§5.4.5 not triggered), not before.
    @Test
    void dadProbeFormatAndAddressPreferredOneRetransTimerLater() throws Exception {
        SimKit.run(kit -> {
            Peers p = Peers.withA(kit);
            DirectStack s = p.stack();
            Ipv6View probe = firstProbe(kit, p.raw(), A);
            assertEquals(Ipv6Address.UNSPECIFIED, probe.src());
            assertEquals(Ipv6Address.parse(A).solicitedNode(), probe.dst());
            assertEquals(255, probe.hopLimit());
            assertEquals(-1, icmp(probe).sourceLinkLayer());
            assertEquals(groupMac(probe.dst()), MacAddress.read(probe.buffer(), 0));
            kit.sim.runFor(RETRANS.minusNanos(1));
            assertEquals(InterfaceAddress.State.TENTATIVE, state(s, A));
            kit.sim.runFor(Duration.ofNanos(1));
            assertEquals(InterfaceAddress.State.PREFERRED, state(s, A));
            assertEquals(1, p.raw().icmpv6(Icmpv6Message.NEIGHBOR_SOLICITATION).stream()
                    .filter(v -> icmp(v).target().equals(Ipv6Address.parse(A))).count());
        });
    }

    // RFC 4862 §5.4.4 / §5.4.5: an advertisement for a tentative address means it is in use: DUPLICATE, never used,
    // and solicitations for it are not answered.
    @Test
    void advertisementDuringDadMakesTheAddressDuplicate() throws Exception {
        SimKit.run(kit -> {
            Peers p = Peers.withA(kit);
            DirectStack s = p.stack();
            firstProbe(kit, p.raw(), A);
            p.advertise(Ipv6Address.parse(A), true);
            kit.sim.runFor(Duration.ofMillis(10));
            assertEquals(InterfaceAddress.State.DUPLICATE, state(s, A));
            assertEquals(1, s.counter(StackCounter.IP6_DAD_CONFLICTS));
            kit.sim.runFor(RETRANS.multipliedBy(5));
            assertEquals(InterfaceAddress.State.DUPLICATE, state(s, A));
            int before = p.raw().icmpv6(Icmpv6Message.NEIGHBOR_ADVERTISEMENT).size();
            p.solicit(Ipv6Address.parse(A), false, 255);
            kit.sim.runFor(RETRANS);
            assertEquals(before, p.raw().icmpv6(Icmpv6Message.NEIGHBOR_ADVERTISEMENT).size());
        });
    }

    // RFC 4862 §5.4.3: a DAD probe (from ::) by another node for our tentative address: both are probing, the
    // address is a duplicate.
    @Test
    void anotherNodesProbeDuringDadMakesTheAddressDuplicate() throws Exception {
        SimKit.run(kit -> {
            Peers p = Peers.withA(kit);
            DirectStack s = p.stack();
            firstProbe(kit, p.raw(), A);
            p.solicit(Ipv6Address.parse(A), true, 255);
            kit.sim.runFor(RETRANS.multipliedBy(3));
            assertEquals(InterfaceAddress.State.DUPLICATE, state(s, A));
            assertEquals(1, s.counter(StackCounter.IP6_DAD_CONFLICTS));
        });
    }

    // RFC 4862 §5.4.4 applies to tentative addresses only: an advertisement for a preferred address is counted
    // as a conflict and the address stays usable.
    @Test
    void advertisementForAPreferredAddressOnlyCounts() throws Exception {
        SimKit.run(kit -> {
            Peers p = Peers.withA(kit);
            DirectStack s = p.stack();
            kit.sim.runFor(Duration.ofSeconds(3));
            p.advertise(Ipv6Address.parse(A), false);
            kit.sim.runFor(RETRANS);
            assertEquals(InterfaceAddress.State.PREFERRED, state(s, A));
            assertEquals(1, s.counter(StackCounter.IP6_ADDRESS_CONFLICTS));
            assertEquals(0, s.counter(StackCounter.IP6_DAD_CONFLICTS));
        });
    }

    // RFC 4861 §7.2.4: a solicitation for our address is answered by a unicast advertisement to its source (to the
    // link-layer address it gave), Solicited and Override set, Router clear, with our target link-layer address;
    // a DAD probe (source ::) is answered to all-nodes with Solicited clear. §7.1.1: hop limit other than 255 is
    // invalid; a target that is not ours is not answered.
    @Test
    void solicitationsForOwnAddressAreAnsweredWithTheRightFlags() throws Exception {
        SimKit.run(kit -> {
            Peers p = Peers.withA(kit);
            DirectStack s = p.stack();
            kit.sim.runFor(Duration.ofSeconds(3));
            Ipv6Address a = Ipv6Address.parse(A);
            p.solicit(a, false, 255);
            kit.sim.runFor(RETRANS);
            List<Ipv6View> nas = p.raw().icmpv6(Icmpv6Message.NEIGHBOR_ADVERTISEMENT);
            assertEquals(1, nas.size());
            Ipv6View na = nas.getFirst();
            assertEquals(p.raw().mac, MacAddress.read(na.buffer(), 0));
            assertEquals(a, na.src());
            assertEquals(Ipv6Address.parse(RAW), na.dst());
            assertEquals(255, na.hopLimit());
            Icmpv6View m = icmp(na);
            assertEquals(a, m.target());
            assertEquals(0x40 | 0x20, m.ndpFlags() & 0xe0);             // S and O; R clear
            assertEquals(s.mac().bits(), m.targetLinkLayer());

            p.solicit(a, true, 255);
            kit.sim.runFor(RETRANS);
            nas = p.raw().icmpv6(Icmpv6Message.NEIGHBOR_ADVERTISEMENT);
            assertEquals(2, nas.size());
            Ipv6View dad = nas.getLast();
            assertEquals(Ipv6Address.ALL_NODES, dad.dst());
            assertEquals(0x20, icmp(dad).ndpFlags() & 0xe0);            // O only: not solicited
            assertEquals(InterfaceAddress.State.PREFERRED, state(s, A));

            p.solicit(a, false, 254);
            Ipv6Address other = Ipv6Address.parse("2001:db8::77");
            p.raw().send(frame(p.raw(), s.mac(), RAW, A, 255, new Icmpv6Message.NeighborSolicitation(other, List.of())));
            kit.sim.runFor(RETRANS);
            assertEquals(2, p.raw().icmpv6(Icmpv6Message.NEIGHBOR_ADVERTISEMENT).size());
            assertEquals(1, s.counter(StackCounter.NDP_DROPPED_INVALID));
            assertEquals(1, s.counter(StackCounter.NDP_NOT_FOR_US));
        });
    }


    private static NdpOption.PrefixInformation prefix(int length, long valid, long preferred) {
        return new NdpOption.PrefixInformation(length, true, true, valid, preferred, PREFIX);
    }


    // RFC 4862 §5.5.3: with autoconfiguration off, a prefix with the A flag forms no address (the router is still
    // learned, RFC 4861 §6.3.4).
    @Test
    void noSlaacAddressWhenDisabled() throws Exception {
        SimKit.run(kit -> {
            Peers p = Peers.slaac(kit, false);
            DirectStack s = p.stack();
            p.routerAdvertises(prefix(64, 86_400, 14_400));
            kit.sim.runFor(Duration.ofSeconds(3));
            assertEquals(List.of(Ipv6Address.parse(ROUTER)), s.ipv6Routers());
            assertNull(p.slaacAddress());
            assertEquals(1, s.ipv6Addresses().size());
        });
    }

    // RFC 4862 §5.5.3(c): a preferred lifetime beyond the valid one makes the option ignored; (d) a prefix whose
    // length plus the 64-bit interface identifier is not 128 is ignored.
    @Test
    void invalidPrefixesFormNoAddress() throws Exception {
        SimKit.run(kit -> {
            Peers p = Peers.slaac(kit, true);
            DirectStack s = p.stack();
            p.routerAdvertises(prefix(64, 100, 200), prefix(48, 86_400, 14_400));
            kit.sim.runFor(Duration.ofSeconds(3));
            assertEquals(1, s.ipv6Addresses().size());
            assertEquals(2, s.counter(StackCounter.NDP_PREFIX_IGNORED));
        });
    }

    // RFC 4862 §5.5.3: the address takes the advertised lifetimes: preferred, then DEPRECATED when the preferred
    // lifetime ends (§5.5.4), removed when the valid lifetime ends.
    @Test
    void slaacAddressFollowsItsLifetimes() throws Exception {
        SimKit.run(kit -> {
            Peers p = Peers.slaac(kit, true);
            DirectStack s = p.stack();
            p.routerAdvertises(prefix(64, 10, 5));
            kit.sim.runFor(Duration.ofMillis(4_900));                 // DAD: at most 1 s delay + RetransTimer
            assertEquals(InterfaceAddress.State.PREFERRED, p.slaacAddress().state());
            assertEquals(InterfaceAddress.Origin.SLAAC, p.slaacAddress().origin());
            kit.sim.runFor(Duration.ofMillis(200));
            assertEquals(InterfaceAddress.State.DEPRECATED, p.slaacAddress().state());
            kit.sim.runFor(Duration.ofMillis(4_800));
            assertEquals(InterfaceAddress.State.DEPRECATED, p.slaacAddress().state());
            kit.sim.runFor(Duration.ofMillis(200));
            assertNull(p.slaacAddress());
        });
    }

    // RFC 4862 §5.5.3(e): an advertisement may lengthen a valid lifetime, but may shorten one only down to two
    // hours (unless it is already below that), so a spoofed advertisement cannot end an address at once.
    @Test
    void validLifetimeIsShortenedOnlyDownToTwoHours() throws Exception {
        SimKit.run(kit -> {
            Peers p = Peers.slaac(kit, true);
            DirectStack s = p.stack();
            p.routerAdvertises(prefix(64, 3 * 3600, 3 * 3600));
            kit.sim.runFor(Duration.ofSeconds(3));
            assertEquals(InterfaceAddress.State.PREFERRED, p.slaacAddress().state());
            p.routerAdvertises(prefix(64, 60, 60));
            kit.sim.runFor(Duration.ofSeconds(61));
            assertEquals(InterfaceAddress.State.DEPRECATED, p.slaacAddress().state()); // preferred: as told
            kit.sim.runFor(Duration.ofHours(2).minusSeconds(62));
            assertFalse(p.slaacAddress() == null, "kept for two hours after the shortening advertisement");
            kit.sim.runFor(Duration.ofSeconds(2));
            assertNull(p.slaacAddress());
        });
    }

    // RFC 4862 §5.5.3(e): a longer valid lifetime extends the address.
    @Test
    void validLifetimeIsExtended() throws Exception {
        SimKit.run(kit -> {
            Peers p = Peers.slaac(kit, true);
            DirectStack s = p.stack();
            p.routerAdvertises(prefix(64, 10, 10));
            kit.sim.runFor(Duration.ofSeconds(5));
            p.routerAdvertises(prefix(64, 100, 100));
            kit.sim.runFor(Duration.ofSeconds(90));
            assertEquals(InterfaceAddress.State.PREFERRED, p.slaacAddress().state());
            kit.sim.runFor(Duration.ofSeconds(11));
            assertTrue(p.slaacAddress() == null);
        });
    }
}
