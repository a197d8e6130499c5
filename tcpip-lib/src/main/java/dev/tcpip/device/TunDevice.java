package dev.tcpip.device;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A Linux TUN device (the kernel's {@code Documentation/networking/tuntap.rst}): IP datagrams written to it arrive
 * at the kernel as if received on a point-to-point interface, and datagrams the kernel routes into the interface
 * are read from it. The frames are bare IPv4 or IPv6 datagrams ({@link LinkType#IP}), at most {@link #mtu()}
 * bytes: no Ethernet header, no link-layer addresses, nothing to resolve. VPN clients and tun2socks-style relays
 * put their traffic through one.
 *
 * <p>Opened as {@link TapDevice} is, through the Foreign Function & Memory API, and built of the same parts
 * ({@link KernelDevice}): {@code ioctl(TUNSETIFF)} with {@code IFF_TUN | IFF_NO_PI | IFF_VNET_HDR}, the same
 * reader and writer threads, transmit ring, virtio-net header, checksum offload ({@code NEEDS_CSUM}) and
 * segmentation offload ({@code GSO_TCPV4}/{@code _TCPV6} merged runs of TCP segments), with the same rules,
 * errors and limits; see {@link TapDevice}. Towards us, as there, the kernel's offloads are off
 * ({@code TUNSETOFFLOAD 0}), so datagrams arrive whole with complete checksums.
 *
 * <p>{@link #mac()} is no link-layer address here, only an identifier (random unless given): a direct stack forms
 * its IPv6 link-local address from it.
 *
 * <pre>{@code
 * try (TunDevice tun = TunDevice.open("tun0", 1500)) {
 *     tun.configureIpv4(0x0a00_0301, 24);           // 10.0.3.1/24 on the kernel's side, link up
 *     DirectStack stack = DirectStack.create(DirectStackConfig.ipv4("10.0.3.2/24"), tun);
 * }
 * }</pre>
 */
public final class TunDevice extends KernelDevice {

    private TunDevice(String netns, String name, long id, int mtu, boolean vnetHeader, boolean checksumOffload,
                      int fd, int wakeFd) {
        super("TUN", netns, name, id, mtu, LinkType.IP, vnetHeader, checksumOffload, fd, wakeFd);
    }

    /**
     * Opens TUN device {@code name} without checksum offload: {@code open(name, mtu, false)}.
     *
     * @throws IllegalArgumentException as {@link #open(String, String, int, boolean)} says
     * @throws IOException as {@link #open(String, String, int, boolean)} says
     */
    public static TunDevice open(String name, int mtu) throws IOException {
        return open(null, name, mtu, false);
    }

    /** {@link #open(String, String, int, boolean)} in the caller's own namespace. */
    public static TunDevice open(String name, int mtu, boolean checksumOffload) throws IOException {
        return open(null, name, mtu, checksumOffload);
    }

    /**
     * Opens TUN device {@code name}, creating it if absent, and sets its MTU to {@code mtu} (0 keeps the
     * interface's), with the kernel's side in network namespace {@code netns} ({@code /run/netns/NETNS}; null:
     * the caller's own): as {@link TapDevice#open(String, String, int, long, boolean)} does, the device is
     * created on a short-lived thread inside that namespace, everything else stays in the caller's, and
     * {@link #setLinkUp()}, {@link #configureIpv4} and {@link #addRoute} act inside it. {@code checksumOffload}
     * as for a TAP device (and segmentation offload with it, unless {@value TapDevice#GSO_PROPERTY} is
     * {@code false}): only for a stack whose datagrams nothing alters on their way to this device.
     *
     * @throws IllegalArgumentException a name that is not a valid interface name, or an MTU outside 68..65,521
     * @throws IOException with a message that says what to do: no {@code /dev/net/tun}, no permission (root or
     *     CAP_NET_ADMIN is needed), a device of that name that is not a TUN device or is in use, no such
     *     namespace
     */
    public static TunDevice open(String netns, String name, int mtu, boolean checksumOffload) throws IOException {
        TapControl.checkName(name);
        checkMtu(mtu);
        long id = TapDevice.randomMac();
        int[] opened = openFd(netns, name, mtu, LinkType.IP);   // {fd, mtu}
        return started(opened[0], wake -> new TunDevice(netns, name, id, opened[1], true, checksumOffload,
                opened[0], wake));
    }

    /**
     * A device over a TUN descriptor opened elsewhere, as Android's {@code VpnService.Builder.establish()} hands
     * one over (its {@code ParcelFileDescriptor.detachFd()}), or a parent process passes one down. The descriptor
     * must be attached to a TUN interface ({@code IFF_TUN}) <b>without packet information</b>
     * ({@code IFF_NO_PI}: each read and write is one bare IP datagram), and the caller states whether it was
     * attached with {@code IFF_VNET_HDR} ({@code vnetHeader}): with it, every datagram goes after a virtio-net
     * header, which this device sets up as {@link #open} does (10 bytes, little-endian, no offloads towards
     * us) and which checksum offload needs; without it (Android's case) datagrams go bare and nothing is
     * offloaded. The flags are checked with {@code TUNGETIFF}, which also gives the interface's name; a
     * blocking descriptor is made non-blocking ({@code O_NONBLOCK}: the reader polls, then reads until
     * {@code EAGAIN}). {@code mtu} is the MTU the interface was given (the builder's {@code setMtu}); datagrams
     * longer than it are dropped both ways.
     *
     * <p>The device owns the descriptor from now on: {@link #close()} closes it, which removes the interface
     * unless it is persistent. When a check fails the descriptor is left open, still the caller's.
     *
     * @throws IllegalArgumentException a negative descriptor, an MTU outside 68..65,521, or checksum offload
     *     without the virtio-net header
     * @throws IOException the descriptor is no attached TUN/TAP descriptor, or its flags are not those stated
     */
    public static TunDevice fromDescriptor(int fd, int mtu, boolean vnetHeader, boolean checksumOffload)
            throws IOException {
        if (fd < 0) {
            throw new IllegalArgumentException("not a file descriptor: " + fd);
        }
        if (mtu < 68 || mtu > 65_521) {
            throw new IllegalArgumentException("mtu must be within 68..65521: " + mtu);
        }
        if (checksumOffload && !vnetHeader) {
            throw new IllegalArgumentException("checksum offload needs a descriptor with the virtio-net header");
        }
        String name;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Posix.errnoSegment(a);
            TapControl.Attached attached = TapControl.attached(a, st, fd);
            name = attached.name();
            if (!attached.has(TapControl.IFF_TUN) || attached.has(TapControl.IFF_TAP)) {
                throw new IOException("descriptor " + fd + " is attached to " + name + ", which is not a TUN device");
            }
            if (!attached.has(TapControl.IFF_NO_PI)) {
                throw new IOException("TUN device " + name + " was attached with packet information (no IFF_NO_PI);"
                        + " attach it with IFF_NO_PI");
            }
            if (attached.has(TapControl.IFF_VNET_HDR) != vnetHeader) {
                throw new IOException("TUN device " + name + " was attached " + (vnetHeader ? "without" : "with")
                        + " IFF_VNET_HDR, but the caller said " + (vnetHeader ? "with" : "without"));
            }
            if (vnetHeader) {
                TapControl.setUpVnetHeader(a, st, fd, name);
            }
            TapControl.setNonBlocking(st, fd);
        }
        long id = TapDevice.randomMac();
        return started(fd, wake -> new TunDevice(null, name, id, mtu, vnetHeader, checksumOffload, fd, wake));
    }

    /**
     * Gives the kernel's side of the device the IPv4 address {@code address}/{@code prefix} (a 32-bit value) and
     * brings it up, as {@code ip addr add A/N dev NAME; ip link set NAME up} do; the kernel then routes the
     * prefix into the device. In the device's namespace.
     */
    public void configureIpv4(int address, int prefix) throws IOException {
        checkPrefix(prefix);
        inDeviceNamespace(() -> {
            TapControl.setIpv4Address(name(), address, prefix);
            TapControl.setLinkUp(name());
            return null;
        });
    }

    /**
     * Routes IPv4 destination {@code dst}/{@code prefix} into the device on the kernel's side, without a gateway
     * (as {@code ip route add DST/N dev NAME}); {@code addRoute(0, 0)} is the default route. The link must be up.
     * In the device's namespace.
     */
    public void addRoute(int dst, int prefix) throws IOException {
        checkPrefix(prefix);
        inDeviceNamespace(() -> {
            TapControl.addDeviceRoute(name(), dst, prefix);
            return null;
        });
    }

    private static void checkPrefix(int prefix) {
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("prefix must be within 0..32: " + prefix);
        }
    }

    @Override
    public String toString() {
        return "TunDevice[" + name() + ", mtu " + mtu() + "]";
    }
}
