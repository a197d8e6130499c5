package dev.tcpip.device;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few Linux system calls the device layer needs (TAP and TUN devices, entering a network namespace), through the Foreign Function & Memory API (no JNI, no C).
 * Every call takes a per-thread segment that receives {@code errno} ({@link Linker.Option#captureCallState}).
 * {@code read} and {@code write} are critical downcalls allowed to touch heap arrays, so frames move between
 * the kernel and Java arrays without an intermediate native buffer; they never block (the descriptor is
 * non-blocking), as critical downcalls must not.
 */
final class Posix {
    // <asm-generic/errno-base.h>, <asm-generic/errno.h> (x86-64 and arm64 share them)
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int ENXIO = 6;
    static final int EBADF = 9;
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int EBUSY = 16;
    static final int ENODEV = 19;
    static final int EINVAL = 22;
    static final int ENOSYS = 38;
    static final int ENOBUFS = 105;
    static final int EALREADY = 114;
    static final int ECANCELED = 125;

    // <asm-generic/fcntl.h>
    static final int O_RDWR = 2;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    // <sys/eventfd.h>
    static final int EFD_NONBLOCK = O_NONBLOCK;
    static final int EFD_CLOEXEC = O_CLOEXEC;
    // <poll.h>
    static final short POLLIN = 0x1;
    static final short POLLERR = 0x8;
    static final short POLLHUP = 0x10;
    static final short POLLNVAL = 0x20;
    // <sys/socket.h>
    static final int AF_INET = 2;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_CLOEXEC = O_CLOEXEC;
    // <asm-generic/mman-common.h>
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;
    static final int MAP_PRIVATE = 2;
    static final int MAP_ANONYMOUS = 0x20;
    static final int MAP_POPULATE = 0x8000;
    // <linux/sched.h>
    static final int CLONE_NEWNET = 0x40000000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPT = Linker.Option.captureCallState("errno");

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;   // ssize_t, size_t, nfds_t, uint64_t
    private static final ValueLayout PTR = ValueLayout.ADDRESS;

    private static final MethodHandle OPEN = downcall("open", FunctionDescriptor.of(INT, PTR, INT),
            ERRNO_OPT, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL = downcall("ioctl", FunctionDescriptor.of(INT, INT, LONG, PTR),
            ERRNO_OPT, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FCNTL = downcall("fcntl", FunctionDescriptor.of(INT, INT, INT, INT),
            ERRNO_OPT, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle READ = downcall("read", FunctionDescriptor.of(LONG, INT, PTR, LONG),
            ERRNO_OPT, Linker.Option.critical(true));
    private static final MethodHandle WRITE = downcall("write", FunctionDescriptor.of(LONG, INT, PTR, LONG),
            ERRNO_OPT, Linker.Option.critical(true));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(INT, INT), ERRNO_OPT);
    private static final MethodHandle POLL = downcall("poll", FunctionDescriptor.of(INT, PTR, LONG, INT), ERRNO_OPT);
    private static final MethodHandle EVENTFD = downcall("eventfd", FunctionDescriptor.of(INT, INT, INT), ERRNO_OPT);
    private static final MethodHandle SOCKET = downcall("socket", FunctionDescriptor.of(INT, INT, INT, INT), ERRNO_OPT);
    private static final MethodHandle SETNS = downcall("setns", FunctionDescriptor.of(INT, INT, INT), ERRNO_OPT);
    private static final MethodHandle STRERROR = downcall("strerror", FunctionDescriptor.of(PTR, INT));
    // syscall(2) is variadic: every argument after the number passes as a long, as the kernel reads registers
    private static final MethodHandle SYSCALL6 = downcall("syscall",
            FunctionDescriptor.of(LONG, LONG, LONG, LONG, LONG, LONG, LONG, LONG),
            ERRNO_OPT, Linker.Option.firstVariadicArg(1));
    private static final MethodHandle MMAP = downcall("mmap",
            FunctionDescriptor.of(LONG, LONG, LONG, INT, INT, INT, LONG), ERRNO_OPT);
    private static final MethodHandle MUNMAP = downcall("munmap", FunctionDescriptor.of(INT, LONG, LONG), ERRNO_OPT);

    private Posix() {
    }

    private static MethodHandle downcall(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment fn = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsupportedOperationException("the C library has no " + name + "()"));
        return LINKER.downcallHandle(fn, fd, options);
    }

    /** A segment to receive errno, one per thread that makes calls (allocated in {@code arena}). */
    static MemorySegment errnoSegment(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** strerror(3): the C library's words for an errno value. */
    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    static int open(MemorySegment st, MemorySegment path, int flags) {
        try {
            return (int) OPEN.invokeExact(st, path, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int ioctl(MemorySegment st, int fd, long request, MemorySegment arg) {
        try {
            return (int) IOCTL.invokeExact(st, fd, request, arg);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** fcntl(2) with an int argument (ignored by commands that take none, such as F_GETFL). */
    static int fcntl(MemorySegment st, int fd, int cmd, int arg) {
        try {
            return (int) FCNTL.invokeExact(st, fd, cmd, arg);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long read(MemorySegment st, int fd, MemorySegment buf, long count) {
        try {
            return (long) READ.invokeExact(st, fd, buf, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long write(MemorySegment st, int fd, MemorySegment buf, long count) {
        try {
            return (long) WRITE.invokeExact(st, fd, buf, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int close(MemorySegment st, int fd) {
        try {
            return (int) CLOSE.invokeExact(st, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** poll(2) over {@code nfds} {@code struct pollfd} (int fd, short events, short revents: 8 bytes each). */
    static int poll(MemorySegment st, MemorySegment fds, long nfds, int timeoutMillis) {
        try {
            return (int) POLL.invokeExact(st, fds, nfds, timeoutMillis);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int eventfd(MemorySegment st, int initval, int flags) {
        try {
            return (int) EVENTFD.invokeExact(st, initval, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int socket(MemorySegment st, int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(st, domain, type, protocol);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** setns(2): moves the calling thread into the namespace {@code fd} refers to. */
    static int setns(MemorySegment st, int fd, int nstype) {
        try {
            return (int) SETNS.invokeExact(st, fd, nstype);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * syscall(2) with six arguments (unused ones 0): -1 and errno on failure. Not critical: the call may block
     * (io_uring_enter waiting for completions).
     */
    static long syscall(MemorySegment st, long number, long a1, long a2, long a3, long a4, long a5, long a6) {
        try {
            return (long) SYSCALL6.invokeExact(st, number, a1, a2, a3, a4, a5, a6);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** mmap(2): the address of the mapping, or -1 (MAP_FAILED) and errno. */
    static long mmap(MemorySegment st, long addr, long length, int prot, int flags, int fd, long offset) {
        try {
            return (long) MMAP.invokeExact(st, addr, length, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int munmap(MemorySegment st, long addr, long length) {
        try {
            return (int) MUNMAP.invokeExact(st, addr, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);                // downcalls throw no checked exception
    }
}
