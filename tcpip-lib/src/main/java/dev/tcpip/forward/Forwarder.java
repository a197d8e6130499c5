package dev.tcpip.forward;

import dev.tcpip.RefusedException;
import dev.tcpip.Stack;
import dev.tcpip.TcpFlow;
import dev.tcpip.TimedOutException;
import dev.tcpip.UnreachableException;
import dev.tcpip.direct.DirectStack;
import dev.tcpip.direct.Refusal;
import dev.tcpip.direct.SynAnswer;
import dev.tcpip.direct.TcpForwarding;
import dev.tcpip.direct.tcp.ForwardedSynStats;
import dev.tcpip.internal.ChannelBacked;
import dev.tcpip.internal.LoopDelivered;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The forwarding of one direct stack (the guest side) to an upstream {@link Stack}: every guest TCP connection and
 * UDP flow to any address ends on the direct stack and is opened again upstream, the bytes relayed both ways.
 *
 * <pre>{@code
 * Forwarder f = new Forwarder(gatewayStack, socketStack, ForwarderConfig.DEFAULTS
 *         .withDestinations(ForwarderConfig.hostTo(gatewayAddress, loopback)));
 * f.start();
 * ...
 * f.close();   // every flow ends (RST to the guest), upstream sockets closed
 * }</pre>
 *
 * TCP: a guest's SYN is held by the direct stack while this connects upstream; success sends the SYN-ACK and, once
 * the guest completes the handshake, the two flows are relayed: a guest (direct) flow and a socket flow by a
 * {@link LoopSplice} (on the loop and one selector thread per forwarder), any other pair, or every pair with
 * {@code -Dtcpip.splice=threads}, by a {@link Splice} (a thread per direction). Refused upstream → RST; network
 * unreachable → ICMP net unreachable; host unreachable or a connect timeout → ICMP host unreachable; beyond
 * {@code maxFlows} or {@code maxPendingConnects} → RST. UDP: see {@link UdpForwarding}. A flow's slot is free again
 * once both its sides are closed (TCP) or it has been idle {@code udpIdleTimeout} (UDP). Threads are the direct
 * stack loop's application threads (virtual threads; tracked in a simulation), and the event relays' selector.
 */
public final class Forwarder implements AutoCloseable {
    private final DirectStack guestSide;
    private final Stack upstream;
    private final ForwarderConfig config;
    private final Semaphore slots;
    private final Set<Relay> relays = ConcurrentHashMap.newKeySet();
    private final UdpForwarding udp;
    private final Tcp tcp = new Tcp();
    private final AtomicInteger pendingConnects = new AtomicInteger();
    private final AtomicInteger tcpSlots = new AtomicInteger();
    final AtomicLong pendingAtLimit = new AtomicLong();
    final AtomicLong tcpOpened = new AtomicLong();
    final AtomicLong refusedAtLimit = new AtomicLong();
    final AtomicLong upstreamRefused = new AtomicLong();
    final AtomicLong upstreamUnreachable = new AtomicLong();
    final AtomicLong upstreamTimeouts = new AtomicLong();
    private volatile boolean started;
    private volatile boolean closed;
    /** The selector of the event-driven relays, made with the first one; guarded by this. */
    private RelaySelector selector;

    /**
     * How guest flows are relayed to socket flows: {@code events} (the default: {@link LoopSplice}, on the loop and a
     * selector) or {@code threads} ({@link Splice}, one thread per direction, as every other pair of flows is).
     */
    static final boolean THREAD_SPLICE = "threads".equals(System.getProperty("tcpip.splice", "events"));

    public Forwarder(DirectStack guestSide, Stack upstream, ForwarderConfig config) {
        this.guestSide = Objects.requireNonNull(guestSide, "guestSide");
        this.upstream = Objects.requireNonNull(upstream, "upstream");
        this.config = Objects.requireNonNull(config, "config");
        this.slots = new Semaphore(config.maxFlows());
        this.udp = new UdpForwarding(this, guestSide, upstream, config);
    }

