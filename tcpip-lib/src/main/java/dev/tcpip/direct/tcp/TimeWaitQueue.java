package dev.tcpip.direct.tcp;

/**
 * The TIME-WAIT entries in the order of their deadlines, oldest first (RFC 9293 §3.4.2: every entry waits the same
 * 2 x MSL, and a restart by a retransmitted FIN, §3.10.7.4, moves the entry to the end). A doubly linked list
 * through the connections themselves ({@link Connection#timeWaitPrev}, {@link Connection#timeWaitNext}): adding,
 * removing and moving an entry make no node (a {@code LinkedHashSet} made one of about 40 bytes per entry, and
 * hashed the connection twice). Bounded by the caller ({@code TcpConfig.timeWaitLimit}). Loop-thread only.
 */
final class TimeWaitQueue {
    private Connection first;
    private Connection last;
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The oldest entry, or null. */
    Connection first() {
        return first;
    }

    /** Appends {@code c}; one queued already stays where it is (as a set's add). */
    void add(Connection c) {
        if (c.timeWaitQueued) {
            return;
        }
        c.timeWaitQueued = true;
        c.timeWaitPrev = last;
        c.timeWaitNext = null;
        if (last == null) {
            first = c;
        } else {
            last.timeWaitNext = c;
        }
        last = c;
        size++;
    }

    /** Takes {@code c} out; false if it was not queued. */
    boolean remove(Connection c) {
        if (!c.timeWaitQueued) {
            return false;
        }
        Connection p = c.timeWaitPrev;
        Connection n = c.timeWaitNext;
        if (p == null) {
            first = n;
        } else {
            p.timeWaitNext = n;
        }
        if (n == null) {
            last = p;
        } else {
            n.timeWaitPrev = p;
        }
        c.timeWaitPrev = null;
        c.timeWaitNext = null;
        c.timeWaitQueued = false;
        size--;
        return true;
    }
}
