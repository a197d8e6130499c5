package dev.tcpip.socket;

import dev.tcpip.TcpInfo;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.OptionalLong;

/**
 * The kernel's view of a TCP socket: {@code getsockopt(fd, IPPROTO_TCP, TCP_INFO)} through the Foreign Function &
 * Memory API, read as {@code struct tcp_info} of {@code linux/tcp.h}.
 *
 * <p><b>Finding the descriptor.</b> java.nio offers no supported way to get a {@code SocketChannel}'s file
 * descriptor (the field is internal to {@code sun.nio.ch}, reachable only with {@code --add-opens}). So the flow's
 * descriptor is found the way any process can find its own: each entry of {@code /proc/self/fd} that links to
 * {@code socket:[INODE]} is asked its {@code getsockname} and {@code getpeername}, and the one whose two addresses
 * are the channel's is it (a connected TCP socket's address pair is unique in its namespace). This costs a scan of
 * the process's descriptors once per flow; the flow then keeps the descriptor and its socket's inode. Since the
 * channel may be closed and its number reused by another socket at any time, every read checks, before and after
 * the {@code getsockopt}, that the descriptor still links to the same inode: a result is used only if it does
 * (sockfs inode numbers are not reused while a process runs, so the read was of this socket).
 *
 * <p><b>The layout.</b> Offsets as {@code linux/tcp.h} declares the fields (all naturally aligned, no padding): the
 * struct has grown over kernel versions, always at its end, and the kernel copies {@code min(optlen,
 * sizeof(struct tcp_info))} bytes and returns that length. So a field is read only if the returned length covers
 * it; the fields after {@code tcpi_snd_wnd} (Linux 5.19) are {@code tcpi_rcv_wnd} and {@code tcpi_rehash} (6.2),
 * {@code tcpi_total_rto}, {@code tcpi_total_rto_recoveries} and {@code tcpi_total_rto_time} (6.7). The two 4-bit
 * window-scale fields share byte 6, the send scale in the low bits (GCC's bit-field order on little-endian
 * machines, which x86-64 and arm64 are).
 */
final class KernelTcpInfo {
    private static final int IPPROTO_TCP = 6;     // <netinet/in.h>
    private static final int TCP_INFO = 11;       // <linux/tcp.h>
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int TCPI_OPT_WSCALE = 4; // tcpi_options bit
    private static final int TCP_LISTEN = 10;     // include/net/tcp_states.h
    private static final long INFINITE_SSTHRESH = 0x7fff_ffffL; // TCP_INFINITE_SSTHRESH, <net/tcp.h>

    // struct tcp_info offsets (linux/tcp.h)
    private static final int STATE = 0, CA_STATE = 1, OPTIONS = 5, WSCALE = 6, APP_LIMITED = 7, RTO = 8,
            SND_MSS = 16, SACKED = 28, LOST = 32, RTT = 68, RTTVAR = 72, SND_SSTHRESH = 76, SND_CWND = 80,
            TOTAL_RETRANS = 100, PACING_RATE = 104, BYTES_ACKED = 120, BYTES_RECEIVED = 128, SEGS_OUT = 136,
            SEGS_IN = 140, NOTSENT_BYTES = 144, MIN_RTT = 148, DELIVERY_RATE = 160, RWND_LIMITED = 176,
            SNDBUF_LIMITED = 184, BYTES_SENT = 200, BYTES_RETRANS = 208, DSACK_DUPS = 216, REORD_SEEN = 220,
            SND_WND = 228, RCV_WND = 232, TOTAL_RTO = 240;
    /** sizeof(struct tcp_info) as of Linux 6.7 (through tcpi_total_rto_time); a newer kernel copies this much. */
    static final int SIZE = 248;

    private static final boolean LINUX = "Linux".equals(System.getProperty("os.name"));
    private static final MethodHandle GETSOCKOPT;
    private static final MethodHandle GETSOCKNAME;
    private static final MethodHandle GETPEERNAME;

