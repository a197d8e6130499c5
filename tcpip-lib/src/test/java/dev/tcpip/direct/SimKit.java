package dev.tcpip.direct;

import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.MemoryNetwork;
import dev.tcpip.device.NetworkDevice;
import dev.tcpip.direct.link.Ethernet;
import dev.tcpip.time.EventLoop;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.time.SimulatedLoop;
import dev.tcpip.time.Simulation;
import dev.tcpip.time.SimulationConfig;
import dev.tcpip.wire.EtherType;
import dev.tcpip.wire.EthernetHeader;
import dev.tcpip.wire.Icmpv6Message;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.Ipv4Header;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.Ipv6Extension;
import dev.tcpip.wire.Ipv6Header;
import dev.tcpip.wire.Ipv6View;
import dev.tcpip.wire.MacAddress;
import dev.tcpip.wire.UdpHeader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The direct stack's test kit: a simulation with a memory network, stacks on it, and a raw device that
 * injects hand-made frames and records what it receives. {@link #run} adds the seed to any failure.
 */
public final class SimKit implements AutoCloseable {

    public interface Body {
        void run(SimKit kit) throws Exception;
    }

    public final Simulation sim;
    final MemoryNetwork net;

    SimKit(long seed) {
        sim = new Simulation(SimulationConfig.withSeed(seed));
        net = MemoryNetwork.simulated(sim);
    }

    /** Runs {@code body} on a fresh kit with the seed of {@code -Dtcpip.seed} (or a fresh one), printed on failure. */
    public static void run(Body body) throws Exception {
        run(SimulationConfig.seedFromProperty(), body);
    }

    static void run(long seed, Body body) throws Exception {
        try (SimKit kit = new SimKit(seed)) {
            body.run(kit);
        } catch (Exception | AssertionError e) {
            throw new AssertionError("failed with seed " + seed + " (replay: -Dtcpip.seed=" + seed + "): " + e, e);
        }
    }

    DirectStack stack(String name, String cidr) {
        return stack(name, DirectStackConfig.ipv4(cidr), LinkConfig.DEFAULTS);
    }

    public DirectStack stack(String name, DirectStackConfig config, LinkConfig link) {
        SimulatedLoop loop = sim.newLoop(name);
        return DirectStack.create(config, net.connect(name, link).device(), loop);
    }

    public Raw raw(String name) {
        return new Raw(name, sim.newLoop(name), net.connect(name, LinkConfig.DEFAULTS).device());
    }

    public static InetAddress ip(String s) {
        return InetAddress.ofLiteral(s);
    }

    public static InetSocketAddress at(String s, int port) {
        return new InetSocketAddress(ip(s), port);
    }

    /** A future of {@code loop} that fails with a timeout after {@code d}, unless completed first. */
    static <T> LoopFuture<T> within(EventLoop loop, Duration d) {
        LoopFuture<T> f = loop.newFuture();
        loop.scheduleAfter(d.toNanos(), () -> f.fail(new dev.tcpip.TimedOutException("nothing within " + d)));
        return f;
    }

    @Override
    public void close() {
        net.close();
        sim.close();
    }

    /** A device the test drives by hand: sends given frames on its loop and keeps copies of received ones. */
    public static final class Raw {
        final String name;
        final SimulatedLoop loop;
        final NetworkDevice device;
        public final List<byte[]> received = new ArrayList<>();
        public final MacAddress mac;

        Raw(String name, SimulatedLoop loop, NetworkDevice device) {
            this.name = name;
            this.loop = loop;
            this.device = device;
            this.mac = new MacAddress(device.mac());
            device.attach(loop, (f, o, l) -> received.add(java.util.Arrays.copyOfRange(f, o, o + l)));
        }

        public void send(byte[] frame) {
            loop.execute(() -> device.send(frame, 0, frame.length));
        }

        /** IPv6 packets received (without the Ethernet header) whose upper layer is ICMPv6 of {@code type}. */
        public List<Ipv6View> icmpv6(int type) {
            List<Ipv6View> out = new ArrayList<>();
            for (byte[] f : received) {
                if (f.length > 14 + 40 && (f[12] & 0xff) == 0x86 && (f[13] & 0xff) == 0xdd) {
                    try {
                        Ipv6View v = Ipv6View.parse(f, 14, f.length - 14);
                        if (v.protocol() == IpProtocol.ICMPV6 && (f[v.upperOffset()] & 0xff) == type) {
                            out.add(v);
                        }
                    } catch (dev.tcpip.wire.ParseException e) {
                        // not ours to judge here
                    }
                }
            }
            return out;
        }

        /** Frames received of {@code etherType} carrying IP protocol {@code protocol} (or any if -1). */
        List<byte[]> ipFrames(int protocol) {
            List<byte[]> out = new ArrayList<>();
            for (byte[] f : received) {
                if (f.length >= 34 && (f[12] & 0xff) == 0x08 && f[13] == 0 && (protocol == -1 || (f[23] & 0xff) == protocol)) {
                    out.add(f);
                }
            }
            return out;
        }
    }

    // ---- frame builders ----

    /** An IPv6 packet (fixed header, {@code extensions}, payload) as received from a peer. */
    public static byte[] ipv6(String src, String dst, int hopLimit, List<Ipv6Extension> extensions, int protocol,
                       byte[] payload) {
        Ipv6Header h = new Ipv6Header(0, 0, hopLimit, Ipv6Address.parse(src), Ipv6Address.parse(dst), extensions,
                protocol, payload.length);
        byte[] p = new byte[h.length() + payload.length];
        int at = h.emit(p, 0);
        System.arraycopy(payload, 0, p, at, payload.length);
        return p;
    }

    /** An ICMPv6 message with its checksum, {@code data} after its header. */
    public static byte[] icmpv6(String src, String dst, Icmpv6Message m, byte[] data) {
        byte[] b = new byte[m.length() + data.length];
        System.arraycopy(data, 0, b, m.length(), data.length);
        m.emit(b, 0, data.length, Ipv6Address.parse(src), Ipv6Address.parse(dst));
        return b;
    }

    /** A UDP message over IPv6 with its checksum. */
    static byte[] udp6(String src, int srcPort, String dst, int dstPort, byte[] payload) {
        byte[] m = new byte[8 + payload.length];
        System.arraycopy(payload, 0, m, 8, payload.length);
        new UdpHeader(srcPort, dstPort, payload.length).emitIpv6(m, 0, Ipv6Address.parse(src), Ipv6Address.parse(dst));
        return m;
    }

    public static byte[] ipv6Frame(MacAddress dst, MacAddress src, byte[] ip) {
        return ethernet(dst, src, EtherType.IPV6, ip);
    }

    static byte[] ethernet(MacAddress dst, MacAddress src, int type, byte[] payload) {
        byte[] f = new byte[14 + payload.length];
        new EthernetHeader(dst, src, type).emit(f, 0);
        System.arraycopy(payload, 0, f, 14, payload.length);
        return f;
    }

    /** An IPv4 datagram (header and payload) with the given fragment fields. */
    public static byte[] ipv4(String src, String dst, int protocol, int id, boolean mf, int fragOffset, byte[] payload) {
        Ipv4Header h = new Ipv4Header(0, 0, id, false, mf, fragOffset, 64, protocol, Ipv4Address.parse(src),
                Ipv4Address.parse(dst), null, payload.length);
        byte[] p = new byte[h.length() + payload.length];
        int at = h.emit(p, 0);
        System.arraycopy(payload, 0, p, at, payload.length);
        return p;
    }

    /** A UDP message (header with checksum and payload) from {@code src} to {@code dst}. */
    public static byte[] udp(String src, int srcPort, String dst, int dstPort, byte[] payload) {
        byte[] m = new byte[8 + payload.length];
        System.arraycopy(payload, 0, m, 8, payload.length);
        new UdpHeader(srcPort, dstPort, payload.length).emitIpv4(m, 0, Ipv4Address.parse(src), Ipv4Address.parse(dst));
        return m;
    }

    public static byte[] ipFrame(MacAddress dst, MacAddress src, byte[] ip) {
        return ethernet(dst, src, EtherType.IPV4, ip);
    }

    static byte[] udpFrame(MacAddress dst, MacAddress src, String srcIp, String dstIp, int dstPort, byte[] payload) {
        return ipFrame(dst, src, ipv4(srcIp, dstIp, IpProtocol.UDP, 7, false, 0, udp(srcIp, 4000, dstIp, dstPort, payload)));
    }
}