    /** Turns forwarding on in the direct stack. Once only. */
    public synchronized void start() throws IOException {
        if (started || closed) {
            throw new IllegalStateException(closed ? "closed" : "already started");
        }
        started = true;
        guestSide.startForwarding(tcp, config.connectTimeout(), config.maxPendingConnects(), udp::fromGuest);
    }

    /**
     * Turns forwarding off and ends every flow: TCP flows with a RST to the guest and their upstream flows aborted,
     * UDP flows with their upstream ports closed. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            guestSide.stopForwarding();
        } catch (IOException e) {
            // the stack is gone: nothing forwards any more
        }
        for (Relay r : relays) {
            r.abort();
        }
        udp.close();
        if (selector != null) {
            selector.close();                                   // its relays were aborted above
        }
    }

    /** The event-driven relays' selector, started with the first; null once closed. */
    private synchronized RelaySelector selector() throws IOException {
        if (closed) {
            return null;
        }
        if (selector == null) {
            selector = new RelaySelector("relay-selector");
        }
        return selector;
    }

    public ForwarderStats stats() throws IOException {
        ForwardedSynStats syns = guestSide.forwardedSyns();
        return new ForwarderStats(relayCount(), udp.sessions(), tcpOpened.get(), udp.opened.get(),
                refusedAtLimit.get(), pendingAtLimit.get() + syns.refusedAtLimit(), upstreamRefused.get(), upstreamUnreachable.get(),
                upstreamTimeouts.get() + syns.timedOut(), udp.portUnreachable.get());
    }

    /** TCP flows open now, upstream connects under way included; readable from any thread, no loop call. */
    public int relayCount() {
        return tcpSlots.get();
    }

