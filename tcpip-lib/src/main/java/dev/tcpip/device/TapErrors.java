package dev.tcpip.device;

import java.io.IOException;

/** Turns the errno of a failed TAP set-up call into an exception whose message says what to do. */
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
            case Posix.EPERM, Posix.EACCES -> new IOException("/dev/net/tun: permission denied: TAP devices need"
                    + " root or CAP_NET_ADMIN");
            default -> new IOException("/dev/net/tun: " + Posix.strerror(errno));
        };
    }

    /** {@code ioctl(TUNSETIFF)} for TAP device {@code name} failed. */
    static IOException setIffError(String name, int errno) {
        return switch (errno) {
            case Posix.EPERM, Posix.EACCES -> new IOException("TAP device " + name + ": permission denied: creating"
                    + " or attaching to a TAP device needs root or CAP_NET_ADMIN (or a persistent device owned by"
                    + " this user)");
            case Posix.EINVAL -> new IOException("interface " + name + " exists and is not a TAP device (a TUN device"
                    + " or another kind of interface); choose another name or delete it");
            case Posix.EBUSY -> new IOException("TAP device " + name + " is in use by another process or was created"
                    + " with other flags (multi-queue)");
            default -> new IOException("TAP device " + name + ": TUNSETIFF: " + Posix.strerror(errno));
        };
    }

    /** An interface ioctl ({@code what}, such as "set the MTU of tap0 to 9000") failed. */
    static IOException interfaceError(String what, int errno) {
        return errno == Posix.EPERM || errno == Posix.EACCES
                ? new IOException("cannot " + what + ": permission denied (needs root or CAP_NET_ADMIN)")
                : new IOException("cannot " + what + ": " + Posix.strerror(errno));
    }
}
