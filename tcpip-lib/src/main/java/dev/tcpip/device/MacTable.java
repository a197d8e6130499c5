package dev.tcpip.device;

/**
 * The switch's learned addresses: an open-addressing hash table (linear probing, backward-shift deletion)
 * from a MAC to its port and the time it was last seen, with a fixed capacity and ageing. No allocation per
 * lookup. Not thread-safe: the switch guards it.
 */
final class MacTable {
    private static final long USED = 1L << 48;    // key = mac | USED, so 0 marks an empty slot

    private final int capacity;
    private final long ageing;
    private final long[] keys;
    private final Object[] ports;
    private final long[] seen;
    private final int mask;
    private int size;
    private long agedOut;

    MacTable(int capacity, long ageingNanos) {
        this.capacity = capacity;
        this.ageing = ageingNanos;
        int n = Integer.highestOneBit(Math.max(2, capacity) * 2 - 1) * 2;   // power of two >= 2 * capacity
        keys = new long[n];
        ports = new Object[n];
        seen = new long[n];
        mask = n - 1;
    }

    int size() {
        return size;
    }

    /** Entries removed by ageing so far. */
    long agedOut() {
        return agedOut;
    }

    /** The port {@code mac} was last seen on, or null if unknown or aged out. */
    Object lookup(long mac, long now) {
        int i = find(mac);
        if (i < 0) {
            return null;
        }
        if (now - seen[i] > ageing) {
            deleteAt(i);
            agedOut++;
            return null;
        }
        return ports[i];
    }

    /** Records {@code mac} on {@code port}; false if the table is full of live entries. */
    boolean learn(long mac, Object port, long now) {
        int i = find(mac);
        if (i >= 0) {
            ports[i] = port;
            seen[i] = now;
            return true;
        }
        if (size >= capacity) {
            purgeExpired(now);
            if (size >= capacity) {
                return false;
            }
        }
        long key = mac | USED;
        for (i = home(key); keys[i] != 0; i = (i + 1) & mask) {
            // probe to a free slot
        }
        keys[i] = key;
        ports[i] = port;
        seen[i] = now;
        size++;
        return true;
    }

    /** Forgets every address on {@code port}. */
    void removePort(Object port) {
        for (int i = 0; i <= mask; ) {
            if (keys[i] != 0 && ports[i] == port) {
                deleteAt(i);                  // may shift a later entry into i: look at i again
            } else {
                i++;
            }
        }
    }

    private void purgeExpired(long now) {
        for (int i = 0; i <= mask; ) {
            if (keys[i] != 0 && now - seen[i] > ageing) {
                deleteAt(i);
                agedOut++;
            } else {
                i++;
            }
        }
    }

    private int find(long mac) {
        long key = mac | USED;
        for (int i = home(key); keys[i] != 0; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return i;
            }
        }
        return -1;
    }

    private int home(long key) {
        long h = key * 0x9e3779b97f4a7c15L;
        return (int) (h >>> 40) & mask;
    }

    private void deleteAt(int hole) {
        int j = hole;
        while (true) {
            j = (j + 1) & mask;
            if (keys[j] == 0) {
                break;
            }
            int k = home(keys[j]);
            boolean staysPut = hole <= j ? (hole < k && k <= j) : (hole < k || k <= j);
            if (!staysPut) {
                keys[hole] = keys[j];
                ports[hole] = ports[j];
                seen[hole] = seen[j];
                hole = j;
            }
        }
        keys[hole] = 0;
        ports[hole] = null;
        size--;
    }
}
