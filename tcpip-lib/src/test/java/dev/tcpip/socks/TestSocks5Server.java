package dev.tcpip.socks;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small SOCKS5 server for the tests, on 127.0.0.1 over java.net (so independent of the client it tests): CONNECT
 * to IPv4, IPv6 and domain-name targets, UDP ASSOCIATE with a relay, user/password, and knobs to misbehave with.
 */
final class TestSocks5Server implements AutoCloseable {
    /** A request the server read: its command, ATYP and address. */
    record Request(int command, int atyp, InetSocketAddress address) {
    }

    private final ServerSocket listener;
    private final String user;
    private final String password;
    private final Set<Socket> controls = ConcurrentHashMap.newKeySet();
    private final Set<DatagramSocket> relays = ConcurrentHashMap.newKeySet();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    /** Answer every request with this REP code instead of acting on it (0: act). */
    volatile int forcedReply;
    /** Bytes written in the same write as a CONNECT's success reply, as if the server had spoken first. */
    volatile byte[] afterReply = new byte[0];
    /** The BND.ADDR a UDP ASSOCIATE reply gives: the relay's own (127.0.0.1) or, when set, 0.0.0.0. */
    volatile boolean unspecifiedRelayAddress;
    /** The last association's relay socket and client address, for injecting datagrams. */
    private volatile DatagramSocket lastRelay;
    private volatile InetSocketAddress lastClient;

    TestSocks5Server(String user, String password) throws IOException {
        this.user = user;
        this.password = password;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("test-socks5-accept").start(this::accept);
    }

