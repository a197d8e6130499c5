package dev.tcpip.direct;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.direct.link.Ethernet;
import dev.tcpip.wire.ArpPacket;
import dev.tcpip.wire.EtherType;
import dev.tcpip.wire.Icmpv4Message;
import dev.tcpip.wire.Icmpv6Message;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.Ipv6Extension;
import dev.tcpip.wire.MacAddress;
import dev.tcpip.wire.NdpOption;
import dev.tcpip.wire.Octets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * Truncated and garbled frames at every layer are counted and dropped; nothing throws (a throwing loop task
 * fails the simulation), and the stack still answers a ping afterwards.
 */
class DirectMalformedTest {

    private static final String A = "10.0.0.9";
    private static final String B = "10.0.0.2";

    @Test
    void eachLayerCountsItsMalformedInput() throws Exception {
        SimKit.run(kit -> {
            SimKit.Raw raw = kit.raw("raw");
            DirectStack b = kit.stack("b", B + "/24");
            MacAddress to = b.mac();
            // Ethernet: an 802.3 length instead of a type
            byte[] eth = SimKit.ethernet(to, raw.mac, EtherType.IPV4, new byte[46]);
            eth[12] = 0;
            eth[13] = 46;
            raw.send(eth);
            // ARP: truncated, and a wrong hardware type
            byte[] arp = new byte[ArpPacket.LENGTH];
            new ArpPacket(ArpPacket.REQUEST, raw.mac, Ipv4Address.parse(A), MacAddress.ZERO, Ipv4Address.parse(B))
                    .emit(arp, 0);
            raw.send(SimKit.ethernet(to, raw.mac, EtherType.ARP, Arrays.copyOf(arp, 20)));
            byte[] badHtype = arp.clone();
            badHtype[1] = 9;
            raw.send(SimKit.ethernet(to, raw.mac, EtherType.ARP, badHtype));
            // IPv4: truncated header, version 5, bad header checksum, total length beyond the frame
            byte[] ip = SimKit.ipv4(A, B, IpProtocol.UDP, 1, false, 0, SimKit.udp(A, 1, B, 2, new byte[4]));
            raw.send(SimKit.ipFrame(to, raw.mac, Arrays.copyOf(ip, 12)));
            byte[] v5 = ip.clone();
            v5[0] = 0x55;
            raw.send(SimKit.ipFrame(to, raw.mac, v5));
            byte[] badSum = ip.clone();
            badSum[10] ^= 1;
            raw.send(SimKit.ipFrame(to, raw.mac, badSum));
            byte[] longer = SimKit.ipv4(A, B, IpProtocol.UDP, 1, false, 0, new byte[200]);
            raw.send(SimKit.ipFrame(to, raw.mac, Arrays.copyOf(longer, 100)));
            // a fragment that is not a multiple of 8 bytes yet has more fragments after it
            raw.send(SimKit.ipFrame(to, raw.mac, SimKit.ipv4(A, B, IpProtocol.UDP, 3, true, 0, new byte[13])));
            // ICMP: bad checksum, and truncated
            byte[] echo = new byte[16];
            new Icmpv4Message.Echo(false, 1, 1).emit(echo, 0, 8);
            echo[9] ^= 1;
            raw.send(SimKit.ipFrame(to, raw.mac, SimKit.ipv4(A, B, IpProtocol.ICMP, 4, false, 0, echo)));
            raw.send(SimKit.ipFrame(to, raw.mac, SimKit.ipv4(A, B, IpProtocol.ICMP, 5, false, 0, new byte[3])));
            // UDP: bad checksum, length field beyond the datagram, truncated header
            b.udp().listen(2, d -> { });
            byte[] udp = SimKit.udp(A, 1, B, 2, new byte[4]);
            byte[] udpSum = udp.clone();
            udpSum[9] ^= 1;
            raw.send(SimKit.ipFrame(to, raw.mac, SimKit.ipv4(A, B, IpProtocol.UDP, 6, false, 0, udpSum)));
            byte[] udpLen = udp.clone();
            udpLen[5] = 50;
            raw.send(SimKit.ipFrame(to, raw.mac, SimKit.ipv4(A, B, IpProtocol.UDP, 7, false, 0, udpLen)));
            raw.send(SimKit.ipFrame(to, raw.mac, SimKit.ipv4(A, B, IpProtocol.UDP, 8, false, 0, new byte[5])));
            kit.sim.runFor(Duration.ofMillis(10));

            assertEquals(1, b.counter(StackCounter.ETH_DROPPED_MALFORMED));
            assertEquals(2, b.counter(StackCounter.ARP_DROPPED_MALFORMED));
            assertEquals(4, b.counter(StackCounter.IP_DROPPED_MALFORMED));
            assertEquals(1, b.counter(StackCounter.IP_FRAGMENT_MALFORMED));
            assertEquals(2, b.counter(StackCounter.ICMP_DROPPED_MALFORMED));
            assertEquals(1, b.counter(StackCounter.UDP_DROPPED_CHECKSUM));
            assertEquals(2, b.counter(StackCounter.UDP_DROPPED_MALFORMED));
            assertEquals(0, b.counter(StackCounter.UDP_TX) + b.counter(StackCounter.ICMP_TX));
        });
    }

