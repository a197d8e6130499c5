package dev.tcpip.device;

import java.lang.foreign.MemorySegment;

/**
 * What the TAP or TUN reader read in one turn, packed one after another in one reusable array: each frame after its
 * virtio-net header, and what that header said of it ({@link OffloadReceiver}).
 */
final class ReceiveBatch {
    final byte[] bytes;
    final MemorySegment segment;
    final int[] lens;                                          // bytes read per frame, header included
    final int[] offloads;                                      // per frame: the OffloadReceiver word
    /** Per frame: an array of its own (its header and frame, read into no batch room), or null: in {@link #bytes}. */
    final byte[][] owned;
    int used;
    int count;

    /** A batch of {@code capacity} bytes for records (a frame and its header) of at least {@code minRecord} bytes. */
    ReceiveBatch(int capacity, int minRecord) {
        bytes = new byte[capacity];
        segment = MemorySegment.ofArray(bytes);
        lens = new int[capacity / minRecord + 1];
        offloads = new int[lens.length];
        owned = new byte[lens.length][];
    }

    /** Whether another frame may be added (frames in arrays of their own take no room in {@link #bytes}). */
    boolean full() {
        return count == lens.length;
    }

    int room() {
        return bytes.length - used;
    }

    void add(int len, int offload) {
        offloads[count] = offload;
        lens[count++] = len;
        used += len;
    }

    /** A frame read into an array of its own, {@code frame.length} bytes with its header, with {@code offload}. */
    void addOwned(byte[] frame, int offload) {
        owned[count] = frame;
        offloads[count] = offload;
        lens[count++] = frame.length;
    }

    void clear() {
        java.util.Arrays.fill(owned, 0, count, null);
        used = 0;
        count = 0;
    }
}
