package dev.tcpip.direct;

import dev.tcpip.Datagram;
import dev.tcpip.DatagramHandler;
import dev.tcpip.Ports;
import dev.tcpip.Udp;
import dev.tcpip.UdpSendOptions;
import dev.tcpip.UnreachableException;
import dev.tcpip.time.EventLoop;
import dev.tcpip.wire.IpAddress;
import dev.tcpip.wire.UdpView;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;

/**
 * The {@link Udp} API of a {@link DirectStack}: calls from application threads posted to the loop. Each
 * listener has one application thread (spawned on the loop, so a simulation tracks it) that takes the
 * received datagrams in batches and calls the handler one at a time, in arrival order.
 */
final class DirectUdp implements Udp {
    private static final System.Logger LOG = System.getLogger("dev.tcpip.direct");
    /** RFC 768 over IPv4: 65,535 minus the IPv4 and UDP headers. */
    static final int MAX_PAYLOAD = Ipv4.MAX_PAYLOAD - UdpView.HEADER_LENGTH;
    /** Over IPv6: the payload length field's 65,535 minus the UDP header (RFC 8200 §3; no jumbograms). */
    static final int MAX_PAYLOAD_V6 = 0xffff - UdpView.HEADER_LENGTH;

    private final DirectStack stack;
    private final EventLoop loop;
    private final UdpLayer layer;

    DirectUdp(DirectStack stack, EventLoop loop, UdpLayer layer) {
        this.stack = stack;
        this.loop = loop;
        this.layer = layer;
    }

    @Override
    public void send(InetSocketAddress dst, ByteBuffer payload, UdpSendOptions options) throws IOException {
        Objects.requireNonNull(dst, "dst");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(options, "options");
        int n = payload.remaining();
        int max = !dst.isUnresolved() && dst.getAddress() instanceof Inet6Address ? MAX_PAYLOAD_V6 : MAX_PAYLOAD;
        if (n > max) {
            throw new IllegalArgumentException("a UDP payload of " + n + " bytes is larger than the " + max
                    + " a datagram can carry");
        }
        stack.ensureOpen();
        if (dst.isUnresolved()) {
            throw new UnreachableException("unresolved address: " + dst);
        }
        byte[] msg = new byte[UdpView.HEADER_LENGTH + n];
        payload.get(msg, UdpView.HEADER_LENGTH, n);
        IpAddress to = IpAddress.of(dst.getAddress());
        loop.<Void>submit(f -> layer.send(loop.now(), to, dst.getPort(), options, msg, f)).await();
    }

    @Override
    public int listen(int port, DatagramHandler handler) throws IOException {
        Ports.check(port);
        Objects.requireNonNull(handler, "handler");
        stack.ensureOpen();
        UdpLayer.Listener l = loop.<UdpLayer.Listener>submit(f -> f.complete(layer.listen(port, handler))).await();
        loop.spawn("udp-" + l.port, () -> deliver(l));
        return l.port;
    }

    private void deliver(UdpLayer.Listener l) {
        while (!l.closed) {                      // ends when the port is unlistened or the stack closes
            List<Datagram> batch;
            try {
                batch = loop.<List<Datagram>>submit(l::take).await();
            } catch (IOException | RuntimeException e) {
                return;
            }
            for (Datagram d : batch) {
                if (l.closed) {
                    return;
                }
                try {
                    l.handler.handle(d);
                } catch (Exception e) {
                    LOG.log(Level.WARNING, "UDP handler on port " + l.port + " failed", e);
                }
            }
        }
    }

    @Override
    public void unlisten(int port) {
        if (stack.isOpen()) {
            try {
                loop.<Void>submit(f -> {
                    layer.unlisten(port);
                    f.complete(null);
                }).await();
            } catch (IOException e) {
                // the stack closed meanwhile: nothing listens any more
            }
        }
    }
}