    static TestSocks5Server open() throws IOException {
        return new TestSocks5Server(null, null);
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort());
    }

    private void accept() {
        while (!listener.isClosed()) {                         // ends when close() closes the listener
            try {
                Socket s = listener.accept();
                controls.add(s);
                Thread.ofVirtual().name("test-socks5").start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            if (!negotiate(in, out)) {
                return;
            }
            int ver = in.readUnsignedByte();
            int cmd = in.readUnsignedByte();
            in.readUnsignedByte();
            int atyp = in.readUnsignedByte();
            InetSocketAddress dst = readAddress(in, atyp);
            if (ver != 5 || dst == null) {
                out.write(reply(8, new InetSocketAddress(0)));
                return;
            }
            requests.add(new Request(cmd, atyp, dst));
            if (forcedReply != 0) {
                out.write(reply(forcedReply, new InetSocketAddress(0)));
                return;
            }
            switch (cmd) {
                case 1 -> connect(s, in, out, dst);
                case 3 -> associate(s, in, out, dst);
                default -> out.write(reply(7, new InetSocketAddress(0)));
            }
        } catch (IOException e) {
            // the client went away
        } finally {
            controls.remove(s);
        }
    }

    private boolean negotiate(DataInputStream in, OutputStream out) throws IOException {
        if (in.readUnsignedByte() != 5) {
            return false;
        }
        byte[] methods = new byte[in.readUnsignedByte()];
        in.readFully(methods);
        int want = user == null ? 0 : 2;
        boolean offered = false;
        for (byte m : methods) {
            offered |= m == want;
        }
        out.write(new byte[] {5, (byte) (offered ? want : 0xFF)});
        if (!offered) {
            return false;
        }
        if (want == 2) {
            in.readUnsignedByte();                              // RFC 1929 VER
            byte[] u = new byte[in.readUnsignedByte()];
            in.readFully(u);
            byte[] p = new byte[in.readUnsignedByte()];
            in.readFully(p);
            boolean ok = new String(u, StandardCharsets.UTF_8).equals(user)
                    && new String(p, StandardCharsets.UTF_8).equals(password);
            out.write(new byte[] {1, (byte) (ok ? 0 : 1)});
            return ok;
        }
        return true;
    }

    static InetSocketAddress readAddress(DataInputStream in, int atyp) throws IOException {
        byte[] a;
        switch (atyp) {
            case 1 -> a = new byte[4];
            case 4 -> a = new byte[16];
            case 3 -> {
                byte[] name = new byte[in.readUnsignedByte()];
                in.readFully(name);
                return InetSocketAddress.createUnresolved(new String(name, StandardCharsets.US_ASCII),
                        in.readUnsignedShort());
            }
            default -> {
                return null;
            }
        }
        in.readFully(a);
        return new InetSocketAddress(InetAddress.getByAddress(a), in.readUnsignedShort());
    }

    static byte[] reply(int rep, InetSocketAddress bound) {
        byte[] a = bound.getAddress().getAddress();
        byte[] r = new byte[6 + a.length];
        r[0] = 5;
        r[1] = (byte) rep;
        r[3] = (byte) (a.length == 4 ? 1 : 4);
        System.arraycopy(a, 0, r, 4, a.length);
        r[4 + a.length] = (byte) (bound.getPort() >> 8);
        r[5 + a.length] = (byte) bound.getPort();
        return r;
    }

    private void connect(Socket client, InputStream in, OutputStream out, InetSocketAddress dst) throws IOException {
        Socket target = new Socket();
        try (target) {
            InetSocketAddress to = dst.isUnresolved()
                    ? new InetSocketAddress(InetAddress.getByName(dst.getHostString()), dst.getPort()) : dst;
            try {
                target.connect(to, 5000);
            } catch (ConnectException e) {
                out.write(reply(5, new InetSocketAddress(0)));
                return;
            }
            byte[] r = reply(0, (InetSocketAddress) target.getLocalSocketAddress());
            byte[] first = afterReply;
            byte[] both = Arrays.copyOf(r, r.length + first.length);
            System.arraycopy(first, 0, both, r.length, first.length);
            out.write(both);                                    // one write: one segment, as a proxy might send
            Thread up = Thread.ofVirtual().start(() -> pump(in, target, true));
            pump(target.getInputStream(), client, true);
            try {
                up.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Copies until end of stream, then half-closes {@code to} (or closes both on error). */
    private static void pump(InputStream from, Socket to, boolean halfClose) {
        byte[] b = new byte[64 << 10];
        try {
            for (int n; (n = from.read(b)) > 0; ) {
                to.getOutputStream().write(b, 0, n);
            }
            if (halfClose) {
                to.shutdownOutput();
            }
        } catch (IOException e) {
            try {
                to.close();
            } catch (IOException ignored) {
                // closed
            }
        }
    }

    private void associate(Socket control, InputStream in, OutputStream out, InetSocketAddress client)
            throws IOException {
        DatagramSocket relay = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        relays.add(relay);
        try (relay) {
            InetSocketAddress bound = unspecifiedRelayAddress
                    ? new InetSocketAddress(InetAddress.getByName("0.0.0.0"), relay.getLocalPort())
                    : (InetSocketAddress) relay.getLocalSocketAddress();
            lastRelay = relay;
            lastClient = client;
            Thread.ofVirtual().name("test-socks5-relay").start(() -> relay(relay, client));
            out.write(reply(0, bound));
            while (in.read() >= 0) {                            // the association lives as long as the control
                continue;
            }
        } finally {
            relays.remove(relay);
        }
    }

    /** RFC 1928 §7: from the client, strip the header and send on; from anyone else, add one and send to the client. */
    private void relay(DatagramSocket relay, InetSocketAddress client) {
        byte[] b = new byte[65_536];
        while (!relay.isClosed()) {                             // ends when the association's socket closes
            DatagramPacket p = new DatagramPacket(b, b.length);
            try {
                relay.receive(p);
                InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
                if (from.equals(client)) {
                    DataInputStream h = new DataInputStream(new java.io.ByteArrayInputStream(b, 0, p.getLength()));
                    h.readUnsignedShort();
                    if (h.readUnsignedByte() != 0) {
                        continue;
                    }
                    InetSocketAddress dst = readAddress(h, h.readUnsignedByte());
                    if (dst == null || dst.isUnresolved()) {
                        continue;
                    }
                    byte[] payload = h.readAllBytes();
                    relay.send(new DatagramPacket(payload, payload.length, dst));
                } else {
                    byte[] framed = frame(0, from, Arrays.copyOf(b, p.getLength()));
                    relay.send(new DatagramPacket(framed, framed.length, client));
                }
            } catch (SocketException e) {
                return;
            } catch (IOException e) {
                // a malformed datagram: dropped
            }
        }
    }

    /** A relay datagram to the client: RSV, FRAG, the source's address, the payload. */
    static byte[] frame(int frag, InetSocketAddress src, byte[] payload) {
        byte[] a = src.getAddress().getAddress();
        byte[] r = new byte[3 + 1 + a.length + 2 + payload.length];
        r[2] = (byte) frag;
        r[3] = (byte) (src.getAddress() instanceof Inet4Address ? 1 : 4);
        System.arraycopy(a, 0, r, 4, a.length);
        r[4 + a.length] = (byte) (src.getPort() >> 8);
        r[5 + a.length] = (byte) src.getPort();
        System.arraycopy(payload, 0, r, 6 + a.length, payload.length);
        return r;
    }

    /** Sends raw bytes from the last association's relay socket to its client. */
    void injectToClient(byte[] datagram) throws IOException {
        lastRelay.send(new DatagramPacket(datagram, datagram.length, lastClient));
    }

    /** Closes every control connection (and so every association). */
    void closeControls() throws IOException {
        for (Socket s : new ArrayList<>(controls)) {
            s.close();
        }
    }

    int openControls() {
        return controls.size();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        closeControls();
        for (DatagramSocket r : relays) {
            r.close();
        }
    }
}
