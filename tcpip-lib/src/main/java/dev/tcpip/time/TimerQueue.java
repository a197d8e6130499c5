package dev.tcpip.time;

import java.util.Arrays;

/**
 * A binary min-heap of timers ordered by (deadline, seq), with each timer knowing its index so that removal
 * is O(log n). Not thread-safe: its owner confines it.
 */
final class TimerQueue {
    private Timer[] heap = new Timer[16];
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The earliest timer, or null. */
    Timer peek() {
        return size == 0 ? null : heap[0];
    }

    void add(Timer t) {
        if (t.heapIndex >= 0) {
            throw new IllegalStateException("timer already queued");
        }
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        heap[size] = t;
        t.heapIndex = size;
        size++;
        siftUp(t.heapIndex);
    }

    Timer poll() {
        if (size == 0) {
            return null;
        }
        Timer top = heap[0];
        removeAt(0);
        return top;
    }

    /** True if {@code t} is in this queue. */
    boolean contains(Timer t) {
        int i = t.heapIndex;
        return i >= 0 && i < size && heap[i] == t;
    }

    /**
     * Gives a queued timer a new deadline and tie-break {@code seq} (a fresh one: it then orders as a timer scheduled
     * now would) and restores the heap around it: O(log n), no removal and insertion.
     */
    void move(Timer t, long deadline, long seq) {
        if (!contains(t)) {
            throw new IllegalStateException("timer not queued");
        }
        t.deadline = deadline;
        t.seq = seq;
        int i = t.heapIndex;
        siftUp(i);
        if (heap[i] == t) {
            siftDown(i);
        }
    }

    /** Removes the timer if queued; no-op otherwise. */
    void remove(Timer t) {
        if (contains(t)) {
            removeAt(t.heapIndex);
        }
    }

    /** Removes every timer of {@code owner} (a closed loop's), in O(n). */
    void removeOwnedBy(Object owner) {
        Timer[] old = Arrays.copyOf(heap, size);
        clear();
        for (Timer t : old) {
            if (t.owner != owner) {
                add(t);
            }
        }
    }

    void clear() {
        for (int i = 0; i < size; i++) {
            heap[i].heapIndex = -1;
            heap[i] = null;
        }
        size = 0;
    }

    private void removeAt(int i) {
        Timer gone = heap[i];
        gone.heapIndex = -1;
        size--;
        if (i != size) {
            Timer last = heap[size];
            heap[i] = last;
            last.heapIndex = i;
            heap[size] = null;
            siftDown(i);
            if (heap[i] == last) {
                siftUp(i);
            }
        } else {
            heap[size] = null;
        }
        if (heap.length > 64 && size < heap.length / 4) {
            heap = Arrays.copyOf(heap, heap.length / 2);  // do not keep a burst's memory forever
        }
    }

    private static boolean less(Timer a, Timer b) {
        return a.deadline < b.deadline || (a.deadline == b.deadline && a.seq < b.seq);
    }

    private void siftUp(int i) {
        Timer t = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Timer p = heap[parent];
            if (!less(t, p)) {
                break;
            }
            heap[i] = p;
            p.heapIndex = i;
            i = parent;
        }
        heap[i] = t;
        t.heapIndex = i;
    }

    private void siftDown(int i) {
        Timer t = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && less(heap[right], heap[child])) {
                child = right;
            }
            if (!less(heap[child], t)) {
                break;
            }
            heap[i] = heap[child];
            heap[i].heapIndex = i;
            i = child;
        }
        heap[i] = t;
        t.heapIndex = i;
    }
}
