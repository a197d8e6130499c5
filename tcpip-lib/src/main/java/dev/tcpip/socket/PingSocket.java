package dev.tcpip.socket;

import dev.tcpip.PingReply;
import dev.tcpip.TimedOutException;
import dev.tcpip.UnreachableException;
import dev.tcpip.wire.AddressText;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One ICMP echo over a Linux ping socket: {@code socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)} or
 * {@code socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6)} (icmp(7), "ping sockets", Linux 3.0 and later), through the
 * Foreign Function &amp; Memory API. No privilege is needed, only a group within the namespace's
 * {@code net.ipv4.ping_group_range} (which rules IPv6 too); otherwise socket(2) fails with EACCES, reported with
 * the sysctl's name, its value and how to widen it. The kernel fills in the echo identifier (the socket's own, by
 * which it hands each socket its replies) and the checksum; this class writes the type, code, sequence and data,
 * and reads the reply without its IP header.
 *
 * <p>The socket is non-blocking and the wait is poll(2): the calling thread blocks in the kernel for at most the
 * timeout (a virtual thread pins its carrier meanwhile; the CLI calls it from its main thread).
 */
final class PingSocket {

    // <bits/socket.h>, <netinet/in.h>, <asm-generic/errno*.h>, <poll.h>
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_NONBLOCK = 0x800;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int IPPROTO_ICMP = 1;
    private static final int IPPROTO_ICMPV6 = 58;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final int EACCES = 13;
    private static final int ENETUNREACH = 101;
    private static final int EHOSTUNREACH = 113;
    private static final short POLLIN = 0x1;
    // RFC 792 (echo 8, reply 0) and RFC 4443 §4.1, §4.2 (echo 128, reply 129)
    private static final int ECHO = 8;
    private static final int ECHO_REPLY = 0;
    private static final int ECHO6 = 128;
    private static final int ECHO6_REPLY = 129;
    /** ICMP header: type, code, checksum, identifier, sequence (RFC 792). */
    private static final int HEADER = 8;
    /** Datagrams read while waiting for one reply: others' replies never reach this socket, so this is generous. */
    private static final int MAX_DATAGRAMS = 1024;

    static final Path GROUP_RANGE = Path.of("/proc/sys/net/ipv4/ping_group_range");

    private static final boolean LINUX = "Linux".equals(System.getProperty("os.name"));
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SOCKET;
    private static final MethodHandle SENDTO;
    private static final MethodHandle RECVFROM;
    private static final MethodHandle POLL;
    private static final MethodHandle CLOSE;
    private static final MethodHandle STRERROR;

    static {
        MethodHandle[] h = new MethodHandle[6];
        if (LINUX) {
            Linker linker = Linker.nativeLinker();
            Linker.Option errno = Linker.Option.captureCallState("errno");
            ValueLayout.OfInt i = ValueLayout.JAVA_INT;
            ValueLayout.OfLong l = ValueLayout.JAVA_LONG;
            ValueLayout p = ValueLayout.ADDRESS;
            List<Object[]> calls = List.of(
                    new Object[] {"socket", FunctionDescriptor.of(i, i, i, i)},
                    new Object[] {"sendto", FunctionDescriptor.of(l, i, p, l, i, p, i)},
                    new Object[] {"recvfrom", FunctionDescriptor.of(l, i, p, l, i, p, p)},
                    new Object[] {"poll", FunctionDescriptor.of(i, p, l, i)},
                    new Object[] {"close", FunctionDescriptor.of(i, i)},
                    new Object[] {"strerror", FunctionDescriptor.of(p, i)});
            for (int k = 0; k < calls.size(); k++) {
                FunctionDescriptor fd = (FunctionDescriptor) calls.get(k)[1];
                Linker.Option[] options = k == 5 ? new Linker.Option[0] : new Linker.Option[] {errno};
                h[k] = linker.defaultLookup().find((String) calls.get(k)[0])
                        .map(f -> linker.downcallHandle(f, fd, options)).orElse(null);
            }
        }
        SOCKET = h[0];
        SENDTO = h[1];
        RECVFROM = h[2];
        POLL = h[3];
        CLOSE = h[4];
        STRERROR = h[5];
        warmUp();
    }

