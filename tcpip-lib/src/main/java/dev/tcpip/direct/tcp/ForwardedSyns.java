package dev.tcpip.direct.tcp;

import dev.tcpip.direct.ip.IcmpError;
import dev.tcpip.direct.StackCounter;
import dev.tcpip.direct.Refusal;
import dev.tcpip.direct.SynAnswer;
import dev.tcpip.direct.TcpForwarding;
import dev.tcpip.time.Timer;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.ParseException;
import dev.tcpip.wire.TcpHeader;
import dev.tcpip.wire.TcpView;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Forwarded SYNs (forwarding on): a SYN that no local listener takes is held while {@link TcpForwarding#open} is
 * asked on an application thread, and answered only then: with a SYN-ACK (the connection is created as in LISTEN,
 * RFC 9293 §3.10.7.2, on a listener of its own), a RST or an ICMP destination unreachable. Retransmissions of a
 * held SYN are absorbed. Bounded: at most {@code maxPending} held SYNs (beyond, RST), each for at most the connect
 * timeout (then ICMP host unreachable). Runs on the loop.
 */
final class ForwardedSyns {
    /** One held SYN: a copy of the segment, to be parsed again once the answer comes. */
    private static final class Held {
        final FourTuple id;
        final byte[] segment;
        Timer timeout;
        boolean done;

        Held(FourTuple id, byte[] segment) {
            this.id = id;
            this.segment = segment;
        }
    }

    private final DirectTcp layer;
    private final TcpForwarding hook;
    private final long timeoutNanos;
    private final int maxPending;
    private final Map<FourTuple, Held> held = new HashMap<>();

    long absorbed;
    long refusedAtLimit;
    long timedOut;

    ForwardedSyns(DirectTcp layer, TcpForwarding hook, long timeoutNanos, int maxPending) {
        this.layer = layer;
        this.hook = hook;
        this.timeoutNanos = timeoutNanos;
        this.maxPending = maxPending;
    }

    /** A segment for {@code id} with no connection and no local listener: RFC 9293 §3.10.7.2's checks, then hold. */
    void arrive(FourTuple id, TcpView seg, byte[] buf, int off, int len, long now) {
        if (seg.has(TcpHeader.RST)) {
            return;                                                  // LISTEN, first: ignore a RST
        }
        if (seg.has(TcpHeader.ACK) || !seg.has(TcpHeader.SYN)) {
            layer.counters.inc(StackCounter.TCP_RESETS_SENT);                                      // nothing to forward it to: as in CLOSED
            Segments.resetFor(layer, id.local(), id.remote(), seg, now);
            return;
        }
        if (held.containsKey(id)) {
            absorbed++;                                              // a retransmitted SYN: one question only
            return;
        }
        if (held.size() >= maxPending) {
            refusedAtLimit++;
            layer.counters.inc(StackCounter.TCP_RESETS_SENT);
            Segments.resetFor(layer, id.local(), id.remote(), seg, now);
            return;
        }
        Held h = new Held(id, Arrays.copyOfRange(buf, off, off + len));
        held.put(id, h);
        h.timeout = layer.loop().at(now + timeoutNanos, t -> expire(h, t));
        InetSocketAddress guest = new InetSocketAddress(id.remote().toInetAddress(), id.remotePort());
        InetSocketAddress destination = new InetSocketAddress(id.local().toInetAddress(), id.localPort());
        layer.loop().spawn("tcp-forward-" + id.localPort(), () -> {
            SynAnswer answer;
            try {
                answer = hook.open(guest, destination);
            } catch (Exception e) {
                answer = SynAnswer.refuse(Refusal.RESET);
            }
            SynAnswer a = answer == null ? SynAnswer.refuse(Refusal.RESET) : answer;
            try {
                layer.loop().<Void>submit((t, f) -> {
                    answered(h, a, t);
                    f.complete(null);
                }).await();
            } catch (Exception e) {
                abandon(a);                                          // the loop closed meanwhile
            }
        });
    }

    private void answered(Held h, SynAnswer answer, long now) {
        if (h.done) {
            abandon(answer);                                         // timed out or disconnected meanwhile
            return;
        }
        finish(h);
        TcpView syn;
        try {
            syn = parse(h);
        } catch (ParseException e) {
            abandon(answer);                                         // not reached: it was parsed on arrival
            return;
        }
        switch (answer) {
            case SynAnswer.Accept a -> {
                DirectTcp.Listener l = new DirectTcp.Listener(h.id.localPort(), null, a.established());
                l.abandoned = a.abandoned();
                Arrival.listen(layer, l, h.id, syn, now);            // SYN-RECEIVED, the SYN-ACK goes out
            }
            case SynAnswer.Refuse(Refusal how) when how == Refusal.RESET -> {
                layer.counters.inc(StackCounter.TCP_RESETS_SENT);
                Segments.resetFor(layer, h.id.local(), h.id.remote(), syn, now);
            }
            case SynAnswer.Refuse(Refusal how) ->
                    layer.ip().unreachable(now, IcmpError.Kind.valueOf(how.name()), h.id.remote(), h.id.local(), IpProtocol.TCP, h.segment);
        }
    }

    /** The connect timeout: the guest hears host unreachable (CLI.md), before its own SYN retries run out. */
    private void expire(Held h, long now) {
        if (h.done) {
            return;
        }
        finish(h);
        timedOut++;
        layer.ip().unreachable(now, IcmpError.Kind.HOST_UNREACHABLE, h.id.remote(), h.id.local(), IpProtocol.TCP,
                h.segment);
        hook.timedOut(new InetSocketAddress(h.id.remote().toInetAddress(), h.id.remotePort()),
                new InetSocketAddress(h.id.local().toInetAddress(), h.id.localPort()));
    }

    private void finish(Held h) {
        h.done = true;
        held.remove(h.id, h);
        if (h.timeout != null) {
            h.timeout.cancel();
        }
    }

    /** An accepted connection that will never be established: its {@code abandoned} runs on a thread of its own. */
    private void abandon(SynAnswer answer) {
        if (answer instanceof SynAnswer.Accept a) {
            runAbandoned(layer, a.abandoned());
        }
    }

    static void runAbandoned(DirectTcp layer, Runnable abandoned) {
        if (layer.loop().isClosed()) {
            Thread.ofVirtual().name("tcp-forward-abandoned").start(abandoned);
        } else {
            layer.loop().spawn("tcp-forward-abandoned", abandoned::run);
        }
    }

    /** Forwarding stops or the stack is disconnected: every held SYN is dropped, late answers abandoned. */
    void clear() {
        for (Held h : new ArrayList<>(held.values())) {
            finish(h);
        }
    }

    /**
     * The held SYN again: its checksum was verified when it arrived (or vouched for by a device with receive
     * offloads, whose copy holds only the pseudo-header sum), so it is not summed again.
     */
    private TcpView parse(Held h) throws ParseException {
        byte[] s = h.segment;
        return TcpView.parseChecksummed(s, 0, s.length);
    }

    ForwardedSynStats stats() {
        return new ForwardedSynStats(held.size(), absorbed, refusedAtLimit, timedOut);
    }
}
