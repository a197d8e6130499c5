package dev.tcpip.direct;

import static dev.tcpip.direct.SimKit.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tcpip.UnreachableException;
import dev.tcpip.device.LinkConfig;
import dev.tcpip.direct.ip.IcmpError;
import dev.tcpip.direct.ip.IpSender;
import dev.tcpip.direct.ip.TransportHandler;
import dev.tcpip.wire.Ecn;
import dev.tcpip.wire.IpAddress;
import dev.tcpip.wire.Ipv4Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The ECN field (RFC 3168 §5) through the direct stack's IP layer: what a transport sends with a datagram is what
 * the receiving transport is told, for each codepoint, IPv4 and IPv6, whole and fragmented; plain sends are Not-ECT.
 */
class DirectIpEcnTest {
    private static final int PROTOCOL = 200;
    private static final Duration SECOND = Duration.ofSeconds(1);

    /** Every ECN codepoint a transport sets arrives as set; a datagram past the MTU keeps it in its fragments. */
    @Test
    void theEcnFieldSentIsTheEcnFieldReceivedOverIpv4AndIpv6() throws Exception {
        for (boolean v6 : new boolean[] {false, true}) {
            SimKit.run(kit -> {
                DirectStack a = kit.stack("a", v6 ? DirectStackConfig.ipv6("2001:db8::1/64")
                        : DirectStackConfig.ipv4("10.0.0.1/24"), LinkConfig.DEFAULTS);
                DirectStack b = kit.stack("b", v6 ? DirectStackConfig.ipv6("2001:db8::2/64")
                        : DirectStackConfig.ipv4("10.0.0.2/24"), LinkConfig.DEFAULTS);
                List<Integer> heard = new ArrayList<>();
                b.registerTransport(PROTOCOL, recorder(heard));
                a.registerTransport(PROTOCOL, recorder(new ArrayList<>()));
                kit.sim.runFor(Duration.ofSeconds(3));                        // past duplicate address detection
                IpAddress dst = IpAddress.of(ip(v6 ? "2001:db8::2" : "10.0.0.2"));
                a.ping(ip(v6 ? "2001:db8::2" : "10.0.0.2"), 0, SECOND);   // resolve the neighbour first
                List<Integer> expected = new ArrayList<>();
                for (int size : new int[] {100, 4000}) {
                    for (int ecn = 0; ecn < 4; ecn++) {
                        send(a, dst, ecn, size);
                        expected.add(ecn);
                    }
                }
                send(a, dst, -1, 100);                                       // the plain send: Not-ECT
                expected.add(Ecn.NOT_ECT);
                kit.sim.runFor(Duration.ofMillis(10));
                assertEquals(expected, heard, v6 ? "IPv6" : "IPv4");
            });
        }
    }

    /**
     * RFC 3168 §5.3: reassembly keeps a CE mark: CE and ECT(0) fragments make a CE datagram; CE and Not-ECT ones are
     * dropped; ECT(0) and Not-ECT ones (no mark to lose) are delivered with the first fragment's field.
     */
    @Test
    void reassemblyKeepsACeMarkOrDropsWhatCannotCarryIt() throws Exception {
        SimKit.run(kit -> {
            SimKit.Raw raw = kit.raw("raw");
            DirectStack b = kit.stack("b", "10.0.0.2/24");
            b.addStaticArp(Ipv4Address.parse("10.0.0.9"), raw.mac);
            List<Integer> heard = new ArrayList<>();
            b.registerTransport(PROTOCOL, recorder(heard));
            int[][] pairs = {{Ecn.ECT_0, Ecn.CE}, {Ecn.CE, Ecn.ECT_0}, {Ecn.NOT_ECT, Ecn.CE}, {Ecn.ECT_0, Ecn.NOT_ECT}};
            for (int id = 0; id < pairs.length; id++) {
                for (int part = 0; part < 2; part++) {
                    byte[] ip = SimKit.ipv4("10.0.0.9", "10.0.0.2", PROTOCOL, id + 1, part == 0, part * 64,
                            new byte[64]);
                    Ecn.setIpv4(ip, 0, pairs[id][part]);
                    raw.send(SimKit.ipFrame(b.mac(), raw.mac, ip));
                }
                kit.sim.runFor(Duration.ofMillis(1));
            }
            assertEquals(List.of(Ecn.CE, Ecn.CE, Ecn.ECT_0), heard);
            assertEquals(1, b.counter(StackCounter.IP_REASSEMBLY_DROPPED_ECN));
        });
    }

    private static TransportHandler recorder(List<Integer> heard) {
        return new TransportHandler() {
            @Override
            public void input(long now, IpAddress src, IpAddress dst, byte[] buf, int off, int len) {
                throw new AssertionError("the IP layer hands the ECN field on");
            }

            @Override
            public void input(long now, IpAddress src, IpAddress dst, int ecn, byte[] buf, int off, int len) {
                heard.add(ecn);
            }

            @Override
            public void icmpError(long now, IcmpError error) {
            }
        };
    }

    /** Sends {@code size} bytes to {@code dst} with {@code ecn}, or with the plain send if {@code ecn} is -1. */
    private static void send(DirectStack a, IpAddress dst, int ecn, int size) {
        byte[] msg = new byte[size];
        a.loop().execute(() -> {
            IpSender ip = a.ipSender();
            long now = a.loop().now();
            try {
                if (ecn < 0) {
                    ip.send(now, ip.sourceFor(now, dst), dst, PROTOCOL, msg, 0, msg.length);
                } else {
                    ip.send(now, ip.sourceFor(now, dst), dst, PROTOCOL, ecn, msg, 0, msg.length);
                }
            } catch (UnreachableException e) {
                throw new AssertionError(e);
            }
        });
    }
}
