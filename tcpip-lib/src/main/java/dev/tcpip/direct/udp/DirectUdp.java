package dev.tcpip.direct.udp;

import dev.tcpip.ClosedException;
import dev.tcpip.Datagram;
import dev.tcpip.DatagramHandler;
import dev.tcpip.Ports;
import dev.tcpip.Udp;
import dev.tcpip.UdpSendOptions;
import dev.tcpip.UnreachableException;
import dev.tcpip.direct.Refusal;
import dev.tcpip.direct.ip.IcmpError;
import dev.tcpip.direct.ip.Ipv4;
import dev.tcpip.time.EventLoop;
import dev.tcpip.wire.AddressText;
import dev.tcpip.wire.IpAddress;
import dev.tcpip.wire.UdpView;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * The {@link Udp} API of a {@code DirectStack}: calls from application threads posted to the loop. Each
 * listener has one application thread (spawned on the loop, so a simulation tracks it) that takes the
 * received datagrams in batches and calls the handler one at a time, in arrival order.
 */
public final class DirectUdp implements Udp {
    private static final System.Logger LOG = System.getLogger("dev.tcpip.direct");
    /** RFC 768 over IPv4: 65,535 minus the IPv4 and UDP headers. */
    static final int MAX_PAYLOAD = Ipv4.MAX_PAYLOAD - UdpView.HEADER_LENGTH;
    /** Over IPv6: the payload length field's 65,535 minus the UDP header (RFC 8200 §3; no jumbograms). */
    static final int MAX_PAYLOAD_V6 = 0xffff - UdpView.HEADER_LENGTH;

    /** Whether the stack is still connected; checked on the caller's thread before any work. */
    private final BooleanSupplier open;
    private final String label;
    private final EventLoop loop;
    private final UdpLayer layer;

    public DirectUdp(BooleanSupplier open, String label, EventLoop loop, UdpLayer layer) {
        this.open = open;
        this.label = label;
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
        ensureOpen();
        if (dst.isUnresolved()) {
            throw new UnreachableException("unresolved address: " + AddressText.of(dst));
        }
        byte[] msg = new byte[UdpView.HEADER_LENGTH + n];
        payload.get(msg, UdpView.HEADER_LENGTH, n);
        IpAddress to = IpAddress.of(dst.getAddress());
        loop.<Void>submit((now, f) -> layer.send(now, to, dst.getPort(), options, msg, f)).await();
    }

    @Override
    public int listen(int port, DatagramHandler handler) throws IOException {
        Ports.check(port);
        Objects.requireNonNull(handler, "handler");
        ensureOpen();
        UdpLayer.Listener l = loop.<UdpLayer.Listener>submit(f -> f.complete(layer.listen(port, handler))).await();
        loop.spawn("udp-" + l.port, () -> deliver(l));
        return l.port;
    }

    // --- forwarding (DirectStack.startForwarding) ---

    /**
     * Forwarding on: datagrams to other addresses, and to ports of ours that nobody listens on, go to {@code handler}
     * (one at a time in arrival order, on one thread, as a listener's), their {@code dst} the address written to.
     */
    public void forward(DatagramHandler handler) throws IOException {
        Objects.requireNonNull(handler, "handler");
        ensureOpen();
        UdpLayer.Listener l = loop.<UdpLayer.Listener>submit(f -> f.complete(layer.forward(handler))).await();
        loop.spawn("udp-forward", () -> deliver(l));
    }

    /** Forwarding off. */
    public void stopForwarding() {
        if (open.getAsBoolean()) {
            try {
                loop.<Void>submit(f -> {
                    layer.stopForwarding();
                    f.complete(null);
                }).await();
            } catch (IOException e) {
                // the stack closed meanwhile
            }
        }
    }

    /** Sends one datagram from {@code src}, which need not be this stack's address (a forwarded flow's far end). */
    public void sendFrom(InetSocketAddress src, InetSocketAddress dst, ByteBuffer payload) throws IOException {
        int n = payload.remaining();
        int max = dst.getAddress() instanceof Inet6Address ? MAX_PAYLOAD_V6 : MAX_PAYLOAD;
        if (n > max) {
            throw new IllegalArgumentException("a UDP payload of " + n + " bytes is larger than the " + max
                    + " a datagram can carry");
        }
        ensureOpen();
        byte[] msg = new byte[UdpView.HEADER_LENGTH + n];
        payload.get(msg, UdpView.HEADER_LENGTH, n);
        IpAddress from = IpAddress.of(src.getAddress());
        IpAddress to = IpAddress.of(dst.getAddress());
        if (from.getClass() != to.getClass()) {
            throw new IllegalArgumentException("mixed address families: " + AddressText.of(src) + " → " + AddressText.of(dst));
        }
        loop.<Void>submit((now, f) -> layer.sendFrom(now, from, src.getPort(), to, dst.getPort(),
                UdpSendOptions.DEFAULT, msg, f)).await();
    }

    /**
     * Answers a forwarded datagram {@code guest → far} of {@code length} payload bytes with an ICMP destination
     * unreachable of {@code how} (not {@link Refusal#RESET}), from this stack's address.
     */
    public void unreachable(InetSocketAddress guest, InetSocketAddress far, Refusal how, int length)
            throws IOException {
        IcmpError.Kind kind = IcmpError.Kind.valueOf(how.name());
        ensureOpen();
        IpAddress g = IpAddress.of(guest.getAddress());
        IpAddress d = IpAddress.of(far.getAddress());
        loop.<Void>submit((now, f) -> {
            layer.unreachable(now, kind, g, guest.getPort(), d, far.getPort(), length);
            f.complete(null);
        }).await();
    }

    private void deliver(UdpLayer.Listener l) {
        while (!l.closed) {                      // ends when the port is unlistened or the stack closes
            List<Object> batch;
            try {
                batch = loop.<List<Object>>submit(l::take).await();
            } catch (IOException | RuntimeException e) {
                return;
            }
            for (Object event : batch) {
                if (l.closed) {
                    return;
                }
                try {
                    switch (event) {
                        case Datagram d -> l.handler.handle(d);
                        case UdpLayer.Unreachable u -> l.handler.unreachable(u.dst(), u.error());
                        default -> throw new IllegalStateException("not a UDP event: " + event);
                    }
                } catch (Exception e) {
                    LOG.log(Level.WARNING, "UDP handler on port " + l.port + " failed", e);
                }
            }
        }
    }

    @Override
    public void unlisten(int port) {
        if (open.getAsBoolean()) {
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

    private void ensureOpen() throws ClosedException {
        if (!open.getAsBoolean()) {
            throw new ClosedException("the direct stack " + label + " was disconnected");
        }
    }
}
