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
    int used;
    int count;

    /** A batch of {@code capacity} bytes for records (a frame and its header) of at least {@code minRecord} bytes. */
    ReceiveBatch(int capacity, int minRecord) {
        bytes = new byte[capacity];
        segment = MemorySegment.ofArray(bytes);
        lens = new int[capacity / minRecord + 1];
        offloads = new int[lens.length];
    }

    int room() {
        return bytes.length - used;
    }

    void add(int len, int offload) {
        offloads[count] = offload;
        lens[count++] = len;
        used += len;
    }

    void clear() {
        used = 0;
        count = 0;
    }
}