    @Test
    void randomMutationsOfValidFramesAreDroppedWithoutThrowing() throws Exception {
        SimKit.run(kit -> {
            SimKit.Raw raw = kit.raw("raw");
            DirectStack b = kit.stack("b", B + "/24");
            b.udp().listen(2, d -> { });
            MacAddress to = b.mac();
            byte[] arp = new byte[ArpPacket.LENGTH];
            new ArpPacket(ArpPacket.REQUEST, raw.mac, Ipv4Address.parse(A), MacAddress.ZERO, Ipv4Address.parse(B))
                    .emit(arp, 0);
            byte[] echo = new byte[8 + 32];
            new Icmpv4Message.Echo(false, 1, 1).emit(echo, 0, 32);
            List<byte[]> valid = List.of(
                    SimKit.ethernet(to, raw.mac, EtherType.ARP, arp),
                    SimKit.ipFrame(to, raw.mac, SimKit.ipv4(A, B, IpProtocol.ICMP, 1, false, 0, echo)),
                    SimKit.udpFrame(to, raw.mac, A, B, 2, new byte[40]),
                    SimKit.ipFrame(to, raw.mac, SimKit.ipv4(A, B, IpProtocol.UDP, 2, true, 0, new byte[64])),
                    SimKit.ipFrame(to, raw.mac, SimKit.ipv4(A, B, IpProtocol.UDP, 2, false, 64,
                            new byte[16])));
            RandomGenerator rnd = kit.sim.random("mutations");
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 5_000; i++) {                      // bounded
                byte[] f = valid.get(rnd.nextInt(valid.size())).clone();
                switch (rnd.nextInt(3)) {
                    case 0 -> f[14 + rnd.nextInt(f.length - 14)] ^= (byte) (1 << rnd.nextInt(8));
                    case 1 -> f = Arrays.copyOf(f, 14 + rnd.nextInt(f.length - 14));
                    default -> {
                        for (int k = 0; k < 4; k++) {
                            f[14 + rnd.nextInt(f.length - 14)] = (byte) rnd.nextInt(256);
                        }
                    }
                }
                sent.add(f);
                raw.send(f);
                if (i % 100 == 99) {
                    kit.sim.runFor(Duration.ofMillis(1));
                }
            }
            kit.sim.runFor(Duration.ofSeconds(40));               // reassembly timeouts too
            long dropped = b.counter(StackCounter.ARP_DROPPED_MALFORMED) + b.counter(StackCounter.IP_DROPPED_MALFORMED)
                    + b.counter(StackCounter.ICMP_DROPPED_MALFORMED) + b.counter(StackCounter.UDP_DROPPED_MALFORMED)
                    + b.counter(StackCounter.UDP_DROPPED_CHECKSUM) + b.counter(StackCounter.IP_FRAGMENT_MALFORMED);
            assertTrue(dropped > 2_000, "dropped " + dropped);
            assertEquals(sent.size(), b.counter(StackCounter.ETH_RX_FRAMES) - 0);
            kit.stack("a", "10.0.0.1/24").ping(SimKit.ip(B), 100, Duration.ofSeconds(1));  // still alive
        });
    }

    @Test
    void ipv6Icmpv6AndNdpMalformedInputIsCountedAndDropped() throws Exception {
        SimKit.run(kit -> {
            String a6 = "2001:db8::9";
            String b6 = "2001:db8::2";
            SimKit.Raw raw = kit.raw("raw");
            DirectStack b = kit.stack("b", DirectStackConfig.ipv6(b6 + "/64"), dev.tcpip.device.LinkConfig.DEFAULTS);
            kit.sim.runFor(Duration.ofSeconds(3));
            MacAddress to = b.mac();
            byte[] echo = SimKit.icmpv6(a6, b6, new Icmpv6Message.Echo(false, 1, 1), new byte[8]);
            byte[] ip = SimKit.ipv6(a6, b6, 64, List.of(), IpProtocol.ICMPV6, echo);
            // IPv6: truncated fixed header, version 4, payload length beyond the frame, hop-by-hop not first
            raw.send(SimKit.ipv6Frame(to, raw.mac, Arrays.copyOf(ip, 30)));
            byte[] v4 = ip.clone();
            v4[0] = 0x45;
            raw.send(SimKit.ipv6Frame(to, raw.mac, v4));
            raw.send(SimKit.ipv6Frame(to, raw.mac, Arrays.copyOf(ip, ip.length - 4)));
            Ipv6Extension.DestinationOptions pad = new Ipv6Extension.DestinationOptions(
                    Octets.of(new byte[] {1, 4, 0, 0, 0, 0}));
            byte[] late = SimKit.ipv6(a6, b6, 64, List.of(pad, pad), IpProtocol.ICMPV6, echo);
            late[40] = (byte) IpProtocol.HOP_BY_HOP;                    // the second header becomes hop-by-hop
            raw.send(SimKit.ipv6Frame(to, raw.mac, late));
            assertCount(kit, b, StackCounter.IP6_DROPPED_MALFORMED, 4);
            // ICMPv6: bad checksum, and shorter than its header
            byte[] badSum = ip.clone();
            badSum[42] ^= 1;
            raw.send(SimKit.ipv6Frame(to, raw.mac, badSum));
            raw.send(SimKit.ipv6Frame(to, raw.mac, SimKit.ipv6(a6, b6, 64, List.of(), IpProtocol.ICMPV6, new byte[4])));
            // NDP: an option of length 0, and a solicitation with a hop limit below 255
            byte[] ns = SimKit.icmpv6(a6, b6, new Icmpv6Message.NeighborSolicitation(Ipv6Address.parse(b6),
                    List.of(new NdpOption.SourceLinkLayerAddress(raw.mac))), new byte[0]);
            byte[] zeroOption = ns.clone();
            zeroOption[25] = 0;
            raw.send(SimKit.ipv6Frame(to, raw.mac, SimKit.ipv6(a6, b6, 255, List.of(), IpProtocol.ICMPV6, zeroOption)));
            assertCount(kit, b, StackCounter.ICMP6_DROPPED_MALFORMED, 2 + 1);
            raw.send(SimKit.ipv6Frame(to, raw.mac, SimKit.ipv6(a6, b6, 64, List.of(), IpProtocol.ICMPV6, ns)));
            assertCount(kit, b, StackCounter.NDP_DROPPED_INVALID, 1);
            // Random mutations of a valid echo request: nothing throws.
            RandomGenerator r = kit.sim.random("mutations6");
            for (int i = 0; i < 2000; i++) {
                byte[] m = ip.clone();
                for (int k = 0; k < 1 + r.nextInt(4); k++) {
                    m[r.nextInt(m.length)] = (byte) r.nextInt(256);
                }
                raw.send(SimKit.ipv6Frame(to, raw.mac, Arrays.copyOf(m, r.nextInt(m.length + 1))));
            }
            kit.sim.runFor(Duration.ofMillis(100));
            DirectStack a = kit.stack("a", DirectStackConfig.ipv6("2001:db8::1/64"), dev.tcpip.device.LinkConfig.DEFAULTS);
            kit.sim.runFor(Duration.ofSeconds(3));
            a.ping(SimKit.ip(b6), 100, Duration.ofSeconds(1));         // still alive
        });
    }

    private static void assertCount(SimKit kit, DirectStack s, StackCounter c, long n) {
        kit.sim.runFor(Duration.ofMillis(10));
        assertEquals(n, s.counter(c), c.name());
    }
}
