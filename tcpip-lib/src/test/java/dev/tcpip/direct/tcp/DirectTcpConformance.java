package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tcpip.Keepalive;
import dev.tcpip.Stack;
import dev.tcpip.StackPair;
import dev.tcpip.TcpConformance;
import dev.tcpip.TcpFlow;
import dev.tcpip.Udp;
import dev.tcpip.direct.IpSender;
import dev.tcpip.time.RealTimeLoop;
import dev.tcpip.wire.IpAddress;
import dev.tcpip.wire.Ipv4Address;
import java.net.InetAddress;
import java.security.SecureRandom;

/**
 * The API conformance suite, unchanged, on two direct TCP layers in real time: each on its own
 * {@link RealTimeLoop}, joined by a fake IP layer that hands each datagram to the other loop. Stands in
 * for DirectStack over MemoryNetwork until that lands.
 */
class DirectTcpConformance extends TcpConformance {

    /** A test-only Stack around one DirectTcp; UDP belongs to the IP engineer's DirectStack. */
    record TcpOnlyStack(DirectTcp tcp, RealTimeLoop loop) implements Stack {
        @Override
        public Udp udp() {
            throw new UnsupportedOperationException("UDP is not part of the TCP test harness");
        }

        @Override
        public void disconnect() {
            tcp.disconnect();
        }
    }

    /** Delivers to the peer's loop, as an IP layer over a perfect link would. */
    static final class LoopLink implements IpSender {
        final Ipv4Address self;
        Ipv4Address peerAddress;
        RealTimeLoop peerLoop;
        DirectTcp peer;

        LoopLink(Ipv4Address self) {
            this.self = self;
        }

        @Override
        public IpAddress sourceFor(IpAddress dst) {
            return self;
        }

        @Override
        public int maxPayload(IpAddress dst) {
            return 65_535 - 20;
        }

        @Override
        public void send(IpAddress src, IpAddress dst, int protocol, byte[] payload, int off, int len) {
            if (!dst.equals(peerAddress)) {
                return;
            }
            DirectTcp to = peer;
            RealTimeLoop loop = peerLoop;
            loop.execute(() -> to.input(loop.now(), src, dst, payload, off, len));
        }
    }

    @Override
    protected StackPair newPair() {
        Ipv4Address sa = Ipv4Address.parse("10.0.0.1"), ca = Ipv4Address.parse("10.0.0.2");
        RealTimeLoop sl = RealTimeLoop.start("server"), cl = RealTimeLoop.start("client");
        LoopLink sLink = new LoopLink(sa), cLink = new LoopLink(ca);
        SecureRandom random = new SecureRandom();
        DirectTcp server = new DirectTcp(sl, sLink, TcpConfig.DEFAULTS, random);
        DirectTcp client = new DirectTcp(cl, cLink, TcpConfig.DEFAULTS, random);
        sLink.peerAddress = ca;
        sLink.peerLoop = cl;
        sLink.peer = client;
        cLink.peerAddress = sa;
        cLink.peerLoop = sl;
        cLink.peer = server;
        Stack s = new TcpOnlyStack(server, sl), c = new TcpOnlyStack(client, cl);
        InetAddress address = sa.toInetAddress();
        return new StackPair() {
            @Override
            public Stack server() {
                return s;
            }

            @Override
            public Stack client() {
                return c;
            }

            @Override
            public InetAddress serverAddress() {
                return address;
            }

            @Override
            public void close() {
                c.disconnect();
                s.disconnect();
                cl.close();
                sl.close();
            }
        };
    }

    @Override
    protected void assertKeepaliveApplied(TcpFlow flow, Keepalive k) {
        assertEquals(k, ((DirectTcpFlow) flow).keepalive());
    }

    @Override
    protected void assertNoDelay(TcpFlow flow, boolean expected) {
        assertEquals(expected, ((DirectTcpFlow) flow).noDelay());
    }

}
