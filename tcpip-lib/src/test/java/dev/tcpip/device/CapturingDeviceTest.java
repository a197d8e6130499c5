package dev.tcpip.device;

import static dev.tcpip.device.FrameKit.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tcpip.time.SimulatedLoop;
import dev.tcpip.time.Simulation;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CapturingDeviceTest {
    private static final long A = 0x0200_0000_000aL, B = 0x0200_0000_000bL;

    @Test
    void recordsBothDirectionsWithVirtualWallClockTimes() {
        try (Simulation sim = Simulation.withSeed(1)) {
            MemoryNetwork net = MemoryNetwork.simulated(sim);
            LinkConfig link = LinkConfig.DEFAULTS.withLatency(Duration.ofMillis(1));
            MemoryRecorder recorder = new MemoryRecorder(100);
            NetworkDevice a = new CapturingDevice(net.connect("a", A, link).device(), recorder, sim.clock());
            NetworkDevice b = net.connect("b", B, link).device();
            SimulatedLoop la = sim.newLoop("a"), lb = sim.newLoop("b");
            a.attach(la, (f, o, l) -> {});
            b.attach(lb, (f, o, l) -> {                       // echo back
                byte[] reply = frame(A, B, FrameKit.seq(f, o) + 1000, l);
                b.send(reply, 0, l);
            });
            la.execute(() -> a.send(frame(B, A, 7, 80), 0, 80));
            sim.runFor(Duration.ofMillis(10));

            long epoch = Instant.parse("2025-01-01T00:00:00Z").toEpochMilli() * 1_000_000L;
            List<MemoryRecorder.Frame> frames = recorder.frames();
            assertEquals(2, frames.size());
            assertEquals(FrameDirection.SENT, frames.get(0).direction());
            assertEquals(epoch, frames.get(0).epochNanos());
            assertArrayEquals(frame(B, A, 7, 80), frames.get(0).bytes());
            assertEquals(FrameDirection.RECEIVED, frames.get(1).direction());
            assertEquals(epoch + 4_000_000, frames.get(1).epochNanos());   // four link crossings of 1 ms
            assertArrayEquals(frame(A, B, 1007, 80), frames.get(1).bytes());
        }
    }

    @Test
    void memoryRecorderKeepsTheLatestFramesWithinItsCapacity() {
        MemoryRecorder r = new MemoryRecorder(3);
        byte[] f = new byte[20];
        for (int i = 0; i < 5; i++) {
            f[0] = (byte) i;
            r.record(i, f, 0, 20, FrameDirection.SENT);
        }
        assertEquals(List.of(2L, 3L, 4L), r.frames().stream().map(MemoryRecorder.Frame::epochNanos).toList());
        assertEquals(2, r.frames().getFirst().bytes()[0]);
        assertEquals(2, r.discarded());
    }
}
