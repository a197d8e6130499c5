package dev.tcpip.device;

import java.io.IOException;

/** Turns the errno of a failed TAP or TUN set-up call into an exception whose message says what to do. */
final class TapErrors {

    private TapErrors() {
    }

    /** open(2) of {@code /dev/net/tun} failed. */
    static IOException openError(int errno) {
        return switch (errno) {
            case Posix.ENOENT -> new IOException("/dev/net/tun does not exist: load the tun module (modprobe tun)"
                    + " or create the device node (mkdir -p /dev/net && mknod /dev/net/tun c 10 200)");
            case Posix.ENODEV, Posix.ENXIO -> new IOException("/dev/net/tun: the kernel has no TUN/TAP driver"
                    + " (modprobe tun; CONFIG_TUN)");
            case Posix.EPERM, Posix.EACCES -> new IOException("/dev/net/tun: permission denied: TAP and TUN devices"
                    + " need root or CAP_NET_ADMIN");
            default -> new IOException("/dev/net/tun: " + Posix.strerror(errno));
        };
    }

    /** {@code ioctl(TUNSETIFF)} for the TAP ({@code link} Ethernet) or TUN (IP) device {@code name} failed. */
    static IOException setIffError(String name, LinkType link, int errno) {
        String kind = link == LinkType.IP ? "TUN" : "TAP";
        String other = link == LinkType.IP ? "a TAP device" : "a TUN device";
        return switch (errno) {
            case Posix.EPERM, Posix.EACCES -> new IOException(kind + " device " + name + ": permission denied:"
                    + " creating or attaching to a " + kind + " device needs root or CAP_NET_ADMIN (or a persistent"
                    + " device owned by this user)");
            case Posix.EINVAL -> new IOException("interface " + name + " exists and is not a " + kind + " device ("
                    + other + " or another kind of interface); choose another name or delete it");
            case Posix.EBUSY -> new IOException(kind + " device " + name + " is in use by another process or was"
                    + " created with other flags (multi-queue)");
            default -> new IOException(kind + " device " + name + ": TUNSETIFF: " + Posix.strerror(errno));
        };
    }

    /** An interface ioctl ({@code what}, such as "set the MTU of tap0 to 9000") failed. */
    static IOException interfaceError(String what, int errno) {
        return errno == Posix.EPERM || errno == Posix.EACCES
                ? new IOException("cannot " + what + ": permission denied (needs root or CAP_NET_ADMIN)")
                : new IOException("cannot " + what + ": " + Posix.strerror(errno));
    }
}
