package dev.tcpip.device;

import dev.tcpip.time.Clock;
import dev.tcpip.time.EventLoop;
import java.util.Objects;

/**
 * A wrapper that hands every frame the stack sends or receives through {@code inner} to a
 * {@link FrameRecorder}, stamped with {@code clock}'s wall time, before passing it on. Around a
 * {@link FaultInjectingDevice} it records what the stack saw; inside one, what was on the wire.
 *
 * <pre>{@code
 * MemoryRecorder frames = new MemoryRecorder(10_000);
 * NetworkDevice dev = new CapturingDevice(link.device(), frames, sim.clock());
 * }</pre>
 */
public final class CapturingDevice extends WrappingDevice {
    private final FrameRecorder recorder;
    private final Clock clock;

    public CapturingDevice(NetworkDevice inner, FrameRecorder recorder, Clock clock) {
        super(inner);
        this.recorder = Objects.requireNonNull(recorder, "recorder");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void attach(EventLoop loop, FrameReceiver receiver) {
        Objects.requireNonNull(receiver, "receiver");
        inner.attach(loop, (f, o, l) -> {
            recorder.record(clock.epochNanos(), f, o, l, FrameDirection.RECEIVED);
            receiver.receive(f, o, l);
        });
    }

    @Override
    public void send(byte[] frame, int off, int len) {
        recorder.record(clock.epochNanos(), frame, off, len, FrameDirection.SENT);
        inner.send(frame, off, len);
    }
}
