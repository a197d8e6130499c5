package dev.tcpip.device;

import dev.tcpip.time.EventLoop;
import dev.tcpip.time.RealTimeLoop;
import dev.tcpip.wire.GsoSegmenter;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The reader thread of a TAP or TUN device: reads every ready frame (after its virtio-net header, unless the
 * descriptor has none) into one of a few reusable {@link ReceiveBatch}es and hands each batch to the loop as one
 * task, so receiving allocates nothing per frame. When every batch is queued on the loop it waits, and the
 * kernel's queue drops, as a NIC's ring does.
 *
 * <p>Two ways to read, never both: through {@link IoUring} (one multishot read of the device into a ring of
 * provided buffers, each frame copied from its buffer into the batch and the buffer handed back; a poll of the
 * wake-up eventfd beside it), when the kernel sets the ring up and accepts the read; else, or when the system
 * property {@value #URING_PROPERTY}{@code =false}, poll(2) on the device and the eventfd, then read(2) once
 * per frame until EAGAIN. Which one is used is decided when the thread starts ({@link #path()}).
 *
 * <p>With receive offloads on (the device's {@code TUNSETOFFLOAD} with {@code TUN_F_CSUM|TUN_F_TSO4|TUN_F_TSO6})
 * a frame may be a TCP super-segment of up to 65,535 bytes of IP datagram, so every read takes room for one, and
 * the reader thread checks each frame's virtio-net header ({@link VnetHeader#classify}). An
 * {@link OffloadReceiver} then gets the frames as they are with what the header said; any other receiver (a
 * wrapper's: fault injection, capture) gets wire frames: super-segments cut back by a {@link GsoSegmenter} on the
 * loop, checksums completed in place.
 */
final class TapReader {
    private static final int BATCHES = 8;
    private static final int BATCH_BYTES = 256 * 1024;
    private static final int OFFLOAD_BATCH_BYTES = 512 * 1024; // at least 7 super-segments, or ~290 frames of 1,514
    /** The longest IP datagram (RFC 791 §3.1 total length, RFC 8200 §3 payload length; no jumbograms). */
    static final int MAX_DATAGRAM = 65_535;
    private static final int VLAN_SLACK = 4;                   // a tagged frame is read whole, then dropped as too big
    /** System property: {@code false} reads with poll(2) and read(2) even where io_uring works. */
    static final String URING_PROPERTY = "tcpip.device.uring";
    private static final int URING_BUFFER_BYTES = 1 << 20;    // provided buffers: at most 1 MiB per device;
    // 8 MiB with receive offloads: 64 buffers of 65,600 bytes (4.2 MB). 16 (1 MiB) held too few frames: under load
    // GatewayIT's wrk (200 connections of small requests) timed out with them (BENCHMARKS.md)
    private static final int OFFLOAD_URING_BUFFER_BYTES = 8 << 20;
    private static final int URING_MAX_BUFFERS = 256;
    private static final int URING_MIN_BUFFERS = 8;
    private static final int BGID = 0;
    private static final long TAG_READ = 1;                    // user_data of the completions
    private static final long TAG_WAKE = 2;
    private static final long TAG_CANCEL = 3;

    private final String name;
    private final int tapFd;
    private final int wakeFd;
    private final int mtu;
    private final LinkType link;
    private final int vnet;
    private final boolean receiveOffload;
    private final VnetHeader header;                          // the reader thread's
    private final DeviceCounters counters;
    private final BooleanSupplier closed;
    private final BlockingQueue<ReceiveBatch> free = new ArrayBlockingQueue<>(BATCHES);
    private volatile Thread thread;
    private final CountDownLatch decided = new CountDownLatch(1);
    private volatile String path = "";
    private OffloadReceiver offloadReceiver;                  // set before the thread starts; null: wire frames
    private GsoSegmenter segmenter;                           // the loop's, for a receiver of wire frames
    private GsoSegmenter.Sink sink;

    /**
     * A reader for device {@code name} of {@code link} frames, each read after a virtio-net header if
     * {@code vnetHeader}; it stops once {@code closed} and the eventfd is signalled. With {@code receiveOffload}
     * (which needs the header) the kernel hands super-segments and partial checksums, as the class comment says.
     */
    TapReader(String name, int tapFd, int wakeFd, int mtu, LinkType link, boolean vnetHeader, boolean receiveOffload,
              DeviceCounters counters, BooleanSupplier closed) {
        this.name = name;
        this.tapFd = tapFd;
        this.wakeFd = wakeFd;
        this.mtu = mtu;
        this.link = link;
        this.vnet = vnetHeader ? VnetHeader.LENGTH : 0;
        this.receiveOffload = vnetHeader && receiveOffload;
        this.header = new VnetHeader(false, link.headerLength());
        this.counters = counters;
        this.closed = closed;
        int batchBytes = this.receiveOffload ? OFFLOAD_BATCH_BYTES : BATCH_BYTES;
        for (int i = 0; i < BATCHES; i++) {
            free.add(new ReceiveBatch(Math.max(batchBytes, maxRead()), vnet + link.minFrame()));
        }
    }

    /** The most one read takes: a frame of the MTU, or with receive offloads a super-segment. */
    private int maxRead() {
        return vnet + link.maxFrame(receiveOffload ? MAX_DATAGRAM : mtu) + VLAN_SLACK;
    }

    /**
     * Starts the thread, which hands frames to {@code receiver} on {@code loop}, and returns once it has chosen
     * how to read ({@link #path()}).
     */
    void start(EventLoop loop, FrameReceiver receiver) {
        offloadReceiver = receiver instanceof OffloadReceiver o ? o : null;
        segmenter = new GsoSegmenter(link.headerLength(), link.maxFrame(mtu));
        sink = (frame, off, len) -> {
            counters.increment(Counter.RX_FRAMES);
            counters.add(Counter.RX_BYTES, len);
            receiver.receive(frame, off, len);
        };
        thread = Thread.ofPlatform().name("tcpip-" + name).daemon(true).start(() -> readLoop(loop, receiver));
        boolean interrupted = false;
        while (true) {
            try {
                decided.await();                             // the thread counts down first thing, whatever fails
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** How the thread reads: "io_uring", "poll", or "" before {@link #start}. */
    String path() {
        return path;
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

    /** Reads frames until closed or an error: through io_uring if it works, else with poll and read. */
    private void readLoop(EventLoop loop, FrameReceiver receiver) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Posix.errnoSegment(a);
            IoUring ring = "false".equals(System.getProperty(URING_PROPERTY)) ? null : openRing(a, st);
            path = ring != null ? "io_uring" : "poll";
            decided.countDown();
            if (ring != null) {
                try {
                    readRing(ring, loop, receiver);
                } finally {
                    endRing(ring);
                }
            } else {
                pollLoop(loop, receiver, a, st);
            }
        } catch (InterruptedException e) {
            // close() interrupted the wait for a batch
        } finally {
            decided.countDown();                             // also if anything above threw: start() must return
        }
    }

    private void pollLoop(EventLoop loop, FrameReceiver receiver, Arena a, MemorySegment st)
            throws InterruptedException {
        int maxRead = maxRead();
        MemorySegment fds = a.allocate(16, 8);               // two struct pollfd
        fds.set(ValueLayout.JAVA_INT, 0, tapFd);
        fds.set(ValueLayout.JAVA_SHORT, 4, Posix.POLLIN);
        fds.set(ValueLayout.JAVA_INT, 8, wakeFd);
        fds.set(ValueLayout.JAVA_SHORT, 12, Posix.POLLIN);
        while (!closed.getAsBoolean() && readReady(loop, receiver, st, fds, maxRead)) {
            // one wake-up per turn
        }
    }

    /**
     * An io_uring with the provided buffers registered, the multishot read of the device and the poll of the
     * eventfd submitted and not refused; null (said at DEBUG) if any of that fails, nothing left open then.
     */
    private IoUring openRing(Arena a, MemorySegment st) {
        int size = (maxRead() + 63) & ~63;
        int bytes = receiveOffload ? OFFLOAD_URING_BUFFER_BYTES : URING_BUFFER_BYTES;
        int count = Integer.highestOneBit(Math.clamp(bytes / size, URING_MIN_BUFFERS, URING_MAX_BUFFERS));
        IoUring ring;
        try {
            ring = IoUring.open(a, st, 4, 2 * count + 8);   // every buffer's completion, the ends, the wake-up
        } catch (IOException | RuntimeException e) {
            debug("io_uring unavailable (" + e.getMessage() + "); reading with poll(2) and read(2)");
            return null;
        }
        try {
            ring.provideBuffers(BGID, count, size);
            ring.prepareReadMultishot(tapFd, BGID, TAG_READ);
            ring.preparePoll(wakeFd, Posix.POLLIN, TAG_WAKE);
            int r = ring.submitAndWait(0);
            if (r < 0) {
                throw new IOException("io_uring_enter: " + Posix.strerror(-r));
            }
            // an opcode or a file the kernel does not take fails at once, before any frame
            if (ring.hasCompletion() && ring.tag() == TAG_READ && ring.result() < 0
                    && (ring.flags() & IoUring.CQE_F_MORE) == 0) {
                throw new IOException("multishot read: " + Posix.strerror(-ring.result()));
            }
            return ring;
        } catch (IOException | RuntimeException e) {
            ring.close();                                    // the read, if armed at all, is cancelled with it
            debug("io_uring refused (" + e.getMessage() + "); reading with poll(2) and read(2)");
            return null;
        }
    }

    /**
     * The io_uring read loop: waits for completions, copies each frame into a batch, hands the buffer back,
     * re-arms the multishot read when it ends without an error (buffers ran out while the loop was behind),
     * and hands each batch to the loop. Until closed (the eventfd's poll completes) or an error.
     */
    private void readRing(IoUring ring, EventLoop loop, FrameReceiver receiver) throws InterruptedException {
        boolean[] armed = {true};
        while (!closed.getAsBoolean()) {
            if (!ring.hasCompletion()) {
                if (!armed[0]) {
                    ring.prepareReadMultishot(tapFd, BGID, TAG_READ);
                    armed[0] = true;
                }
                int r = ring.submitAndWait(1);
                if (r < 0 && r != -Posix.EINTR) {
                    fail("io_uring_enter: " + Posix.strerror(-r));
                    return;
                }
                continue;
            }
            if (!reap(ring, loop, receiver, armed)) {
                return;
            }
        }
    }

    /**
     * Takes the completions that are there into one batch (as many as fit) and hands it to the loop. False
     * when the reader should stop. A method of its own for the JIT, as {@link #readReady}.
     */
    private boolean reap(IoUring ring, EventLoop loop, FrameReceiver receiver, boolean[] armed)
            throws InterruptedException {
        int maxRead = maxRead();
        ReceiveBatch batch = null;
        try {
            while (ring.hasCompletion()) {
                long tag = ring.tag();
                int res = ring.result();
                int flags = ring.flags();
                if (tag == TAG_WAKE) {
                    return false;                            // woken by close()
                }
                if (tag == TAG_READ) {
                    if ((flags & IoUring.CQE_F_BUFFER) != 0) {
                        if (batch == null) {
                            batch = free.poll(1, TimeUnit.SECONDS);
                            if (batch == null) {
                                return true;                 // the loop is behind: buffers run out, the kernel queues
                            }
                        } else if (batch.room() < maxRead || batch.full()) {
                            break;                           // the rest in the next batch
                        }
                        int bid = flags >>> IoUring.CQE_BUFFER_SHIFT;
                        int n = Math.max(res, 0);
                        if (receiveOffload && offloadReceiver != null && n > vnet + link.maxFrame(mtu)) {
                            // A super-segment for a receiver that takes them whole: into an array of its own, which
                            // TCP's receive queue may keep (one copy of the payload in this process, not two).
                            byte[] own = new byte[n];
                            MemorySegment.copy(ring.buffers(), ValueLayout.JAVA_BYTE, (long) bid * ring.bufferSize(),
                                    own, 0, n);
                            ring.recycle(bid);
                            takeOwned(batch, own);
                        } else {
                            MemorySegment.copy(ring.buffers(), (long) bid * ring.bufferSize(), batch.segment,
                                    batch.used, n);
                            ring.recycle(bid);
                            take(batch, n);
                        }
                    }
                    if ((flags & IoUring.CQE_F_MORE) == 0) {
                        armed[0] = false;
                        if (res < 0 && res != -Posix.ENOBUFS && res != -Posix.EINTR && res != -Posix.EAGAIN) {
                            fail("read: " + Posix.strerror(-res));
                            return false;
                        }
                    }
                }
                ring.consume();
            }
            return true;
        } finally {
            if (batch != null) {
                handOff(batch, loop, receiver);
            }
        }
    }

    /**
     * Ends the multishot read before the ring and its buffers go: cancels it and waits for its last completion,
     * so that the kernel writes into no buffer once they are unmapped; then closes the ring.
     */
    private void endRing(IoUring ring) {
        boolean live = true;
        try {
            ring.prepareCancel(TAG_READ, TAG_CANCEL);
            while (live) {
                while (live && ring.hasCompletion()) {
                    if (ring.tag() == TAG_READ && (ring.flags() & IoUring.CQE_F_MORE) == 0) {
                        live = false;
                    } else if (ring.tag() == TAG_CANCEL && ring.result() == -Posix.ENOENT) {
                        live = false;                        // it had ended already
                    }
                    if ((ring.flags() & IoUring.CQE_F_BUFFER) != 0) {
                        ring.recycle(ring.flags() >>> IoUring.CQE_BUFFER_SHIFT);
                    }
                    ring.consume();
                }
                if (live) {
                    int r = ring.submitAndWait(1);
                    if (r < 0 && r != -Posix.EINTR) {
                        return;                              // cannot wait: the buffers stay mapped (finally)
                    }
                }
            }
        } finally {
            ring.close(live);
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
        handOff(batch, loop, receiver);
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
            take(batch, (int) n);
        }
    }

    /**
     * Keeps {@code own} (a header and a frame longer than the MTU allows, read into an array of its own) in
     * {@code batch} when its header makes it a super-segment, marked {@link OffloadReceiver#FRAME_OWNED}; else counts
     * why not.
     */
    private void takeOwned(ReceiveBatch batch, byte[] own) {
        int offload = header.classify(own, 0, own.length, true, link.maxFrame(mtu));
        if (offload < 0) {
            counters.increment(Counter.DROPPED_OFFLOAD);
        } else if (OffloadReceiver.gsoSize(offload) == 0) {
            counters.increment(Counter.DROPPED_TOO_BIG);      // longer than the MTU and no super-segment
        } else {
            batch.addOwned(own, offload | OffloadReceiver.FRAME_OWNED);
        }
    }

    /** Keeps the {@code n} bytes just read at the end of {@code batch} as a frame, or counts why not. */
    private void take(ReceiveBatch batch, int n) {
        if (n < vnet + link.minFrame()) {
            counters.increment(Counter.DROPPED_RUNT);
        } else if (receiveOffload) {
            int offload = header.classify(batch.bytes, batch.used, n, offloadReceiver != null, link.maxFrame(mtu));
            if (offload < 0) {
                counters.increment(Counter.DROPPED_OFFLOAD);   // a header that lies or asks for what was not set
            } else {
                batch.add(n, offload);
            }
        } else if (vnet != 0 && VnetHeader.asksForOffload(batch.bytes, batch.used)) {
            counters.increment(Counter.DROPPED_OFFLOAD);       // never with TUNSETOFFLOAD 0
        } else {
            batch.add(n, 0);
        }
    }

    /**
     * Hands a filled batch to the loop, or an empty one back to the free list. A real-time loop that is parked with
     * nothing queued lets this thread deliver the batch itself, holding the loop's turn ({@link
     * RealTimeLoop#runOrExecute}): one thread hand-off less per batch.
     */
    private void handOff(ReceiveBatch batch, EventLoop loop, FrameReceiver receiver) {
        if (batch.count == 0) {
            free.add(batch);
        } else if (loop instanceof RealTimeLoop realTime) {
            realTime.runOrExecute(() -> deliver(batch, receiver));
        } else {
            loop.execute(() -> deliver(batch, receiver));
        }
    }

    /** On the loop: hands each frame of the batch to the receiver, then returns the batch to the reader. */
    private void deliver(ReceiveBatch batch, FrameReceiver receiver) {
        try {
            int off = 0;
            for (int i = 0; i < batch.count; i++) {
                byte[] own = batch.owned[i];
                int frame = own != null ? vnet : off + vnet;
                int len = batch.lens[i] - vnet;
                if (own == null) {
                    off += batch.lens[i];
                }
                if (closed.getAsBoolean()) {
                    break;
                }
                int offload = batch.offloads[i];
                if (own != null) {
                    superSegment(own, frame, len, offload);
                } else if (OffloadReceiver.gsoSize(offload) != 0) {
                    superSegment(batch.bytes, frame, len, offload);
                } else if (len > link.maxFrame(mtu)) {
                    counters.increment(Counter.DROPPED_TOO_BIG);
                } else {
                    counters.increment(Counter.RX_FRAMES);
                    counters.add(Counter.RX_BYTES, len);
                    if (offloadReceiver != null) {
                        offloadReceiver.receive(batch.bytes, frame, len, offload);
                    } else {
                        receiver.receive(batch.bytes, frame, len);
                    }
                }
            }
        } finally {
            batch.clear();
            free.add(batch);
        }
    }

    /**
     * A super-segment (checked by {@link VnetHeader#classify}): whole to an {@link OffloadReceiver}, else cut into
     * the segments it stands for, each counted as a frame received (by the sink).
     */
    private void superSegment(byte[] b, int frame, int len, int offload) {
        int gsoSize = OffloadReceiver.gsoSize(offload);
        counters.increment(Counter.RX_GSO_FRAMES);
        if (offloadReceiver != null) {
            counters.increment(Counter.RX_FRAMES);
            counters.add(Counter.RX_BYTES, len);
            offloadReceiver.receive(b, frame, len, offload);
            return;
        }
        int pieces = segmenter.segment(b, frame, len, gsoSize, sink);
        if (pieces < 0) {
            counters.increment(Counter.DROPPED_OFFLOAD);
            return;
        }
        counters.add(Counter.RX_GSO_SEGMENTED, pieces);
    }

    private void debug(String message) {
        System.getLogger(TapDevice.class.getName()).log(System.Logger.Level.DEBUG, "device " + name + ": " + message);
    }

    private void fail(String message) {
        if (!closed.getAsBoolean()) {
            System.getLogger(TapDevice.class.getName()).log(System.Logger.Level.ERROR,
                    "device " + name + ": " + message + "; no more frames are received");
        }
    }
}
