package dev.tcpip.device;

import dev.tcpip.wire.VirtioNetHeader;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Sets a TAP or TUN device up through ioctl(2): creates or attaches to the interface, sets up its virtio-net
 * header, reads or sets its MTU, brings it up, gives it an address and routes; also checks interface names and
 * asks a descriptor opened elsewhere what it is. Calls go through {@link Posix}; failures become
 * {@link TapErrors}' messages.
 */
final class TapControl {
    /** IFNAMSIZ in {@code <linux/if.h>}: 16 bytes with the terminating NUL. */
    static final int MAX_NAME = 15;

    // <linux/if_tun.h>
    static final short IFF_TUN = 0x0001;
    static final short IFF_TAP = 0x0002;
    static final short IFF_NO_PI = 0x1000;
    static final short IFF_VNET_HDR = 0x4000;
    private static final long TUNSETIFF = 0x400454caL;          // _IOW('T', 202, int)
    private static final long TUNGETIFF = 0x800454d2L;          // _IOR('T', 210, unsigned int)
    private static final long TUNSETOFFLOAD = 0x400454d0L;      // _IOW('T', 208, unsigned int)
    // TUNSETOFFLOAD features, <linux/if_tun.h>: the receiver ("I", this process) takes frames with partial
    // checksums (TUN_F_CSUM) and TCP super-segments over IPv4 and IPv6 (TUN_F_TSO4, TUN_F_TSO6, which need CSUM)
    static final int TUN_F_CSUM = 0x01;
    static final int TUN_F_TSO4 = 0x02;
    static final int TUN_F_TSO6 = 0x04;
    private static final long TUNSETVNETHDRSZ = 0x400454d8L;    // _IOW('T', 216, int)
    private static final long TUNSETVNETLE = 0x400454dcL;       // _IOW('T', 220, int)
    // <linux/sockios.h>, <linux/if.h>
    private static final long SIOCGIFFLAGS = 0x8913;
    private static final long SIOCSIFFLAGS = 0x8914;
    private static final long SIOCGIFMTU = 0x8921;
    private static final long SIOCSIFMTU = 0x8922;
    private static final short IFF_UP = 0x1;
    private static final int IFREQ = 40;                       // struct ifreq: char ifr_name[16] + a 24-byte union
    private static final int IFREQ_UNION = 16;

    private TapControl() {
    }

    /**
     * Checks an interface name as Linux's dev_valid_name() does: 1..15 bytes, not "." or "..", no '/', ':' or
     * white space.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    static void checkName(String name) {
        Objects.requireNonNull(name, "name");
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        if (b.length == 0 || b.length > MAX_NAME) {
            throw new IllegalArgumentException("interface name '" + name + "' must be 1.." + MAX_NAME
                    + " bytes long (IFNAMSIZ is 16 with the terminating NUL): it has " + b.length);
        }
        if (name.equals(".") || name.equals("..") || name.chars().anyMatch(c -> c == '/' || c == ':'
                || Character.isWhitespace(c) || c == 0)) {
            throw new IllegalArgumentException("not a valid interface name: '" + name + "'");
        }
    }

    /**
     * Opens {@code /dev/net/tun} non-blocking and attaches it to the TAP device ({@code link} Ethernet) or TUN
     * device ({@code link} IP) {@code name}, created if absent, with the virtio-net header set up; returns the
     * descriptor.
     */
    static int open(Arena a, MemorySegment st, String name, LinkType link) throws IOException {
        int fd = Posix.open(st, a.allocateFrom("/dev/net/tun"), Posix.O_RDWR | Posix.O_NONBLOCK | Posix.O_CLOEXEC);
        if (fd < 0) {
            throw TapErrors.openError(Posix.errno(st));
        }
        try {
            MemorySegment ifr = ifreq(a, name);
            short kind = link == LinkType.IP ? IFF_TUN : IFF_TAP;
            ifr.set(ValueLayout.JAVA_SHORT, IFREQ_UNION, (short) (kind | IFF_NO_PI | IFF_VNET_HDR));
            if (Posix.ioctl(st, fd, TUNSETIFF, ifr) < 0) {
                throw TapErrors.setIffError(name, link, Posix.errno(st));
            }
            setUpVnetHeader(a, st, fd, name);
            return fd;
        } catch (IOException | RuntimeException e) {
            Posix.close(st, fd);
            throw e;
        }
    }

    /**
     * Sets the virtio-net header to what this package reads and writes, whatever an earlier user of a
     * persistent device left: 10 bytes, little-endian, no offloads from the kernel towards us.
     * TUNSETOFFLOAD takes its flags as the argument itself, not through a pointer.
     */
    static void setUpVnetHeader(Arena a, MemorySegment st, int fd, String name) throws IOException {
        if (Posix.ioctl(st, fd, TUNSETVNETHDRSZ, a.allocateFrom(ValueLayout.JAVA_INT, VirtioNetHeader.LENGTH)) < 0
                || Posix.ioctl(st, fd, TUNSETVNETLE, a.allocateFrom(ValueLayout.JAVA_INT, 1)) < 0
                || Posix.ioctl(st, fd, TUNSETOFFLOAD, MemorySegment.NULL) < 0) {
            throw new IOException("device " + name + ": cannot set up the virtio-net header: "
                    + Posix.strerror(Posix.errno(st)));
        }
    }

