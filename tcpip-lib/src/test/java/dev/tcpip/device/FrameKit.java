package dev.tcpip.device;

import dev.tcpip.time.EventLoop;
import dev.tcpip.wire.MacAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Test frames: Ethernet header, EtherType 0x88b5 (local experimental), a 4-byte sequence number, filler. */
final class FrameKit {
    private FrameKit() {}

    static byte[] frame(long dst, long src, int seq, int len) {
        byte[] f = new byte[len];
        new MacAddress(dst).write(f, 0);
        new MacAddress(src).write(f, 6);
        if (len >= 14) {
            f[12] = (byte) 0x88;
            f[13] = (byte) 0xb5;
        }
        for (int i = 14; i < len; i++) {
            f[i] = (byte) (i < 18 ? seq >>> (8 * (17 - i)) : i);
        }
        return f;
    }

    static int seq(byte[] f, int off) {
        return (f[off + 14] & 0xff) << 24 | (f[off + 15] & 0xff) << 16 | (f[off + 16] & 0xff) << 8 | (f[off + 17] & 0xff);
    }

    /** Records every received frame as "name:seq@time" plus a copy of its bytes. */
    static final class Sink implements FrameReceiver {
        final String name;
        final EventLoop loop;
        final List<String> events;
        final List<byte[]> frames = new ArrayList<>();

        Sink(String name, EventLoop loop, List<String> events) {
            this.name = name;
            this.loop = loop;
            this.events = events;
        }

        @Override
        public void receive(byte[] frame, int off, int len) {
            if (!loop.inLoop()) {
                throw new AssertionError("frame delivered off the owner's loop");
            }
            frames.add(Arrays.copyOfRange(frame, off, off + len));
            events.add(name + ":" + (len >= 18 ? seq(frame, off) : -1) + "@" + loop.now());
        }

        List<Integer> seqs() {
            return frames.stream().map(f -> seq(f, 0)).toList();
        }
    }
}