    /**
     * One call of each timed handle on descriptor -1 (EBADF, nothing happens): a downcall's first invocation links
     * its code, which took tens of milliseconds here and would otherwise count in the first round trip.
     */
    private static void warmUp() {
        if (!available()) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment buf = arena.allocate(16);
            MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
            long sent = (long) SENDTO.invokeExact(state, -1, buf, 0L, 0, buf, 16);
            long got = (long) RECVFROM.invokeExact(state, -1, buf, 0L, 0, buf, len);
            int ready = (int) POLL.invokeExact(state, MemorySegment.NULL, 0L, 0);
        } catch (Throwable t) {
            // the first real call links them instead
        }
    }

    private PingSocket() {
    }

    /** Whether this system has ping sockets' calls (Linux). */
    static boolean available() {
        return SOCKET != null && SENDTO != null && RECVFROM != null && POLL != null && CLOSE != null;
    }

    /**
     * Sends one echo request with {@code size} data bytes and sequence number {@code sequence} to {@code dst} from
     * a socket of its own, and waits up to {@code timeout} for the reply.
     */
    static PingReply ping(InetAddress dst, int size, int sequence, Duration timeout) throws IOException {
        if (!available()) {
            throw new UnsupportedOperationException("ICMP echo sockets are Linux's; this is " + System.getProperty("os.name"));
        }
        boolean v6 = dst instanceof Inet6Address;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int fd = (int) SOCKET.invokeExact(state, v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
            if (fd < 0) {
                int e = errno(state);
                throw e == EACCES ? new SocketException(notPermitted()) : error("socket", e, dst);
            }
            try {
                return exchange(arena, state, fd, dst, size, sequence, timeout);
            } finally {
                int ignored = (int) CLOSE.invokeExact(state, fd);
            }
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("a native call failed", t);
        }
    }

    private static PingReply exchange(Arena arena, MemorySegment state, int fd, InetAddress dst, int size, int sequence,
                                      Duration timeout) throws Throwable {
        boolean v6 = dst instanceof Inet6Address;
        MemorySegment request = arena.allocate(HEADER + size);
        request.set(ValueLayout.JAVA_BYTE, 0, (byte) (v6 ? ECHO6 : ECHO));
        request.set(BE_SHORT, 6, (short) sequence);
        for (int i = 0; i < size; i++) {
            request.set(ValueLayout.JAVA_BYTE, HEADER + i, (byte) i); // a recognisable pattern, as ping(8) sends
        }
        MemorySegment to = sockaddr(arena, dst);
        long start = System.nanoTime();
        long sent = (long) SENDTO.invokeExact(state, fd, request, request.byteSize(), 0, to, (int) to.byteSize());
        if (sent < 0) {
            throw error("sendto", errno(state), dst);
        }
        long deadline = start + timeout.toNanos();
        MemorySegment reply = arena.allocate(HEADER + size + 64);
        MemorySegment from = arena.allocate(128);
        MemorySegment fromLen = arena.allocate(ValueLayout.JAVA_INT);
        MemorySegment pollfd = arena.allocate(8);   // struct pollfd { int fd; short events; short revents; }
        for (int datagrams = 0; datagrams < MAX_DATAGRAMS; ) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            pollfd.set(ValueLayout.JAVA_INT, 0, fd);
            pollfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
            pollfd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
            int millis = (int) Math.clamp((left + 999_999) / 1_000_000, 1, Integer.MAX_VALUE);
            int ready = (int) POLL.invokeExact(state, pollfd, 1L, millis);
            if (ready < 0 && errno(state) != EINTR) {
                throw error("poll", errno(state), dst);
            }
            if (ready <= 0) {
                continue;
            }
            fromLen.set(ValueLayout.JAVA_INT, 0, (int) from.byteSize());
            long n = (long) RECVFROM.invokeExact(state, fd, reply, reply.byteSize(), 0, from, fromLen);
            if (n < 0) {
                int e = errno(state);
                if (e == EAGAIN || e == EINTR) {
                    continue;
                }
                throw error("recvfrom", e, dst);
            }
            datagrams++;
            int type = reply.get(ValueLayout.JAVA_BYTE, 0) & 0xff;
            int seq = reply.get(BE_SHORT, 6) & 0xffff;
            if (n >= HEADER && type == (v6 ? ECHO6_REPLY : ECHO_REPLY) && seq == (sequence & 0xffff)) {
                Duration rtt = Duration.ofNanos(System.nanoTime() - start);
                return new PingReply(address(from), (int) n - HEADER, seq, rtt);
            }
        }
        throw new TimedOutException("no echo reply from " + AddressText.of(dst) + " within " + timeout.toMillis() + " ms");
    }

    private static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** struct sockaddr_in (16 bytes) or sockaddr_in6 (28), port 0. */
    private static MemorySegment sockaddr(Arena arena, InetAddress a) {
        byte[] bytes = a.getAddress();
        if (a instanceof Inet6Address v6) {
            MemorySegment s = arena.allocate(28);
            s.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET6);
            MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 8, 16);
            s.set(ValueLayout.JAVA_INT, 24, v6.getScopeId());
            return s;
        }
        MemorySegment s = arena.allocate(16);
        s.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET);
        MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 4, 4);
        return s;
    }

    private static InetAddress address(MemorySegment s) throws UnknownHostException {
        int family = s.get(ValueLayout.JAVA_SHORT, 0);
        if (family == AF_INET6) {
            byte[] b = s.asSlice(8, 16).toArray(ValueLayout.JAVA_BYTE);
            int scope = s.get(ValueLayout.JAVA_INT, 24);
            return scope != 0 ? Inet6Address.getByAddress(null, b, scope) : InetAddress.getByAddress(b);
        }
        return Inet4Address.getByAddress(s.asSlice(4, 4).toArray(ValueLayout.JAVA_BYTE));
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static IOException error(String call, int errno, InetAddress dst) {
        String text = strerror(errno);
        return switch (errno) {
            case ENETUNREACH -> new UnreachableException("ping " + AddressText.of(dst) + ": " + text,
                    UnreachableException.Scope.NETWORK, null);
            case EHOSTUNREACH -> new UnreachableException("ping " + AddressText.of(dst) + ": " + text,
                    UnreachableException.Scope.HOST, null);
            default -> new SocketException(call + " for ping " + AddressText.of(dst) + ": " + text);
        };
    }

    private static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** EACCES from socket(2): what the sysctl says now and how to allow this process. */
    static String notPermitted() {
        String range;
        // One read of the whole value: a sysctl file read a byte at a time ends after its first byte.
        try (java.io.InputStream in = Files.newInputStream(GROUP_RANGE)) {
            range = new String(in.readNBytes(256), java.nio.charset.StandardCharsets.US_ASCII).trim()
                    .replaceAll("\\s+", " ");
        } catch (IOException e) {
            range = "unreadable";
        }
        return "ICMP echo sockets are not permitted for this process's groups: net.ipv4.ping_group_range is \""
                + range + "\" (group IDs from the first to the second may open them); allow them with"
                + " sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"";
    }
}
