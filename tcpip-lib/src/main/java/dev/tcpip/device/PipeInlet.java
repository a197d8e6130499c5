package dev.tcpip.device;

import dev.tcpip.time.EventLoop;

/**
 * The receiving side of an in-memory device whose frames arrive through a {@link Pipe} (a {@link MemoryNetwork}
 * port, an end of a {@link PointToPointLink}): attached once, it counts each frame it hands to the receiver on
 * the owner's loop.
 */
final class PipeInlet {
    private final String name;
    private final Pipe pipe;
    private final DeviceCounters counters;
    private FrameReceiver receiver;      // guarded by this; read on the loop through the pipe's sink
    private volatile OffloadReceiver offloadReceiver;   // the receiver if it takes offloads, else null
    private boolean closed;              // guarded by this

    PipeInlet(String name, Pipe pipe, DeviceCounters counters) {
        this.name = name;
        this.pipe = pipe;
        this.counters = counters;
    }

    /** Binds the pipe to {@code loop}; frames go to {@code rx} from now on. */
    synchronized void attach(EventLoop loop, FrameReceiver rx) {
        if (receiver != null) {
            throw new IllegalStateException("device " + name + " is already attached");
        }
        if (closed) {
            throw new IllegalStateException("device " + name + " is closed");
        }
        receiver = rx;
        offloadReceiver = rx instanceof OffloadReceiver o ? o : null;
        pipe.bind(loop, this::received);
    }

    /** Whether the receiver takes frames with an {@link OffloadReceiver} word (else only wire frames reach it). */
    boolean takesOffloads() {
        return offloadReceiver != null;
    }

    private void received(byte[] frame, int off, int len, int offload) {
        counters.increment(Counter.RX_FRAMES);
        counters.add(Counter.RX_BYTES, len);
        if (OffloadReceiver.gsoSize(offload) != 0) {
            counters.increment(Counter.RX_GSO_FRAMES);
        }
        if (offloadReceiver != null) {
            offloadReceiver.receive(frame, off, len, offload);
        } else {
            receiver.receive(frame, off, len);
        }
    }

    /** Drops what the pipe holds and refuses more. */
    synchronized void close() {
        closed = true;
        pipe.unbind();
    }
}
