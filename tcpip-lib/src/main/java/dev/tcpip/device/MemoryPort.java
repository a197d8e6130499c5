package dev.tcpip.device;

import dev.tcpip.time.Clock;
import dev.tcpip.time.EventLoop;
import dev.tcpip.wire.MacAddress;

/**
 * A device plugged into a {@link MemoryNetwork}: its link's two directions are {@link Pipe}s. With no latency
 * and no rate limit, the device-to-switch direction is skipped and a sent frame is switched within
 * {@code send}; the switch-to-device direction always queues, since it crosses to the receiver's loop.
 */
final class MemoryPort implements NetworkDevice {
    private final String name;
    private final long mac;
    private final LinkConfig link;
    private final Switch sw;
    private final DeviceCounters counters = new DeviceCounters();
    private final Pipe up;          // null: unshaped, frames go straight to the switch
    private final Pipe down;
    private final PipeInlet inlet;
    private volatile boolean attached;
    private volatile boolean closed;

    MemoryPort(String name, long mac, LinkConfig link, Switch sw, Clock clock) {
        this.name = name;
        this.mac = mac;
        this.link = link;
        this.sw = sw;
        this.up = link.shapes() ? new Pipe(clock, link, counters, LinkType.ETHERNET) : null;
        this.down = new Pipe(clock, link, counters, LinkType.ETHERNET);
        this.inlet = new PipeInlet(name, down, counters);
    }

    String name() {
        return name;
    }

    DeviceCounters counters() {
        return counters;
    }

    /** The CoDel queue of frames toward this device (switch to device), or null without CoDel. */
    CoDelQueue downQueue() {
        return down.aqm();
    }

    @Override
    public long mac() {
        return mac;
    }

    @Override
    public int mtu() {
        return link.mtu();
    }

    @Override
    public synchronized void attach(EventLoop loop, FrameReceiver rx) {
        inlet.attach(loop, rx);
        if (up != null) {
            up.bind(loop, (f, o, l) -> sw.forward(this, f, o, l));
        }
        attached = true;
    }

    @Override
    public void send(byte[] frame, int off, int len) {
        if (closed || (up != null && !attached)) {
            counters.increment(Counter.DROPPED_DETACHED);
        } else if (len < ETHERNET_HEADER) {
            counters.increment(Counter.DROPPED_RUNT);
        } else if (len > link.maxFrame()) {
            counters.increment(Counter.DROPPED_TOO_BIG);
        } else {
            counters.increment(Counter.TX_FRAMES);
            counters.add(Counter.TX_BYTES, len);
            if (up == null) {
                sw.forward(this, frame, off, len);
            } else {
                count(up.offer(frame, off, len));
            }
        }
    }

    /** From the switch: a frame for this device. */
    void deliver(byte[] frame, int off, int len) {
        if (len > link.maxFrame()) {
            counters.increment(Counter.DROPPED_TOO_BIG);     // the sender's link had a larger MTU
        } else {
            count(down.offer(frame, off, len));
        }
    }

    private void count(Pipe.Offer offer) {
        switch (offer) {
            case QUEUED -> { }
            case FULL -> counters.increment(Counter.DROPPED_QUEUE_FULL);
            case UNBOUND -> counters.increment(Counter.DROPPED_DETACHED);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        sw.remove(this);
        inlet.close();
        if (up != null) {
            up.unbind();
        }
    }

    @Override
    public String toString() {
        return "MemoryPort[" + name + ", " + new MacAddress(mac) + "]";
    }
}
