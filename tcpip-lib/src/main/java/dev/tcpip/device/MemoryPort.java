package dev.tcpip.device;

import dev.tcpip.time.Clock;
import dev.tcpip.time.EventLoop;
import dev.tcpip.wire.GsoSegmenter;
import dev.tcpip.wire.MacAddress;

/**
 * A device plugged into a {@link MemoryNetwork}: its link's two directions are {@link Pipe}s. With no latency
 * and no rate limit, the device-to-switch direction is skipped and a sent frame is switched within
 * {@code send}; the switch-to-device direction always queues, since it crosses to the receiver's loop.
 *
 * <p>With {@linkplain LinkConfig#offloads() offloads} (and no CoDel, whose queue keeps no offload word) the port
 * completes TCP checksums and takes TCP super-segments, as a veth pair does: a frame sent with an offload word
 * crosses whole, word and all, to a port whose link has offloads, no CoDel and a receiver that takes them
 * ({@link OffloadReceiver}); to any other port it is cut into wire segments ({@link GsoSegmenter}) or has its TCP
 * checksum completed, on the sending loop, so a capture, ingress faults or CoDel there see what a wire carries.
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
    private final GsoSegmenter.Sink wire = this::deliverWire;
    private GsoSegmenter cutter;    // on the sending loop: cuts and completes this port's frames for other ports

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
            up.bind(loop, (f, o, l, w) -> sw.forward(this, f, o, l, w));
        }
        attached = true;
    }

    /** With offloads and without CoDel: TCP checksums may be left partial (the port completes them if need be). */
    @Override
    public boolean completesChecksums() {
        return link.offloads() && link.codel() == null;
    }

    /** With offloads and without CoDel: TCP super-segments up to an IP datagram's limit. */
    @Override
    public int maxSuperSegment() {
        return completesChecksums() ? MAX_DATAGRAM : 0;
    }

    private static final int MAX_DATAGRAM = 65_535;

    @Override
    public void send(byte[] frame, int off, int len) {
        send(frame, off, len, 0);
    }

    @Override
    public void send(byte[] frame, int off, int len, int offload) {
        int word = completesChecksums() ? offload : 0;
        int gso = OffloadReceiver.gsoSize(word);
        if (closed || (up != null && !attached)) {
            counters.increment(Counter.DROPPED_DETACHED);
        } else if (len < ETHERNET_HEADER) {
            counters.increment(Counter.DROPPED_RUNT);
        } else if (gso == 0 ? len > link.maxFrame() : len > MAX_DATAGRAM + ETHERNET_HEADER) {
            counters.increment(Counter.DROPPED_TOO_BIG);
        } else {
            int pieces = gso == 0 ? 1 : cutter().pieces(frame, off, len, gso);
            if (pieces < 0) {
                counters.increment(Counter.DROPPED_OFFLOAD);
                return;
            }
            if (gso != 0) {
                counters.increment(Counter.TX_GSO_WRITES);
            }
            counters.add(Counter.TX_FRAMES, pieces);
            counters.add(Counter.TX_BYTES, len);
            if (up == null) {
                sw.forward(this, frame, off, len, word);
            } else if (word == 0) {
                count(up.offer(frame, off, len));
            } else {
                int wireBytes = gso == 0 ? len : len + (pieces - 1) * cutter.headersLength();
                count(up.offer(frame, off, len, word, pieces, wireBytes));
            }
        }
    }

    private GsoSegmenter cutter() {
        if (cutter == null) {
            cutter = new GsoSegmenter(ETHERNET_HEADER, MAX_DATAGRAM + ETHERNET_HEADER);
        }
        return cutter;
    }

    /** Whether a frame with an offload word may reach this device's receiver whole, word and all. */
    private boolean takesOffloads() {
        return link.offloads() && link.codel() == null && inlet.takesOffloads();
    }

    /**
     * From the switch, on {@code from}'s sending loop: a frame for this device with its offload word, whole if this
     * device takes offloads, else cut or completed with {@code from}'s segmenter.
     */
    void deliver(MemoryPort from, byte[] frame, int off, int len, int offload) {
        if (offload == 0) {
            deliverWire(frame, off, len);
            return;
        }
        int gso = OffloadReceiver.gsoSize(offload);
        GsoSegmenter c = from.cutter();
        if (takesOffloads()) {
            int pieces = gso == 0 ? 1 : c.pieces(frame, off, len, gso);
            if (pieces < 0) {
                counters.increment(Counter.DROPPED_OFFLOAD);
            } else if (gso == 0 ? len > link.maxFrame() : c.headersLength() + gso > link.maxFrame()) {
                counters.increment(Counter.DROPPED_TOO_BIG);  // the sender's link had a larger MTU
            } else {
                int wireBytes = gso == 0 ? len : len + (pieces - 1) * c.headersLength();
                count(down.offer(frame, off, len, offload, pieces, wireBytes));
            }
        } else if (gso != 0) {
            int pieces = c.segment(frame, off, len, gso, wire);
            if (pieces < 0) {
                counters.increment(Counter.DROPPED_OFFLOAD);
            } else {
                counters.add(Counter.RX_GSO_SEGMENTED, pieces);
            }
        } else if (!c.complete(frame, off, len, wire)) {
            deliverWire(frame, off, len);                    // not TCP: its checksums are complete
        }
    }

    /** A frame as a wire carries it, for this device. */
    private void deliverWire(byte[] frame, int off, int len) {
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
