package dev.tcpip.direct;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import dev.tcpip.ReadResult;
import dev.tcpip.TcpFlow;
import dev.tcpip.device.FrameReceiver;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.device.NetworkDevice;
import dev.tcpip.time.EventLoop;
import dev.tcpip.time.SimulatedLoop;
import dev.tcpip.wire.ArpPacket;
import dev.tcpip.wire.Checksum;
import dev.tcpip.wire.EtherType;
import dev.tcpip.wire.Icmpv4Message;
import dev.tcpip.wire.Icmpv6Message;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.Ipv6Extension;
import dev.tcpip.wire.MacAddress;
import dev.tcpip.wire.NdpOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The body of the whole-stack fuzz target ({@link StackFuzzTest}). A direct stack A (dual: 10.0.0.1 and
 * 2001:db8::1) serves TCP port 80 and UDP port 53; a legitimate peer B (10.0.0.2, 2001:db8::2) on the same memory
 * network opens one flow over each family, and both sides stream a known pattern both ways. The fuzz input is then
 * read as a sequence of operations: frames injected straight into A's receive path (captured frames of the live
 * flows and of ARP, NDP, ICMP, UDP and fragments, mutated field by field: sequence and acknowledgment numbers, flags,
 * window, options, lengths, addresses, fragment fields; lengths and checksums fixed up unless the input says not;
 * or raw bytes), floods of one mutated frame with a counter in a field, and virtual time passing.
 *
 * <p>After each input, three things must hold, else the target fails: nothing escaped the stack (a throwing loop
 * task or application thread makes the simulation throw, which fails the target); every table stays within its
 * configured limit ({@link DirectStack#tables()}); and the bytes each side of a live flow received are exactly the
 * pattern the other side sent, in order (a prefix of it: a flow may stall or end, never deliver other bytes).
 *
 * <p>TCP cannot tell injected data at the right sequence numbers from the peer's, so injected segments that could
 * reach a live flow carry the pattern's bytes for their sequence numbers: data put at the wrong place in the stream
 * still shows. For the same reason fragments from B's addresses carrying TCP are not injected (their payload could
 * not be rewritten before reassembly).
 */
final class StackFuzz implements AutoCloseable {

    static final String A4 = "10.0.0.1";
    static final String B4 = "10.0.0.2";
    static final String A6 = "2001:db8::1";
    static final String B6 = "2001:db8::2";
    static final int PORT = 80;
    static final int UDP_PORT = 53;
    /** Each stream's length: small, so that one input stays cheap. */
    static final int STREAM = 6_000;
    static final int MAX_OPS = 48;
    static final int MAX_FLOOD = 64;

    // Small limits, so that a fuzz input can reach them.
    static final DirectStackConfig.ArpLimits ARP = new DirectStackConfig.ArpLimits(8, Duration.ofSeconds(60), 3,
            Duration.ofSeconds(1), 4);
    static final DirectStackConfig.NdpLimits NDP = new DirectStackConfig.NdpLimits(8, 4, Duration.ofSeconds(1),
            Duration.ofSeconds(30), Duration.ofSeconds(5), 3, 3, 16);
    static final DirectStackConfig.ReassemblyLimits REASSEMBLY = new DirectStackConfig.ReassemblyLimits(4, 65_535,
            Duration.ofSeconds(30));
    static final int UDP_QUEUE = 4;
    static final int UDP_QUEUE_BYTES = 65_535;
    static final int BACKLOG = 4;
    static final int TIME_WAIT = 4;

    /**
     * One direction of one flow: the sender sent {@link #pattern} from offset 0; every byte that arrives is checked
     * against it as it comes (injected segments may add pattern bytes past what the sender wrote: still the
     * pattern, so still right).
     */
    static final class Stream {
        final int id;
        long length;
        String mismatch;

        Stream(int id) {
            this.id = id;
        }

        void append(ByteBuffer b) {
            while (b.hasRemaining()) {                                    // bounded by the buffer
                byte got = b.get();
                if (mismatch == null && got != pattern(id, (int) length)) {
                    mismatch = "stream " + id + ": byte " + length + " is " + got + ", the peer sent "
                            + pattern(id, (int) length);
                }
                length++;
            }
        }

        void check() {
            if (mismatch != null) {
                throw new AssertionError(mismatch);
            }
        }
    }

    /** The byte at stream offset {@code k} (taken modulo 2^32, as TCP sequence numbers are) of stream {@code id}. */
    static byte pattern(int id, int k) {
        long z = (k & 0xffff_ffffL) + ((long) id << 40) + 0x9E37_79B9_7F4A_7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return (byte) (z ^ (z >>> 31));
    }

    /** A device that passes A's frames through and lets the fuzzer inject frames into A's receive path. */
    static final class InjectingDevice implements NetworkDevice {
        final NetworkDevice inner;
        final List<byte[]> seen = new ArrayList<>();
        boolean recording = true;
        EventLoop loop;
        FrameReceiver receiver;

        InjectingDevice(NetworkDevice inner) {
            this.inner = inner;
        }

        @Override
        public long mac() {
            return inner.mac();
        }

        @Override
        public int mtu() {
            return inner.mtu();
        }

        @Override
        public void attach(EventLoop l, FrameReceiver r) {
            this.loop = l;
            this.receiver = r;
            inner.attach(l, (f, o, n) -> {
                if (recording && seen.size() < 64) {
                    seen.add(Arrays.copyOfRange(f, o, o + n));
                }
                r.receive(f, o, n);
            });
        }

        void inject(byte[] frame) {
            loop.execute(() -> receiver.receive(frame, 0, frame.length));
        }

        @Override
        public void send(byte[] frame, int off, int len) {
            inner.send(frame, off, len);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    final SimKit kit;
    final DirectStack a;
    final DirectStack b;
    final InjectingDevice tap;
    final List<byte[]> templates = new ArrayList<>();
    /** B→A over IPv4 and IPv6 (ids 0, 1), A→B (ids 2, 3). */
    final Stream[] streams = {new Stream(0), new Stream(1), new Stream(2), new Stream(3)};
    final int[] peerPort = new int[2];
    final int[] peerIsn = new int[2];
    int injected;

    StackFuzz() throws Exception {
        kit = new SimKit(7);
        DirectStackConfig ca = DirectStackConfig.ipv4(A4 + "/24").withIpv6(A6 + "/64").withArp(ARP)
                .withReassembly(REASSEMBLY).withUdpQueuePerPort(UDP_QUEUE).withUdpQueueBytesPerPort(UDP_QUEUE_BYTES)
                .withTcp(TcpConfig.DEFAULTS.withLimits(TIME_WAIT, BACKLOG, TcpConfig.DEFAULTS.outOfOrderLimit()));
        ca = ca.withIpv6Config(ca.ipv6().withDadTransmits(0).withRouterSolicitations(0).withNdp(NDP)
                .withReassembly(REASSEMBLY));
        SimulatedLoop loopA = kit.sim.newLoop("a");
        tap = new InjectingDevice(kit.net.connect("a", LinkConfig.DEFAULTS).device());
        a = DirectStack.create(ca, tap, loopA);
        b = kit.stack("b", MemoryPair.quick(DirectStackConfig.ipv4(B4 + "/24").withIpv6(B6 + "/64")),
                LinkConfig.DEFAULTS);
        a.tcp().listen(PORT, flow -> {
            int family = flow.dst().getAddress() instanceof java.net.Inet6Address ? 1 : 0;
            a.loop().spawn("a-writer-" + family, () -> write(a.loop(), flow));
            read(flow, streams[family]);
        });
        a.udp().listen(UDP_PORT, d -> a.loop().sleep(Duration.ofMillis(1)));  // a slow reader: its queue fills
        for (int family = 0; family < 2; family++) {
            int f = family;
            kit.sim.spawn("b-" + family, () -> {
                TcpFlow flow = b.tcp().connect(SimKit.at(f == 0 ? A4 : A6, PORT));
                b.loop().spawn("b-reader-" + f, () -> read(flow, streams[2 + f]));
                write(b.loop(), flow);
            });
        }
        kit.sim.runFor(Duration.ofMillis(30));
        tap.recording = false;
        findFlows();
        templates.addAll(tap.seen);
        templates.addAll(extraTemplates());
    }

    /** Writes the stream's pattern in 1,000-byte pieces 5 ms apart; ends quietly when the flow does. */
    static void write(EventLoop loop, TcpFlow flow) {
        int id = (flow.src().getAddress() instanceof java.net.Inet6Address ? 1 : 0)
                + (flow.src().getPort() == PORT ? 2 : 0);
        try {
            for (int at = 0; at < STREAM; at += 1_000) {                    // bounded: STREAM / 1,000 writes
                byte[] piece = new byte[Math.min(1_000, STREAM - at)];
                for (int i = 0; i < piece.length; i++) {
                    piece[i] = pattern(id, at + i);
                }
                flow.write(ByteBuffer.wrap(piece));
                loop.sleep(Duration.ofMillis(5));
            }
        } catch (IOException e) {
            // the flow ended (reset, timed out, closed): allowed
        }
    }

    /** Reads until the end of the flow, keeping what arrived. */
    static void read(TcpFlow flow, Stream s) {
        try {
            for (int i = 0; i < 1 << 20; i++) {                             // bounded: each read returns >= 1 byte
                if (!(flow.read() instanceof ReadResult.Data(ByteBuffer bytes))) {
                    break;
                }
                s.append(bytes);
            }
        } catch (IOException e) {
            // the flow ended abnormally: allowed
        }
    }

    /** B's ports and initial sequence numbers, from the SYNs A received. */
    private void findFlows() {
        for (byte[] f : tap.seen) {
            int l4 = l4Offset(f);
            if (l4 < 0 || protocol(f) != IpProtocol.TCP || f.length < l4 + 20 || (f[l4 + 13] & 0x12) != 0x02) {
                continue;
            }
            int family = type(f) == EtherType.IPV6 ? 1 : 0;
            peerPort[family] = u16(f, l4);
            peerIsn[family] = u32(f, l4 + 4);
        }
        if (peerPort[0] == 0 || peerPort[1] == 0) {
            throw new IllegalStateException("set-up: no SYN seen from B over both families");
        }
    }

    /** Frames of the kinds a flow alone does not show: fragments, echo, UDP, NDP from other hosts. */
    private List<byte[]> extraTemplates() {
        MacAddress to = a.mac();
        MacAddress from = new MacAddress(0x02_00_00_00_00_99L);
        String c4 = "10.0.0.3";
        String c6 = "2001:db8::3";
        List<byte[]> t = new ArrayList<>();
        byte[] arp = new byte[ArpPacket.LENGTH];
        new ArpPacket(ArpPacket.REQUEST, from, Ipv4Address.parse(c4), MacAddress.ZERO, Ipv4Address.parse(A4))
                .emit(arp, 0);
        t.add(SimKit.ethernet(MacAddress.BROADCAST, from, EtherType.ARP, arp));
        byte[] echo = new byte[8 + 24];
        new Icmpv4Message.Echo(false, 1, 1).emit(echo, 0, 24);
        t.add(SimKit.ipFrame(to, from, SimKit.ipv4(c4, A4, IpProtocol.ICMP, 1, false, 0, echo)));
        t.add(SimKit.udpFrame(to, from, c4, A4, UDP_PORT, new byte[40]));
        t.add(SimKit.ipFrame(to, from, SimKit.ipv4(c4, A4, IpProtocol.UDP, 9, true, 0,
                Arrays.copyOf(SimKit.udp(c4, 4000, A4, UDP_PORT, new byte[72]), 64))));
        t.add(SimKit.ipFrame(to, from, SimKit.ipv4(c4, A4, IpProtocol.UDP, 9, false, 64, new byte[16])));
        byte[] echo6 = SimKit.icmpv6(c6, A6, new Icmpv6Message.Echo(false, 1, 1), new byte[24]);
        t.add(SimKit.ipv6Frame(to, from, SimKit.ipv6(c6, A6, 64, List.of(), IpProtocol.ICMPV6, echo6)));
        t.add(SimKit.ipv6Frame(to, from, SimKit.ipv6(c6, A6, 64, List.of(), IpProtocol.UDP,
                SimKit.udp6(c6, 4000, A6, UDP_PORT, new byte[40]))));
        byte[] udp6 = SimKit.udp6(c6, 4000, A6, UDP_PORT, new byte[72]);
        t.add(SimKit.ipv6Frame(to, from, SimKit.ipv6(c6, A6, 64,
                List.of(new Ipv6Extension.Fragment(0, true, 77)), IpProtocol.UDP, Arrays.copyOf(udp6, 64))));
        t.add(SimKit.ipv6Frame(to, from, SimKit.ipv6(c6, A6, 64,
                List.of(new Ipv6Extension.Fragment(64, false, 77)), IpProtocol.UDP, Arrays.copyOfRange(udp6, 64, 80))));
        Ipv6Address a6 = Ipv6Address.parse(A6);
        byte[] ns = SimKit.icmpv6(c6, a6.solicitedNode().toString(), new Icmpv6Message.NeighborSolicitation(a6,
                List.of(new NdpOption.SourceLinkLayerAddress(from))), new byte[0]);
        t.add(SimKit.ipv6Frame(to, from, SimKit.ipv6(c6, a6.solicitedNode().toString(), 255, List.of(),
                IpProtocol.ICMPV6, ns)));
        return t;
    }

    /** Runs one fuzz input: operations until the input or {@link #MAX_OPS} runs out, then the checks. */
    void run(FuzzedDataProvider data) throws Exception {
        for (int op = 0; op < MAX_OPS && data.remainingBytes() > 0; op++) {
            switch (data.consumeInt(0, 7)) {
                case 0, 1, 2, 3 -> inject(mutate(data));
                case 4 -> {
                    byte[] raw = data.consumeBytes(data.consumeInt(0, 1_600));
                    if (raw.length >= 6 && data.consumeBoolean()) {
                        System.arraycopy(macBytes(a.mac()), 0, raw, 0, 6);
                    }
                    inject(raw);
                }
                case 5 -> kit.sim.runFor(Duration.ofMillis(data.consumeInt(0, 3_000)));
                default -> flood(data);
            }
            kit.sim.runFor(Duration.ofNanos(data.consumeInt(0, 2_000_000)));
            checkTables();
        }
        kit.sim.runFor(Duration.ofMillis(200));
        checkTables();
        for (Stream s : streams) {
            s.check();
        }
    }

    /** One template mutated, sent {@code n} times with a counter added to one field (ids, addresses, ports). */
    private void flood(FuzzedDataProvider data) {
        byte[] base = mutate(data);
        int n = data.consumeInt(1, MAX_FLOOD);
        int at = data.consumeInt(0, Math.max(0, base.length - 2));
        boolean fix = data.consumeBoolean();
        for (int i = 0; i < n; i++) {                                     // bounded: MAX_FLOOD
            byte[] f = base.clone();
            if (f.length >= at + 2) {
                int v = u16(f, at) + i;
                f[at] = (byte) (v >>> 8);
                f[at + 1] = (byte) v;
            }
            if (fix) {
                fixUp(f);
            }
            inject(f);
        }
    }

    private byte[] mutate(FuzzedDataProvider data) {
        byte[] f = templates.get(data.consumeInt(0, templates.size() - 1)).clone();
        int mutations = data.consumeInt(0, 4);
        for (int m = 0; m < mutations; m++) {                              // bounded: 4
            f = mutateOnce(data, f);
        }
        if (!data.consumeBoolean()) {                                      // mostly: lengths and checksums right
            fixUp(f);
        }
        return f;
    }

    private static byte[] mutateOnce(FuzzedDataProvider data, byte[] f) {
        int l4 = l4Offset(f);
        boolean tcp = l4 >= 0 && protocol(f) == IpProtocol.TCP && f.length >= l4 + 20;
        int ip = 14;
        int kind = data.consumeInt(0, 9);
        switch (kind) {
            case 0 -> {
                if (tcp) {
                    put32(f, l4 + 4, u32(f, l4 + 4) + data.consumeInt());                    // seq
                }
            }
            case 1 -> {
                if (tcp) {
                    put32(f, l4 + 8, u32(f, l4 + 8) + data.consumeInt());                    // ack
                }
            }
            case 2 -> {
                if (tcp) {
                    f[l4 + 13] = data.consumeByte();                                           // flags
                }
            }
            case 3 -> {
                if (tcp) {
                    put16(f, l4 + 14, data.consumeInt(0, 0xffff));                             // window
                }
            }
            case 4 -> {
                if (tcp) {                                                                     // options / offset
                    int hl = (f[l4 + 12] >>> 4 & 15) * 4;
                    if (data.consumeBoolean() || hl <= 20) {
                        f[l4 + 12] = (byte) (data.consumeInt(0, 15) << 4 | f[l4 + 12] & 15);
                    } else {
                        int at = l4 + 20 + data.consumeInt(0, hl - 21);
                        byte[] opt = data.consumeBytes(data.consumeInt(1, 12));
                        System.arraycopy(opt, 0, f, Math.min(at, f.length - opt.length), Math.min(opt.length,
                                f.length));
                    }
                }
            }
            case 5 -> {
                int len = Math.max(14, Math.min(1_514, f.length + data.consumeInt(-64, 1_460)));
                f = Arrays.copyOf(f, len);                                                     // payload length
            }
            case 6 -> {
                if (f.length > 0) {
                    f[data.consumeInt(0, f.length - 1)] = data.consumeByte();                  // any byte
                }
            }
            case 7 -> {                                                                        // source address
                int t = type(f);
                if (t == EtherType.IPV4 && f.length >= ip + 20) {
                    f[ip + 15] = data.consumeByte();
                } else if (t == EtherType.IPV6 && f.length >= ip + 40) {
                    put16(f, ip + 22, data.consumeInt(0, 0xffff));
                } else if (t == EtherType.ARP && f.length >= 14 + 28) {
                    f[14 + 17] = data.consumeByte();
                    f[14 + 13] = data.consumeByte();
                }
            }
            case 8 -> {                                                                        // fragment fields
                if (type(f) == EtherType.IPV4 && f.length >= ip + 20) {
                    put16(f, ip + 4, data.consumeInt(0, 0xffff));
                    put16(f, ip + 6, data.consumeInt(0, 0xffff));
                }
            }
            default -> {
                if (l4 >= 0 && f.length >= l4 + 4) {
                    put16(f, l4 + (data.consumeBoolean() ? 0 : 2), data.consumeInt(0, 0xffff)); // ports
                }
            }
        }
        return f;
    }

    /**
     * Keeps the oracle sound: a frame that could reach a live flow carries the pattern's bytes at its sequence
     * numbers; a fragment from B's address carrying TCP, or an IPv6 packet from B with extension headers, is not
     * sent. Returns false for a frame not to inject.
     */
    private boolean sanitize(byte[] f) {
        int t = type(f);
        int family;
        if (t == EtherType.IPV4 && f.length >= 34 && u32(f, 26) == Ipv4Address.parse(B4).bits()) {
            if (f[23] != IpProtocol.TCP) {
                return true;
            }
            if ((u16(f, 20) & 0x3fff) != 0) {
                return false;                                      // a fragment: could carry the flow's data
            }
            family = 0;
        } else if (t == EtherType.IPV6 && f.length >= 54
                && Ipv6Address.read(f, 22).equals(Ipv6Address.parse(B6))) {
            int nh = f[20] & 0xff;
            if (nh != IpProtocol.TCP) {
                return nh == IpProtocol.UDP || nh == IpProtocol.ICMPV6;   // others may hide TCP behind headers
            }
            family = 1;
        } else {
            return true;
        }
        int l4 = l4Offset(f);
        int end = ipEnd(f);
        if (l4 < 0 || end < l4 + 20) {
            return true;                                           // no whole TCP header: dropped as malformed
        }
        int hl = (f[l4 + 12] >>> 4 & 15) * 4;
        if (hl < 20 || l4 + hl > end) {
            return true;
        }
        long pseudo = pseudo(f, l4, end - l4);
        boolean valid = Checksum.verifies(Checksum.ones(f, l4, end - l4, pseudo));
        int seq = u32(f, l4 + 4) + ((f[l4 + 13] & 0x02) != 0 ? 1 : 0);
        int base = seq - (peerIsn[family] + 1);
        for (int i = l4 + hl; i < end; i++) {
            f[i] = pattern(family, base + i - (l4 + hl));
        }
        put16(f, l4 + 16, 0);
        int sum = Checksum.finish(Checksum.ones(f, l4, end - l4, pseudo));
        put16(f, l4 + 16, valid ? sum : sum ^ 1);
        return true;
    }

    private void inject(byte[] f) {
        if (sanitize(f)) {
            injected++;
            tap.inject(f);
        }
    }

    private void checkTables() throws IOException {
        DirectStack.Tables t = a.tables();
        check(t.timeWait() <= TIME_WAIT, "TIME-WAIT", t);
        check(t.connections() <= 2 + BACKLOG + TIME_WAIT + injected, "connections", t);
        check(t.reassembly4() <= REASSEMBLY.maxDatagrams() && t.reassembly6() <= REASSEMBLY.maxDatagrams(),
                "reassembly datagrams", t);
        check(t.reassemblyBytes4() <= REASSEMBLY.maxBytes() && t.reassemblyBytes6() <= REASSEMBLY.maxBytes(),
                "reassembly bytes", t);
        check(t.arp() <= ARP.cacheSize(), "ARP cache", t);
        check(t.arpPending() <= ARP.cacheSize() * ARP.pendingPerAddress(), "ARP pending", t);
        check(t.neighbors() <= NDP.cacheSize(), "neighbour cache", t);
        check(t.neighborsPending() <= NDP.cacheSize() * NDP.pendingPerNeighbor(), "neighbour pending", t);
        check(t.udpQueued() <= UDP_QUEUE, "UDP queue", t);
        check(t.udpMaxQueuedBytes() <= UDP_QUEUE_BYTES, "UDP queue bytes", t);
        for (Stream s : streams) {
            s.check();
        }
    }

    private static void check(boolean ok, String what, DirectStack.Tables t) {
        if (!ok) {
            throw new AssertionError(what + " beyond its limit: " + t);
        }
    }

    @Override
    public void close() {
        kit.close();
    }

    // ---- frame arithmetic (the frames may be anything: every offset is checked) ----

    static int type(byte[] f) {
        return f.length >= 14 ? u16(f, 12) : -1;
    }

    /** The IP protocol of an IPv4 or IPv6 (no extension headers) frame, or -1. */
    static int protocol(byte[] f) {
        int t = type(f);
        if (t == EtherType.IPV4 && f.length >= 34) {
            return f[23] & 0xff;
        }
        if (t == EtherType.IPV6 && f.length >= 54) {
            return f[20] & 0xff;
        }
        return -1;
    }

    /** Where the transport header starts (IPv4 by its IHL, IPv6 right after the fixed header), or -1. */
    static int l4Offset(byte[] f) {
        int t = type(f);
        if (t == EtherType.IPV4 && f.length >= 34) {
            int ihl = (f[14] & 15) * 4;
            return ihl < 20 || 14 + ihl > f.length ? -1 : 14 + ihl;
        }
        return t == EtherType.IPV6 && f.length >= 54 ? 54 : -1;
    }

    /** The end of the IP packet as its length field says, within the frame. */
    static int ipEnd(byte[] f) {
        int t = type(f);
        int end = t == EtherType.IPV4 ? 14 + u16(f, 16) : 54 + u16(f, 18);
        return Math.min(end, f.length);
    }

    private static long pseudo(byte[] f, int l4, int len) {
        if (type(f) == EtherType.IPV4) {
            return Checksum.pseudoIpv4(u32(f, 26), u32(f, 30), f[23] & 0xff, len);
        }
        return Checksum.pseudoIpv6(Ipv6Address.read(f, 22), Ipv6Address.read(f, 38), f[20] & 0xff, len);
    }

    /** Sets the IP length fields to the frame's and recomputes the IPv4 header and transport checksums. */
    static void fixUp(byte[] f) {
        int t = type(f);
        int l4 = l4Offset(f);
        if (l4 < 0) {
            return;
        }
        int proto = protocol(f);
        boolean fragment;
        if (t == EtherType.IPV4) {
            put16(f, 16, f.length - 14);
            put16(f, 24, 0);
            put16(f, 24, Checksum.compute(f, 14, l4 - 14));
            fragment = (u16(f, 20) & 0x3fff) != 0;
        } else {
            put16(f, 18, f.length - 54);
            fragment = false;
        }
        int len = f.length - l4;
        int at = switch (proto) {
            case IpProtocol.TCP -> 16;
            case IpProtocol.UDP -> 6;
            case IpProtocol.ICMP, IpProtocol.ICMPV6 -> 2;
            default -> -1;
        };
        if (fragment || at < 0 || len < at + 2) {
            return;
        }
        if (proto == IpProtocol.UDP) {
            put16(f, l4 + 4, len);
        }
        put16(f, l4 + at, 0);
        long sum = proto == IpProtocol.ICMP ? 0 : pseudo(f, l4, len);
        int c = Checksum.finish(Checksum.ones(f, l4, len, sum));
        put16(f, l4 + at, proto == IpProtocol.UDP && c == 0 ? 0xffff : c);
    }

    static byte[] macBytes(MacAddress m) {
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) (m.bits() >>> (40 - 8 * i));
        }
        return b;
    }

    static int u16(byte[] b, int i) {
        return (b[i] & 0xff) << 8 | b[i + 1] & 0xff;
    }

    static int u32(byte[] b, int i) {
        return u16(b, i) << 16 | u16(b, i + 2);
    }

    static void put16(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 8);
        b[i + 1] = (byte) v;
    }

    static void put32(byte[] b, int i, int v) {
        put16(b, i, v >>> 16);
        put16(b, i + 2, v);
    }
}
