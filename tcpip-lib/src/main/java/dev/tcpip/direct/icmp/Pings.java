package dev.tcpip.direct.icmp;

import dev.tcpip.ClosedException;
import dev.tcpip.TimedOutException;
import dev.tcpip.PingReply;
import dev.tcpip.direct.ip.Delivery;
import dev.tcpip.direct.ip.IcmpError;
import dev.tcpip.time.LoopFuture;
import dev.tcpip.time.Scheduler;
import dev.tcpip.time.Timer;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The outstanding pings of one ICMP layer (v4 or v6): sequence numbers, timeouts, the echo data pattern, and
 * matching replies. At most 65,536 are outstanding. Runs on the stack's loop.
 */
public final class Pings {
    private record Wait(LoopFuture<PingReply> future, long sentAt, int size, Timer timer) {}

    private final Scheduler scheduler;
    private final Map<Integer, Wait> waits = new HashMap<>();
    private int nextSeq;

    Pings(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    /**
     * Registers a ping of {@code size} bytes toward {@code dst}: returns its sequence number, or -1 (and fails
     * {@code future}) when 65,536 are outstanding. {@code m[dataOff, dataOff+size)} gets the echo data pattern.
     */
    int start(long now, Object dst, int size, long timeoutNanos, LoopFuture<PingReply> future, byte[] m, int dataOff) {
        if (waits.size() >= 0x10000) {
            future.fail(new IllegalStateException("65,536 pings are outstanding"));
            return -1;
        }
        int seq = nextSeq;
        while (waits.containsKey(seq)) {                 // bounded: fewer than 65,536 are outstanding
            seq = (seq + 1) & 0xffff;
        }
        nextSeq = (seq + 1) & 0xffff;
        for (int i = 0; i < size; i++) {
            m[dataOff + i] = (byte) (seq + i);
        }
        int s = seq;
        Timer timer = scheduler.at(now + timeoutNanos, t -> {
            Wait w = waits.remove(s);
            if (w != null) {
                w.future().fail(new TimedOutException("no echo reply from " + dst + " within "
                        + Duration.ofNanos(timeoutNanos)));
            }
        });
        waits.put(seq, new Wait(future, now, size, timer));
        return seq;
    }

    /** Completes the ping {@code seq} if the reply's data matches; returns whether it did. */
    boolean reply(long now, InetAddress from, int seq, byte[] b, int off, int len) {
        Wait w = waits.get(seq);
        if (w == null || len != w.size() || !hasPattern(b, off, len, seq)) {
            return false;
        }
        waits.remove(seq);
        w.timer().cancel();
        w.future().complete(new PingReply(from, w.size(), seq, Duration.ofNanos(now - w.sentAt())));
        return true;
    }

    /** Fails the ping {@code seq}, if outstanding; returns whether it was. */
    boolean fail(int seq, IOException why) {
        Wait w = waits.remove(seq);
        if (w == null) {
            return false;
        }
        w.timer().cancel();
        w.future().fail(why);
        return true;
    }

    /** Fails the ping {@code seq} if its request cannot leave (no route, neighbor unresolved). */
    Delivery delivery(int seq) {
        return new Delivery() {
            @Override
            public void sent() {
            }

            @Override
            public void failed(long t, IcmpError.Kind kind, String why) {
                fail(seq, new dev.tcpip.UnreachableException(why));
            }
        };
    }

    private static boolean hasPattern(byte[] b, int off, int size, int seq) {
        for (int i = 0; i < size; i++) {
            if (b[off + i] != (byte) (seq + i)) {
                return false;
            }
        }
        return true;
    }

    void close() {
        for (Wait w : waits.values()) {
            w.timer().cancel();
            w.future().fail(new ClosedException("the stack was disconnected"));
        }
        waits.clear();
    }
}
