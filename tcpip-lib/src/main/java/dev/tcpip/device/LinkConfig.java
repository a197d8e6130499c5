package dev.tcpip.device;

import java.time.Duration;
import java.util.Objects;

/**
 * One device's link to a {@link MemoryNetwork}'s switch; every knob with its default and the reason for it.
 * A link has two directions (device to switch, switch to device), each with its own transmitter of
 * {@code bitsPerSecond}, {@code latency} and queue; a frame between two devices crosses two links, so its
 * one-way delay is the sum of both.
 *
 * <p>A frame of {@code n} bytes that enters an idle direction at {@code t} arrives at
 * {@code t + ceil(n * 8 * 10^9 / bitsPerSecond) + latency} ns; a busy direction queues it behind the frames
 * in flight (at most {@code queueFrames}, then tail drop). Bytes are counted as given: no preamble, FCS or
 * inter-frame gap.
 *
 * @param mtu the IP MTU; longer frames (over {@code mtu + 14} bytes) are dropped and counted. Default 1500,
 *     Ethernet's. Range 68..65,521 (IPv4's minimum; 65,535 minus the Ethernet header).
 * @param latency one-way propagation delay of each direction. Default 0: the CLI's demo and benchmarks run
 *     two stacks at full speed.
 * @param bitsPerSecond transmit rate of each direction; 0 means unlimited. Default 0, for the same reason.
 * @param queueFrames frames one direction holds (waiting to be sent, in flight, or waiting for the receiving
 *     loop). Default 512: a NIC ring's order of size, and enough for a bandwidth-delay product of 1 Gbit/s ×
 *     6 ms of full-size frames.
 * @param egressFaults faults on frames the device sends. Default {@link Faults#NONE}.
 * @param ingressFaults faults on frames the device receives. Default {@link Faults#NONE}.
 * @param codel the AQM of each direction's transmit queue ({@link CoDel}, RFC 8289), or null for tail drop only.
 *     With CoDel a direction queues at most {@code queueFrames} frames waiting for the transmitter, and as many
 *     in flight; it needs a rate ({@code bitsPerSecond > 0}), else no queue ever forms. Default null.
 * @param offloads checksum and segmentation offload, as a veth pair has them: the sending stack leaves TCP checksums
 *     partial and may send TCP super-segments of up to 64 KiB ({@link NetworkDevice#maxSuperSegment()}), which cross
 *     the link whole to a receiver that takes them ({@link OffloadReceiver}) with its checksums vouched for; a link
 *     with CoDel, or a receiver whose link has offloads off or that sits behind a capture or ingress faults, gets
 *     them cut to wire segments with complete checksums. Default true; a super-segment counts in the queue and at
 *     the rate as the segments it stands for.
 */
public record LinkConfig(int mtu, Duration latency, long bitsPerSecond, int queueFrames, Faults egressFaults,
                         Faults ingressFaults, CoDel codel, boolean offloads) {

    /** The defaults described above. */
    public static final LinkConfig DEFAULTS = new LinkConfig(1500, Duration.ZERO, 0, 512, Faults.NONE, Faults.NONE,
            null);

    /** A link with offloads on (see {@code offloads}). */
    public LinkConfig(int mtu, Duration latency, long bitsPerSecond, int queueFrames, Faults egressFaults,
                      Faults ingressFaults, CoDel codel) {
        this(mtu, latency, bitsPerSecond, queueFrames, egressFaults, ingressFaults, codel, true);
    }

    public LinkConfig {
        if (mtu < 68 || mtu > 65_535 - NetworkDevice.ETHERNET_HEADER) {
            throw new IllegalArgumentException("mtu must be in 68..65521: " + mtu);
        }
        Objects.requireNonNull(latency, "latency");
        if (latency.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative: " + latency);
        }
        if (bitsPerSecond < 0) {
            throw new IllegalArgumentException("bitsPerSecond must be 0 (unlimited) or positive: " + bitsPerSecond);
        }
        if (queueFrames < 1 || queueFrames > 1 << 16) {
            throw new IllegalArgumentException("queueFrames must be in 1..65536: " + queueFrames);
        }
        Objects.requireNonNull(egressFaults, "egressFaults");
        Objects.requireNonNull(ingressFaults, "ingressFaults");
        if (codel != null && bitsPerSecond == 0) {
            throw new IllegalArgumentException("CoDel needs a rate limit (bitsPerSecond > 0): without one no queue forms");
        }
    }

    public LinkConfig withMtu(int m) {
        return new LinkConfig(m, latency, bitsPerSecond, queueFrames, egressFaults, ingressFaults, codel, offloads);
    }

    public LinkConfig withLatency(Duration d) {
        return new LinkConfig(mtu, d, bitsPerSecond, queueFrames, egressFaults, ingressFaults, codel, offloads);
    }

    public LinkConfig withBitsPerSecond(long bps) {
        return new LinkConfig(mtu, latency, bps, queueFrames, egressFaults, ingressFaults, codel, offloads);
    }

    public LinkConfig withQueueFrames(int n) {
        return new LinkConfig(mtu, latency, bitsPerSecond, n, egressFaults, ingressFaults, codel, offloads);
    }

    /** The same faults in both directions. */
    public LinkConfig withFaults(Faults both) {
        return withFaults(both, both);
    }

    public LinkConfig withFaults(Faults egress, Faults ingress) {
        return new LinkConfig(mtu, latency, bitsPerSecond, queueFrames, egress, ingress, codel, offloads);
    }

    /** A bottleneck: {@code bps} with CoDel (RFC 8289) on each direction's queue; null {@code aqm}: tail drop. */
    public LinkConfig withCoDel(CoDel aqm) {
        return new LinkConfig(mtu, latency, bitsPerSecond, queueFrames, egressFaults, ingressFaults, aqm, offloads);
    }

    /** Checksum and segmentation offload on ({@code true}, the default) or off. */
    public LinkConfig withOffloads(boolean on) {
        return new LinkConfig(mtu, latency, bitsPerSecond, queueFrames, egressFaults, ingressFaults, codel, on);
    }

    /** The largest frame the link carries: {@code mtu + 14}. */
    public int maxFrame() {
        return mtu + NetworkDevice.ETHERNET_HEADER;
    }

    /** True if a direction delays frames at all (else a frame reaches the switch within the send call). */
    boolean shapes() {
        return !latency.isZero() || bitsPerSecond != 0;
    }
}