    /**
     * Turns the kernel's offloads towards us on: {@code TUNSETOFFLOAD} with {@code TUN_F_CSUM | TUN_F_TSO4 |
     * TUN_F_TSO6} (no {@code TUN_F_TSO_ECN}, no UDP offloads), so that it hands over partial checksums
     * ({@code NEEDS_CSUM}) and TCP super-segments of up to 64 KiB ({@code GSO_TCPV4}/{@code GSO_TCPV6}). False,
     * said at DEBUG, if the kernel refuses; the offloads then stay off.
     */
    static boolean setReceiveOffloads(int fd, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Posix.errnoSegment(a);
            long features = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
            if (Posix.ioctl(st, fd, TUNSETOFFLOAD, MemorySegment.ofAddress(features)) < 0) {
                System.getLogger(TapDevice.class.getName()).log(System.Logger.Level.DEBUG, "device " + name
                        + ": TUNSETOFFLOAD refused (" + Posix.strerror(Posix.errno(st)) + "); receive offloads off");
                return false;
            }
            return true;
        }
    }

    /** What {@code TUNGETIFF} says of a TUN/TAP descriptor: its interface's name and its {@code IFF_} flags. */
    record Attached(String name, int flags) {
        boolean has(int flag) {
            return (flags & flag) == flag;
        }
    }

    /**
     * Asks descriptor {@code fd} which interface it is attached to and with which flags ({@code TUNGETIFF}).
     *
     * @throws IOException if it is not a descriptor of an attached TUN/TAP device
     */
    static Attached attached(Arena a, MemorySegment st, int fd) throws IOException {
        MemorySegment ifr = a.allocate(IFREQ, 8);
        if (Posix.ioctl(st, fd, TUNGETIFF, ifr) < 0) {
            throw new IOException("descriptor " + fd + " is not an attached TUN/TAP device (TUNGETIFF: "
                    + Posix.strerror(Posix.errno(st)) + ")");
        }
        return new Attached(ifr.getString(0), ifr.get(ValueLayout.JAVA_SHORT, IFREQ_UNION) & 0xffff);
    }

    /** Makes {@code fd} non-blocking (fcntl(2) F_SETFL with O_NONBLOCK added), as the reader's poll loop needs. */
    static void setNonBlocking(MemorySegment st, int fd) throws IOException {
        int flags = Posix.fcntl(st, fd, Posix.F_GETFL, 0);
        if (flags < 0 || Posix.fcntl(st, fd, Posix.F_SETFL, flags | Posix.O_NONBLOCK) < 0) {
            throw new IOException("descriptor " + fd + ": cannot make it non-blocking: "
                    + Posix.strerror(Posix.errno(st)));
        }
    }

    /** A non-blocking eventfd, to wake a thread waiting in poll(2). */
    static int eventfd(MemorySegment st) throws IOException {
        int wake = Posix.eventfd(st, 0, Posix.EFD_NONBLOCK | Posix.EFD_CLOEXEC);
        if (wake < 0) {
            throw new IOException("eventfd: " + Posix.strerror(Posix.errno(st)));
        }
        return wake;
    }

    static int interfaceMtu(Arena a, MemorySegment st, String name) throws IOException {
        int[] mtu = new int[1];
        withInetSocket(a, st, name, (sock, ifr) -> {
            if (Posix.ioctl(st, sock, SIOCGIFMTU, ifr) < 0) {
                return Posix.errno(st);
            }
            mtu[0] = ifr.get(ValueLayout.JAVA_INT, IFREQ_UNION);
            return 0;
        }, "read the MTU of " + name);
        return mtu[0];
    }

    static int setInterfaceMtu(Arena a, MemorySegment st, String name, int mtu) throws IOException {
        withInetSocket(a, st, name, (sock, ifr) -> {
            ifr.set(ValueLayout.JAVA_INT, IFREQ_UNION, mtu);
            return Posix.ioctl(st, sock, SIOCSIFMTU, ifr) < 0 ? Posix.errno(st) : 0;
        }, "set the MTU of " + name + " to " + mtu);
        return mtu;
    }

    /** Brings the kernel's side of interface {@code name} up ({@code IFF_UP}). */
    static void setLinkUp(String name) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Posix.errnoSegment(a);
            withInetSocket(a, st, name, (sock, ifr) -> {
                if (Posix.ioctl(st, sock, SIOCGIFFLAGS, ifr) < 0) {
                    return Posix.errno(st);
                }
                short flags = ifr.get(ValueLayout.JAVA_SHORT, IFREQ_UNION);
                ifr.set(ValueLayout.JAVA_SHORT, IFREQ_UNION, (short) (flags | IFF_UP));
                return Posix.ioctl(st, sock, SIOCSIFFLAGS, ifr) < 0 ? Posix.errno(st) : 0;
            }, "bring " + name + " up");
        }
    }

    private static MemorySegment ifreq(Arena a, String name) {
        MemorySegment ifr = a.allocate(IFREQ, 8);
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(b, 0, ifr, ValueLayout.JAVA_BYTE, 0, b.length);
        return ifr;
    }

    /** An interface request: returns 0 or an errno. */
    private interface IfreqCall {
        int call(int socket, MemorySegment ifr);
    }

    private static final long SIOCADDRT = 0x890B;
    private static final long SIOCSIFADDR = 0x8916;
    private static final long SIOCSIFNETMASK = 0x891C;
    private static final short AF_INET = 2;
    private static final short RTF_UP = 0x1;
    private static final short RTF_GATEWAY = 0x2;
    /** struct rtentry on LP64 Linux: rt_dst at 8, rt_gateway at 24, rt_genmask at 40, rt_flags at 56, rt_dev at 88. */
    private static final int RTENTRY = 120;

    /**
     * Gives interface {@code name} the IPv4 address {@code address} with a {@code prefix}-bit netmask (netdevice(7):
     * SIOCSIFADDR, SIOCSIFNETMASK), as {@code ip addr add A/N dev NAME} does.
     */
    static void setIpv4Address(String name, int address, int prefix) throws IOException {
        int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Posix.errnoSegment(a);
            withInetSocket(a, st, name, (sock, ifr) -> {
                sockaddrIn(ifr, IFREQ_UNION, address);
                return Posix.ioctl(st, sock, SIOCSIFADDR, ifr) < 0 ? Posix.errno(st) : 0;
            }, "set the address of " + name);
            withInetSocket(a, st, name, (sock, ifr) -> {
                sockaddrIn(ifr, IFREQ_UNION, mask);
                return Posix.ioctl(st, sock, SIOCSIFNETMASK, ifr) < 0 ? Posix.errno(st) : 0;
            }, "set the netmask of " + name);
        }
    }

    /** Adds the default IPv4 route through {@code gateway} on {@code name} (route(8)'s SIOCADDRT). */
    static void addDefaultRoute(String name, int gateway) throws IOException {
        addRoute(name, 0, 0, gateway, "add the default route via " + ipv4Text(gateway) + " on " + name);
    }

    /**
     * Adds the IPv4 route to {@code dst}/{@code prefix} straight through interface {@code name}, with no gateway
     * (a point-to-point link's only neighbour is its other end), as {@code ip route add DST/N dev NAME} does.
     */
    static void addDeviceRoute(String name, int dst, int prefix) throws IOException {
        addRoute(name, dst, prefix, 0, "add the route to " + ipv4Text(dst) + "/" + prefix + " on " + name);
    }

    /** SIOCADDRT: {@code dst}/{@code prefix} on {@code name}, via {@code gateway} unless it is 0. */
    private static void addRoute(String name, int dst, int prefix, int gateway, String what) throws IOException {
        int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Posix.errnoSegment(a);
            withInetSocket(a, st, name, (sock, ignored) -> {
                MemorySegment rt = a.allocate(RTENTRY, 8);
                sockaddrIn(rt, 8, dst & mask);                          // rt_dst
                sockaddrIn(rt, 24, gateway);                            // rt_gateway
                sockaddrIn(rt, 40, mask);                               // rt_genmask
                rt.set(ValueLayout.JAVA_SHORT, 56, (short) (RTF_UP | (gateway != 0 ? RTF_GATEWAY : 0)));
                rt.set(ValueLayout.ADDRESS, 88, a.allocateFrom(name));  // rt_dev
                return Posix.ioctl(st, sock, SIOCADDRT, rt) < 0 ? Posix.errno(st) : 0;
            }, what);
        }
    }

    /** A struct sockaddr_in for {@code address} at {@code offset}: family, port 0, address in network order. */
    private static void sockaddrIn(MemorySegment seg, long offset, int address) {
        seg.set(ValueLayout.JAVA_SHORT, offset, AF_INET);                 // sa_family is host order
        seg.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), offset + 4, address);
    }

    private static String ipv4Text(int a) {
        return (a >>> 24) + "." + (a >>> 16 & 0xff) + "." + (a >>> 8 & 0xff) + "." + (a & 0xff);
    }

    /** netdevice(7): interface ioctls go through any socket; an AF_INET datagram socket is the usual one. */
    private static void withInetSocket(Arena a, MemorySegment st, String name, IfreqCall call, String what)
            throws IOException {
        int sock = Posix.socket(st, Posix.AF_INET, Posix.SOCK_DGRAM | Posix.SOCK_CLOEXEC, 0);
        if (sock < 0) {
            throw new IOException("cannot " + what + ": socket: " + Posix.strerror(Posix.errno(st)));
        }
        try {
            int errno = call.call(sock, ifreq(a, name));
            if (errno != 0) {
                throw TapErrors.interfaceError(what, errno);
            }
        } finally {
            Posix.close(st, sock);
        }
    }
}