    static {
        MethodHandle opt = null;
        MethodHandle name = null;
        MethodHandle peer = null;
        if (LINUX) {
            Linker linker = Linker.nativeLinker();
            ValueLayout.OfInt i = ValueLayout.JAVA_INT;
            ValueLayout p = ValueLayout.ADDRESS;
            opt = linker.defaultLookup().find("getsockopt")
                    .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(i, i, i, i, p, p))).orElse(null);
            name = linker.defaultLookup().find("getsockname")
                    .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(i, i, p, p))).orElse(null);
            peer = linker.defaultLookup().find("getpeername")
                    .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(i, i, p, p))).orElse(null);
        }
        GETSOCKOPT = opt;
        GETSOCKNAME = name;
        GETPEERNAME = peer;
    }

    private KernelTcpInfo() {
    }

    /** Whether this system has {@code TCP_INFO} (Linux, with the calls found). */
    static boolean available() {
        return GETSOCKOPT != null && GETSOCKNAME != null && GETPEERNAME != null;
    }

    /** A socket descriptor of this process and the inode of the socket it referred to when found. */
    record Descriptor(int fd, long inode) {
    }

    /** This process's descriptor of the TCP socket connecting {@code local} to {@code remote}, or null. */
    static Descriptor find(InetSocketAddress local, InetSocketAddress remote) {
        if (!available()) {
            return null;
        }
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"));
             Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(128);
            MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
            Descriptor unconnected = null;
            int unconnectedCount = 0;
            int seen = 0;
            for (Path p : fds) {
                if (++seen > 1 << 20) {
                    break;                                  // bounded: more descriptors than any process holds
                }
                int fd;
                try {
                    fd = Integer.parseInt(p.getFileName().toString());
                } catch (NumberFormatException e) {
                    continue;
                }
                long inode = inode(fd);
                if (inode < 0) {
                    continue;
                }
                if (!local.equals(address(GETSOCKNAME, fd, addr, len))) {
                    continue;
                }
                InetSocketAddress peer = address(GETPEERNAME, fd, addr, len);
                if (remote.equals(peer) && inode(fd) == inode) {
                    return new Descriptor(fd, inode);
                }
                if (peer == null) {
                    // Not connected any more: after both FINs Linux moves the connection to a TIME-WAIT entry and
                    // the socket itself has no peer, but keeps its address and its counts. It is ours if it is the
                    // only such socket on our address that is no listener.
                    TcpInfo i = read(new Descriptor(fd, inode));
                    if (i != null && !listening(fd)) {
                        unconnected = new Descriptor(fd, inode);
                        unconnectedCount++;
                    }
                }
            }
            if (unconnectedCount == 1) {
                return unconnected;
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    /** Whether the socket of {@code fd} is a listening one ({@code tcpi_state} TCP_LISTEN). */
    private static boolean listening(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(SIZE);
            MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, SIZE);
            return (int) GETSOCKOPT.invokeExact(fd, IPPROTO_TCP, TCP_INFO, buf, len) != 0
                    || buf.get(ValueLayout.JAVA_BYTE, STATE) == TCP_LISTEN;
        } catch (Throwable t) {
            return true;
        }
    }

    /** The socket inode {@code /proc/self/fd/N} links to, or -1 (closed, or not a socket). */
    static long inode(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd", Integer.toString(fd))).toString();
            if (target.startsWith("socket:[") && target.endsWith("]")) {
                return Long.parseLong(target, 8, target.length() - 1, 10);
            }
        } catch (IOException | RuntimeException e) {
            // closed meanwhile
        }
        return -1;
    }

    private static InetSocketAddress address(MethodHandle call, int fd, MemorySegment addr, MemorySegment len) {
        try {
            len.set(ValueLayout.JAVA_INT, 0, (int) addr.byteSize());
            if ((int) call.invokeExact(fd, addr, len) != 0) {
                return null;
            }
        } catch (Throwable t) {
            return null;
        }
        int family = addr.get(ValueLayout.JAVA_SHORT, 0);
        int port = Short.toUnsignedInt(addr.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(
                java.nio.ByteOrder.BIG_ENDIAN), 2));
        try {
            if (family == AF_INET) {
                return new InetSocketAddress(InetAddress.getByAddress(addr.asSlice(4, 4).toArray(ValueLayout.JAVA_BYTE)),
                        port);
            }
            if (family == AF_INET6) {
                byte[] a = addr.asSlice(8, 16).toArray(ValueLayout.JAVA_BYTE);
                // An IPv4 peer of a dual-stack socket appears v4-mapped (::ffff:a.b.c.d); Java reports it as IPv4.
                return new InetSocketAddress(InetAddress.getByAddress(a), port);
            }
        } catch (UnknownHostException e) {
            return null;
        }
        return null;
    }

    /**
     * The kernel's info for the socket of {@code d}, or null if the descriptor no longer refers to it (closed,
     * perhaps reused) or the call failed.
     */
    static TcpInfo read(Descriptor d) {
        if (!available() || inode(d.fd()) != d.inode()) {
            return null;
        }
        byte[] raw;
        int n;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(SIZE);
            MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, SIZE);
            if ((int) GETSOCKOPT.invokeExact(d.fd(), IPPROTO_TCP, TCP_INFO, buf, len) != 0) {
                return null;
            }
            n = Math.min(len.get(ValueLayout.JAVA_INT, 0), SIZE);
            raw = buf.toArray(ValueLayout.JAVA_BYTE);
        } catch (Throwable t) {
            return null;
        }
        if (inode(d.fd()) != d.inode()) {
            return null;                                    // closed and reused while we asked: not ours
        }
        return parse(raw, n);
    }

    /** {@code struct tcp_info} of which the kernel copied {@code n} bytes, as a {@link TcpInfo}; null if too short. */
    static TcpInfo parse(byte[] raw, int n) {
        if (n < BYTES_ACKED) {
            return null;                                    // before Linux 4.1: too little to be worth reporting
        }
        Fields f = new Fields(Arrays.copyOf(raw, SIZE), n);
        long mss = f.u32(SND_MSS);
        long ssthresh = f.u32(SND_SSTHRESH);
        long rtt = f.u32(RTT);
        long minRtt = f.u32(MIN_RTT);
        boolean wscale = (f.u8(OPTIONS) & TCPI_OPT_WSCALE) != 0;
        int scales = f.u8(WSCALE);
        long pacing = f.has(PACING_RATE, 8) ? f.s64(PACING_RATE) : -1;
        long delivery = f.has(DELIVERY_RATE, 8) ? f.s64(DELIVERY_RATE) : 0;
        return new TcpInfo(state(f.u8(STATE)), congestion(f.u8(CA_STATE)), micros(f.u32(RTO)),
                rtt > 0 ? OptionalLong.of(micros(rtt)) : OptionalLong.empty(),
                rtt > 0 ? OptionalLong.of(micros(f.u32(RTTVAR))) : OptionalLong.empty(),
                f.has(MIN_RTT, 4) && minRtt != 0xffff_ffffL && minRtt != 0 ? OptionalLong.of(micros(minRtt))
                        : OptionalLong.empty(),
                (int) mss, f.u32(SND_CWND) * mss,
                ssthresh >= INFINITE_SSTHRESH ? OptionalLong.empty() : OptionalLong.of(ssthresh * mss),
                f.opt32(SND_WND), wscale ? scales & 0xf : 0, f.opt32(RCV_WND), wscale ? scales >>> 4 : 0,
                f.has(BYTES_SENT, 8) ? f.s64(BYTES_SENT) : 0, f.s64(BYTES_ACKED), f.s64(BYTES_RECEIVED),
                f.has(BYTES_RETRANS, 8) ? f.s64(BYTES_RETRANS) : 0, f.u32(SEGS_IN), f.u32(SEGS_OUT),
                f.u32(TOTAL_RETRANS), f.has(TOTAL_RTO, 2) ? OptionalLong.of(f.u16(TOTAL_RTO)) : OptionalLong.empty(),
                OptionalLong.of(f.u32(LOST)), OptionalLong.of(f.u32(SACKED)), f.opt32(DSACK_DUPS), f.opt32(REORD_SEEN),
                delivery > 0 ? OptionalLong.of(delivery) : OptionalLong.empty(), (f.u8(APP_LIMITED) & 1) != 0,
                pacing >= 0 ? OptionalLong.of(pacing) : OptionalLong.empty(),
                f.has(RWND_LIMITED, 8) ? OptionalLong.of(micros(f.s64(RWND_LIMITED))) : OptionalLong.empty(),
                f.has(SNDBUF_LIMITED, 8) ? OptionalLong.of(micros(f.s64(SNDBUF_LIMITED))) : OptionalLong.empty(),
                f.has(NOTSENT_BYTES, 4) ? f.u32(NOTSENT_BYTES) : 0);
    }

    private static long micros(long us) {
        return us * 1000;
    }

    /** Linux's TCP states ({@code include/net/tcp_states.h}). */
    static TcpInfo.State state(int s) {
        return switch (s) {
            case 1 -> TcpInfo.State.ESTABLISHED;
            case 2 -> TcpInfo.State.SYN_SENT;
            case 3, 12 -> TcpInfo.State.SYN_RECEIVED;       // TCP_SYN_RECV, TCP_NEW_SYN_RECV
            case 4 -> TcpInfo.State.FIN_WAIT_1;
            case 5 -> TcpInfo.State.FIN_WAIT_2;
            case 6 -> TcpInfo.State.TIME_WAIT;
            case 8 -> TcpInfo.State.CLOSE_WAIT;
            case 9 -> TcpInfo.State.LAST_ACK;
            case 11 -> TcpInfo.State.CLOSING;
            default -> TcpInfo.State.CLOSED;                // 7 TCP_CLOSE (10 TCP_LISTEN is no flow)
        };
    }

    /** Linux's {@code enum tcp_ca_state} ({@code linux/tcp.h}). */
    static TcpInfo.CongestionState congestion(int s) {
        return switch (s) {
            case 1 -> TcpInfo.CongestionState.DISORDER;
            case 2 -> TcpInfo.CongestionState.CWR;
            case 3 -> TcpInfo.CongestionState.RECOVERY;
            case 4 -> TcpInfo.CongestionState.LOSS;
            default -> TcpInfo.CongestionState.OPEN;
        };
    }

    /** Little-endian reads from the struct, each knowing whether the kernel's length covered it. */
    private record Fields(byte[] b, int n) {
        boolean has(int off, int size) {
            return off + size <= n;
        }

        int u8(int off) {
            return b[off] & 0xff;
        }

        int u16(int off) {
            return u8(off) | u8(off + 1) << 8;
        }

        long u32(int off) {
            return (u16(off) | (long) u16(off + 2) << 16) & 0xffff_ffffL;
        }

        long s64(int off) {
            return u32(off) | u32(off + 4) << 32;
        }

        OptionalLong opt32(int off) {
            return has(off, 4) ? OptionalLong.of(u32(off)) : OptionalLong.empty();
        }
    }
}
