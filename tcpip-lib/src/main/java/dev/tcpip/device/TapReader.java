package dev.tcpip.device;

import dev.tcpip.time.EventLoop;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The reader thread of a TAP or TUN device: waits in poll(2) on the device and a wake-up eventfd, reads every
 * ready frame (after its virtio-net header, unless the descriptor has none)
 * into one of a few reusable {@link ReceiveBatch}es and hands each batch to the loop as one task, so receiving
 * allocates nothing per frame. When every batch is queued on the loop it waits, and the kernel's queue drops,
 * as a NIC's ring does.
 */
final class TapReader {
    private static final int BATCHES = 8;
    private static final int BATCH_BYTES = 256 * 1024;
    private static final int VLAN_SLACK = 4;                   // a tagged frame is read whole, then dropped as too big

    private final String name;
    private final int tapFd;
    private final int wakeFd;
    private final int mtu;
    private final LinkType link;
    private final int vnet;
    private final DeviceCounters counters;
    private final BooleanSupplier closed;
    private final BlockingQueue<ReceiveBatch> free = new ArrayBlockingQueue<>(BATCHES);
    private volatile Thread thread;

    /**
     * A reader for device {@code name} of {@code link} frames, each read after a virtio-net header if
     * {@code vnetHeader}; it stops once {@code closed} and the eventfd is signalled.
     */
    TapReader(String name, int tapFd, int wakeFd, int mtu, LinkType link, boolean vnetHeader, DeviceCounters counters,
              BooleanSupplier closed) {
        this.name = name;
        this.tapFd = tapFd;
        this.wakeFd = wakeFd;
        this.mtu = mtu;
        this.link = link;
        this.vnet = vnetHeader ? VnetHeader.LENGTH : 0;
        this.counters = counters;
        this.closed = closed;
        for (int i = 0; i < BATCHES; i++) {
            free.add(new ReceiveBatch(Math.max(BATCH_BYTES, maxRead()), vnet + link.minFrame()));
        }
    }

    private int maxRead() {
        return vnet + link.maxFrame(mtu) + VLAN_SLACK;
    }



    /** Starts the thread, which hands frames to {@code receiver} on {@code loop}. */
    void start(EventLoop loop, FrameReceiver receiver) {
        thread = Thread.ofPlatform().name("tcpip-" + name).daemon(true).start(() -> readLoop(loop, receiver));
    }

    /** The thread, or null before {@link #start}. */
    Thread thread() {
        return thread;
    }

    /** After {@code closed} became true: signals the eventfd and interrupts a wait for a batch. */
    void stop() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Posix.errnoSegment(a);
            MemorySegment one = a.allocate(ValueLayout.JAVA_LONG);
            one.set(ValueLayout.JAVA_LONG, 0, 1L);
            Posix.write(st, wakeFd, one, 8);                  // eventfd(2): adds 1 to the counter, poll sees POLLIN
        }
        Thread t = thread;
        if (t != null) {
            t.interrupt();                                   // in case it waits for a batch
        }
    }

    /** Poll, read every ready frame into a batch, hand the batch to the loop; until closed or an error. */
    private void readLoop(EventLoop loop, FrameReceiver receiver) {
        int maxRead = maxRead();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Posix.errnoSegment(a);
            MemorySegment fds = a.allocate(16, 8);           // two struct pollfd
            fds.set(ValueLayout.JAVA_INT, 0, tapFd);
            fds.set(ValueLayout.JAVA_SHORT, 4, Posix.POLLIN);
            fds.set(ValueLayout.JAVA_INT, 8, wakeFd);
            fds.set(ValueLayout.JAVA_SHORT, 12, Posix.POLLIN);
            while (!closed.getAsBoolean() && readReady(loop, receiver, st, fds, maxRead)) {
                // one wake-up per turn
            }
        } catch (InterruptedException e) {
            // close() interrupted the wait for a batch
        }
    }

    /**
     * One turn of the reader: waits in poll(2), then reads what is ready into a batch and hands it to the
     * loop. False when the reader should stop (close() or an error). A method of its own so that the JIT
     * compiles it after a few hundred calls: the loop around it turns once per wake-up, too seldom for
     * on-stack replacement to come soon, and interpreted segment accesses are slow.
     */
    private boolean readReady(EventLoop loop, FrameReceiver receiver, MemorySegment st, MemorySegment fds,
                              int maxRead) throws InterruptedException {
        fds.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
        fds.set(ValueLayout.JAVA_SHORT, 14, (short) 0);
        if (Posix.poll(st, fds, 2, -1) < 0) {
            if (Posix.errno(st) == Posix.EINTR) {
                return true;
            }
            fail("poll: " + Posix.strerror(Posix.errno(st)));
            return false;
        }
        if (fds.get(ValueLayout.JAVA_SHORT, 14) != 0 || closed.getAsBoolean()) {
            return false;                                    // woken by close()
        }
        short revents = fds.get(ValueLayout.JAVA_SHORT, 6);
        if ((revents & (Posix.POLLERR | Posix.POLLHUP | Posix.POLLNVAL)) != 0) {
            fail("poll: the device reported an error (revents 0x" + Integer.toHexString(revents) + ")");
            return false;
        }
        ReceiveBatch batch = free.poll(1, TimeUnit.SECONDS);
        if (batch == null) {
            return true;                                     // the loop is behind: the kernel queues meanwhile
        }
        fill(batch, st, maxRead);
        if (batch.count == 0) {
            free.add(batch);
        } else {
            loop.execute(() -> deliver(batch, receiver));
        }
        return true;
    }

    /** Reads every frame that is ready into {@code batch}, until the kernel has no more or the batch no room. */
    private void fill(ReceiveBatch batch, MemorySegment st, int maxRead) {
        while (batch.room() >= maxRead) {
            long n = Posix.read(st, tapFd, batch.segment.asSlice(batch.used, maxRead), maxRead);
            if (n < 0) {
                int errno = Posix.errno(st);
                if (errno == Posix.EINTR) {
                    continue;
                }
                if (errno != Posix.EAGAIN) {
                    fail("read: " + Posix.strerror(errno));
                }
                return;
            }
            if (n < vnet + link.minFrame()) {
                counters.increment(Counter.DROPPED_RUNT);
            } else if (vnet != 0 && VnetHeader.asksForOffload(batch.bytes, batch.used)) {
                counters.increment(Counter.DROPPED_OFFLOAD);   // never with TUNSETOFFLOAD 0
            } else {
                batch.add((int) n);
            }
        }
    }

    /** On the loop: hands each frame of the batch to the receiver, then returns the batch to the reader. */
    private void deliver(ReceiveBatch batch, FrameReceiver receiver) {
        try {
            int off = 0;
            for (int i = 0; i < batch.count; i++) {
                int frame = off + vnet;
                int len = batch.lens[i] - vnet;
                off += batch.lens[i];
                if (closed.getAsBoolean()) {
                    break;
                }
                if (len > link.maxFrame(mtu)) {
                    counters.increment(Counter.DROPPED_TOO_BIG);
                } else {
                    counters.increment(Counter.RX_FRAMES);
                    counters.add(Counter.RX_BYTES, len);
                    receiver.receive(batch.bytes, frame, len);
                }
            }
        } finally {
            batch.clear();
            free.add(batch);
        }
    }

    private void fail(String message) {
        if (!closed.getAsBoolean()) {
            System.getLogger(TapDevice.class.getName()).log(System.Logger.Level.ERROR,
                    "device " + name + ": " + message + "; no more frames are received");
        }
    }
}
