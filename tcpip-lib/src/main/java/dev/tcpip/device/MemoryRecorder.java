package dev.tcpip.device;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link FrameRecorder} that keeps copies of the last {@code capacity} frames in memory, for tests and
 * packet checkers; older frames are discarded and counted. Thread-safe.
 */
public final class MemoryRecorder implements FrameRecorder {

    /** One recorded frame. */
    public record Frame(long epochNanos, FrameDirection direction, byte[] bytes) {
        @Override
        public String toString() {
            return direction + " " + bytes.length + " bytes at " + epochNanos;
        }
    }

    private final int capacity;
    private final ArrayDeque<Frame> frames = new ArrayDeque<>();
    private long discarded;

    /** Keeps at most {@code capacity} frames (1..16,777,216). */
    public MemoryRecorder(int capacity) {
        if (capacity < 1 || capacity > 1 << 24) {
            throw new IllegalArgumentException("capacity must be in 1..2^24: " + capacity);
        }
        this.capacity = capacity;
    }

    @Override
    public synchronized void record(long epochNanos, byte[] frame, int off, int len, FrameDirection direction) {
        if (frames.size() == capacity) {
            frames.removeFirst();
            discarded++;
        }
        frames.addLast(new Frame(epochNanos, direction, Arrays.copyOfRange(frame, off, off + len)));
    }

    /** The frames kept, oldest first. */
    public synchronized List<Frame> frames() {
        return List.copyOf(frames);
    }

    /** Frames discarded because the recorder was full. */
    public synchronized long discarded() {
        return discarded;
    }

    public synchronized void clear() {
        frames.clear();
    }
}
