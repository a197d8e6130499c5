package dev.tcpip.device;

/**
 * Where a {@link CapturingDevice} writes the frames it sees: {@link MemoryRecorder} for tests, a pcap
 * file through the pcap writer's adapter. Called on the device owner's loop; the bytes are lent only for
 * the call, so an implementation that keeps them copies.
 */
@FunctionalInterface
public interface FrameRecorder {

    /**
     * @param epochNanos when, in nanoseconds since 1970 ({@link dev.tcpip.time.Clock#epochNanos()}; virtual
     *     in a simulation, so a seeded capture is byte-identical)
     */
    void record(long epochNanos, byte[] frame, int off, int len, FrameDirection direction);
}