    /**
     * Waits until at most {@code count} TCP flows are open, for at most {@code timeout}; returns whether they are. A
     * blocking wait on a monitor: for real-time use (in a simulation, run it until {@link #relayCount()} says so).
     */
    public boolean awaitTcpFlows(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (tcpSlots) {
            while (tcpSlots.get() > count) {                    // each pass waits for a release or the deadline
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(tcpSlots, left);
            }
            return true;
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** A slot for a new flow, if fewer than {@code maxFlows} are open. */
    boolean takeSlot() {
        if (slots.tryAcquire()) {
            return true;
        }
        refusedAtLimit.incrementAndGet();
        return false;
    }

    void releaseSlot() {
        slots.release();
    }

    /** Application threads of the direct stack's loop (so that a simulation tracks them). */
    Executor threads(String name) {
        return body -> guestSide.loop().spawn(name, body::run);
    }

    private static Refusal count(AtomicLong counter, Refusal answer) {
        counter.incrementAndGet();
        return answer;
    }

    static Refusal refusalFor(UnreachableException e) {
        return e.scope() == UnreachableException.Scope.NETWORK ? Refusal.NET_UNREACHABLE : Refusal.HOST_UNREACHABLE;
    }

    /** One guest SYN's claim on a flow slot, given back exactly once. */
    private final class Slot {
        private final AtomicBoolean held = new AtomicBoolean(true);

        Slot() {
            tcpSlots.incrementAndGet();
        }

        void release() {
            if (held.compareAndSet(true, false)) {
                tcpSlots.decrementAndGet();
                releaseSlot();
                synchronized (tcpSlots) {
                    tcpSlots.notifyAll();                       // for awaitTcpFlows
                }
            }
        }
    }

    private record Attempt(InetSocketAddress guest, InetSocketAddress destination) {
    }

    /** The direct stack's question about each guest SYN. */
    private final class Tcp implements TcpForwarding {
        /** Connects under way, by guest and destination: a timeout gives their slots back. */
        private final Map<Attempt, Slot> connecting = new ConcurrentHashMap<>();

        @Override
        public SynAnswer open(InetSocketAddress guest, InetSocketAddress destination) {
            if (closed) {
                return SynAnswer.refuse(Refusal.RESET);
            }
            InetSocketAddress to = config.destinations().apply(destination);
            if (to == null) {
                return SynAnswer.refuse(Refusal.RESET);        // not forwarded
            }
            // Connects that outlived their guest's timeout still run upstream until the upstream's own timeout;
            // they count against maxPendingConnects too, so that upstream attempts stay bounded.
            if (pendingConnects.incrementAndGet() > config.maxPendingConnects()) {
                pendingConnects.decrementAndGet();
                pendingAtLimit.incrementAndGet();
                return SynAnswer.refuse(Refusal.RESET);
            }
            if (!takeSlot()) {
                pendingConnects.decrementAndGet();
                return SynAnswer.refuse(Refusal.RESET);        // at the limit: RST
            }
            Slot slot = new Slot();
            Attempt attempt = new Attempt(guest, destination);
            connecting.put(attempt, slot);
            TcpFlow up;
            try {
                up = upstream.tcp().connect(to);
            } catch (IOException | RuntimeException e) {
                slot.release();
                return SynAnswer.refuse(switch (e) {
                    case RefusedException r -> count(upstreamRefused, Refusal.RESET);
                    case UnreachableException u -> count(upstreamUnreachable, refusalFor(u));
                    case TimedOutException t -> count(upstreamTimeouts, Refusal.HOST_UNREACHABLE);
                    default -> Refusal.RESET;
                });
            } finally {
                connecting.remove(attempt, slot);
                pendingConnects.decrementAndGet();
            }
            Relay r = new Relay(up, slot);
            relays.add(r);
            if (closed) {                                       // close() ran meanwhile and did not see r
                r.abort();
                return SynAnswer.refuse(Refusal.RESET);
            }
            return SynAnswer.accept(r::established, r::abandoned);
        }

        @Override
        public void timedOut(InetSocketAddress guest, InetSocketAddress destination) {
            Slot s = connecting.get(new Attempt(guest, destination));
            if (s != null) {
                s.release();                                    // the guest was told; its slot is free again
            }
        }
    }

    /** One relayed TCP flow: the upstream flow, then the guest's once its handshake completes. */
    private final class Relay {
        private final TcpFlow up;
        private final Slot slot;
        private Runnable aborter;                               // the splice's abort; guarded by this
        private boolean ended;                                  // guarded by this

        Relay(TcpFlow up, Slot slot) {
            this.up = up;
            this.slot = slot;
        }

        void established(TcpFlow guest) {
            Executor threads = threads("relay-" + guest.src().getPort());
            if (!THREAD_SPLICE && guest instanceof LoopDelivered direct && up instanceof ChannelBacked channel) {
                RelaySelector sel;
                try {
                    sel = selector();
                } catch (IOException e) {
                    sel = null;
                }
                if (sel != null) {
                    LoopSplice s = new LoopSplice(guest, direct, channel, sel, threads, this::end);
                    if (take(guest, s::abort)) {
                        s.start();
                    }
                    return;
                }
            }
            Splice s = new Splice(guest, up, this::end);
            if (take(guest, s::abort)) {
                s.start(threads);
            }
        }

        /** Makes {@code abort} this relay's, unless it ended meanwhile (then the guest flow goes). */
        private boolean take(TcpFlow guest, Runnable abort) {
            synchronized (this) {
                if (ended) {
                    guest.abort();
                    return false;
                }
                aborter = abort;
            }
            tcpOpened.incrementAndGet();
            return true;
        }

        /** The guest never completed the handshake (or the SYN timed out): the upstream flow goes. */
        void abandoned() {
            up.abort();
            end();
        }

        void abort() {
            Runnable s;
            synchronized (this) {
                s = aborter;
                if (s == null) {
                    ended = true;
                }
            }
            if (s != null) {
                s.run();                                      // its end() follows once both directions stop
            } else {
                up.abort();
                end();
            }
        }

        private void end() {
            relays.remove(this);
            slot.release();
        }
    }
}
