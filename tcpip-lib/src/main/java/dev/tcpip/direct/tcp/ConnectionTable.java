package dev.tcpip.direct.tcp;

import dev.tcpip.wire.IpAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The connection table: connections by 4-tuple (RFC 9293 §3.4.1: the pair of sockets names a connection),
 * TIME-WAIT entries included. A chained hash table whose chains run through the connections themselves
 * ({@link Connection#nextInTable}): a lookup takes the segment's four fields and makes no key object (a
 * {@code FourTuple} per arriving segment was 2.7 % of a churn's bytes), an insert makes no node. The bucket is
 * chosen by a mix of the four fields with a secret seed (from the stack's ISN key), so a peer that picks its
 * ports and addresses cannot aim many entries at one chain. Bounded by {@code TcpConfig.maxConnections}, which
 * the caller enforces; the bucket array grows at three quarters full and shrinks when an eighth full, down to
 * 16. Loop-thread only.
 */
final class ConnectionTable {
    private static final int MIN_BUCKETS = 16;

    private final long seed;
    private Connection[] buckets = new Connection[MIN_BUCKETS];
    private int size;

    ConnectionTable(long seed) {
        this.seed = seed;
    }

    int size() {
        return size;
    }

    /** The connection of this 4-tuple, or null. */
    Connection get(IpAddress local, int localPort, IpAddress remote, int remotePort) {
        Connection c = buckets[index(local, localPort, remote, remotePort, buckets.length)];
        for (int guard = 0; c != null && guard <= size; guard++) {   // a chain holds at most size entries
            FourTuple id = c.id;
            if (id.localPort() == localPort && id.remotePort() == remotePort && id.local().equals(local)
                    && id.remote().equals(remote)) {
                return c;
            }
            c = c.nextInTable;
        }
        return null;
    }

    Connection get(FourTuple t) {
        return get(t.local(), t.localPort(), t.remote(), t.remotePort());
    }

    boolean contains(IpAddress local, int localPort, IpAddress remote, int remotePort) {
        return get(local, localPort, remote, remotePort) != null;
    }

    /** Adds {@code c}, replacing the connection of the same 4-tuple if there is one. */
    void put(Connection c) {
        remove(get(c.id));
        if (size + 1 > buckets.length - (buckets.length >>> 2)) {
            resize(buckets.length * 2);
        }
        int i = index(c.id, buckets.length);
        c.nextInTable = buckets[i];
        buckets[i] = c;
        size++;
    }

    /** Removes {@code c} itself (not another connection of its 4-tuple); false if it is not in the table. */
    boolean remove(Connection c) {
        if (c == null) {
            return false;
        }
        int i = index(c.id, buckets.length);
        Connection prev = null;
        Connection e = buckets[i];
        for (int guard = 0; e != null && guard <= size; guard++) {
            if (e == c) {
                if (prev == null) {
                    buckets[i] = e.nextInTable;
                } else {
                    prev.nextInTable = e.nextInTable;
                }
                c.nextInTable = null;
                size--;
                if (buckets.length > MIN_BUCKETS && size < buckets.length >>> 3) {
                    resize(buckets.length / 2);
                }
                return true;
            }
            prev = e;
            e = e.nextInTable;
        }
        return false;
    }

    /** The connections, in no particular order (a copy: the caller may end them as it goes). */
    List<Connection> snapshot() {
        List<Connection> out = new ArrayList<>(size);
        for (Connection head : buckets) {
            for (Connection c = head; c != null; c = c.nextInTable) {
                out.add(c);
            }
        }
        return out;
    }

    /** Hands connections to {@code visit}, in no particular order, until it returns false; it may not change the table. */
    void visit(Predicate<Connection> visit) {
        for (Connection head : buckets) {
            for (Connection c = head; c != null; c = c.nextInTable) {
                if (!visit.test(c)) {
                    return;
                }
            }
        }
    }

    private void resize(int n) {
        Connection[] old = buckets;
        buckets = new Connection[n];
        for (Connection head : old) {
            Connection c = head;
            while (c != null) {
                Connection next = c.nextInTable;
                int i = index(c.id, n);
                c.nextInTable = buckets[i];
                buckets[i] = c;
                c = next;
            }
        }
    }

    private int index(FourTuple t, int n) {
        return index(t.local(), t.localPort(), t.remote(), t.remotePort(), n);
    }

    /** The bucket: the four fields and the seed through a 64-bit finalizer (MurmurHash3's fmix64). */
    private int index(IpAddress local, int localPort, IpAddress remote, int remotePort, int n) {
        long x = seed ^ local.hashCode() * 0x9E3779B97F4A7C15L ^ remote.hashCode() * 0xC2B2AE3D27D4EB4FL
                ^ ((long) localPort << 16 | remotePort);
        x = (x ^ x >>> 33) * 0xFF51AFD7ED558CCDL;
        x = (x ^ x >>> 33) * 0xC4CEB9FE1A85EC53L;
        return (int) (x ^ x >>> 33) & (n - 1);
    }
}
